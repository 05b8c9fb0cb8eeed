"""The staleness banner: walls must never show old data as if it were live."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QWidget

TEXT = {
    "connecting": "正在连接指挥中心数据枢纽…  Connecting to hub…",
    "offline": (
        "数据中断：与数据枢纽失去连接 · 最后数据 {age} 前  Hub offline · last data {age_en} ago"
    ),
    "stale": "数据已过期：{age} 未收到心跳  Data stale · no heartbeat for {age_en}",
}


def _age_zh(seconds: float) -> str:
    if seconds < 60:
        return f"{int(seconds)} 秒"
    if seconds < 3600:
        return f"{int(seconds // 60)} 分 {int(seconds % 60)} 秒"
    return f"{int(seconds // 3600)} 小时 {int(seconds % 3600 // 60)} 分"


def _age_en(seconds: float) -> str:
    if seconds < 60:
        return f"{int(seconds)} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60)} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60)} min"


class StaleBanner(QLabel):
    """Hidden while the link is live; otherwise a red band with the age of the last data."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StaleBanner")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self._link = "connecting"
        self._last_good: float | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._refresh)
        self._timer.start()
        self._refresh()

    @property
    def link(self) -> str:
        return self._link

    def set_link(self, link: str, last_good: float | None) -> None:
        self._link = link
        if last_good is not None:
            self._last_good = last_good
        self._refresh()

    def _refresh(self) -> None:
        if self._link == "live":
            self.hide()
            return
        age = 0.0 if self._last_good is None else max(0.0, time.time() - self._last_good)
        template = TEXT.get(self._link, TEXT["offline"])
        if self._link == "offline" and self._last_good is None:
            template = "数据中断：无法连接数据枢纽  Hub unreachable"
        self.setText(template.format(age=_age_zh(age), age_en=_age_en(age)))
        self.setProperty("level", "warning" if self._link in ("connecting", "stale") else "error")
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()
        self.raise_()
