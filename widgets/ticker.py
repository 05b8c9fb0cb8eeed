"""The broadcast ticker: new cases scroll by; urgent ones (and missed 1-3-15 deadlines,
which the hub announces as urgent) are pinned at the left and flash for a while.

Painted by hand: one text run moved a few pixels per frame costs far less than a
QLabel re-laid-out 25 times a second on a software-rendered wall.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QStaticText, QTransform
from PySide6.QtWidgets import QSizePolicy, QWidget

from backend_client.protocol.messages import Ticker
from widgets.palette import colour
from widgets.text import event_text, translate

MAX_ITEMS = 20
FRAME_MS = 40
#: An urgent item flashes this long, then stays pinned (steady) until PIN_S is over.
FLASH_S = 30.0
PIN_S = 600.0
GAP = "　　◆　　"


@dataclass(frozen=True, slots=True)
class TickerItem:
    ts: float
    text: str
    urgent: bool

    def line(self) -> str:
        return f"{time.strftime('%H:%M', time.localtime(self.ts))} {self.text}"


class TickerBar(QWidget):
    """``announce()`` adds an item; the marquee scrolls all recent items, newest first."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        speed: int = 120,
        pinned: int = 2,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        # Item times are the hub's: a wall passes its feed's now() so that pinning and
        # flashing do not depend on the wall PC's clock.
        self._clock = clock
        self.setObjectName("Ticker")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._items: deque[TickerItem] = deque(maxlen=MAX_ITEMS)
        self._speed = speed
        self._max_pinned = pinned
        self._offset = 0.0
        self._run = ""
        self._run_width = 0.0
        self._static = QStaticText()
        self._last_frame = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._frame)
        self._timer.start()

    # -- public --------------------------------------------------------------------------

    @property
    def items(self) -> list[str]:
        """Texts, newest first."""
        return [item.text for item in self._items]

    def pinned(self, now: float | None = None) -> list[TickerItem]:
        now = self._clock() if now is None else now
        urgent = [i for i in self._items if i.urgent and now - i.ts < PIN_S]
        return urgent[: self._max_pinned]

    def announce(self, text: str, urgent: bool = False, ts: float | None = None) -> None:
        self._items.appendleft(TickerItem(self._clock() if ts is None else ts, text, urgent))
        self._rebuild_run()
        # A new item starts at the right edge so nobody misses its beginning.
        self._offset = 0.0
        self.update()

    def announce_event(self, event: Ticker) -> None:
        """A ticker event from the hub, worded in the UI language (see event_text)."""
        self.announce(event_text(event.code, event.args, event.text), event.urgent, event.ts)

    # -- painting ------------------------------------------------------------------------

    def _rebuild_run(self) -> None:
        pinned = set(map(id, self.pinned()))
        lines = [i.line() for i in self._items if id(i) not in pinned]
        self._run = GAP.join(lines) if lines else translate("ticker", "【案件播报】等待新案件…")
        self._run_width = float(self.fontMetrics().horizontalAdvance(self._run + GAP))
        # Laid out once per change, not 25 times a second: shaping a run of 50 Chinese
        # case lines each frame was a steady share of a wall's CPU.
        self._static = QStaticText(self._run)
        self._static.setTextFormat(Qt.TextFormat.PlainText)
        self._static.prepare(QTransform(), self.font())

    def _frame(self) -> None:
        now = time.monotonic()
        elapsed = min(0.2, now - self._last_frame)
        self._last_frame = now
        if not self.isVisible():
            return
        self._offset += self._speed * elapsed
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            rect = QRectF(self.rect())
            painter.fillRect(rect, QColor(colour("ticker.background")))
            painter.fillRect(QRectF(0, 0, rect.width(), 3), QColor(colour("ticker.accent")))
            now = self._clock()
            left = self._paint_label(painter, rect)
            for item in self.pinned(now):
                left = self._paint_pinned(painter, rect, left, item, now)
            self._paint_run(painter, rect, left)
        finally:
            painter.end()

    def _paint_label(self, painter: QPainter, rect: QRectF) -> float:
        text = translate("ticker", "案件播报")
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        width = painter.fontMetrics().horizontalAdvance(text) + 32
        box = QRectF(0, 3, width, rect.height() - 3)
        painter.fillRect(box, QColor(colour("ticker.accent")))
        painter.setPen(QColor(colour("ticker.label_text")))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        return float(width)

    def _paint_pinned(
        self, painter: QPainter, rect: QRectF, left: float, item: TickerItem, now: float
    ) -> float:
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        urgent = translate("ticker", "急")
        text = f"{urgent} {item.line()}"
        # A pinned item never takes more than 45 % of the strip: the run must stay visible.
        width = min(painter.fontMetrics().horizontalAdvance(text) + 32, rect.width() * 0.45)
        box = QRectF(left + 6, 3, width, rect.height() - 3)
        flashing = now - item.ts < FLASH_S
        lit = not flashing or int(now * 2) % 2 == 0
        painter.fillRect(
            box, QColor(colour("ticker.urgent") if lit else colour("ticker.urgent_dim"))
        )
        painter.setPen(QColor(colour("ticker.urgent_text")))
        elided = painter.fontMetrics().elidedText(
            text, Qt.TextElideMode.ElideRight, int(width - 24)
        )
        painter.drawText(box.adjusted(12, 0, -12, 0), Qt.AlignmentFlag.AlignVCenter, elided)
        return left + 6 + width

    def _paint_run(self, painter: QPainter, rect: QRectF, left: float) -> None:
        if not self._run:
            self._rebuild_run()
        painter.setFont(self.font())
        painter.setPen(QColor(colour("ticker.text")))
        area = QRectF(left + 12, 3, rect.width() - left - 12, rect.height() - 3)
        painter.setClipRect(area)
        width = max(self._run_width, 1.0)
        # Start at the right edge, move left, wrap around seamlessly.
        x = area.right() - (self._offset % (width + area.width()))
        y = area.top() + (area.height() - self._static.size().height()) / 2
        painter.drawStaticText(QPointF(x, y), self._static)
        painter.setClipping(False)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        hint.setHeight(int(self.fontMetrics().height() * 1.8))
        return hint
