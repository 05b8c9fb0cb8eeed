"""Raw websocket helpers for the fault suite: hello, and an in-order event watcher."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from tests.support.hubs import LiveHub


async def open_stream(hub: LiveHub, role: str = "wall", **options: Any) -> ClientConnection:
    """Connect, say hello and read the welcome and the snapshot."""
    ws = await connect(hub.stream_url, open_timeout=5, **options)
    await ws.send(json.dumps({"type": "hello", "token": hub.token[role]}))
    welcome = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert welcome["type"] == "welcome", welcome
    snapshot = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert snapshot["type"] == "snapshot", snapshot
    return ws


class Watcher:
    """A well-behaved client: reads everything, records stored events' seq and delay,
    and when each live positions frame (no seq) came."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.seqs: list[int] = []
        self.arrived: dict[int, float] = {}  # seq -> loop time it was read
        self.heartbeats: list[float] = []  # loop time each heartbeat was read
        self.positions: list[float] = []  # loop time each unit.positions frame was read
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            frame = json.loads(raw)
            if frame["type"] == "heartbeat":
                self.heartbeats.append(asyncio.get_running_loop().time())
            if frame["type"] == "unit.positions":
                assert "seq" not in frame, "live positions are not numbered"
                self.positions.append(asyncio.get_running_loop().time())
            if frame["type"] in ("heartbeat", "res", "error", "snapshot", "unit.positions"):
                continue
            seq = int(frame["seq"])
            self.seqs.append(seq)
            self.arrived[seq] = asyncio.get_running_loop().time()

    async def until_seq(self, seq: int, timeout: float = 10.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.seqs or self.seqs[-1] < seq:
            assert not self._task.done(), "the watcher's stream ended"
            assert loop.time() < deadline, f"seq {seq} not received; got {self.seqs[-5:]}"
            await asyncio.sleep(0.01)

    async def until_positions(self, count: int, timeout: float = 10.0) -> None:
        """Until ``count`` positions frames have arrived in all."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.positions) < count:
            assert not self._task.done(), "the watcher's stream ended"
            assert loop.time() < deadline, f"{count} positions frames not received"
            await asyncio.sleep(0.01)

    def assert_in_order(self) -> None:
        assert self.seqs, "no events received"
        assert self.seqs == list(range(self.seqs[0], self.seqs[0] + len(self.seqs))), self.seqs

    async def close(self) -> None:
        await self.ws.close()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
