"""Kiosk behaviour a wall relies on while nobody touches it: rotation and the idle cursor."""

from __future__ import annotations

import time
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QCursor, QGuiApplication

from backend_client.qt import QtFeed
from desktop.layout import ScreenSpec, load_layout
from desktop.wall import IdleCursor, WallWindow
from widgets.panel import RotatingPanel

ROTATING = """\
[[screens]]
screen = 0
rows = 1
cols = 2

[[screens.panels]]
col = 0
kind = "clock"

[[screens.panels]]
col = 1
playlist = [
  { kind = "alerts", seconds = 3 },
  { kind = "clock", seconds = 6 },
  { kind = "ticker", seconds = 3 },
]
"""


def _fast(tmp_path: Path) -> ScreenSpec:
    """The layout as loaded (and validated), with its playlist run five times faster: the
    loader's 3 s floor is for people; the cell honours whatever durations it is given."""
    layout_file = tmp_path / "rotating.toml"
    layout_file.write_text(ROTATING, encoding="utf-8")
    spec = load_layout(layout_file).screens[0]
    panels = tuple(
        replace(p, views=tuple(replace(v, seconds=v.seconds / 5) for v in p.views))
        for p in spec.panels
    )
    return replace(spec, panels=panels)


def test_a_playlist_cell_shows_each_view_for_its_time_in_turn(tmp_path: Path, qtbot: Any) -> None:
    feed = QtFeed("ws://127.0.0.1:9/stream", "unused")
    window = WallWindow(feed, "screen-0", spec=_fast(tmp_path))
    qtbot.addWidget(window)
    window.show()
    rotating = window.grid.findChildren(RotatingPanel)
    assert len(rotating) == 1, "only the playlist cell rotates"
    cell = rotating[0]
    assert window.grid.kinds() == ["clock", "alerts+clock+ticker"]

    seen: list[str] = [cell.kind]
    cell.currentChanged.connect(lambda _index: seen.append(cell.kind))
    qtbot.waitUntil(lambda: len(seen) >= 5, timeout=10000)
    # In order, around and around; the fixed cell never moved.
    assert seen[:5] == ["alerts", "clock", "ticker", "alerts", "clock"]
    assert window.grid.kinds()[0] == "clock"


def test_a_rotation_keeps_each_view_for_its_own_duration(tmp_path: Path, qtbot: Any) -> None:

    window = WallWindow(QtFeed("ws://127.0.0.1:9/stream", "unused"), "s", spec=_fast(tmp_path))
    qtbot.addWidget(window)
    cell = window.grid.findChildren(RotatingPanel)[0]
    stamps: list[tuple[str, float]] = [(cell.kind, time.monotonic())]
    cell.currentChanged.connect(lambda _i: stamps.append((cell.kind, time.monotonic())))
    qtbot.waitUntil(lambda: len(stamps) >= 4, timeout=10000)
    held = {kind: later - at for (kind, at), (_k, later) in pairwise(stamps)}
    # "clock" is listed for 1.2 s, the others for 0.6 s: the longer one stays longer.
    assert held["clock"] > held["alerts"] + 0.3
    assert held["clock"] > held["ticker"] + 0.3


def test_the_pointer_hides_when_idle_and_comes_back_when_moved(qtbot: Any) -> None:
    start = QPoint(100, 100)
    QCursor.setPos(start)
    idle = IdleCursor(0.3)
    try:
        assert not idle.hidden
        qtbot.waitUntil(lambda: idle.hidden, timeout=3000)
        cursor = QGuiApplication.overrideCursor()
        assert cursor is not None and cursor.shape() == Qt.CursorShape.BlankCursor
        QCursor.setPos(start + QPoint(40, 0))
        qtbot.waitUntil(lambda: not idle.hidden, timeout=3000)
        assert QGuiApplication.overrideCursor() is None
    finally:
        idle.stop()
    assert QGuiApplication.overrideCursor() is None
