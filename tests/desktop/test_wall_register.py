"""A wall's map panels draw one merchant register between them (``merchant.list`` asked
once per wall, not once per map), made by the wall's panel context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend_client.qt import QtFeed
from desktop.layout import load_layout
from desktop.wall import WallShell
from widgets.livemap import LiveMapPanel

pytestmark = pytest.mark.webengine

TWO_MAPS = """\
[[screens]]
screen = 0
[[screens.panels]]
kind = "map"

[[screens]]
screen = 1
[[screens.panels]]
kind = "map"
"""


def test_the_maps_of_a_wall_share_one_register(tmp_path: Path, qtbot: Any) -> None:
    path = tmp_path / "two-maps.toml"
    path.write_text(TWO_MAPS, encoding="utf-8")
    feed = QtFeed("ws://127.0.0.1:9/stream", "unused")  # never started: no network
    shell = WallShell(feed, load_layout(path), windowed=True)
    for window in shell.windows:
        qtbot.addWidget(window)
    maps = [m for w in shell.windows for m in w.findChildren(LiveMapPanel)]
    assert len(maps) == 2
    assert maps[0].register is maps[1].register
    shell.close_all()


def test_a_closed_map_lets_go_of_the_shared_register(qtbot: Any) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    from backend_client.stories import MerchantRegister

    feed = QtFeed("ws://127.0.0.1:9/stream", "unused")
    register = MerchantRegister(feed.client.request)
    panel = LiveMapPanel(feed, register=register)
    assert len(register.changed) == 1
    panel.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert len(register.changed) == 0
