"""The declared fields of a config Struct as a Markdown table, for docs/configuration.md."""

from __future__ import annotations

import types
import typing
from typing import Any

import msgspec
import msgspec.structs


def field_table(kind: type[msgspec.Struct]) -> str:
    """A Markdown table of ``kind``'s fields (name, type, default, description), made from
    the declaration itself so docs/configuration.md cannot drift from the loader."""
    rows = ["| field | type | default | what |", "| --- | --- | --- | --- |"]
    for info in msgspec.structs.fields(kind):
        if info.default is not msgspec.NODEFAULT:
            default = _toml_value(info.default)
        elif info.default_factory is not msgspec.NODEFAULT:
            default = _toml_value(info.default_factory())
        else:
            default = "required"
        metas = [m for m in typing.get_args(info.type)[1:] if isinstance(m, msgspec.Meta)]
        what = " ".join(m.description for m in metas if m.description).replace("|", "\\|")
        rows.append(f"| `{info.encode_name}` | {_type_words(info.type)} | {default} | {what} |")
    return "\n".join(rows)


def _toml_value(value: Any) -> str:
    if value is None:
        return "not set"
    if isinstance(value, msgspec.Struct):
        return "(table)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value}`" if not isinstance(value, (dict, list)) or value else "empty"


def _type_words(kind: Any) -> str:
    limits = ""
    if typing.get_origin(kind) is typing.Annotated:
        metas = [m for m in typing.get_args(kind)[1:] if isinstance(m, msgspec.Meta)]
        bounds = [
            f"{sign} {value}"
            for m in metas
            for sign, value in ((">=", m.ge), (">", m.gt), ("<=", m.le), ("<", m.lt))
            if value is not None
        ] + [f"length >= {m.min_length}" for m in metas if m.min_length is not None]
        limits = f" ({', '.join(bounds)})" if bounds else ""
        kind = typing.get_args(kind)[0]
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        named = [_type_words(t) for t in typing.get_args(kind) if t is not type(None)]
        return " or ".join(named) + limits
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{v}`" for v in typing.get_args(kind))
    if origin is list:
        return f"list of {_type_words(typing.get_args(kind)[0])}" + limits
    if origin is dict or (isinstance(kind, type) and issubclass(kind, msgspec.Struct)):
        return "table"
    names = {int: "integer", float: "number", str: "string", bool: "true/false"}
    return names.get(kind, "any") + limits
