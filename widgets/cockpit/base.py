"""What every cockpit (驾驶舱) panel shares: its :class:`CockpitStats` model, the line
that says how fresh the figures are, and the wiring to the feed.

A panel never shows a blank or an old figure without saying so: before the first answer
the line says the figures are being read; after a failed query, or while the hub is not
live, it says the figures are stale and since when (the last answer stays drawn: a
supervisor reading last hour's 结案率 is better served than by an empty cell).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from backend_client.protocol.ops import StatsAnswer
from backend_client.qt import QtFeed
from backend_client.stories.base import ANSWER
from backend_client.stories.cockpit import CockpitStats
from widgets.palette import colour
from widgets.text import translate

#: (context, Chinese) -> the UI language; widgets.text.translate on a wall.
Translate = Callable[[str, str], str]

_LEVEL_COLOURS = {
    "live": colour("alerts.notice"),
    "waiting": colour("alerts.notice"),
    "stale": colour("alerts.warning"),
    "error": colour("alerts.urgent"),
}


def fluid(label: QLabel) -> QLabel:
    """A label that never widens its cell: a wall's grid is set by the layout's weights,
    and a long figure or formula must wrap or be cut, not push the window off the
    screen."""
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(1)
    return label


def fit_font(label: QLabel, px: int, *, bold: bool = True, room: int | None = None) -> None:
    """``label``'s font at ``px`` pixels, or smaller until its text fits ``room`` (its
    width by default): a figure shown whole in a smaller size beats one cut off."""
    width = room if room is not None else label.width()
    text = label.text()
    size = px
    while size > 10 and width > 0 and text:
        if QFontMetrics(px_font(size, bold=bold)).horizontalAdvance(text) <= width - 4:
            break
        size -= 2
    label.setFont(px_font(size, bold=bold))


def px_font(px: int, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(max(8, px))
    font.setBold(bold)
    return font


def clock_text(ts: float) -> str:
    """``HH:MM`` of a hub time on this wall's clock (as the clock panel shows time)."""
    return time.strftime("%H:%M", time.localtime(ts))


class CockpitPanel(QWidget):
    """A cockpit panel: a body the subclass fills (:meth:`draw`) and a status line.

    Built with a feed it starts its model when the feed goes live, asks again (after
    ``settle_s``, coalesced) when a new case arrives and at once after a reconnect, and
    stops the model when it is destroyed.
    """

    def __init__(
        self,
        stats: CockpitStats,
        feed: QtFeed | None = None,
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("CockpitPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"QWidget#CockpitPanel {{ background: {colour('kpi.background')}; }}")
        self.stats = stats
        self._feed = feed
        self._link_live = feed is None
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(8, 4, 8, 4)
        self.box.setSpacing(2)
        self.status = fluid(QLabel())
        self.status.setObjectName("CockpitStatus")
        self.status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        #: live | waiting | stale | error: what the status line says, for tests and styles.
        self.level = "waiting"
        stats.changed.connect(self._on_change)
        if feed is not None:
            feed.incidentChanged.connect(self._on_incident)
            feed.linkChanged.connect(self._on_link)
            feed.snapshotLoaded.connect(self._on_snapshot)
            self._on_link(feed.status.link.value, None)
        # The model's task must not outlive the panel (a rotating cell, a wall closing).
        self.destroyed.connect(stats.stop)

    def add_status(self) -> None:
        """Put the status line under the body (subclasses call it after their body)."""
        self.box.addWidget(self.status)
        self._show_status()

    # ---- feed ------------------------------------------------------------------------

    def _on_link(self, link: str, _last_good: object) -> None:
        live = link == "live"
        came_back = live and not self._link_live
        self._link_live = live
        if live:
            if not self.stats.running:
                self.stats.start()
            elif came_back:
                self.stats.poke(now=True)
        self._show_status()

    def _on_incident(self, _incident: object, is_new: bool) -> None:
        if is_new:
            self.stats.poke()

    def _on_snapshot(self) -> None:
        # Names (teams) come with the snapshot; draw again with them.
        if self.stats.answer is not None:
            self.draw(self.stats.answer)

    # ---- model -----------------------------------------------------------------------

    def _on_change(self, topic: str) -> None:
        if topic == ANSWER and self.stats.answer is not None:
            self.draw(self.stats.answer)
        self._show_status()

    def draw(self, answer: StatsAnswer) -> None:
        raise NotImplementedError

    def period_text(self) -> str:
        return translate("cockpit", "近{days}日").format(days=self.stats.days)

    def _show_status(self) -> None:
        stats = self.stats
        if stats.answer is None:
            if stats.error:
                self.level = "error"
                text = translate("cockpit", "统计暂不可用：{error}").format(error=stats.error)
            elif not self._link_live:
                self.level = "error"
                text = translate("cockpit", "未连接指挥中心，统计暂不可用")
            else:
                self.level = "waiting"
                text = translate("cockpit", "正在读取统计…")
        else:
            as_of = clock_text(stats.as_of or 0.0)
            if stats.stale or not self._link_live:
                self.level = "stale"
                text = translate("cockpit", "数据已过时 · 截至 {time}").format(time=as_of)
                if stats.error:
                    text += f"（{stats.error}）"
            else:
                self.level = "live"
                text = translate("cockpit", "{period} · 截至 {time}").format(
                    period=self.period_text(), time=as_of
                )
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {_LEVEL_COLOURS[self.level]};")
        self.status.setProperty("level", self.level)

    def resizeEvent(self, event: QResizeEvent) -> None:
        # Text in proportion to the cell, so one layout reads at 1080p and at 4K alike
        # (and a narrow cell shrinks its text rather than its figures' room).
        size = event.size()
        self.scale = max(0.6, min(3.0, size.height() / 360.0, size.width() / self.base_width))
        self.status.setFont(px_font(int(18 * self.scale), bold=self.level != "live"))
        self.rescale(self.scale)
        super().resizeEvent(event)

    scale = 1.0
    #: The width at which the body's text is at its nominal size.
    base_width = 480.0

    def rescale(self, scale: float) -> None:
        """Set the body's font sizes for ``scale`` (1.0 is a 360 px high panel)."""
