"""docs/configuration.md shows every declared field of every config file, as declared.

The tables are made from the Structs the loaders use (``field_table``) and from the panel
options' schema, so a field added, renamed or given another default without the page
following fails here. ``python tests/desktop/test_config_docs.py`` prints the tables.
"""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from backend_client.config import field_table
from desktop.clientconfig import DeskSection, WallSection
from desktop.layout import (
    PANEL_OPTIONS,
    LayoutFile,
    PanelTable,
    PlaylistEntry,
    ScreenTable,
    WallTable,
)
from desktop.layoutschema import RuleTable
from hub.auth import AuthFile, TokenEntry

PAGE = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"

DECLARED: dict[str, type[msgspec.Struct]] = {
    "layout file": LayoutFile,
    "[wall] of a layout": WallTable,
    "[[screens]]": ScreenTable,
    "[[screens.panels]]": PanelTable,
    "playlist entries": PlaylistEntry,
    "[[rules]]": RuleTable,
    "[wall] of watchfloor.toml": WallSection,
    "[desk] of watchfloor.toml": DeskSection,
    "auth file": AuthFile,
    "[[token]]": TokenEntry,
}


def options_table(kind: str) -> str:
    rows = ["| option | type | default | what |", "| --- | --- | --- | --- |"]
    for name, option in PANEL_OPTIONS[kind].items():
        kinds = option.kind if isinstance(option.kind, tuple) else (option.kind,)
        words = {bool: "true/false", int: "integer", float: "number", str: "string"}
        typed = " or ".join(words.get(k, "list") for k in kinds)
        default = json.dumps(option.default, ensure_ascii=False)  # TOML's spelling, here
        doc = option.doc.replace("|", "\\|")
        rows.append(f"| `{name}` | {typed} | `{default}` | {doc} |")
    return "\n".join(rows)


def tables() -> dict[str, str]:
    made = {title: field_table(kind) for title, kind in DECLARED.items()}
    made.update({f"options of {kind}": options_table(kind) for kind in PANEL_OPTIONS})
    return made


@pytest.mark.parametrize("title", list(tables()))
def test_the_page_shows_the_declared_fields(title: str) -> None:
    table = tables()[title]
    assert table in PAGE.read_text(encoding="utf-8"), f"docs/configuration.md, {title}:\n{table}"


if __name__ == "__main__":
    for title, table in tables().items():
        print(f"### {title}\n\n{table}\n")
