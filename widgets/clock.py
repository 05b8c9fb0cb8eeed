"""A large clock with the date and weekday, sized to its cell (readable across the room)."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from widgets.text import QT_TRANSLATE_NOOP, translate

WEEKDAYS = (
    QT_TRANSLATE_NOOP("clock", "星期一"),
    QT_TRANSLATE_NOOP("clock", "星期二"),
    QT_TRANSLATE_NOOP("clock", "星期三"),
    QT_TRANSLATE_NOOP("clock", "星期四"),
    QT_TRANSLATE_NOOP("clock", "星期五"),
    QT_TRANSLATE_NOOP("clock", "星期六"),
    QT_TRANSLATE_NOOP("clock", "星期日"),
)


class ClockPanel(QWidget):
    def __init__(
        self,
        *,
        seconds: bool = True,
        clock: Callable[[], float] = time.time,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        # A wall passes its feed's now(): a command centre keeps one time, the hub's,
        # whatever each wall PC's own clock says (the local clock until connected).
        self._clock = clock
        self.setObjectName("ClockPanel")
        self._seconds = seconds
        self.time_label = QLabel()
        self.time_label.setObjectName("ClockTime")
        self.date_label = QLabel()
        self.date_label.setObjectName("ClockDate")
        for label in (self.time_label, self.date_label):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box = QVBoxLayout(self)
        box.setContentsMargins(8, 4, 8, 4)
        box.setSpacing(0)
        box.addWidget(self.time_label, 3)
        box.addWidget(self.date_label, 1)
        self._timer = QTimer(self)
        # Aligned to whole seconds would be nicer; 250 ms keeps the display within a
        # quarter second of the truth without a timer per second boundary.
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.tick)
        self._timer.start()
        self.tick()

    def tick(self) -> None:
        now = time.localtime(self._clock())
        self.time_label.setText(time.strftime("%H:%M:%S" if self._seconds else "%H:%M", now))
        weekday = translate("clock", WEEKDAYS[now.tm_wday])
        date = translate("clock", "{y}年{m}月{d}日 {weekday}").format(
            y=now.tm_year, m=now.tm_mon, d=now.tm_mday, weekday=weekday
        )
        self.date_label.setText(date)

    def resizeEvent(self, event: QResizeEvent) -> None:
        # The digits fill the cell: a clock in a 200 px strip and one in a half screen are
        # both as large as they can be.
        height = max(20, event.size().height())
        width = max(40, event.size().width())
        chars = 8 if self._seconds else 5
        time_px = int(min(height * 0.58, width / (chars * 0.62)))
        date_px = int(min(height * 0.2, width / 14))
        self._set_px(self.time_label, max(18, time_px))
        self._set_px(self.date_label, max(14, date_px))
        super().resizeEvent(event)

    @staticmethod
    def _set_px(label: QLabel, px: int) -> None:
        font = QFont(label.font())
        font.setPixelSize(px)
        label.setFont(font)
