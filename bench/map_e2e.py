"""Map end to end: a fix offered to the hub -> the map frame that shows it painted.

The DESIGN budget "hub report -> map pixel (JS applied)", measured through the real path:
- a hub in a child process (:func:`bench.hub_ingest.hub_child`, fresh SQLite file) with N
  officers, each reporting once a second, the fixes spread evenly over the second (N/100
  every 10 ms) and offered through the hub's own API with ``ts`` = the moment offered;
- in this process, on a qasync loop: a :class:`~backend_client.qt.QtFeed` connected to the
  hub's stream and a :class:`~widgets.livemap.LiveMapPanel` (the wall's QtFeed -> MapView
  wiring), offscreen, 1920x1080, software rendering.

The fixes' ``ts`` is carried through: a QtFeed subclass notes each officer's latest fix ts
as events arrive; when a ``positionsChanged`` batch has been handed to the map, its ts
values are filed under the map frame that will carry them (``frames_sent + 1``); when the
page reports that frame (or a later one) painted (``framePainted``), ``now - ts`` is
recorded for each. The figure is therefore hub coalescing (<= 50 ms) + commit + stream +
decode + QtFeed's frame (<= 33 ms after the previous one) + MapView's frame + both bridge
crossings + JS apply and paint. Only fixes offered inside the measured window count (after
a warm-up that covers the roster, the first full frame and page warm-up). When an officer
moves twice before a frame, only its latest fix is timed (the one that is shown).

Each timed fix is also split into stages, to show where the time goes: ``hub`` (offered
-> stamped by the hub's writer: batch cadence and the Position insert), ``wire`` (-> applied
in this process: commit, publish, send, decode, apply), ``feed`` (-> handed to the map by
QtFeed) and ``map`` (-> painted: MapView's frame, bridge, page). Per side, the CPU seconds
used per second (hub process, this process, the web engine's processes) are steadier than
latency when the machine is shared.

A lag probe (a 10 ms Qt timer on the UI thread) records the longest UI stall while the
feed runs, and the longest garbage-collector pause among them. As the wall does, start-up
objects are frozen out of the collector once the snapshot is in (desktop/gui.py).

Run: ``python bench/run.py map_e2e [--quick]`` or ``.venv/bin/python bench/map_e2e.py
[--quick] [--seconds S] [N ...]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing as mp
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._procstat import cpu_seconds, descendants
from bench.hub_ingest import free_port, hub_child, pct
from widgets.qtenv import prepare_qt_environment

PROBE_MS = 10
WARMUP_S = 3.0
DRAIN_S = 1.0
FULL_COUNTS = (1_000, 5_000, 20_000)
QUICK_COUNTS = (1_000, 5_000)
LABELS = {"canvas": "ours (one canvas layer)", "markers": "setLatLng (a marker per officer)"}


async def _recv(pipe: Any, timeout: float = 120.0) -> tuple[str, Any]:
    """A message from the hub child without blocking the Qt/asyncio loop."""
    deadline = time.monotonic() + timeout
    while not pipe.poll():
        if time.monotonic() > deadline:
            raise TimeoutError("the hub child did not answer")
        await asyncio.sleep(0.01)
    kind, value = pipe.recv()
    return str(kind), value


async def _wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def _cpu(pids: list[int]) -> float:
    return sum(cpu_seconds(pid) or 0.0 for pid in pids)


async def _measure(
    n: int, seconds: float, url: str, token: str, pipe: Any, hub_pid: int, renderer: str
) -> dict[str, float]:
    from PySide6.QtCore import Qt, QTimer

    from backend_client.protocol.messages import FeedEvent, UnitPositions
    from backend_client.qt import PositionBatch, QtFeed
    from widgets.livemap import LiveMapPanel

    class TimedFeed(QtFeed):
        """QtFeed that also keeps each officer's latest fix ts (what the batch carries)
        and, per event, when the hub stamped it and when it was applied here."""

        def __init__(self, url: str, token: str) -> None:
            super().__init__(url, token)
            self.fix_ts: dict[str, float] = {}
            self.fix_event: dict[str, int] = {}
            self.events: list[tuple[float, float]] = []  # (hub event ts, applied here)

        def on_event(self, event: FeedEvent) -> None:
            if isinstance(event, UnitPositions):
                number = len(self.events)
                self.events.append((event.ts, time.time()))
                fix_ts, fix_event = self.fix_ts, self.fix_event
                for fix in event.fixes:
                    fix_ts[fix.id] = fix.ts
                    fix_event[fix.id] = number
            super().on_event(event)

    from widgets.map import MapConfig

    feed = TimedFeed(url, token)
    panel = LiveMapPanel(feed, config=MapConfig(unit_renderer=renderer))  # type: ignore[arg-type]
    view = panel.map
    panel.resize(1920, 1080)
    panel.show()
    await _wait_for(lambda: view.is_ready, 60.0, "the map page")

    window = [float("inf"), float("inf")]  # fix ts range that counts
    # map frame seq -> (fix ts, its event's number, handed to the map at) per fix carried
    pending: dict[int, list[tuple[float, int, float]]] = {}
    latency_ms: list[float] = []
    # Where the time goes, per timed fix: offered -> stamped by the hub's writer (batch
    # cadence + Position insert), -> applied here (commit, publish, send, decode, apply),
    # -> handed to the map (QtFeed's frame), -> painted (MapView's frame, bridge, page).
    stages: dict[str, list[float]] = {"hub": [], "wire": [], "feed": [], "map": []}
    draw_ms: list[float] = []
    apply_ms: list[float] = []
    stalls: list[float] = []
    counting = [False]
    batches = [0]

    def on_positions(batch: PositionBatch) -> None:
        # LiveMapPanel connected first: the map already holds this batch, unsent.
        fix_ts, fix_event = feed.fix_ts, feed.fix_event
        lo, hi = window
        handed = time.time()
        stamps = [
            (t, fix_event[i], handed) for i in batch.ids if lo <= (t := fix_ts.get(i, 0.0)) <= hi
        ]
        if stamps:
            pending.setdefault(view.frames_sent + 1, []).extend(stamps)
        batches[0] += 1

    def on_painted(seq: int, js_apply_ms: float, js_draw_ms: float) -> None:
        now = time.time()
        done = [s for s in pending if s <= seq]
        events = feed.events
        for s in done:
            for t, number, handed in pending.pop(s):
                stamped, applied = events[number]
                latency_ms.append((now - t) * 1000.0)
                stages["hub"].append((stamped - t) * 1000.0)
                stages["wire"].append((applied - stamped) * 1000.0)
                stages["feed"].append((handed - applied) * 1000.0)
                stages["map"].append((now - handed) * 1000.0)
        if counting[0]:
            apply_ms.append(js_apply_ms)
            draw_ms.append(js_draw_ms)

    feed.positionsChanged.connect(on_positions)
    view.framePainted.connect(on_painted)

    last_probe = [time.perf_counter(), time.thread_time()]
    # CPU time the UI thread itself used during the longest stall: near the stall's length
    # means work on this thread; much less means it waited (for a CPU, or in a system call).
    longest = [0.0, 0.0]

    def probe() -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if counting[0]:
            stall = (now - last_probe[0]) * 1000.0 - PROBE_MS
            stalls.append(stall)
            if stall > longest[0]:
                longest[:] = [stall, (cpu - last_probe[1]) * 1000.0]
        last_probe[:] = [now, cpu]

    lag = QTimer()
    lag.setTimerType(Qt.TimerType.PreciseTimer)
    lag.setInterval(PROBE_MS)
    lag.timeout.connect(probe)

    feed.start()
    await _wait_for(lambda: len(feed.state.units) >= n, 60.0, "the snapshot")
    await asyncio.sleep(0.3)
    # As the wall does once its panels are built (desktop/gui.py): start-up objects out
    # of the collector's reach, so that a full collection does not rescan them.
    gc.collect()
    gc.freeze()
    gc_pauses: list[float] = []
    gc_started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        elif counting[0]:
            gc_pauses.append((time.perf_counter() - gc_started[0]) * 1000.0)

    gc.callbacks.append(on_gc)
    pipe.send(("go", None))
    lag.start()
    kind, _ = await _recv(pipe)
    assert kind == "measure", kind
    window[0] = time.time()
    # CPU seconds per second of each side: steadier than latency on a loaded machine.
    pages = descendants(os.getpid())
    cpu_at = (_cpu([hub_pid]), _cpu([os.getpid()]), _cpu(pages))
    counting[0] = True
    last_probe[:] = [time.perf_counter(), time.thread_time()]
    batches_at_start = batches[0]
    kind, _ = await _recv(pipe, timeout=seconds + 120.0)
    assert kind == "done", kind
    window[1] = time.time()
    cpu_used = (_cpu([hub_pid]), _cpu([os.getpid()]), _cpu(pages))
    await asyncio.sleep(DRAIN_S)  # the last fixes reach the page and get painted
    counting[0] = False
    lag.stop()
    gc.callbacks.remove(on_gc)
    gc.unfreeze()
    unpainted = sum(len(v) for v in pending.values())
    measured_s = window[1] - window[0]
    offered = n * measured_s
    result = {
        "officers": float(n),
        "p50_ms": round(pct(latency_ms, 50), 1),
        "p99_ms": round(pct(latency_ms, 99), 1),
        "max_ms": round(max(latency_ms), 1) if latency_ms else float("nan"),
        "max_stall_ms": round(max(stalls), 1) if stalls else float("nan"),
        "max_stall_cpu_ms": round(longest[1], 1),
        "max_gc_ms": round(max(gc_pauses), 1) if gc_pauses else 0.0,
        "js_apply_p50_ms": round(pct(apply_ms, 50), 2),
        "js_draw_p50_ms": round(pct(draw_ms, 50), 2),
        "frames_painted": float(len(draw_ms)),
        "feed_batches": float(batches[0] - batches_at_start),
        "fixes_timed": float(len(latency_ms)),
        "fixes_unpainted": float(unpainted),
        "timed_ratio": round(len(latency_ms) / offered, 3) if offered else float("nan"),
        "seconds": round(measured_s, 2),
        "hub_cpu": round((cpu_used[0] - cpu_at[0]) / measured_s, 3),
        "ui_cpu": round((cpu_used[1] - cpu_at[1]) / measured_s, 3),
        "page_cpu": round((cpu_used[2] - cpu_at[2]) / measured_s, 3),
    }
    for stage, values in stages.items():
        result[f"{stage}_p50_ms"] = round(pct(values, 50), 1)
        result[f"{stage}_p99_ms"] = round(pct(values, 99), 1)
    pipe.send(("stop", None))
    feed.positionsChanged.disconnect(on_positions)
    view.framePainted.disconnect(on_painted)
    await feed.stop()
    panel.close()
    panel.deleteLater()
    feed.deleteLater()
    await asyncio.sleep(0.2)
    return result


def measure_one(
    n: int, seconds: float, loop: asyncio.AbstractEventLoop, renderer: str = "canvas"
) -> dict[str, float]:
    """One hub child with ``n`` officers at 1 Hz; the map in this process."""
    token = secrets.token_urlsafe(16)
    load_1m = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="wf-bench-e2e-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        port, api_port = free_port(), free_port()
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        process = ctx.Process(
            target=hub_child,
            args=(db_url, port, api_port, token, n, float(n), WARMUP_S, seconds, child),
            daemon=True,
        )
        process.start()
        try:
            kind, _ = parent.recv()
            assert kind == "ready", kind
            url = f"ws://127.0.0.1:{port}/stream"
            result = loop.run_until_complete(
                _measure(n, seconds, url, token, parent, process.pid or 0, renderer)
            )
        finally:
            process.join(60)
            if process.is_alive():
                process.kill()
    result["loadavg_1m_at_start"] = round(load_1m, 2)
    return result


def measure(
    counts: list[int], seconds: float, renderer: str = "canvas"
) -> dict[int, dict[str, float]]:
    import qasync
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        prepare_qt_environment(offscreen=True)
    app = QApplication.instance() or QApplication([])
    # Closing one size's map (the only window) must not end the loop before the next.
    QApplication.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        return {n: measure_one(n, seconds, loop, renderer) for n in counts}
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def table(results: dict[int, dict[str, float]]) -> str:
    rows = [
        f"{'officers':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'max stall':>10} "
        f"{'draw p50':>9} {'frames':>7} {'timed':>6} {'load1':>6}"
    ]
    for n, m in results.items():
        rows.append(
            f"{n:>8,} {m['p50_ms']:>8.1f} {m['p99_ms']:>8.1f} {m['max_ms']:>8.1f} "
            f"{m['max_stall_ms']:>10.1f} {m['js_draw_p50_ms']:>9.1f} "
            f"{int(m['frames_painted']):>7} {m['timed_ratio']:>6.3f} "
            f"{m['loadavg_1m_at_start']:>6.2f}"
        )
    rows.append("CPU s/s (hub process, this process, web engine processes)")
    for n, m in results.items():
        rows.append(
            f"{n:>8,} hub {m['hub_cpu']:.3f} ui {m['ui_cpu']:.3f} page {m['page_cpu']:.3f}"
            f"  (longest stall: {m['max_stall_cpu_ms']:.1f} ms of it on the UI thread's CPU;"
            f" longest GC pause {m['max_gc_ms']:.1f} ms)"
        )
    rows.append("stages p50/p99 ms: hub (cadence+insert), wire, feed frame, map+page")
    for n, m in results.items():
        rows.append(
            f"{n:>8,} "
            + " ".join(
                f"{stage} {m[stage + '_p50_ms']:.1f}/{m[stage + '_p99_ms']:.1f}"
                for stage in ("hub", "wire", "feed", "map")
            )
        )
    return "\n".join(rows)


def run(quick: bool, args: argparse.Namespace | None = None) -> dict[str, float]:
    """Entry point for ``bench/run.py``: flat ``{"<n>_<metric>": value}`` for our canvas
    layer, and ``setLatLng_<n>_<metric>`` for the baseline of one Leaflet marker per
    officer moved with ``setLatLng``, measured the same way in the same run."""
    counts = list(QUICK_COUNTS if quick else FULL_COUNTS)
    seconds = 10.0 if quick else 20.0
    figures: dict[str, float] = {}
    for renderer, prefix in (("canvas", ""), ("markers", "setLatLng_")):
        results = measure(counts, seconds, renderer)
        print(f"-- {LABELS[renderer]} --", flush=True)
        print(table(results), flush=True)
        for n, metrics in results.items():
            figures.update({f"{prefix}{n}_{k}": v for k, v in metrics.items() if k != "officers"})
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("counts", nargs="*", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="1,000 and 5,000, 10 s each")
    parser.add_argument("--seconds", type=float, default=None, help="measured seconds per size")
    parser.add_argument(
        "--renderer",
        choices=("canvas", "markers", "both"),
        default="canvas",
        help="our canvas layer, the setLatLng baseline, or both in turn",
    )
    ns = parser.parse_args()
    counts = ns.counts or list(QUICK_COUNTS if ns.quick else FULL_COUNTS)
    seconds = ns.seconds if ns.seconds is not None else (10.0 if ns.quick else 20.0)
    renderers = ("canvas", "markers") if ns.renderer == "both" else (ns.renderer,)
    for renderer in renderers:
        print(f"-- {LABELS[renderer]} --")
        print(table(measure(counts, seconds, renderer)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
