"""The desk's arrangement: where its docks sit by default, and the operator's own
arrangement (docks and window geometry) kept in QSettings and restored next time.

QSettings' user scope is the computer account, so each operator who signs in to the desk
PC under their own account gets their own arrangement back.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow

#: Bumped when the default arrangement changes in a way an older saved one would undo:
#: before 2 the case timeline shared the queue's column and squeezed it to one row.
LAYOUT_VERSION: Final = 2
#: Share of the window's width the left column (queue, case panel) takes by default.
LEFT_SHARE: Final = 0.42
#: Share of the right column's height the map takes above the case timeline.
MAP_SHARE: Final = 0.62


class DeskArrangement:
    """Places the desk's docks (``queue``, ``details`` left; ``map``, ``history`` right),
    saves and restores the operator's arrangement, and resets it to the default."""

    def __init__(
        self, window: QMainWindow, docks: dict[str, QDockWidget], settings: QSettings
    ) -> None:
        self.window = window
        self.docks = docks
        self.settings = settings
        self.place_default()
        #: The default dock state, before any saved one is applied (what "reset" goes to).
        self.default_state = window.saveState(LAYOUT_VERSION)
        #: Whether a saved arrangement was applied (else the window opens maximised).
        self.restored = False

    def place_default(self) -> None:
        """Queue above the case panel on the left, the map above the case timeline on
        the right: the timeline never shares the queue's column."""
        w, d = self.window, self.docks
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        for dock in d.values():
            dock.setFloating(False)
            dock.show()
        w.addDockWidget(left, d["queue"])
        w.splitDockWidget(d["queue"], d["details"], Qt.Orientation.Vertical)
        w.addDockWidget(right, d["map"])
        w.splitDockWidget(d["map"], d["history"], Qt.Orientation.Vertical)

    def size_default(self) -> None:
        """Default proportions for the window's current size (call once it has one)."""
        w, d = self.window, self.docks
        width, height = max(1, w.width()), max(1, w.height())
        left = int(width * LEFT_SHARE)
        w.resizeDocks([d["queue"], d["map"]], [left, width - left], Qt.Orientation.Horizontal)
        map_h = int(height * MAP_SHARE)
        w.resizeDocks([d["map"], d["history"]], [map_h, height - map_h], Qt.Orientation.Vertical)
        # The queue takes what its ten-row floor and the case panel leave; most of it.
        queue_h = int(height * 0.55)
        w.resizeDocks(
            [d["queue"], d["details"]], [queue_h, height - queue_h], Qt.Orientation.Vertical
        )

    def restore(self) -> bool:
        """Apply the saved arrangement; False when there is none (or an older one)."""
        geometry = self.settings.value("geometry")
        state = self.settings.value("state")
        version = self.settings.value("layout_version")
        current = str(version) == str(LAYOUT_VERSION)
        if current and isinstance(geometry, QByteArray):
            self.window.restoreGeometry(geometry)
        self.restored = (
            current
            and isinstance(state, QByteArray)
            and self.window.restoreState(state, LAYOUT_VERSION)
        )
        return self.restored

    def save(self) -> None:
        self.settings.setValue("geometry", self.window.saveGeometry())
        self.settings.setValue("state", self.window.saveState(LAYOUT_VERSION))
        self.settings.setValue("layout_version", LAYOUT_VERSION)
        self.settings.sync()

    def reset(self) -> None:
        """Back to the default arrangement, maximised; the saved one is forgotten."""
        for key in ("geometry", "state", "layout_version"):
            self.settings.remove(key)
        self.settings.sync()
        self.place_default()
        self.window.restoreState(self.default_state, LAYOUT_VERSION)
        self.restored = False
        if self.window.isVisible():
            self.window.showMaximized()
        self.size_default()
