"""Reading a JSON object no answer Struct vouches for, with a default for every missing or
mistyped key.

A story reads the answers :class:`~backend_client.api.HubApi` decoded through their
Structs' attributes. Two kinds of data are still plain JSON: what an ops Struct leaves
free-form (a timeline step's ``detail``), and an answer handed in that its op's Struct
does not accept (written by an older hub, or by hand). Those are read here, through
:class:`Fields`, so a missing key becomes its default and never an exception in a view.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

StructT = TypeVar("StructT", bound=msgspec.Struct)

EMPTY: Mapping[str, Any] = {}


def mapping(value: object) -> Mapping[str, Any]:
    """``value`` if it is an object, else an empty one."""
    return value if isinstance(value, Mapping) else EMPTY


def items(value: object) -> list[Mapping[str, Any]]:
    """The objects of a list (anything else in it is skipped); [] when not a list."""
    if not isinstance(value, list | tuple):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def number(value: object) -> float | None:
    """A JSON number as a float; None for anything else (strings, null, booleans)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def count(value: object) -> int | None:
    """A JSON integer (a page offset, a total); None for anything else."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def strings(value: object) -> tuple[str, ...]:
    """A list of names as strings; () when not a list."""
    if not isinstance(value, list | tuple):
        return ()
    return tuple(str(item) for item in value)


class Fields:
    """One JSON object (anything else reads as an empty one), field by field, each
    accessor typed and defaulted, rather than picked apart where it is used."""

    __slots__ = ("raw",)

    def __init__(self, raw: object) -> None:
        self.raw = mapping(raw)

    def __contains__(self, key: str) -> bool:
        return key in self.raw

    def value(self, key: str) -> object:
        """As sent; None when missing."""
        return self.raw.get(key)

    def text(self, key: str, default: str = "") -> str:
        """A string field; missing or null gives ``default``."""
        value = self.value(key)
        return default if value is None else str(value)

    def filled(self, key: str) -> str:
        """A string field that means nothing when empty: "" for anything falsy."""
        value = self.value(key)
        return str(value) if value else ""

    def number(self, key: str) -> float | None:
        return number(self.value(key))

    def number_or(self, key: str, default: float = 0.0) -> float:
        found = self.number(key)
        return default if found is None else found

    def count(self, key: str) -> int | None:
        return count(self.value(key))

    def strings(self, key: str) -> tuple[str, ...]:
        return strings(self.value(key))

    def nested(self, key: str) -> Fields:
        return Fields(self.value(key))

    def rows(self, key: str) -> list[Fields]:
        """The objects of a list field (anything else in it skipped)."""
        return [Fields(item) for item in items(self.value(key))]


def decoded(raw: Mapping[str, Any], kind: type[StructT]) -> StructT | None:
    """``raw`` as ``kind`` when that Struct accepts it, else None (then read it with
    :class:`Fields`)."""
    try:
        return msgspec.convert(raw, kind)
    except msgspec.ValidationError:
        return None
