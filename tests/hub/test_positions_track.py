"""Every fix a device is answered 200 for is stored: the track of record, over loopback.

Traccar Client (and the OsmAnd protocol's other senders) keep fixes in a buffer while
offline and, once online, send them oldest first, one request after another, deleting
each fix on its 200. These tests send a recorded-shape car track that way and read it
back with ``unit.track``; send fixes twice (a retry); send an old fix after a newer one
(it belongs in the track, not on the live map). SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend_client.link import LinkStatus
from backend_client.protocol.messages import Fix, StoredEvent, UnitPositions
from backend_client.state import FeedState
from backend_client.transport import FeedClient
from hub.store.models import Position
from tests.support.hubs import LiveHub

KNOTS_PER_KMH = 1 / 1.852
EARTH_M = 6_371_000.0


@dataclass(frozen=True)
class TrackFix:
    ts: int
    lat: float
    lon: float
    speed_kmh: float
    heading: float


def recorded_track(t0: int, n: int = 104) -> list[TrackFix]:
    """A car's track the shape of a recorded one: a fix every 10 s, stops and 0-50 km/h,
    a turn at every corner and drift between; positions follow speed and heading."""
    lat, lon, heading = 29.0790, 119.6470, 35.0
    fixes = []
    for k in range(n):
        if k % 17 in (0, 1):
            speed = 0.0  # waiting at lights
        else:
            speed = round(min(50.0, max(0.0, 28.0 + 22.0 * math.sin(k / 5.0))), 1)
        if k % 13 == 6:
            heading += 90.0  # a right turn at a corner
        elif k % 11 == 3:
            heading -= 90.0
        else:
            heading += 6.0 * math.sin(k / 3.0)  # the road bends
        heading %= 360.0
        fixes.append(TrackFix(t0 + 10 * k, lat, lon, speed, round(heading, 1)))
        metres = speed / 3.6 * 10.0
        lat += metres * math.cos(math.radians(heading)) / 111_320.0
        lon += metres * math.sin(math.radians(heading)) / (111_320.0 * math.cos(math.radians(lat)))
    return fixes


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_M * math.asin(math.sqrt(h))


def _query(device: str, fix: TrackFix) -> dict[str, str]:
    return {
        "id": device,
        "lat": f"{fix.lat:.7f}",
        "lon": f"{fix.lon:.7f}",
        "timestamp": str(fix.ts),
        "speed": repr(fix.speed_kmh * KNOTS_PER_KMH),
        "bearing": repr(fix.heading),
    }


async def _post_fix(session: aiohttp.ClientSession, hub: LiveHub, query: dict[str, str]) -> int:
    # As Traccar Client does: a POST to the server URL (which carries the token) with the
    # fix in the query.
    params = {**query, "token": hub.token["source"]}
    async with session.post(f"{hub.api_url}/osmand", params=params) as response:
        await response.read()
        return response.status


def _rows(hub: LiveHub, officer: str) -> list[tuple[float, float, float]]:
    with Session(hub.hub.engine) as session:
        rows = session.execute(
            select(Position.ts, Position.lat, Position.lon)
            .where(Position.officer_id == officer)
            .order_by(Position.ts)
        ).all()
    return [(float(ts), float(lat), float(lon)) for ts, lat, lon in rows]


class Positions:
    """A stream listener that keeps every positions batch it is sent."""

    def __init__(self) -> None:
        self.batches: list[UnitPositions] = []

    def on_snapshot(self, state: FeedState) -> None:
        pass

    def on_link(self, status: LinkStatus) -> None:
        pass

    def on_event(self, event: StoredEvent) -> None:
        if isinstance(event, UnitPositions):
            self.batches.append(event)

    def fixes_of(self, officer: str) -> list[Fix]:
        return [fix for batch in self.batches for fix in batch.fixes if fix.id == officer]


async def _until(predicate: Any, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


@pytest.fixture
def slow_stream_hub(db_url: str) -> Iterator[LiveHub]:
    """A hub whose stream batches positions once a second: an acknowledgement that waited
    for the stream's cadence would take a second per fix."""
    live = LiveHub(db_url, position_batch_seconds=1.0).start()
    yield live
    live.stop()


