"""Multi-screen walls: panels on the right screens, screens that go and come back, a
failing panel, the stale banner on every screen -- real windows, a real hub on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import QRect

from backend_client.qt import QtFeed
from desktop import wall as wall_module
from desktop.layout import load_layout
from desktop.wall import WallShell
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import LiveHub
from widgets.panel import ErrorPanel

REPO = Path(__file__).resolve().parents[2]

THREE_SCREENS = """\
[wall]
on_screen_lost = "move"

[[screens]]
screen = 0
[[screens.panels]]
kind = "queue"

[[screens]]
screen = "WALL-RIGHT"
rows = 2
[[screens.panels]]
kind = "kpi"
[[screens.panels]]
kind = "alerts"
row = 1

[[screens]]
screen = 1
cols = 2
[[screens.panels]]
kind = "clock"
[[screens.panels]]
kind = "situation"
col = 1
"""


def screens_config(path: Path, names: list[str]) -> Path:
    screens = [
        {
            "name": name,
            "x": 1280 * i,
            "y": 0,
            "width": 1280,
            "height": 720,
            "logicalDpi": 96,
            "logicalBaseDpi": 96,
            "dpr": 1,
        }
        for i, name in enumerate(names)
    ]
    path.write_text(json.dumps({"screens": screens}), encoding="utf-8")
    return path


@pytest.mark.webengine
def test_panels_land_on_their_screens(tmp_path: Path) -> None:
    """The real program on an offscreen platform with three named screens."""
    layout = tmp_path / "three.toml"
    layout.write_text(THREE_SCREENS, encoding="utf-8")
    # Sorted by name: 0-left is index 0, 1-middle index 1; WALL-RIGHT is named.
    config = screens_config(tmp_path / "screens.json", ["0-left", "1-middle", "WALL-RIGHT"])
    shots = tmp_path / "shots"
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop.cli",
            "demo",
            "--officers",
            "20",
            "--db",
            f"sqlite:///{tmp_path / 'demo.db'}",
            "--layout",
            str(layout),
            "--screenshot",
            str(shots),
            "--after",
            "4",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    manifest = json.loads((shots / "wall-layout.json").read_text(encoding="utf-8"))
    screens = manifest["screens"]
    assert screens["0-left"]["panels"] == ["queue"]
    assert screens["WALL-RIGHT"]["panels"] == ["kpi", "alerts"]
    assert screens["1-middle"]["panels"] == ["clock", "situation"]
    assert screens["WALL-RIGHT"]["geometry"][0] == 2560
    assert all(not s["failed"] for s in screens.values())
    assert sorted(p.name for p in shots.glob("*.png")) == [
        "0-left.png",
        "1-middle.png",
        "WALL-RIGHT.png",
    ]


class Screen:
    """A monitor as the shell sees it (name and geometry): the platform edge."""

    def __init__(self, name: str, x: int) -> None:
        self._name, self._rect = name, QRect(x, 0, 1280, 720)

    def name(self) -> str:
        return self._name

    def geometry(self) -> QRect:
        return self._rect


@pytest.fixture
def feed() -> QtFeed:
    return QtFeed("ws://127.0.0.1:9/stream", "unused")  # never started: no network


def test_a_screen_that_goes_gives_its_panels_and_gets_them_back(
    tmp_path: Path, qtbot: Any, feed: QtFeed
) -> None:
    path = tmp_path / "three.toml"
    path.write_text(THREE_SCREENS, encoding="utf-8")
    shell = WallShell(feed, load_layout(path), windowed=True)
    for window in shell.windows:
        qtbot.addWidget(window)
    left, middle, right = Screen("0-left", 0), Screen("1-middle", 1280), Screen("WALL-RIGHT", 2560)
    shell.start([left, middle, right])
    assert set(shell.describe()) == {"0-left", "1-middle", "WALL-RIGHT"}

    shell.screen_removed(right, [left, middle])
    seen = shell.describe()
    assert set(seen) == {"0-left", "1-middle"}
    guests = [g for s in seen.values() for g in s["guests"]]
    assert guests == [["kpi", "alerts"]]
    assert not shell.windows[1].isVisible()

    shell.screen_added(right, [left, middle, right])
    back = shell.describe()
    assert back["WALL-RIGHT"]["panels"] == ["kpi", "alerts"]
    assert all(not s["guests"] for s in back.values())
    assert shell.windows[1].grid.parent() is shell.windows[1]
    shell.close_all()


def test_wait_policy_keeps_panels_away(tmp_path: Path, qtbot: Any, feed: QtFeed) -> None:
    path = tmp_path / "wait.toml"
    path.write_text(THREE_SCREENS.replace('"move"', '"wait"'), encoding="utf-8")
    shell = WallShell(feed, load_layout(path), windowed=True)
    for window in shell.windows:
        qtbot.addWidget(window)
    left, middle = Screen("0-left", 0), Screen("1-middle", 1280)
    shell.start([left, middle])
    assert all(not s["guests"] for s in shell.describe().values())
    assert "WALL-RIGHT" not in shell.describe()
    shell.close_all()


def test_windows_refuse_a_stray_close(tmp_path: Path, qtbot: Any, feed: QtFeed) -> None:
    shell = WallShell(feed, load_layout(), windowed=True)
    window = shell.windows[0]
    qtbot.addWidget(window)
    shell.start([Screen("0-left", 0)])
    assert not window.close()  # Alt+F4 and friends
    assert window.isVisible()
    shell.quit()  # the key chord's action
    assert not window.isVisible()


def test_a_failing_panel_costs_one_cell(
    tmp_path: Path, qtbot: Any, feed: QtFeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(ctx: Any, view: Any) -> Any:
        raise RuntimeError("chart library missing")

    monkeypatch.setitem(wall_module.PANEL_BUILDERS, "kpi", broken)
    path = tmp_path / "three.toml"
    path.write_text(THREE_SCREENS, encoding="utf-8")
    shell = WallShell(feed, load_layout(path), windowed=True)
    for window in shell.windows:
        qtbot.addWidget(window)
    shell.start([Screen("0-left", 0), Screen("1-middle", 1280), Screen("WALL-RIGHT", 2560)])
    seen = shell.describe()
    assert seen["WALL-RIGHT"]["failed"] == ["kpi"]
    errors = shell.windows[1].findChildren(ErrorPanel)
    assert len(errors) == 1 and "chart library missing" in errors[0].text()
    assert seen["0-left"]["failed"] == [] and seen["1-middle"]["failed"] == []
    shell.close_all()


def test_stale_banner_on_every_screen_follows_the_hub(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    path = tmp_path / "three.toml"
    path.write_text(THREE_SCREENS, encoding="utf-8")
    feed = QtFeed(hub.stream_url, hub.token["wall"])
    shell = WallShell(feed, load_layout(path), windowed=True)
    for window in shell.windows:
        qtbot.addWidget(window)
    shell.start([Screen("0-left", 0), Screen("1-middle", 1280), Screen("WALL-RIGHT", 2560)])
    banners = [w.banner for w in shell.windows]

    async def scenario() -> None:
        feed.start()
        await until(lambda: feed.is_live() and all(not b.isVisible() for b in banners))
        await asyncio.to_thread(hub.stop)
        await until(lambda: all(b.isVisible() and b.link == "offline" for b in banners))
        assert all("最后数据" in b.text() for b in banners)
        await asyncio.to_thread(hub.start, False)
        await until(lambda: all(not b.isVisible() for b in banners), timeout=30)
        assert all(w.link_state.property("link") == "live" for w in shell.windows)
        await feed.stop()

    loop.run_until_complete(scenario())
    shell.close_all()


def test_the_head_count_counts_people_on_duty_not_vehicles(qtbot: Any, feed: QtFeed) -> None:
    from backend_client.protocol.messages import Unit

    units = {
        "U1": Unit(id="U1", name="张伟", team="T1", status="available"),
        "U2": Unit(id="U2", name="李娜", team="T1", status="on_scene"),
        "U3": Unit(id="U3", name="王芳", team="T1", status="off_duty"),
        "V1": Unit(id="V1", name="执法车01", team="T1", kind="vehicle", plate="浙G·A1234"),
    }
    feed.state.units.update(units)
    shell = WallShell(feed, load_layout(), windowed=True)
    window = shell.windows[0]
    qtbot.addWidget(window)
    window._update_counters()
    assert "在岗警力 2" in window.counters.text()
    shell.close_all()
