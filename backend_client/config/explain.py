"""msgspec's validation messages in an installer's words, with the field they are about.

``Expected `int`, got `bool` - at `$.screens[0].rows``` becomes the path
``("screens", 0, "rows")`` and ``expected an integer, got true/false``. Pure Python.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping
from typing import Any

import msgspec
import msgspec.structs

from backend_client.config.lines import FieldPath

_TYPE_WORDS: Mapping[str, str] = {
    "int": "an integer",
    "float": "a number",
    "str": "a string",
    "bool": "true/false",
    "array": "a list",
    "object": "a table",
}
_AT = re.compile(r"^(?P<problem>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[\"((?:[^\"\\]|\\.)*)\"\]")


#: What was found, named as the layout loader always named it (``got int``).
_GOT_WORDS: Mapping[str, str] = {"bool": "true/false", "array": "list", "object": "dict"}


def _words(types: str) -> str:
    # TOML has no null: an optional field is simply left out, so "or null" would confuse.
    named = [t.strip() for t in types.split("|") if t.strip() != "null"]
    return " or ".join(_TYPE_WORDS.get(t, t) for t in named)


def _unwrap(kind: Any) -> Any:
    """``Annotated[X, ...]`` and ``X | None`` as ``X`` (a union of several stays whole)."""
    while True:
        origin = typing.get_origin(kind)
        if origin is typing.Annotated:
            kind = typing.get_args(kind)[0]
        elif origin in (typing.Union, types.UnionType):
            inner = [t for t in typing.get_args(kind) if t is not type(None)]
            if len(inner) != 1:
                return kind
            kind = inner[0]
        else:
            return kind


def _type_at(kind: Any, path: FieldPath) -> Any:
    """The declared Python type at ``path`` inside ``kind`` (None where it cannot be told);
    declared, not msgspec's view of it, which sorts a Literal's values."""
    for part in path:
        kind = _unwrap(kind)
        origin = typing.get_origin(kind)
        if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
            fields = {f.encode_name: f.type for f in msgspec.structs.fields(kind)}
            if not isinstance(part, str) or part not in fields:
                return None
            kind = fields[part]
        elif origin in (list, tuple) and isinstance(part, int):
            kind = typing.get_args(kind)[0]
        elif origin is dict:
            kind = typing.get_args(kind)[1]
        else:
            return None
    return _unwrap(kind)


def explain(message: str, kind: Any = None) -> tuple[FieldPath, str]:
    """msgspec's ``Expected `int`, got `bool` - at `$.a[0].b``` as (path, problem)."""
    match = _AT.match(message)
    assert match is not None  # the pattern accepts any text
    problem, raw = match.group("problem"), match.group("path") or ""
    path: FieldPath = tuple(
        int(m.group(2)) if m.group(2) is not None else (m.group(1) or m.group(3))
        for m in _PART.finditer(raw)
    )
    if found := re.fullmatch(r"Object missing required field `(.+)`", problem):
        return (*path, found.group(1)), "is required"
    if found := re.fullmatch(r"Object contains unknown field `(.+)`", problem):
        declared = _type_at(kind, path) if kind is not None else None
        known = (
            f" (known: {', '.join(f.encode_name for f in msgspec.structs.fields(declared))})"
            if isinstance(declared, type) and issubclass(declared, msgspec.Struct)
            else ""
        )
        return (*path, found.group(1)), "unknown field" + known
    if found := re.fullmatch(r"Expected `(.+?)`, got `(.+)`", problem):
        got = _GOT_WORDS.get(found.group(2), found.group(2))
        return path, f"expected {_words(found.group(1))}, got {got}"
    if found := re.fullmatch(r"Expected `(.+?)` (of length )?([<>]=?) (.+)", problem):
        what = "length" if found.group(2) else "value"
        return path, f"the {what} must be {found.group(3)} {found.group(4)}"
    if found := re.fullmatch(r"Invalid enum value (.+)", problem):
        declared = _type_at(kind, path) if kind is not None else None
        if typing.get_origin(declared) is typing.Literal:
            return path, f"one of {', '.join(str(v) for v in typing.get_args(declared))}"
        return path, f"unknown value {found.group(1)}"
    return path, problem