def test_a_buffered_track_sent_in_a_burst_is_stored_whole_in_order(
    slow_stream_hub: LiveHub,
) -> None:
    hub = slow_stream_hub
    officer, device = "U005", "dev-005"
    t0 = int(time.time()) - 3600  # the phone was offline for the last hour
    track = recorded_track(t0)
    assert len(track) == 104
    assert {f.speed_kmh for f in track} >= {0.0, 50.0}
    assert len({f.heading for f in track}) > 50

    async def scenario() -> None:
        positions = Positions()
        client = FeedClient(hub.stream_url, hub.token["wall"], positions)
        task = asyncio.create_task(client.run())
        await client.wait_synced()
        started = time.perf_counter()
        answers = []
        async with aiohttp.ClientSession() as session:
            for fix in track:  # one after another, each after the previous 200
                status = await _post_fix(session, hub, _query(device, fix))
                answers.append(status)
                if status == 200:
                    # A 200 means stored: the row is there when the answer is.
                    assert _rows(hub, officer)[-1][0] == fix.ts
        burst = time.perf_counter() - started
        assert answers == [200] * len(track)
        print(f"{len(track)} fixes answered one after another in {burst:.2f} s")
        # No fixed wait per fix: the stream's 1 s cadence is not the answers' pace.
        assert burst < 0.25 * len(track), f"{burst:.1f} s for {len(track)} fixes"

        reply = await client.request(
            "unit.track", {"unit_id": officer, "start": t0 - 1.0, "end": t0 + 2000.0}
        )
        points = reply["points"]
        assert len(points) == len(track)
        assert [p[0] for p in points] == [float(f.ts) for f in track]  # in fix-time order
        for point, fix in zip(points, track, strict=True):
            assert metres_between((point[1], point[2]), (fix.lat, fix.lon)) < 1.0
            assert point[3] == pytest.approx(fix.speed_kmh / 3.6, abs=0.01)
            assert point[4] == pytest.approx(fix.heading)

        # The wall follows the newest fix, in batches at the stream's cadence, never back.
        last = track[-1]
        await _until(lambda: client.state.units[officer].ts == float(last.ts), timeout=5)
        streamed = [fix.ts for fix in positions.fixes_of(officer)]
        assert streamed == sorted(streamed) and len(set(streamed)) == len(streamed)
        assert len(positions.batches) <= burst / 1.0 + 3, (len(positions.batches), burst)
        assert hub.hub.state.units[officer].ts == float(last.ts)
        unit = client.state.units[officer]
        assert metres_between((unit.lat, unit.lon), (last.lat, last.lon)) < 1.0
        await client.stop()
        await task

    asyncio.run(scenario())


def test_the_same_fix_sent_again_is_stored_once(hub: LiveHub) -> None:
    officer, device = "U007", "dev-007"
    t0 = int(time.time()) - 600
    track = recorded_track(t0, 5)

    async def scenario() -> list[int]:
        async with aiohttp.ClientSession() as session:
            statuses = [await _post_fix(session, hub, _query(device, track[0]))]
            # A retry after a lost answer, then the whole buffer sent again.
            statuses.append(await _post_fix(session, hub, _query(device, track[0])))
            for _ in range(2):
                for fix in track:
                    statuses.append(await _post_fix(session, hub, _query(device, fix)))
        return statuses

    assert asyncio.run(scenario()) == [200] * 12
    assert [row[0] for row in _rows(hub, officer)] == [float(f.ts) for f in track]

    # The hub's own producers (fire and forget) are deduplicated the same way.
    again = [
        Fix(id=officer, lat=f.lat, lon=f.lon, ts=float(f.ts), speed=f.speed_kmh / 3.6)
        for f in track
    ]

    async def offer_twice() -> None:
        hub.hub.offer_fixes(again)
        hub.hub.offer_fixes(again)
        await hub.hub.flush_positions()

    hub.run(offer_twice())
    assert [row[0] for row in _rows(hub, officer)] == [float(f.ts) for f in track]
    with Session(hub.hub.engine) as session:
        total = session.scalar(select(func.count()).select_from(Position))
    assert total == len(track)


