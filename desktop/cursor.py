"""The kiosk's pointer: hidden while nobody moves the mouse."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QCursor, QGuiApplication


class IdleCursor(QObject):
    """Hides the mouse pointer after ``idle_s`` without movement; any movement shows it.

    It polls the pointer position twice a second rather than filtering every event of
    the application: a Python application-wide event filter sees each QtQuick event of
    QtWebEngine (and crashed PySide 6.11 in getWrapperForQObject during a page's focus
    change), and costs a Python call per event on a wall that paints all day.
    """

    def __init__(self, idle_s: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hidden = False
        self._idle_s = idle_s
        self._last_pos = QCursor.pos()
        self._still_since = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setInterval(500)
        self._timer.timeout.connect(self.poll)
        self._timer.start()

    def poll(self) -> None:
        pos = QCursor.pos()
        now = time.monotonic()
        if pos != self._last_pos:
            self._last_pos = pos
            self._still_since = now
            if self.hidden:
                QGuiApplication.restoreOverrideCursor()
                self.hidden = False
        elif not self.hidden and now - self._still_since >= self._idle_s:
            QGuiApplication.setOverrideCursor(QCursor(Qt.CursorShape.BlankCursor))
            self.hidden = True

    def stop(self) -> None:
        self._timer.stop()
        if self.hidden:
            QGuiApplication.restoreOverrideCursor()
            self.hidden = False
