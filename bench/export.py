"""``watchfloor export`` of a 1,000,000-case store to CSV and to XLSX, on SQLite.

Issue 18's budget: 1,000,000 cases exported in at most 2 minutes on SQLite, memory flat.
The store is bench/drilldown.py's (:func:`bench.drilldown.build_store`: three years of
cases around 20,000 merchants, each with its six timeline steps, reporters on the
hotline's), 50,000 cases with ``--quick``. A real hub serves it in a child process
(loopback, a supervisor's token, as bench/drilldown.py starts it), and the export runs as
the installed command does, ``python -m desktop.cli export``, in its own process, once
per format, over the whole period. For each: the wall-clock seconds of the command (the
connection and the snapshot included), rows per second, the exporter's peak resident
memory (sampled every 50 ms from /proc), the output's size, and that it holds every case
once (rows counted, ids unique and equal to the store's count).

Run: ``python bench/run.py export [--quick]`` or ``.venv/bin/python bench/export.py
[--cases N] [--format csv|xlsx ...]``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._procstat import cpu_seconds, rss_kb
from bench.drilldown import build_store, served

ROOT = Path(__file__).resolve().parents[1]
FULL_CASES = 1_000_000
QUICK_CASES = 50_000
BUDGET_S = 120.0
FORMATS = ("csv", "xlsx")
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


class PeakRss:
    """The highest VmRSS of a process, sampled every 50 ms until it ends."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.is_set():
            now = rss_kb(self.pid)
            if now is None:
                return
            self.peak_kb = max(self.peak_kb, now)
            self._done.wait(0.05)

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return self.peak_kb


def _count_csv(path: Path) -> tuple[int, int]:
    """Data rows and distinct case ids of an exported CSV."""
    ids: set[str] = set()
    rows = 0
    with open(path, newline="", encoding="utf-8-sig") as source:
        reader = csv.reader(source)
        next(reader)
        for row in reader:
            rows += 1
            ids.add(row[0])
    return rows, len(ids)


_FIRST_CELL = re.compile(rb'<row r="\d+"[^>]*><c r="A\d+"[^>]*><is><t>([^<]*)</t>')


def _count_xlsx(path: Path) -> tuple[int, int]:
    """Data rows and distinct case ids of an exported XLSX, read from its sheets' XML as
    a stream (openpyxl's reader took longer than the export itself for a million rows)."""
    ids: set[bytes] = set()
    rows = 0
    with zipfile.ZipFile(path) as book:
        for name in sorted(n for n in book.namelist() if n.startswith("xl/worksheets/sheet")):
            with book.open(name) as sheet:
                tail = b""
                while chunk := sheet.read(1 << 24):
                    text = tail + chunk
                    cut = text.rfind(b"</row>") + len(b"</row>")
                    text, tail = text[:cut], text[cut:]
                    first = _FIRST_CELL.findall(text)
                    rows += len(first)
                    ids.update(first)
                rows += len(_FIRST_CELL.findall(tail))
            rows -= 1  # the sheet's header
    return rows, len(ids) - (1 if rows else 0)


def export_once(
    url: str, token: str, out: Path, fmt: str, start: str, end: str, hub_pid: int
) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "desktop.cli",
        "export",
        "--hub",
        url,
        "--token",
        token,
        "--from",
        start,
        "--to",
        end,
        "--format",
        fmt,
        "--out",
        str(out),
        "--quiet",
        "--connect-timeout",
        "60",
    ]
    # CPU seconds of each side: the machine may be shared, the wall clock then says
    # more about the neighbours than about the export.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    hub_cpu = cpu_seconds(hub_pid) or 0.0
    began = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    peak = PeakRss(process.pid)
    _out, err = process.communicate()
    seconds = time.perf_counter() - began
    peak_kb = peak.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    exporter_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    hub_cpu = (cpu_seconds(hub_pid) or 0.0) - hub_cpu
    if process.returncode != 0:
        raise RuntimeError(f"export {fmt} exited {process.returncode}: {err}")
    return {
        "seconds": seconds,
        "peak_rss_mb": peak_kb / 1024,
        "bytes": out.stat().st_size,
        "exporter_cpu_s": exporter_cpu,
        "hub_cpu_s": hub_cpu,
    }


def run(quick: bool, args: argparse.Namespace | None = None) -> dict[str, float]:
    cases = int(getattr(args, "cases", None) or (QUICK_CASES if quick else FULL_CASES))
    formats = getattr(args, "format", None) or FORMATS
    figures: dict[str, float] = {"cases": float(cases), "budget_s": BUDGET_S}
    with tempfile.TemporaryDirectory(prefix="wf-export-") as tmp:
        store = build_store(f"sqlite:///{Path(tmp) / 'export.db'}", cases)
        figures["build_s"] = round(store.build_s, 1)
        with served(store.url) as hub:
            # The store's cases are from three years (and two days) ago to two days ago.
            today = dt.datetime.now(SHANGHAI).date()
            start = (today - dt.timedelta(days=4 * 365)).isoformat()
            for fmt in formats:
                out = Path(tmp) / f"cases.{fmt}"
                print(f"  exporting {cases:,} cases to {fmt} ...", flush=True)
                url = f"ws://127.0.0.1:{hub.port}"
                measured = export_once(url, hub.token, out, fmt, start, today.isoformat(), hub.pid)
                rows, distinct = (_count_csv if fmt == "csv" else _count_xlsx)(out)
                if rows != cases or distinct != cases:
                    raise RuntimeError(f"{fmt}: {rows:,} rows, {distinct:,} ids for {cases:,}")
                seconds = measured["seconds"]
                figures[f"{fmt}_s"] = round(seconds, 1)
                figures[f"{fmt}_rows_per_s"] = round(cases / seconds)
                figures[f"{fmt}_peak_rss_mb"] = round(measured["peak_rss_mb"], 1)
                figures[f"{fmt}_file_mb"] = round(measured["bytes"] / 2**20, 1)
                figures[f"{fmt}_exporter_cpu_s"] = round(measured["exporter_cpu_s"], 1)
                figures[f"{fmt}_hub_cpu_s"] = round(measured["hub_cpu_s"], 1)
                figures[f"{fmt}_within_budget"] = float(seconds <= BUDGET_S)
                figures["load_average"] = round(os.getloadavg()[0], 1)
                for key in (
                    "s",
                    "rows_per_s",
                    "peak_rss_mb",
                    "file_mb",
                    "exporter_cpu_s",
                    "hub_cpu_s",
                ):
                    print(f"  {fmt}_{key:<14} {figures[f'{fmt}_{key}']:,}", flush=True)
                os.unlink(out)
    return figures


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cases", type=int, default=None, help="store size (default 1,000,000)")
    parser.add_argument("--format", action="append", choices=FORMATS, help="default: both")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    add_arguments(parser)
    ns = parser.parse_args()
    for key, value in run(ns.quick, ns).items():
        print(f"{key:>24}  {value:,.2f}")