def test_an_old_fix_sent_late_is_in_the_track_but_not_on_the_live_map(hub: LiveHub) -> None:
    officer, device = "U004", "dev-004"
    now = int(time.time())
    new = TrackFix(now - 5, 29.0900, 119.6500, 30.0, 90.0)
    old = TrackFix(now - 65, 29.0700, 119.6300, 20.0, 270.0)  # a minute older, 2.8 km away
    marker = TrackFix(now - 1, 29.1000, 119.6600, 10.0, 0.0)

    async def scenario() -> None:
        positions = Positions()
        client = FeedClient(hub.stream_url, hub.token["wall"], positions)
        task = asyncio.create_task(client.run())
        await client.wait_synced()
        async with aiohttp.ClientSession() as session:
            assert await _post_fix(session, hub, _query(device, new)) == 200
            await _until(lambda: client.state.units[officer].ts == float(new.ts))
            assert await _post_fix(session, hub, _query(device, old)) == 200
            # Another officer's fix after it: once the wall has that, it has had every
            # batch that could have carried the old one.
            assert await _post_fix(session, hub, _query("dev-009", marker)) == 200
        await _until(lambda: client.state.units["U009"].ts == float(marker.ts))
        assert [fix.ts for fix in positions.fixes_of(officer)] == [float(new.ts)]
        unit = client.state.units[officer]
        assert (unit.lat, unit.lon, unit.ts) == (new.lat, new.lon, float(new.ts))
        assert hub.hub.state.units[officer].ts == float(new.ts)

        # A wall connecting now gets a snapshot with the newest fix.
        late = FeedClient(hub.stream_url, hub.token["wall"])
        late_task = asyncio.create_task(late.run())
        await late.wait_synced()
        seen = late.state.units[officer]
        assert (seen.lat, seen.lon, seen.ts) == (new.lat, new.lon, float(new.ts))

        # Both fixes are in the track, in fix-time order.
        reply = await late.request(
            "unit.track", {"unit_id": officer, "start": now - 120.0, "end": float(now)}
        )
        assert [p[:3] for p in reply["points"]] == [
            [float(old.ts), old.lat, old.lon],
            [float(new.ts), new.lat, new.lon],
        ]
        for feed, running in ((client, task), (late, late_task)):
            await feed.stop()
            await running

    asyncio.run(scenario())


def test_a_restarted_hub_shows_the_newest_fix_by_fix_time(hub: LiveHub) -> None:
    officer, device = "U002", "dev-002"
    now = int(time.time())
    newer = TrackFix(now - 10, 29.0950, 119.6550, 0.0, 0.0)
    older = TrackFix(now - 300, 29.0600, 119.6200, 0.0, 0.0)

    async def send() -> list[int]:
        async with aiohttp.ClientSession() as session:
            return [
                await _post_fix(session, hub, _query(device, newer)),
                await _post_fix(session, hub, _query(device, older)),  # stored last
            ]

    assert asyncio.run(send()) == [200, 200]
    hub.stop()
    hub.start(seed=False)
    unit = hub.hub.state.units[officer]
    assert (unit.lat, unit.lon, unit.ts) == (newer.lat, newer.lon, float(newer.ts))
    # And after the restart an older fix still does not move the officer back.
    older_still = TrackFix(now - 200, 29.0610, 119.6210, 0.0, 0.0)

    async def send_old() -> int:
        async with aiohttp.ClientSession() as session:
            return await _post_fix(session, hub, _query(device, older_still))

    assert asyncio.run(send_old()) == 200
    hub.run(hub.hub.flush_positions())
    assert hub.hub.state.units[officer].ts == float(newer.ts)
    assert len(_rows(hub, officer)) == 3


def test_fixes_with_no_finite_time_or_speed_are_refused(hub: LiveHub) -> None:
    async def scenario() -> list[int]:
        base = {"id": "dev-001", "lat": "29.08", "lon": "119.64"}
        async with aiohttp.ClientSession() as session:
            return [
                await _post_fix(session, hub, {**base, "timestamp": "nan"}),
                await _post_fix(session, hub, {**base, "timestamp": "inf"}),
                await _post_fix(session, hub, {**base, "speed": "nan"}),
                await _post_fix(session, hub, {**base, "bearing": "-inf"}),
            ]

    assert asyncio.run(scenario()) == [400, 400, 400, 400]
    assert _rows(hub, "U001") == []
