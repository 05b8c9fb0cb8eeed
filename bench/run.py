"""Run benchmarks and print their figures: ``python bench/run.py [--quick] [NAME ...]``.

Each benchmark is a module ``bench/<name>.py`` with ``run(quick: bool) -> dict[str, float]``
(and optionally ``add_arguments(parser)`` / ``run(quick, args)``). Results are printed as a
table and written to ``bench/results.json`` as ``{name: {metric: value}}``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))


# Long runs are asked for by name only; "all" must stay quick enough to run often.
# map_e2e runs inside map_latency (the budget's "hub report -> map pixel"): by name alone
# it is the end-to-end stage without the widget stage.
BY_NAME_ONLY = frozenset({"soak", "map_e2e", "wall_memory", "export"})


def available() -> list[str]:
    return sorted(
        p.stem
        for p in HERE.glob("*.py")
        if p.stem not in {"__init__", "run"} and not p.stem.startswith("_")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "names", nargs="*", help=f"benchmarks (default all): {', '.join(available())}"
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes; the whole run under a minute"
    )
    parser.add_argument(
        "--minutes", type=float, default=None, help="duration for long benchmarks (soak)"
    )
    args = parser.parse_args(argv)
    names = args.names or [n for n in available() if n not in BY_NAME_ONLY]
    unknown = [n for n in names if n not in available()]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    results: dict[str, dict[str, Any]] = {}
    results_path = HERE / "results.json"
    if results_path.exists():
        try:
            results = json.loads(results_path.read_text())
        except ValueError:
            results = {}
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        started = time.perf_counter()
        print(f"== {name} ==", flush=True)
        figures: dict[str, float] = module.run(args.quick, args)
        figures["wall_seconds"] = round(time.perf_counter() - started, 2)
        results[name] = figures
        width = max(len(k) for k in figures)
        for key, value in figures.items():
            shown = f"{value:,.3f}" if isinstance(value, float) else f"{value:,}"
            print(f"  {key:<{width}}  {shown}")
    results_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"written {results_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
