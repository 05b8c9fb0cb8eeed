"""The staleness banner: walls must never show old data as if it were live."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QWidget

from widgets.text import QT_TRANSLATE_NOOP, translate

TEXT = {
    "connecting": QT_TRANSLATE_NOOP("banner", "正在连接指挥中心数据枢纽…"),
    "offline": QT_TRANSLATE_NOOP("banner", "数据中断：与数据枢纽失去连接 · 最后数据 {age} 前"),
    "unreachable": QT_TRANSLATE_NOOP("banner", "数据中断：无法连接数据枢纽"),
    "stale": QT_TRANSLATE_NOOP("banner", "数据已过期：{age} 未收到心跳"),
}


def age_text(seconds: float) -> str:
    if seconds < 60:
        return translate("banner", "{s} 秒").format(s=int(seconds))
    if seconds < 3600:
        return translate("banner", "{m} 分 {s} 秒").format(
            m=int(seconds // 60), s=int(seconds % 60)
        )
    return translate("banner", "{h} 小时 {m} 分").format(
        h=int(seconds // 3600), m=int(seconds % 3600 // 60)
    )


class StaleBanner(QLabel):
    """Hidden while the link is live; otherwise a band with the age of the last data."""

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
        key = self._link if self._link in TEXT else "offline"
        if key == "offline" and self._last_good is None:
            key = "unreachable"
        self.setText(translate("banner", TEXT[key]).format(age=age_text(age)))
        level = "warning" if self._link in ("connecting", "stale") else "error"
        if self.property("level") != level:
            self.setProperty("level", level)
            self.style().unpolish(self)
            self.style().polish(self)
        self.show()
        self.raise_()
