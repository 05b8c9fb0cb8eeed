"""Map latency: positions handed to MapView -> painted by the page (offscreen, software).

Feeds N officers at 1 Hz each as 10 batches per second (N/10 officers per batch), the
shape of the hub's ``unit.positions`` stream, and measures for each batch:
- ``send_ms``: Python side (datum conversion, table update, encoding, bridge emit);
- ``js_apply_ms``: the page decoding and applying the batch;
- ``paint_ms``: from ``update_units`` to the page's requestAnimationFrame callback that
  painted the batch (reported back over the bridge).
Batches are flushed at once (``flush_now``), so the coalescing timer (<= one frame
interval, 33 ms by default) comes on top of ``paint_ms``.

Run: ``.venv/bin/python bench/map_latency.py [--quick] [N ...]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from widgets.qtenv import prepare_qt_environment


def _pct(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def _recorder(
    sent_at: dict[int, float], paint_ms: list[float], apply_ms: list[float], draw_ms: list[float]
) -> Callable[[int, float, float], None]:
    def on_painted(seq: int, js_apply_ms: float, js_draw_ms: float) -> None:
        # One paint can show several batches: each of them became visible now.
        now = time.perf_counter()
        for done in [s for s in sent_at if s <= seq]:
            paint_ms.append((now - sent_at.pop(done)) * 1000.0)
        apply_ms.append(js_apply_ms)
        draw_ms.append(js_draw_ms)

    return on_painted


def measure(counts: list[int], seconds: float) -> dict[str, dict[str, float]]:
    import numpy as np
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    from widgets.map import MapView, UnitInfo

    app = QApplication.instance() or QApplication([])
    results: dict[str, dict[str, float]] = {}
    for n in counts:
        view = MapView()
        view.resize(1920, 1080)
        view.show()
        deadline = time.monotonic() + 20
        while not view.is_ready and time.monotonic() < deadline:
            app.processEvents()
        colours = ["#3ddc84", "#ffb300", "#40c4ff", "#e040fb", "#ff7043"]
        ids = [f"u{i}" for i in range(n)]
        view.set_units(
            [UnitInfo(u, u, "t", colours[i % 5], "on_duty") for i, u in enumerate(ids)]
        )
        rng = np.random.default_rng(1)
        lat = rng.uniform(28.75, 29.22, n)
        lon = rng.uniform(119.32, 119.74, n)
        view.update_units(ids, lat, lon)
        view.flush_now()

        sent_at: dict[int, float] = {}
        send_ms: list[float] = []
        paint_ms: list[float] = []
        apply_ms: list[float] = []
        draw_ms: list[float] = []

        view.framePainted.connect(_recorder(sent_at, paint_ms, apply_ms, draw_ms))
        per_batch = max(1, n // 10)
        batch_ids = [ids[k::10] for k in range(10)]
        end = time.monotonic() + seconds
        k = 0
        while time.monotonic() < end:
            sel = np.arange(k % 10, n, 10)[:per_batch]
            lat[sel] += rng.normal(0, 2e-5, len(sel))
            lon[sel] += rng.normal(0, 2e-5, len(sel))
            t0 = time.perf_counter()
            view.update_units(batch_ids[k % 10], lat[sel], lon[sel])
            view.flush_now()
            send_ms.append((time.perf_counter() - t0) * 1000.0)
            sent_at[view.frames_sent] = t0
            k += 1
            next_batch = time.monotonic() + 0.1
            while time.monotonic() < next_batch:
                app.processEvents()
                time.sleep(0.001)
        results[f"map_latency_{n}"] = {
            "batches": float(k),
            "painted": float(len(paint_ms)),
            "send_ms_p50": _pct(send_ms, 50),
            "js_apply_ms_p50": _pct(apply_ms, 50),
            "js_apply_ms_p99": _pct(apply_ms, 99),
            "js_draw_ms_p50": _pct(draw_ms, 50),
            "js_draw_ms_p99": _pct(draw_ms, 99),
            "paint_ms_p50": _pct(paint_ms, 50),
            "paint_ms_p99": _pct(paint_ms, 99),
        }
        view.close()
        view.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        app.processEvents()
    return results


def run(quick: bool, args: Any = None) -> dict[str, float]:
    """Entry point for ``bench/run.py``: flat ``{"<n>_<metric>": value}`` figures."""
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        prepare_qt_environment(offscreen=True)
    counts = [1000, 5000] if quick else [5000, 20000]
    figures: dict[str, float] = {}
    for name, metrics in measure(counts, 3.0 if quick else 10.0).items():
        size = name.rsplit("_", 1)[1]
        figures.update({f"{size}_{k}": round(v, 3) for k, v in metrics.items()})
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("counts", nargs="*", type=int, default=[5000, 20000])
    parser.add_argument("--quick", action="store_true", help="3 s per size instead of 10 s")
    args = parser.parse_args()
    prepare_qt_environment(offscreen=True)
    results = measure(args.counts, 3.0 if args.quick else 10.0)
    for name, metrics in results.items():
        print(name, "  ".join(f"{k}={v:.1f}" for k, v in metrics.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
