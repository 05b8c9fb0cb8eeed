"""Save what a window shows, QtWebEngine content included.

A plain ``QWidget.grab()`` of a window does not include a QWebEngineView's pixels under
every platform plugin (its content lives in its own render surface), so each web view is
grabbed on its own and painted over the window at its place.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget


def grab_window(window: QWidget) -> QPixmap:
    pixmap = window.grab()
    painter = QPainter(pixmap)
    try:
        for view in window.findChildren(QWebEngineView):
            if not view.isVisible():
                continue
            origin = view.mapTo(window, QPoint(0, 0))
            painter.drawPixmap(origin, view.grab())
    finally:
        painter.end()
    return pixmap


def save_windows(windows: dict[str, QWidget], target: Path) -> list[Path]:
    """One PNG for one window (``target`` ends in .png), else ``<screen name>.png`` each."""
    written: list[Path] = []
    if target.suffix.lower() == ".png":
        target.parent.mkdir(parents=True, exist_ok=True)
        first = next(iter(windows.values()))
        if not grab_window(first).save(str(target)):
            raise OSError(f"cannot write {target}")
        return [target]
    target.mkdir(parents=True, exist_ok=True)
    for name, window in windows.items():
        path = target / f"{_safe(name)}.png"
        if not grab_window(window).save(str(path)):
            raise OSError(f"cannot write {path}")
        written.append(path)
    return written


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "screen"
