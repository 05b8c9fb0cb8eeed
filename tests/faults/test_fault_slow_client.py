"""A client that says hello and then never reads costs the hub a bounded outbox only.

Its socket buffers fill, its outbox reaches the limit, the hub forgets what it queued and
marks it for a fresh snapshot; a wall on the same hub keeps getting positions promptly.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import ClientConnection

from backend_client.protocol.messages import Fix
from hub.roster import OfficerRecord
from tests.faults.streams import Watcher, open_stream
from tests.support.hubs import TEAMS, LiveHub

QUEUE_LIMIT = 16
STEPS = 80
# A district's worth of officers, so that each positions batch is ~200 kB and the
# sleeper's socket buffers fill within a few batches.
FLEET = [
    OfficerRecord(f"F{i:04d}", f"警员F{i:04d}", f"F{i:08d}", TEAMS[i % 2].id, f"fdev-{i:04d}")
    for i in range(2000)
]


@pytest.fixture
def small_outbox_hub(db_url: str) -> Iterator[LiveHub]:
    test_hub = LiveHub(db_url, client_queue_frames=QUEUE_LIMIT).start()
    yield test_hub
    test_hub.stop()


def _move_fleet(hub: LiveHub, step: int) -> None:
    now = time.time()
    fixes = [
        Fix(id=o.id, lat=29.0 + i * 1e-4, lon=119.6 + step * 5e-4, ts=now, speed=1.5, heading=90)
        for i, o in enumerate(FLEET)
    ]

    async def batch() -> None:
        hub.hub.offer_fixes(fixes)
        await hub.hub.flush_positions()

    hub.run(batch())


def _stingy_socket(port: int) -> socket.socket:
    """A client socket with the smallest receive window, so the hub's sends back up fast."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


def test_a_client_that_never_reads_has_a_bounded_outbox(small_outbox_hub: LiveHub) -> None:
    hub = small_outbox_hub

    hub.run(hub.hub.seed(TEAMS, FLEET))

    async def scenario() -> None:
        watcher = Watcher(await open_stream(hub, max_size=None))
        sleeper = await open_stream(
            hub, sock=_stingy_socket(hub.port), max_queue=1, max_size=None, compression=None
        )
        try:
            await exercise(watcher, sleeper)
        finally:
            await sleeper.close()
            await watcher.close()

    async def exercise(watcher: Watcher, sleeper: ClientConnection) -> None:
        # From here on the sleeper reads nothing.
        deepest = 0
        marked: int | None = None
        delays: list[float] = []
        for step in range(STEPS):
            started = time.monotonic()
            await asyncio.to_thread(_move_fleet, hub, step)
            await watcher.until_positions(step + 1, timeout=5)  # one frame per flushed move
            if step % 10 == 0:
                await asyncio.to_thread(hub.change, step)  # and logged events among them
            await watcher.until_seq(hub.hub.published_seq, timeout=5)
            delays.append(time.monotonic() - started)
            deepest = max(deepest, *(s.queue.qsize() for s in hub.hub.subscribers))
            if marked is None and any(s.needs_snapshot for s in hub.hub.subscribers):
                marked = step
        slow = [s for s in hub.hub.subscribers if s.needs_snapshot]
        assert len(slow) == 1, "the sleeper was never marked for a snapshot"
        assert slow[0].dropped > 0
        assert deepest <= QUEUE_LIMIT + 1  # the limit, or the one 'snapshot' marker
        watcher.assert_in_order()
        assert len(watcher.positions) >= STEPS and len(watcher.seqs) >= STEPS // 10
        delays.sort()
        print(f"snapshot mark at step {marked}; delay median {delays[len(delays) // 2]:.3f} s")
        assert delays[len(delays) // 2] < 0.5, delays  # median, store included
        assert delays[-1] < 2.0, delays

        # When it reads again it is given the current picture, then live events.
        picture = None
        async with asyncio.timeout(15):
            async for raw in sleeper:
                frame = json.loads(raw)
                if frame["type"] == "snapshot":
                    picture = frame
                    break
        assert picture is not None and picture["seq"] <= hub.hub.published_seq
        shown = max(unit.get("ts", 0.0) for unit in picture["units"])
        await asyncio.to_thread(_move_fleet, hub, STEPS)
        async with asyncio.timeout(10):
            while True:
                frame = json.loads(await sleeper.recv())
                if frame["type"] == "unit.positions" and frame["fixes"][0]["ts"] > shown:
                    break  # live again: fixes newer than its picture

    asyncio.run(scenario())
