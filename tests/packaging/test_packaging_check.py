"""``watchfloor check``: findings, exit codes and output, offscreen (desktop/check.py)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import check
from desktop.check import Finding

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, platform: str = "offscreen") -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM=platform,
        WATCHFLOOR_LOG_DIR=str(tmp_path / "logs"),
        WATCHFLOOR_CONFIG_DIR=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        PYTHONPATH=str(ROOT),
    )
    return env


def run_check(
    tmp_path: Path, *args: str, platform: str = "offscreen"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop.cli", "check", *args],
        cwd=ROOT,
        env=_env(tmp_path, platform),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def screens_config(tmp_path: Path, names: list[str]) -> str:
    screens = [
        {
            "name": name,
            "x": 1920 * i,
            "y": 0,
            "width": 1920,
            "height": 1080,
            "logicalDpi": 96,
            "logicalBaseDpi": 96,
            "dpr": 1,
        }
        for i, name in enumerate(names)
    ]
    path = tmp_path / "screens.json"
    path.write_text(json.dumps({"screens": screens}), encoding="utf-8")
    return f"offscreen:configfile={path}"


@pytest.mark.webengine
def test_a_healthy_machine_passes_and_names_its_screens(tmp_path: Path) -> None:
    platform = screens_config(tmp_path, ["0-left", "1-right"])
    result = run_check(tmp_path, "--json", platform=platform)
    assert result.returncode == 0, result.stdout + result.stderr
    body = json.loads(result.stdout)
    assert body["ok"] is True
    found = {f["name"]: f for f in body["findings"]}
    assert "0-left 1920x1080+0+0" in found["screens"]["detail"]
    assert "1-right 1920x1080+1920+0" in found["screens"]["detail"]
    assert found["web engine"]["status"] == "ok"
    assert found["CJK font"]["status"] in ("ok", "warn")
    # offscreen has no OpenGL: reported as software rendering, not a failure.
    assert found["rendering"]["status"] == "warn"
    assert "software" in found["rendering"]["detail"]
    assert found["log dir"]["detail"].startswith(str(tmp_path / "logs"))


def test_text_report_and_broken_layout_exit_2(tmp_path: Path) -> None:
    layout = tmp_path / "wall.toml"
    layout.write_text('[screen]\npanels = ["map"]\nname = WALL-1\n', encoding="utf-8")
    result = run_check(tmp_path, "--no-web", "--layout", str(layout))
    assert result.returncode == 2
    assert "FAIL  layout" in result.stdout
    assert "line 3" in result.stdout  # where to fix it
    assert "exit 2" in result.stdout.splitlines()[-1]


def test_unreachable_hub_exits_3(tmp_path: Path) -> None:
    from tests.conftest import free_port

    result = run_check(tmp_path, "--no-web", "--hub", f"127.0.0.1:{free_port()}", "--timeout", "2")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "unreachable" in result.stdout


def test_hub_reachable_and_token_checked(tmp_path: Path) -> None:
    from tests.support.hubs import LiveHub

    hub = LiveHub(tmp_path / "hub.db").start(seed=False)
    try:
        url = f"ws://127.0.0.1:{hub.port}"
        good = run_check(tmp_path, "--no-web", "--hub", url, "--token", hub.token["wall"])
        assert good.returncode == 0, good.stdout + good.stderr
        assert "token accepted (role wall)" in good.stdout
        bad = run_check(tmp_path, "--no-web", "--hub", url, "--token", "not-a-token")
        assert bad.returncode == 2, bad.stdout
        assert "refused the token" in bad.stdout
        bare = run_check(tmp_path, "--no-web", "--hub", url)
        assert bare.returncode == 0
        assert "reachable" in bare.stdout
    finally:
        hub.stop()


def test_unwritable_log_dir_fails(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    env = _env(tmp_path)
    env["WATCHFLOOR_LOG_DIR"] = str(blocker / "logs")
    result = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "check", "--no-web"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "FAIL  log dir" in result.stdout


# --- in-process: the parts without Qt ---------------------------------------------------


def test_layout_missing_is_a_config_error(tmp_path: Path) -> None:
    finding = check.check_layout(tmp_path / "nope.toml")
    assert finding is not None
    assert (finding.status, finding.exit_code) == ("fail", 2)
    assert "no such file" in finding.detail


def test_layout_hook_is_called_when_present(tmp_path: Path) -> None:
    layout = tmp_path / "wall.toml"
    layout.write_text('[[screen]]\nname = "WALL-9"\n', encoding="utf-8")
    seen: list[dict[str, object]] = []

    def validator(data: dict[str, object], path: Path) -> list[str]:
        seen.append(data)
        return ["line 2: screen.name: no screen WALL-9"]

    finding = check.check_layout(layout, validator)
    assert seen == [{"screen": [{"name": "WALL-9"}]}]
    assert finding is not None and finding.exit_code == 2
    assert "WALL-9" in finding.detail
    ok = check.check_layout(layout, lambda data, path: [])
    assert ok is not None and ok.status == "ok"


def test_without_a_parser_only_syntax_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check, "_layout_validator", lambda: None)
    layout = tmp_path / "wall.toml"
    layout.write_text("[screen]\n", encoding="utf-8")
    finding = check.check_layout(layout)
    assert finding is not None and finding.status == "ok"
    assert "not checked" in finding.detail


def test_the_walls_own_parser_judges_layouts(tmp_path: Path) -> None:
    pytest.importorskip("desktop.layout")
    shipped = sorted((ROOT / "resources" / "layouts").glob("*.toml"))
    assert shipped
    for path in shipped:
        finding = check.check_layout(path)
        assert finding is not None and finding.status == "ok", finding
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[screens]]\nscreen = 0\nrows = 1\ncols = 1\n[[screens.panels]]\nkind = "nope"\n'
    )
    finding = check.check_layout(bad)
    assert finding is not None and (finding.status, finding.exit_code) == ("fail", 2)
    assert "nope" in finding.detail


def test_screens_a_layout_names_but_the_pc_lacks_are_warned(qapp: object) -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    findings = check._screens(app, ["WALL-NOT-HERE"])
    warned = [f for f in findings if f.name == "layout screens"]
    assert warned and warned[0].status == "warn"
    assert "WALL-NOT-HERE" in warned[0].detail
    assert check.exit_code(findings) == 0  # the wall still runs: panels move or wait


def test_named_layout_is_found_in_the_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHFLOOR_CONFIG_DIR", str(tmp_path))
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "lobby.toml").write_text("x = 1\n", encoding="utf-8")
    finding = check.check_layout(Path("lobby"))
    assert finding is not None and str(tmp_path / "layouts" / "lobby.toml") in finding.detail
    assert check.check_layout(None) is None  # no default.toml installed: nothing to check


def test_config_file_checked(tmp_path: Path) -> None:
    config = tmp_path / "watchfloor.toml"
    config.write_text("[hub]\nurl = 'ws://10.0.0.5:8765'\n", encoding="utf-8")
    assert check.check_config(config).status == "ok"
    config.write_text("[hub\n", encoding="utf-8")
    bad = check.check_config(config)
    assert (bad.status, bad.exit_code) == ("fail", 2)
    assert check.check_config(tmp_path / "missing.toml").exit_code == 2


def test_exit_code_is_the_first_failure() -> None:
    findings = [
        Finding("a", "ok", ""),
        Finding("b", "warn", ""),
        Finding.failed("layout", "", 2),
        Finding.failed("hub", "", 3),
    ]
    assert check.exit_code(findings) == 2
    assert check.exit_code(findings[:2]) == 0
    text = check.report(findings, as_json=False)
    assert text.splitlines()[-1].endswith("(exit 2)")
    body = json.loads(check.report(findings, as_json=True))
    assert body["exit"] == 2 and not body["ok"]


def test_check_is_on_the_command_line() -> None:
    from desktop.cli import build_parser

    args = build_parser().parse_args(["check", "--hub", "h:1", "--no-web", "--json"])
    assert isinstance(args, argparse.Namespace)
    assert (args.command, args.hub, args.no_web, args.json) == ("check", "h:1", True, True)
