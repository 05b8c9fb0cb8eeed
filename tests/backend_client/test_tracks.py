"""Track history for trails: bounded per officer, fed from position batches, never doubled."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from backend_client.protocol.messages import Fix
from backend_client.tracks import TrackHistory
from backend_client.transport import FeedClient
from tests.support.hubs import OFFICERS, LiveHub


def _batch(t: float, ids: list[str], lon: float | None = None) -> list[Fix]:
    return [
        Fix(id=uid, lat=29.0 + i * 0.01, lon=119.6 + (t if lon is None else lon) * 1e-4, ts=t)
        for i, uid in enumerate(ids)
    ]


def test_a_trail_keeps_the_last_minutes_oldest_first() -> None:
    tracks = TrackHistory(minutes=1.0, min_interval=1.0)
    for t in range(200):
        tracks.add(_batch(float(t), ["a", "b"]))
    trail = tracks.trail("a")
    assert trail.ts[0] == 199 - 60 and trail.ts[-1] == 199
    assert np.all(np.diff(trail.ts) == 1.0)
    assert trail.lon == pytest.approx(119.6 + trail.ts * 1e-4)
    assert tracks.trail("b").lat == pytest.approx(np.full(61, 29.01))
    assert len(tracks.trail("nobody")) == 0
    # Measured from a later "now", only what is still inside the window remains.
    assert len(tracks.trail("a", now=199 + 30)) == 31


def test_memory_is_bounded_whatever_the_rate() -> None:
    tracks = TrackHistory(minutes=0.5, min_interval=2.0)
    before = tracks.nbytes
    for t in range(0, 5000):
        tracks.add(_batch(t * 0.5, ["a"]))  # fixes at 2 Hz, sampled every 2 s
    assert tracks.nbytes == before
    assert len(tracks.trail("a")) == 16  # 30 s / 2 s, both ends included
    assert np.all(np.diff(tracks.trail("a").ts) == 2.0)


def test_replayed_and_out_of_order_fixes_do_not_double_points() -> None:
    tracks = TrackHistory(minutes=10.0, min_interval=1.0)
    first = _batch(10.0, ["a", "b"])
    assert tracks.add(first) == 2
    assert tracks.add(first) == 0  # the same batch again (a duplicate event)
    assert tracks.add(_batch(5.0, ["a"])) == 0  # older than what we have
    assert tracks.add(_batch(10.5, ["a"])) == 0  # too soon after the last sample
    # Two fixes of one officer in one batch: both kept, in time order.
    assert tracks.add([*_batch(13.0, ["a"]), *_batch(12.0, ["a"])]) == 2
    assert list(tracks.trail("a").ts) == [10.0, 12.0, 13.0]


def test_many_officers_grow_the_table() -> None:
    tracks = TrackHistory(minutes=1.0, min_interval=1.0, rows=4)
    ids = [f"U{i}" for i in range(1000)]
    for t in range(3):
        tracks.add(_batch(float(t), ids))
    assert len(tracks) == 1000
    trails = tracks.trails(["U0", "U999"])
    assert [len(trail) for trail in trails.values()] == [3, 3]
    assert trails["U999"].lat[0] == pytest.approx(29.0 + 999 * 0.01)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[LiveHub]:
    live = LiveHub(tmp_path / "hub.db").start()
    yield live
    live.stop()


def test_the_client_feeds_trails_from_the_live_stream(hub: LiveHub) -> None:
    async def scenario() -> None:
        tracks = TrackHistory(minutes=5.0, min_interval=0.001)
        client = FeedClient(hub.stream_url, hub.token["wall"], tracks=tracks)
        task = asyncio.create_task(client.run())
        await client.wait_synced()
        for step in range(5):
            await asyncio.to_thread(hub.move, step)
            await asyncio.sleep(0.005)  # fixes carry distinct times
        while client.state.seq != hub.hub.published_seq:
            await asyncio.sleep(0.01)
        trail = tracks.trail("U003")
        assert trail.lon == pytest.approx([119.60 + step * 0.0005 for step in range(5)])
        assert len(tracks) == len(OFFICERS)
        await client.stop()
        await task

    asyncio.run(scenario())
