"""Reading a configuration file: parse, convert to its declared Struct, name the line.

Every problem, from a syntax error to a value out of range, becomes one
:class:`ConfigError` naming the file, the line and the field. The only I/O is reading the
one file it is given.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from backend_client.config.explain import explain
from backend_client.config.lines import TomlLines, dotted

T = TypeVar("T")


class ConfigError(Exception):
    """A configuration file is wrong: ``str()`` is ``FILE:LINE: field 'FIELD': MESSAGE``."""

    def __init__(self, path: Path, line: int | None, field: str, problem: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: field '{field}': {problem}")
        self.path = path
        self.line = line
        self.field = field
        self.problem = problem


class TomlFile:
    """A parsed configuration file: its tables, and where each field sits in the text."""

    def __init__(self, path: Path, text: str, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data
        self.where = TomlLines(text)

    def error(self, where: Sequence[str | int], problem: str) -> ConfigError:
        """A :class:`ConfigError` at the line of ``where`` (or of its enclosing table)."""
        return ConfigError(self.path, self.where.line_of(where), dotted(where), problem)

    def convert(self, value: Any, kind: type[T], where: Sequence[str | int] = ()) -> T:
        """``value`` (found at ``where``) as the declared ``kind``; strict, so ``true`` is
        no integer and ``"3"`` no number. Any mismatch is a :class:`ConfigError`."""
        try:
            return msgspec.convert(value, kind, strict=True)
        except msgspec.ValidationError as exc:
            at, problem = explain(str(exc), kind)
            raise self.error([*where, *at], problem) from None


def read_toml(path: Path) -> TomlFile:
    """Read and parse ``path``; an unreadable file or bad syntax is a :class:`ConfigError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise ConfigError(path, None, "(file)", f"cannot read: {reason}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line L, column C)": the place to fix.
        match = re.search(r"line (\d+)", str(exc))
        raise ConfigError(
            path, int(match.group(1)) if match else None, "(syntax)", str(exc)
        ) from None
    return TomlFile(path, text, data)


def load(path: Path, kind: type[T]) -> tuple[T, TomlFile]:
    """Read ``path`` and convert the whole document to its declared Struct ``kind``."""
    file = read_toml(path)
    return file.convert(file.data, kind), file
