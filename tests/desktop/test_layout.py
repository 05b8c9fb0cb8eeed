"""The wall layout file: shipped examples load; every mistake names file, line, field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from backend_client.resources import resource
from desktop.cli import main
from desktop.layout import LayoutError, load_layout

GOOD = """\
[wall]
on_screen_lost = "wait"

[[screens]]
screen = "WALL-1"
rows = 2
cols = 2

[[screens.panels]]
kind = "map"
row_span = 2

[[screens.panels]]
kind = "kpi"
col = 1
options = { period = "24h", charts = ["compliance"] }

[[screens.panels]]
col = 1
row = 1
playlist = [{ kind = "alerts", seconds = 10 }, { kind = "clock", seconds = 5 }]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "layout.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["single.toml", "wall-3x1-desk.toml", "wall-2x2.toml"])
def test_shipped_layouts_load(name: str) -> None:
    layout = load_layout(resource("layouts", name))
    assert layout.screens
    assert all(p.views for s in layout.screens for p in s.panels)


def test_default_is_one_screen_with_a_live_map() -> None:
    layout = load_layout()
    assert len(layout.screens) == 1 and "map" in layout.kinds


def test_a_good_layout_gives_typed_specs(tmp_path: Path) -> None:
    layout = load_layout(write(tmp_path, GOOD))
    assert layout.on_screen_lost == "wait"
    screen = layout.screens[0]
    assert screen.screen == "WALL-1" and (screen.rows, screen.cols) == (2, 2)
    kpi = screen.panels[1].views[0]
    assert kpi.options == {"period": "24h", "charts": ["compliance"]}
    rotating = screen.panels[2]
    assert rotating.rotates and [v.seconds for v in rotating.views] == [10, 5]
    assert rotating.views[1].options == {"seconds": True}  # defaults filled in


@pytest.mark.parametrize(
    ("change", "line", "field"),
    [
        (('kind = "kpi"', 'kind = "kpl"'), 14, "screens[0].panels[1].kind"),
        (("col = 1\nrow = 1", "col = 1\nrow = 2"), 20, "screens[0].panels[2].row"),
        (('period = "24h"', 'period = "week"'), 16, "screens[0].panels[1].options.period"),
        (('"compliance"]', '"pie"]'), 16, "screens[0].panels[1].options.charts"),
        (("seconds = 10", "seconds = 1"), 21, "screens[0].panels[2].playlist[0].seconds"),
        (("row_span = 2", "row_span = 3"), 11, "screens[0].panels[0].row_span"),
        (("rows = 2", "rows = true"), 6, "screens[0].rows"),
        (('on_screen_lost = "wait"', 'on_screen_lost = "drop"'), 2, "wall.on_screen_lost"),
        (("cols = 2", "cols = 2\ncolour = 1"), 8, "screens[0].colour"),
    ],
)
def test_errors_name_line_and_field(
    tmp_path: Path, change: tuple[str, str], line: int, field: str
) -> None:
    path = write(tmp_path, GOOD.replace(*change, 1))
    with pytest.raises(LayoutError) as caught:
        load_layout(path)
    assert caught.value.field == field
    assert caught.value.line == line, str(caught.value)
    assert str(caught.value).startswith(f"{path}:{line}: field '{field}'")


def test_overlapping_panels_are_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("col = 1\nrow = 1", "col = 0\nrow = 1"))
    with pytest.raises(LayoutError, match=r"cell \(1, 0\) is already taken by panels\[0\]"):
        load_layout(path)


def test_toml_syntax_errors_carry_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("rows = 2", "rows = = 2"))
    with pytest.raises(LayoutError) as caught:
        load_layout(path)
    assert caught.value.line == 6


def test_cli_exits_2_with_file_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GOOD.replace('kind = "kpi"', 'kind = "kpl"'))
    code = main(["wall", "--hub", "ws://127.0.0.1:9", "--token", "x", "--layout", str(path)])
    assert code == 2
    err = capsys.readouterr().err
    assert f"{path}:14: field 'screens[0].panels[1].kind'" in err


def test_the_installed_command_exits_2_before_any_window(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("seconds = 10", "seconds = 1"))
    done = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "demo", "--layout", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "layout.toml:21: field 'screens[0].panels[2].playlist[0].seconds'" in done.stderr


def test_map_layers_can_be_switched_off_per_panel(tmp_path: Path) -> None:
    text = GOOD.replace(
        'kind = "map"\nrow_span = 2',
        'kind = "map"\nrow_span = 2\noptions = { merchants = false, alerts = false }',
    )
    layout = load_layout(write(tmp_path, text))
    options = layout.screens[0].panels[0].views[0].options
    assert options["merchants"] is False and options["alerts"] is False
    # Left out, both layers are on: a wall shows what the hub knows unless told otherwise.
    default = load_layout(write(tmp_path, GOOD)).screens[0].panels[0].views[0].options
    assert default["merchants"] is True and default["alerts"] is True
    with pytest.raises(LayoutError) as caught:
        load_layout(write(tmp_path, text.replace("merchants = false", 'merchants = "no"')))
    assert caught.value.field == "screens[0].panels[0].options.merchants"


@pytest.mark.parametrize(
    ("change", "line", "field", "problem"),
    [
        # An unknown top-level table: once reported without a line.
        (("[wall]", "[wal]"), 1, "wal", "unknown field (known: screens, wall, speech, rules)"),
        (('kind = "map"\n', ""), 9, "screens[0].panels[0].kind", "either kind or playlist"),
        (('screen = "WALL-1"\n', ""), 4, "screens[0].screen", "is required"),
        (("rows = 2", "rows = 13"), 6, "screens[0].rows", "<= 12"),
        (("cols = 2", "cols = 2\nrow_weights = [1, 0]"), 8, "screens[0].row_weights[1]", ">= 1"),
        (("cols = 2", "cols = 2\nrow_weights = [1]"), 8, "screens[0].row_weights", "2 integers"),
        (
            ("seconds = 5", 'seconds = "5"'),
            21,
            "screens[0].panels[2].playlist[1].seconds",
            "got str",
        ),
    ],
)
def test_every_kind_of_mistake_names_line_and_field(
    tmp_path: Path, change: tuple[str, str], line: int, field: str, problem: str
) -> None:
    path = write(tmp_path, GOOD.replace(*change, 1))
    with pytest.raises(LayoutError) as caught:
        load_layout(path)
    assert (caught.value.line, caught.value.field) == (line, field), str(caught.value)
    assert problem in caught.value.problem
