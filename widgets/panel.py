"""Panel plumbing for walls: a titled frame, a cell that survives a failing panel, and a
cell that rotates through a playlist.

A wall runs unattended for weeks: one panel that raises (bad data, a bug, a missing
library) must cost one cell, shown as such, never the whole screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from widgets.text import translate

log = logging.getLogger(__name__)

RETRY_MS = 30_000

PanelFactory = Callable[[], QWidget]


class ErrorPanel(QLabel):
    """What a cell shows when its panel failed: which panel and why, and that it retries."""

    def __init__(self, kind: str, error: BaseException, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ErrorPanel")
        self.kind = kind
        self.error = error
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setText(
            translate("panel", "面板“{kind}”加载失败，{s} 秒后重试").format(
                kind=kind, s=RETRY_MS // 1000
            )
            + f"\n{type(error).__name__}: {error}"
        )


class PanelFrame(QWidget):
    """A panel with its title bar; ``body`` is the panel itself (or an ErrorPanel)."""

    def __init__(
        self, kind: str, title: str, factory: PanelFactory, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("PanelFrame")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.kind = kind
        self._factory = factory
        self.title = QLabel(title)
        self.title.setObjectName("PanelTitle")
        self._box = QVBoxLayout(self)
        self._box.setContentsMargins(0, 0, 0, 0)
        self._box.setSpacing(0)
        self._box.addWidget(self.title)
        if not title:
            self.title.hide()
        self.body: QWidget = QWidget()
        self._box.addWidget(self.body, 1)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(RETRY_MS)
        self._retry.timeout.connect(self.build)
        self.build()

    @property
    def failed(self) -> bool:
        return isinstance(self.body, ErrorPanel)

    def build(self) -> None:
        try:
            body = self._factory()
        except Exception as exc:  # any failure must cost one cell only, never the wall
            log.exception("panel %s failed to start; retrying in %d s", self.kind, RETRY_MS // 1000)
            body = ErrorPanel(self.kind, exc)
            self._retry.start()
        self._box.replaceWidget(self.body, body)
        self.body.deleteLater()
        self.body = body


@dataclass(frozen=True)
class PlaylistEntry:
    frame: PanelFrame
    seconds: float


class RotatingPanel(QStackedWidget):
    """A cell that shows each playlist entry for its duration, in turn, forever."""

    def __init__(self, entries: Sequence[PlaylistEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RotatingPanel")
        self.entries = list(entries)
        for entry in self.entries:
            self.addWidget(entry.frame)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.advance)
        self._timer.start(int(self.entries[0].seconds * 1000))

    @property
    def kind(self) -> str:
        return self.entries[self.currentIndex()].frame.kind

    def advance(self) -> None:
        index = (self.currentIndex() + 1) % len(self.entries)
        self.setCurrentIndex(index)
        self._timer.start(int(self.entries[index].seconds * 1000))
