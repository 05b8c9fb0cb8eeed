"""``--layout NAME`` and ``--config FILE`` as docs/install.md promises them, without windows:
``run_wall`` is replaced by a recorder, so each test sees what the wall would start with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desktop import gui
from desktop.cli import main

TWO_SCREENS = """\
[[screens]]
screen = 0
[[screens.panels]]
kind = "clock"

[[screens]]
screen = 1
[[screens.panels]]
kind = "queue"
"""


@pytest.fixture
def started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[gui.WallOptions]:
    """Config folder and log folder in tmp_path; run_wall records its options."""
    monkeypatch.setenv("WATCHFLOOR_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("WATCHFLOOR_LOG_DIR", str(tmp_path / "log"))
    (tmp_path / "cfg" / "layouts").mkdir(parents=True)
    runs: list[gui.WallOptions] = []

    def record(options: gui.WallOptions) -> int:
        runs.append(options)
        return 0

    monkeypatch.setattr(gui, "run_wall", record)
    return runs


def wall(*extra: str) -> int:
    return main(["wall", "--hub", "ws://127.0.0.1:9", "--token", "t", *extra])


def test_a_bare_name_finds_the_config_folder_first(
    tmp_path: Path, started: list[gui.WallOptions]
) -> None:
    (tmp_path / "cfg" / "layouts" / "lobby.toml").write_text(TWO_SCREENS, encoding="utf-8")
    # The config folder's file wins over a shipped layout of the same name.
    (tmp_path / "cfg" / "layouts" / "wall-2x2.toml").write_text(TWO_SCREENS, encoding="utf-8")
    assert wall("--layout", "lobby") == 0
    assert wall("--layout", "wall-2x2.toml") == 0
    for options in started:
        assert options.layout is not None and len(options.layout.screens) == 2
    assert started[0].layout is not None
    assert started[0].layout.path == tmp_path / "cfg" / "layouts" / "lobby.toml"


def test_a_bare_name_then_finds_the_shipped_layouts(started: list[gui.WallOptions]) -> None:
    assert wall("--layout", "wall-2x2") == 0
    layout = started[0].layout
    assert layout is not None and layout.path.name == "wall-2x2.toml"
    assert len(layout.screens) == 4


def test_a_path_is_a_path(tmp_path: Path, started: list[gui.WallOptions]) -> None:
    path = tmp_path / "elsewhere" / "lobby.toml"
    path.parent.mkdir()
    path.write_text(TWO_SCREENS, encoding="utf-8")
    assert wall("--layout", str(path)) == 0
    assert started[0].layout is not None and started[0].layout.path == path


def test_an_unknown_name_exits_2_naming_it(
    started: list[gui.WallOptions], capsys: pytest.CaptureFixture[str]
) -> None:
    assert wall("--layout", "nowhere") == 2
    assert "nowhere" in capsys.readouterr().err
    assert not started


def test_the_config_file_gives_hub_token_file_layout_and_lang(
    tmp_path: Path, started: list[gui.WallOptions]
) -> None:
    (tmp_path / "cfg" / "layouts" / "lobby.toml").write_text(TWO_SCREENS, encoding="utf-8")
    (tmp_path / "cfg" / "wall.token").write_text("secret-token\n", encoding="utf-8")
    config = tmp_path / "cfg" / "watchfloor.toml"
    config.write_text(
        '[wall]\nhub = "ws://hub.local:8765"\ntoken_file = "wall.token"\n'
        'layout = "lobby"\nlang = "en"\n',
        encoding="utf-8",
    )
    # Found in the config folder without --config ...
    assert main(["wall"]) == 0
    options = started[-1]
    assert options.hub_url == "ws://hub.local:8765/stream"
    assert options.token == "secret-token"
    assert options.lang == "en"
    assert options.layout is not None and len(options.layout.screens) == 2
    # ... and the command line wins over it.
    assert main(["wall", "--config", str(config), "--hub", "ws://other:1", "--lang", "zh_CN"]) == 0
    assert started[-1].hub_url == "ws://other:1/stream" and started[-1].lang == "zh_CN"
    assert started[-1].token == "secret-token"


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ('[wall]\nhub = "ws://h:1"\nlang = "fr"\n', ":3: field 'wall.lang': one of zh_CN, en"),
        ('[wall]\nhub = "ws://h:1"\n\ntokn = "x"\n', ":4: field 'wall.tokn': unknown field"),
        ("[wall]\nhub = 8765\n", ":2: field 'wall.hub': expected a string, got int"),
        ('[wall]\ntoken_file = "missing.token"\n', ":2: field 'wall.token_file': cannot read"),
        ('[wall]\nlayout = "nowhere"\n', ":2: field 'wall.layout': no layout 'nowhere'"),
        ("[wall\n", ":1: field '(syntax)'"),
    ],
)
def test_config_errors_exit_2_with_file_line_and_field(
    tmp_path: Path,
    started: list[gui.WallOptions],
    capsys: pytest.CaptureFixture[str],
    body: str,
    where: str,
) -> None:
    config = tmp_path / "watchfloor.toml"
    config.write_text(body, encoding="utf-8")
    assert main(["wall", "--config", str(config), "--token", "t"]) == 2
    err = capsys.readouterr().err
    assert f"{config}{where}" in err
    assert not started


def test_a_missing_config_file_or_hub_exits_2(
    tmp_path: Path, started: list[gui.WallOptions], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["wall", "--config", str(tmp_path / "absent.toml")]) == 2
    assert "absent.toml: field '(file)': cannot read" in capsys.readouterr().err
    assert main(["wall", "--token", "t"]) == 2
    assert "no hub" in capsys.readouterr().err
    assert not started


def test_the_desk_reads_its_own_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[gui.WallOptions]
) -> None:
    from desktop import desk

    seen: list[Any] = []

    def record(options: Any) -> int:
        seen.append(options)
        return 0

    monkeypatch.setattr(desk, "run_desk", record)
    config = tmp_path / "cfg" / "watchfloor.toml"
    config.write_text('[desk]\nhub = "ws://h:1"\ntoken = "desk-token"\n', encoding="utf-8")
    assert main(["desk"]) == 0
    assert seen[0].hub_url == "ws://h:1/stream" and seen[0].token == "desk-token"
