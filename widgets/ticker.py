"""The broadcast ticker: every incoming case, newest first, urgent ones highlighted."""

from __future__ import annotations

import time
from collections import deque

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

MAX_ITEMS = 6


class TickerBar(QLabel):
    """A one-line strip of the latest case announcements (scrolling comes with the wall)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Ticker")
        self.setAlignment(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
        self._items: deque[tuple[float, str, bool]] = deque(maxlen=MAX_ITEMS)
        self.setText("【案件播报】等待新案件…")

    @property
    def items(self) -> list[str]:
        return [text for _ts, text, _urgent in self._items]

    def announce(self, text: str, urgent: bool = False, ts: float | None = None) -> None:
        self._items.appendleft((time.time() if ts is None else ts, text, urgent))
        parts = []
        for stamp, item, is_urgent in self._items:
            clock = time.strftime("%H:%M", time.localtime(stamp))
            mark = "【急】" if is_urgent else ""
            parts.append(f"{mark}{clock} {item}")
        self.setText("【案件播报】" + "　｜　".join(parts))
