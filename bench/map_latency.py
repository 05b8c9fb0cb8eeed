"""Map latency: positions handed to MapView -> painted by the page (offscreen, software);
through ``bench/run.py map_latency`` also the whole path from the hub (bench/map_e2e.py).

Feeds N officers at 1 Hz each as 10 batches per second (N/10 officers per batch), the
shape of the hub's ``unit.positions`` stream, and measures per batch the time from
``update_units`` to the page's requestAnimationFrame callback that painted it (reported
back over the bridge, so the figure includes both bridge crossings).

Each size runs twice in the same process: our one-canvas layer (``unit_renderer=
"canvas"``) and the baseline of one Leaflet ``circleMarker`` per officer moved with
``setLatLng`` (``"markers"``). A lag probe (a 10 ms Qt timer on the UI thread) records
the longest stall of the Qt event loop while the feed runs: what an operator feels as a
frozen wall.

Batches are flushed at once (``flush_now``), so the coalescing timer (<= one frame
interval, 33 ms by default) comes on top of the figures. The first second of each run
(page warm-up, the initial full frame) is not counted.

Run: ``.venv/bin/python bench/map_latency.py [--quick] [N ...]`` or through
``bench/run.py map_latency``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from widgets.qtenv import prepare_qt_environment

RENDERERS = ("canvas", "markers")
LABELS = {"canvas": "ours", "markers": "setLatLng"}
PROBE_MS = 10
WARMUP_S = 1.0


def _pct(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def measure_one(n: int, renderer: str, seconds: float) -> dict[str, float]:
    import numpy as np
    from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from widgets.map import MapConfig, MapView, UnitInfo

    app = QApplication.instance() or QApplication([])
    view = MapView(config=MapConfig(unit_renderer=renderer))  # type: ignore[arg-type]
    view.resize(1920, 1080)
    view.show()
    deadline = time.monotonic() + 30
    while not view.is_ready and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    colours = ["#3ddc84", "#ffb300", "#40c4ff", "#e040fb", "#ff7043"]
    ids = [f"u{i}" for i in range(n)]
    view.set_units([UnitInfo(u, u, "t", colours[i % 5], "on_duty") for i, u in enumerate(ids)])
    rng = np.random.default_rng(1)
    # Spread over Wucheng's urban half, all inside the default (district) view.
    lat = rng.uniform(28.80, 29.20, n)
    lon = rng.uniform(119.35, 119.72, n)
    view.update_units(ids, lat, lon)
    view.flush_now()
    first_seq = view.frames_sent
    painted_seq = [0]
    view.framePainted.connect(lambda seq, *_: painted_seq.__setitem__(0, seq))
    deadline = time.monotonic() + 60
    while painted_seq[0] < first_seq and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)

    sent_at: dict[int, float] = {}
    paint_ms: list[float] = []
    draw_ms: list[float] = []
    send_ms: list[float] = []
    stalls: list[float] = []
    t_start = time.perf_counter()
    counting = [False]

    def on_painted(seq: int, _apply: float, js_draw_ms: float) -> None:
        # One paint can show several batches: each of them became visible now.
        now = time.perf_counter()
        for done in [s for s in sent_at if s <= seq]:
            t0 = sent_at.pop(done)
            if counting[0]:
                paint_ms.append((now - t0) * 1000.0)
        if counting[0]:
            draw_ms.append(js_draw_ms)

    view.framePainted.connect(on_painted)
    batch_ids = [ids[k::10] for k in range(10)]
    step = [0]

    def send_batch() -> None:
        k = step[0] % 10
        step[0] += 1
        sel = np.arange(k, n, 10)
        lat[sel] += rng.normal(0, 2e-5, len(sel))
        lon[sel] += rng.normal(0, 2e-5, len(sel))
        t0 = time.perf_counter()
        view.update_units(batch_ids[k], lat[sel], lon[sel])
        view.flush_now()
        if counting[0]:
            send_ms.append((time.perf_counter() - t0) * 1000.0)
        sent_at[view.frames_sent] = t0

    last_probe = [time.perf_counter()]

    def probe() -> None:
        now = time.perf_counter()
        if counting[0]:
            stalls.append((now - last_probe[0]) * 1000.0 - PROBE_MS)
        last_probe[0] = now

    def start_counting() -> None:
        counting[0] = True
        last_probe[0] = time.perf_counter()

    feed = QTimer()
    feed.setTimerType(Qt.TimerType.PreciseTimer)
    feed.setInterval(100)
    feed.timeout.connect(send_batch)
    lag = QTimer()
    lag.setTimerType(Qt.TimerType.PreciseTimer)
    lag.setInterval(PROBE_MS)
    lag.timeout.connect(probe)
    loop = QEventLoop()
    QTimer.singleShot(int(WARMUP_S * 1000), start_counting)
    QTimer.singleShot(int((WARMUP_S + seconds) * 1000), loop.quit)
    feed.start()
    lag.start()
    loop.exec()
    feed.stop()
    lag.stop()
    elapsed = time.perf_counter() - t_start
    result = {
        "batches": float(step[0]),
        "painted": float(len(paint_ms)),
        "p50_ms": _pct(paint_ms, 50),
        "p99_ms": _pct(paint_ms, 99),
        "js_draw_p50_ms": _pct(draw_ms, 50),
        "send_p50_ms": _pct(send_ms, 50),
        "max_stall_ms": max(stalls) if stalls else float("nan"),
        "seconds": elapsed,
    }
    view.close()
    view.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    app.processEvents()
    return result


def measure(counts: list[int], seconds: float) -> dict[str, dict[str, float]]:
    """``{"<renderer>_<n>": figures}`` for every size, both renderers, one process."""
    results: dict[str, dict[str, float]] = {}
    for n in counts:
        for renderer in RENDERERS:
            results[f"{LABELS[renderer]}_{n}"] = measure_one(n, renderer, seconds)
    return results


def table(results: dict[str, dict[str, float]]) -> str:
    rows = [
        f"{'layer':<10} {'officers':>8} {'p50 ms':>8} {'p99 ms':>8} {'draw p50':>9} "
        f"{'max stall':>10} {'painted':>8}"
    ]
    for name, m in results.items():
        label, n = name.rsplit("_", 1)
        rows.append(
            f"{label:<10} {int(n):>8,} {m['p50_ms']:>8.1f} {m['p99_ms']:>8.1f} "
            f"{m['js_draw_p50_ms']:>9.1f} {m['max_stall_ms']:>10.1f} {int(m['painted']):>8}"
        )
    return "\n".join(rows)


def run(quick: bool, args: Any = None) -> dict[str, float]:
    """Entry point for ``bench/run.py``: flat ``{"<layer>_<n>_<metric>": value}``.

    Two stages, each ours beside the per-marker ``setLatLng`` baseline in the same run:
    the widget alone (positions handed to MapView -> painted), then the whole path from
    the hub's report to the painted page (:mod:`bench.map_e2e`, keys ``e2e_...``: the
    DESIGN budget's "hub report -> map pixel").
    """
    from PySide6.QtWidgets import QApplication

    from bench import map_e2e

    if QApplication.instance() is None:
        prepare_qt_environment(offscreen=True)
    results = measure([1000, 5000, 20000], 2.0 if quick else 10.0)
    print("widget: positions handed to MapView -> painted", flush=True)
    print(table(results), flush=True)
    figures: dict[str, float] = {}
    for name, metrics in results.items():
        figures.update({f"{name}_{k}": round(v, 3) for k, v in metrics.items()})
    print("end to end: hub report -> painted", flush=True)
    figures.update({f"e2e_{k}": v for k, v in map_e2e.run(quick).items()})
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("counts", nargs="*", type=int, default=[1000, 5000, 20000])
    parser.add_argument("--quick", action="store_true", help="2 s per run instead of 10 s")
    parser.add_argument("--only", choices=RENDERERS, help="one renderer only")
    args = parser.parse_args()
    prepare_qt_environment(offscreen=True)
    seconds = 2.0 if args.quick else 10.0
    results: dict[str, dict[str, float]] = {}
    for n in args.counts:
        for renderer in [args.only] if args.only else RENDERERS:
            results[f"{LABELS[renderer]}_{n}"] = measure_one(n, renderer, seconds)
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
