"""Reading an answer dict once, with a default for every missing or mistyped key.

The hub's answers are JSON objects; an older hub leaves keys out and a cached answer
may come from one. Each story parses its answer here into frozen records, so the views
read typed fields and never pick the dict apart themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EMPTY: Mapping[str, Any] = {}


def mapping(value: object) -> Mapping[str, Any]:
    """``value`` if it is an object, else an empty one."""
    return value if isinstance(value, Mapping) else EMPTY


def items(value: object) -> list[Mapping[str, Any]]:
    """The objects of a list (anything else in it is skipped); [] when not a list."""
    if not isinstance(value, list | tuple):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def text(source: Mapping[str, Any], key: str, default: str = "") -> str:
    """A string field; missing or null gives ``default``."""
    value = source.get(key)
    return default if value is None else str(value)


def number(value: object) -> float | None:
    """A JSON number as a float; None for anything else (strings, null, booleans)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def number_or(value: object, default: float = 0.0) -> float:
    found = number(value)
    return default if found is None else found


def count(value: object) -> int | None:
    """A JSON integer (a page offset, a total); None for anything else."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def strings(value: object) -> tuple[str, ...]:
    """A list of names as strings; () when not a list."""
    if not isinstance(value, list | tuple):
        return ()
    return tuple(str(item) for item in value)
