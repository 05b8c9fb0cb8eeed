"""Client decode + apply cost, and event-loop stalls under a 20,000 positions/s feed.

``python bench/run.py client_apply [--quick]`` prints:

- ``decode_apply_*``: :meth:`FeedClient._receive` (decode, newest-fix check, apply to the
  state, track history) on ``unit.positions`` frames of realistic size: every officer
  once a second, one batch every 50 ms, so ``officers / 20`` fixes per frame.
- ``qasync_*``: a scripted hub (a thread of this process) streams 20,000 positions/s to a
  :class:`QtFeed` on a qasync loop in a child process (a crash there cannot take this one
  down), with a lag probe on that loop: the longest stall (budget 50 ms) and the p99.

The child is also what ``tests/backend_client/test_qt_flood.py`` runs:
``python -m bench.client_apply child URL SECONDS``, printing one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from backend_client.protocol import decode_client, decode_server, encode
from backend_client.protocol.messages import (
    Fix,
    Heartbeat,
    Hello,
    Snapshot,
    Team,
    Unit,
    UnitPositions,
    Welcome,
)

ROOT = Path(__file__).resolve().parents[1]


def _roster(officers: int) -> Snapshot:
    return Snapshot(
        seq=0,
        ts=time.time(),
        teams=[Team(id="T1", name="城东中队")],
        units=[
            Unit(id=f"U{i:05d}", name=f"警员{i}", team="T1", lat=29.08, lon=119.64, ts=0.0)
            for i in range(officers)
        ],
    )


def _batch(seq: int, officers: int, size: int, ts: float) -> UnitPositions:
    """The ``seq``-th batch (live positions carry no seq: it only picks the officers)."""
    first = (seq * size) % officers
    return UnitPositions(
        ts=ts,
        fixes=[
            Fix(
                id=f"U{(first + k) % officers:05d}",
                lat=29.08 + (seq % 100) * 1e-5,
                lon=119.64 + k * 1e-6,
                ts=ts,
                speed=1.2,
                heading=90.0,
            )
            for k in range(size)
        ],
    )


# ---- decode and apply, no I/O ----------------------------------------------------------


def decode_apply(officers: int, frames: int, with_tracks: bool) -> dict[str, float]:
    from backend_client.tracks import TrackHistory
    from backend_client.transport import FeedClient

    size = max(1, officers // 20)
    tracks = TrackHistory() if with_tracks else None  # 5 minutes, a sample per 2 s
    client = FeedClient("ws://unused", "t", tracks=tracks)
    client._receive(encode(_roster(officers)))
    raws = [
        encode(_batch(seq, officers, size, 1000.0 + seq * 0.05)) for seq in range(1, frames + 1)
    ]
    started = time.perf_counter()
    for raw in raws:
        client._receive(raw)
    elapsed = time.perf_counter() - started
    # Every fix was newer than the one before it, so each was taken.
    last = decode_server(raws[-1])
    assert isinstance(last, UnitPositions)
    assert all(client.state.units[f.id].ts == f.ts for f in last.fixes)
    return {
        "events_per_s": frames / elapsed,
        "positions_per_s": frames * size / elapsed,
        "ms_per_event": 1000 * elapsed / frames,
        "fixes_per_event": float(size),
    }


# ---- the scripted hub ------------------------------------------------------------------


class PositionsFeeder:
    """A hub at the edge that streams positions batches at a fixed rate to each client."""

    def __init__(self, officers: int, batch: int, frames_per_s: float, seconds: float) -> None:
        self.officers, self.batch = officers, batch
        self.frames_per_s, self.seconds = frames_per_s, seconds
        self.sent = 0
        self.port = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, daemon=True, name="feeder")

    def __enter__(self) -> PositionsFeeder:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/stream"

    def _main(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        from websockets.asyncio.server import serve

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with serve(self._handle, "127.0.0.1", 0, max_queue=None) as server:
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self._ready.set()
            await self._stop.wait()

    async def _handle(self, ws: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        hello = decode_client(await ws.recv())
        assert isinstance(hello, Hello)
        await ws.send(encode(Welcome(role="wall", server_time=time.time())))
        await ws.send(encode(_roster(self.officers)))
        seq = 0
        start = time.perf_counter()
        try:
            while (elapsed := time.perf_counter() - start) < self.seconds:
                due = int(elapsed * self.frames_per_s)
                while seq < due:
                    seq += 1
                    await ws.send(encode(_batch(seq, self.officers, self.batch, time.time())))
                    self.sent = seq
                await asyncio.sleep(0.002)
            # Positions are not logged: the log is still at the roster's seq 0.
            await ws.send(encode(Heartbeat(seq=0, ts=time.time())))
            await ws.wait_closed()
        except ConnectionClosed:
            pass


# ---- the child: QtFeed on a qasync loop ------------------------------------------------


def child(url: str, seconds: float) -> dict[str, float]:
    """Run a QtFeed against ``url`` for ``seconds`` on qasync; measure stalls and refcounts."""
    import qasync
    from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

    from backend_client.qt import PositionBatch, QtFeed

    app = QCoreApplication.instance() or QCoreApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    feed = QtFeed(url, "token")
    flushed = {"batches": 0, "positions": 0}

    def on_positions(batch: PositionBatch) -> None:
        flushed["batches"] += 1
        flushed["positions"] += len(batch)

    feed.positionsChanged.connect(on_positions)
    lags: list[float] = []

    async def probe(until: float) -> None:
        period = 0.005
        while time.perf_counter() < until:
            before = time.perf_counter()
            await asyncio.sleep(period)
            lags.append(max(0.0, time.perf_counter() - before - period))

    async def main() -> dict[str, float]:
        feed.start()
        await feed.client.wait_synced(10)
        none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
        applied_before = feed.client.live_frames
        started = time.perf_counter()
        await probe(started + seconds)
        elapsed = time.perf_counter() - started
        applied = feed.client.live_frames - applied_before
        none_after, true_after = sys.getrefcount(None), sys.getrefcount(True)
        await feed.stop()
        return {
            "frames_applied": float(applied),
            "frames_per_s": applied / elapsed,
            "positions_flushed_per_s": flushed["positions"] / elapsed,
            "flushes_per_s": flushed["batches"] / elapsed,
            "max_stall_ms": 1000 * max(lags),
            "p99_stall_ms": 1000 * statistics.quantiles(lags, n=100)[98],
            "refcount_none_before": float(none_before),
            "refcount_none_after": float(none_after),
            "refcount_true_before": float(true_before),
            "refcount_true_after": float(true_after),
        }

    with loop:
        result: dict[str, float] = loop.run_until_complete(main())

    # The PySide6 6.12-on-3.11 bug (shared/QT-NOTES.md), measured directly: a void C++
    # call and a Signal.emit() must leave the refcounts of None and True unchanged.
    class Pinger(QObject):
        ping = Signal(bool)

    timer, pinger, calls = QTimer(), Pinger(), 50_000
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(calls):
        timer.setInterval(16)
        pinger.ping.emit(True)
    result["none_lost_per_call"] = (none_before - sys.getrefcount(None)) / calls
    result["true_lost_per_emit"] = (true_before - sys.getrefcount(True)) / calls
    return result


def run_child(url: str, seconds: float, timeout: float) -> tuple[int, dict[str, float], str]:
    """The child in its own process: (exit code, figures, stderr)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.client_apply", "child", url, str(seconds)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    figures: dict[str, float] = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            figures = json.loads(line)
    return done.returncode, figures, done.stderr


