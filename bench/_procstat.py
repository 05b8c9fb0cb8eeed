"""Per-process figures from Linux ``/proc``: resident memory, CPU time, descendants.

Used by the soak (:mod:`bench.soak`); every function returns ``None`` (or an empty list)
for a process that has gone, rather than raising.
"""

from __future__ import annotations

import os
from pathlib import Path

_PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def rss_kb(pid: int) -> int | None:
    """``VmRSS`` of ``pid`` in KiB (what ``top`` shows as RES)."""
    try:
        text = (_PROC / str(pid) / "status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0  # a zombie has no VmRSS line


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces.
    return text[text.rindex(")") + 2 :].split()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time used so far by ``pid`` (its threads included)."""
    fields = _stat_fields(pid)
    if fields is None:
        return None
    # After the name: state(0) ppid(1) ... utime(11) stime(12).
    return (int(fields[11]) + int(fields[12])) / _TICKS


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, grandchildren, ...)."""
    children: dict[int, list[int]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is None:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def tree_rss_kb(pid: int) -> int | None:
    """RSS of ``pid`` plus all its descendants (shared pages counted once per process)."""
    own = rss_kb(pid)
    if own is None:
        return None
    return own + sum(rss_kb(child) or 0 for child in descendants(pid))


def pss_kb(pid: int) -> int | None:
    """Proportional set size of ``pid`` in KiB: its private pages plus its share of each
    page it shares with other processes. Summed over processes it counts a page once,
    unlike RSS (Chromium's helpers all map the same Qt and Chromium libraries)."""
    try:
        text = (_PROC / str(pid) / "smaps_rollup").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0
