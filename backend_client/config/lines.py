"""Where each key of a TOML text sits: tomllib gives no positions, so this scans once more.

It reads table headers (``[a.b]``, ``[[a]]`` with their indices), dotted and quoted keys,
inline tables and arrays, multi-line strings. It only ever sees text tomllib already
accepted, so it needs to find keys, not to judge TOML. Pure Python.
"""

from __future__ import annotations

import contextlib
import re
import tomllib
from collections.abc import Sequence

FieldPath = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def dotted(where: Sequence[str | int]) -> str:
    """``("screens", 2, "panels", 0, "kind")`` -> ``screens[2].panels[0].kind``."""
    text = ""
    for part in where:
        if isinstance(part, int):
            text += f"[{part}]"
            continue
        name = part if _BARE_KEY.fullmatch(part) else '"' + part.replace('"', '\\"') + '"'
        text += f".{name}" if text else name
    return text or "(document)"


class TomlLines:
    """Where each key, table and array element of a TOML text starts (1-based lines).

    Paths are tuples of keys and array indices as the parsed data has them:
    ``[[screens]]`` twice then ``[[screens.panels]]`` gives ``("screens", 1, "panels", 0)``.
    """

    def __init__(self, text: str) -> None:
        self.lines: dict[FieldPath, int] = {}
        self._text = text
        self._i = 0
        self._line = 1
        self._tables: dict[FieldPath, int] = {}  # array-of-tables path -> elements so far
        # IndexError only on text tomllib rejected; what was found so far still helps.
        with contextlib.suppress(IndexError):
            self._document()

    def line_of(self, where: Sequence[str | int]) -> int:
        """The line of a field; for an absent one (a missing key) the line of the nearest
        enclosing table that exists, and line 1 for the document itself."""
        path = tuple(where)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return 1

    # ---- the scanner -------------------------------------------------------------------

    def _peek(self, ahead: int = 0) -> str:
        at = self._i + ahead
        return self._text[at] if at < len(self._text) else ""

    def _advance(self, count: int = 1) -> None:
        self._line += self._text.count("\n", self._i, self._i + count)
        self._i += count

    def _skip(self, newlines: bool) -> None:
        """Spaces, comments and (if allowed) line breaks."""
        while self._i < len(self._text):
            char = self._text[self._i]
            if char in " \t\r" or (newlines and char == "\n"):
                self._advance()
            elif char == "#":
                end = self._text.find("\n", self._i)
                self._advance((end if end >= 0 else len(self._text)) - self._i)
            else:
                return

    def _note(self, path: FieldPath, line: int) -> None:
        # The first mention wins: `a.b = 1` then `a.c = 2` puts `a` on the first line.
        for depth in range(1, len(path) + 1):
            self.lines.setdefault(path[:depth], line)

    def _document(self) -> None:
        table: FieldPath = ()
        while True:
            self._skip(newlines=True)
            if self._i >= len(self._text):
                return
            line = self._line
            if self._peek() == "[":
                table = self._header(line)
            else:
                keys = self._key()
                self._note(table + keys, line)
                self._skip(newlines=False)
                self._advance()  # "="
                self._skip(newlines=False)
                self._value(table + keys)

    def _header(self, line: int) -> FieldPath:
        array = self._peek(1) == "["
        self._advance(2 if array else 1)
        self._skip(newlines=False)
        keys = self._key()
        self._skip(newlines=False)
        self._advance(2 if array else 1)
        # Each key naming an array of tables means its last element (TOML's rule).
        path: FieldPath = ()
        for n, key in enumerate(keys):
            path += (key,)
            last = n == len(keys) - 1
            if last and array:
                index = self._tables.get(path, 0)
                self._tables[path] = index + 1
                self._note(path, line)
                path += (index,)
            elif path in self._tables:
                path += (self._tables[path] - 1,)
        self._note(path, line)
        return path

    def _key(self) -> tuple[str, ...]:
        parts: list[str] = []
        while True:
            self._skip(newlines=False)
            if self._peek() in ('"', "'"):
                parts.append(self._string())
            else:
                match = _BARE_KEY.match(self._text, self._i)
                if match is None:
                    raise IndexError("not a key")  # not TOML: stop scanning
                parts.append(match.group())
                self._advance(match.end() - self._i)
            self._skip(newlines=False)
            if self._peek() != ".":
                return tuple(parts)
            self._advance()

    def _string(self) -> str:
        quote = self._peek()
        multi = self._text.startswith(quote * 3, self._i)
        self._advance(3 if multi else 1)
        start = self._i
        while self._i < len(self._text):
            if quote == '"' and self._peek() == "\\":
                self._advance(2)
            elif multi and self._text.startswith(quote * 3, self._i):
                # A closing run may hold up to two quotes of content before the delimiter.
                while self._peek(3) == quote:
                    self._advance()
                text = self._text[start : self._i]
                self._advance(3)
                return text
            elif not multi and self._peek() == quote:
                text = self._text[start : self._i]
                self._advance()
                return _unescape(text) if quote == '"' else text
            else:
                self._advance()
        raise IndexError("unterminated string")

    def _value(self, path: FieldPath) -> None:
        char = self._peek()
        if char in ('"', "'"):
            self._string()
        elif char == "{":
            self._advance()
            while True:
                self._skip(newlines=True)
                if self._peek() in ("}", ""):
                    self._advance()
                    return
                line = self._line
                keys = self._key()
                self._note(path + keys, line)
                self._skip(newlines=False)
                self._advance()  # "="
                self._skip(newlines=False)
                self._value(path + keys)
                self._skip(newlines=True)
                if self._peek() == ",":
                    self._advance()
        elif char == "[":
            self._advance()
            index = 0
            while True:
                self._skip(newlines=True)
                if self._peek() in ("]", ""):
                    self._advance()
                    return
                self._note((*path, index), self._line)
                self._value((*path, index))
                index += 1
                self._skip(newlines=True)
                if self._peek() == ",":
                    self._advance()
        else:
            # Numbers, booleans, dates (which may hold a space): up to what ends a value.
            match = re.compile(r"[^,\]}\n#]*").match(self._text, self._i)
            assert match is not None  # the pattern matches the empty string
            self._advance(max(1, match.end() - self._i))


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    try:
        value = tomllib.loads(f'k = "{text}"')["k"]
    except tomllib.TOMLDecodeError:
        return text
    return value if isinstance(value, str) else text