# ---- bench/run.py entry ----------------------------------------------------------------


def run(quick: bool, args: argparse.Namespace | None = None) -> dict[str, float]:
    figures: dict[str, float] = {}
    for officers in (5_000, 20_000):
        frames = 200 if quick else 1000
        for key, value in decode_apply(officers, frames, with_tracks=False).items():
            figures[f"decode_apply_{officers}_{key}"] = round(value, 3)
        with_tracks = decode_apply(officers, frames, with_tracks=True)
        figures[f"decode_apply_{officers}_tracks_positions_per_s"] = round(
            with_tracks["positions_per_s"], 1
        )
    seconds = 3.0 if quick else 10.0
    # 20,000 officers at 1 Hz: 20 batches of 1,000 fixes a second.
    with PositionsFeeder(officers=20_000, batch=1_000, frames_per_s=20, seconds=seconds) as hub:
        code, child_figures, stderr = run_child(hub.url, seconds, timeout=seconds + 60)
    if code != 0:
        raise RuntimeError(f"qasync child exited {code}: {stderr[-2000:]}")
    for key in ("frames_per_s", "positions_flushed_per_s", "flushes_per_s"):
        figures[f"qasync_{key}"] = round(child_figures[key], 1)
    figures["qasync_max_stall_ms"] = round(child_figures["max_stall_ms"], 2)
    figures["qasync_p99_stall_ms"] = round(child_figures["p99_stall_ms"], 2)
    figures["qasync_stall_budget_ms"] = 50.0
    return figures


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "child":
        print(json.dumps(child(sys.argv[2], float(sys.argv[3]))), flush=True)
    else:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(run("--quick" in sys.argv), indent=2))
