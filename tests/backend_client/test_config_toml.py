"""The shared config loader: the line locator, errors naming file, line and field."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal

import msgspec
import pytest

from backend_client.config import ConfigError, TomlLines, dotted, load, read_toml

TEXT = '''\
# a comment = not a key
title = "x"  # trailing comment
a.b."c.d" = 1
[wall]
on = "move"
[[screens]]
screen = 0
[[screens.panels]]
kind = "map"
options = { center = [29.1,
   119.6], zoom = 12, "q k" = { x = 1 } }
[[screens.panels]]
playlist = [
  { kind = "alerts", seconds = 10 },
  { kind = "clock", seconds = 5 },
]
s = """multi
line = 3
"""
[[screens]]
screen = 1
[[screens.panels]]
kind = 'x'
[screens.extra]
y = 2001-01-01 10:00:00
'z' = 1
'''


@pytest.mark.parametrize(
    ("where", "line"),
    [
        (("title",), 2),
        (("a", "b", "c.d"), 3),  # dotted and quoted keys
        (("wall",), 4),
        (("wall", "on"), 5),
        (("screens", 0), 6),
        (("screens", 0, "panels", 0, "kind"), 9),
        (("screens", 0, "panels", 0, "options", "center", 1), 11),  # inside a broken array
        (("screens", 0, "panels", 0, "options", "zoom"), 11),
        (("screens", 0, "panels", 0, "options", "q k", "x"), 11),  # nested inline table
        (("screens", 0, "panels", 1, "playlist", 1, "seconds"), 15),
        (("screens", 0, "panels", 1, "s"), 17),
        (("screens", 1, "panels", 0, "kind"), 23),  # array-of-tables indices
        (("screens", 1, "extra", "z"), 26),  # a sub-table of the last [[screens]]
    ],
)
def test_locator_finds_each_key(where: tuple[str | int, ...], line: int) -> None:
    tomllib.loads(TEXT)  # the locator only ever sees valid TOML
    assert TomlLines(TEXT).lines[where] == line


def test_keys_inside_multiline_strings_are_not_keys() -> None:
    assert ("screens", 0, "panels", 1, "line") not in TomlLines(TEXT).lines


def test_an_absent_key_points_at_its_table_and_the_document_at_line_1() -> None:
    lines = TomlLines(TEXT)
    assert lines.line_of(("screens", 1, "panels", 0, "rows")) == 22
    assert lines.line_of(("missing",)) == 1


def test_dotted_names() -> None:
    assert dotted(("screens", 2, "panels", 0, "kind")) == "screens[2].panels[0].kind"
    assert dotted(("a", "c.d")) == 'a."c.d"'
    assert dotted(()) == "(document)"


class Entry(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    role: Literal["wall", "desk"] = "wall"
    size: Annotated[int, msgspec.Meta(ge=1, le=9)] = 1


class Doc(msgspec.Struct, forbid_unknown_fields=True):
    entry: list[Entry]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = '[[entry]]\nname = "a"\n\n[[entry]]\nname = "b"\nsize = 3\n'


@pytest.mark.parametrize(
    ("change", "line", "field", "problem"),
    [
        (("size = 3", "size = true"), 6, "entry[1].size", "expected an integer, got true/false"),
        (("size = 3", "size = 30"), 6, "entry[1].size", "the value must be <= 9"),
        (("size = 3", "colour = 3"), 6, "entry[1].colour", "unknown field (known: name, role"),
        (('name = "b"\n', ""), 4, "entry[1].name", "is required"),
        (("size = 3", 'role = "x"'), 6, "entry[1].role", "one of wall, desk"),
        (("size = 3", "size = = 3"), 6, "(syntax)", "Invalid value"),
    ],
)
def test_errors_name_file_line_and_field(
    tmp_path: Path, change: tuple[str, str], line: int, field: str, problem: str
) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as caught:
        load(path, Doc)
    error = caught.value
    assert (error.line, error.field) == (line, field), str(error)
    assert problem in error.problem
    assert str(error).startswith(f"{path}:{line}: field '{field}': ")


def test_a_good_file_converts_and_an_unreadable_one_is_named(tmp_path: Path) -> None:
    doc, file = load(write(tmp_path, GOOD), Doc)
    assert [e.size for e in doc.entry] == [1, 3]
    assert file.where.line_of(("entry", 1)) == 4
    with pytest.raises(ConfigError, match=r"absent.toml: field '\(file\)': cannot read"):
        read_toml(tmp_path / "absent.toml")


def test_quoted_and_spaced_headers_and_literal_strings() -> None:
    text = (
        '[ "a.b" . c ]\n'
        "k = 'C:\\\\x # not a comment'\n"  # a literal string keeps its backslashes
        "[[ t ]]\n"
        "[[t]]\n"
        '\'q\' = """"x""""\n'  # a quote right inside a multi-line string's ends
    )
    tomllib.loads(text)
    lines = TomlLines(text).lines
    assert lines[("a.b", "c", "k")] == 2
    assert lines[("t", 1)] == 4
    assert lines[("t", 1, "q")] == 5
