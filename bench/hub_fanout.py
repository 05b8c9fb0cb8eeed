"""Hub fan-out: delivery latency of ``unit.positions`` to 20 stream clients.

A hub in a child process (see :mod:`bench.hub_ingest`) with 5,000 officers reporting at
1 Hz (the DESIGN's first latency budget; 1,000 with ``--quick``); 20 stream clients in
this process, each decoding every frame. For every positions batch each client records:
- ``event`` latency: from the batch's ``ts`` (stamped in the writer as it is stored, just
  before the commit) to the client having it: commit + publish + send + receive;
- ``fix`` latency: from the oldest fix in the batch being offered to the client having it,
  which adds the coalescing wait (a batch every 50 ms at most).

Run: ``python bench/run.py hub_fanout`` or ``.venv/bin/python bench/hub_fanout.py``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.hub_ingest import pct, run_hub_load

CLIENTS = 20


def run(quick: bool, args: argparse.Namespace | None = None) -> dict[str, float]:
    officers = 1_000 if quick else 5_000
    duration = 3.0 if quick else 10.0
    db_url = getattr(args, "hub_db", None) if args is not None else None
    _figures, counters, _ = run_hub_load(
        officers=officers, rate=float(officers), clients=CLIENTS, duration=duration, db_url=db_url
    )
    event_ms = [v for c in counters for v in c.event_ms]
    fix_ms = [v for c in counters for v in c.fix_ms]
    expected = officers * duration
    delivered = min(c.fixes for c in counters) / expected if expected else 0.0
    return {
        "clients": float(CLIENTS),
        "officers_1hz": float(officers),
        "event_latency_p50_ms": round(pct(event_ms, 50), 2),
        "event_latency_p99_ms": round(pct(event_ms, 99), 2),
        "fix_latency_p50_ms": round(pct(fix_ms, 50), 2),
        "fix_latency_p99_ms": round(pct(fix_ms, 99), 2),
        "batches_per_client": float(min(len(c.event_ms) for c in counters)),
        "delivered_ratio_min": round(delivered, 3),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--hub-db", default=None)
    ns = parser.parse_args()
    for key, value in run(ns.quick, ns).items():
        print(f"{key:>24}  {value:,.2f}")
