"""The cockpit's charts (pyqtgraph): the 31-day trend, and horizontal bars for sources,
categories and the team ranking. Each draws what ``backend_client.stories.cockpit`` made
of the hub's answer; the figures drawn are kept (``values``) so tests read them back."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QLabel

from backend_client.protocol.ops import StatsAnswer
from backend_client.qt import QtFeed
from backend_client.stories.cockpit import (
    OTHERS,
    CockpitStats,
    RankBy,
    Trend,
    class_shares,
    ranking,
    shares,
    trend,
)
from widgets.cockpit.base import CockpitPanel, fit_font, fluid, px_font
from widgets.kpi import LabelAxis
from widgets.palette import colour
from widgets.text import QT_TRANSLATE_NOOP, translate
from widgets.vocabulary import source_label, word

#: Rows a bar chart is laid out for, whatever it has: bars keep one thickness.
MIN_ROWS = 5
RECEIVED = QT_TRANSLATE_NOOP("cockpit", "受理")
CLOSED = QT_TRANSLATE_NOOP("cockpit", "结案")
#: The 大类 of the shipped classes catalogue (resources/classes/), as the hub names them;
#: a bureau's own catalogue's names show as they come.
CLASS_GROUPS = (
    QT_TRANSLATE_NOOP("vocabulary", "市容环境"),
    QT_TRANSLATE_NOOP("vocabulary", "宣传广告"),
    QT_TRANSLATE_NOOP("vocabulary", "施工管理"),
    QT_TRANSLATE_NOOP("vocabulary", "街面秩序"),
    QT_TRANSLATE_NOOP("vocabulary", "其他"),
)
#: Days a trend label may stand for: every day, every 2nd, ... (counted back from today).
DAY_STEPS = (1, 2, 3, 5, 7, 10, 14, 30)
#: Marks a 小类 in ``BarsPanel.values`` (written under its 大类's bar, not a bar).
CLASS_INDENT = "\u3000"
#: How far up a captioned bar sits in its row (rows are 1 apart; the caption below).
CAPTION_SHIFT = 0.2
#: Where its caption's middle is, from the row's middle.
CAPTION_AT = 0.3


def _style(plot: pg.PlotItem) -> None:
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(colour("kpi.axis")))
        axis.setTextPen(pg.mkPen(colour("kpi.axis_text")))
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()


def _tick_font(plot: pg.PlotItem, px: int, *, bold_right: bool = False) -> None:
    for name in ("left", "bottom"):
        plot.getAxis(name).setStyle(tickFont=px_font(px), tickTextOffset=6)
    if bold_right:
        plot.getAxis("right").setStyle(tickFont=px_font(px, bold=True), tickTextOffset=6)


def rate_colour(rate: float | None) -> str:
    """Green from 90 %, amber from 70 %, red below (the KPI headline's levels)."""
    if rate is None:
        return colour("kpi.axis")
    if rate >= 0.9:
        return colour("kpi.met")
    if rate >= 0.7:
        return colour("alerts.warning")
    return colour("kpi.missed")


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


class TrendPanel(CockpitPanel):
    """Cases received (bars) and closed (line) per local day over the last ``days``."""

    def __init__(self, stats: CockpitStats, feed: QtFeed | None = None) -> None:
        super().__init__(stats, feed)
        self.setObjectName("CockpitPanel")
        heads = QHBoxLayout()
        heads.setSpacing(24)
        self.received_label = fluid(QLabel("—"))
        self.closed_label = fluid(QLabel("—"))
        for label, key in ((self.received_label, "kpi.in_time"), (self.closed_label, "kpi.met")):
            label.setStyleSheet(f"color: {colour(key)};")
            heads.addWidget(label, 1)
        self.box.addLayout(heads)
        # Day labels spaced by the axis's width: never two that touch (1080p or 4K).
        self.days_axis = LabelAxis(DAY_STEPS)
        self.plot_widget = pg.PlotWidget(
            background=colour("kpi.background"), axisItems={"bottom": self.days_axis}
        )
        self.plot = self.plot_widget.getPlotItem()
        _style(self.plot)
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        self.box.addWidget(self.plot_widget, 1)
        self.add_status()
        self.trend: Trend | None = None
        self.rescale(1.0)

    def draw(self, answer: StatsAnswer) -> None:
        figures = trend(answer)
        self.trend = figures
        self.received_label.setText(f"{translate('cockpit', RECEIVED)} {figures.total_received:,}")
        self.closed_label.setText(f"{translate('cockpit', CLOSED)} {sum(figures.closed):,}")
        self.rescale(self.scale)
        plot = self.plot
        plot.clear()
        x = np.arange(len(figures.days), dtype=float)
        received = np.array(figures.received, dtype=float)
        closed = np.array(figures.closed, dtype=float)
        plot.addItem(
            pg.BarGraphItem(x=x, height=received, width=0.7, brush=colour("kpi.in_time"), pen=None)
        )
        plot.addItem(
            pg.PlotDataItem(
                x,
                closed,
                pen=pg.mkPen(colour("kpi.met"), width=3),
                symbol="o",
                symbolSize=7,
                symbolBrush=colour("kpi.met"),
                symbolPen=None,
            )
        )
        self.days_axis.set_labels([f"{d.month:02d}-{d.day:02d}" for d in figures.days])
        top = float(max(received.max(initial=0.0), closed.max(initial=0.0)))
        plot.setYRange(0, max(4.0, top * 1.15))
        self._fit_days()

    def _fit_days(self) -> None:
        """The days on the x axis, with room on the right for today's label."""
        if self.trend is None:
            return
        room = self.days_axis.right_room(self.plot.getViewBox().width())
        self.plot.setXRange(-0.6, max(len(self.trend.days) - 1 + room, 0.6), padding=0)

    def rescale(self, scale: float) -> None:
        for label in (self.received_label, self.closed_label):
            # Half the panel each (the labels' own widths lag a resize by a layout pass).
            fit_font(label, int(28 * scale), room=(self.width() - 40) // 2)
        _tick_font(self.plot, int(16 * scale))
        self._fit_days()


class BarsPanel(CockpitPanel):
    """Horizontal bars, longest first, each with its figure at its end.

    ``kind`` is ``sources`` or ``categories`` (cases received per group, with shares;
    ``top`` bars and the rest as one) or ``ranking`` (teams by ``by``, best first)."""

    def __init__(
        self,
        kind: str,
        stats: CockpitStats,
        feed: QtFeed | None = None,
        *,
        top: int = 0,
        by: RankBy = "closure_rate",
        classes: int = 2,
    ) -> None:
        super().__init__(stats, feed)
        self.kind = kind
        self.top = top
        self.by: RankBy = by
        #: ``categories`` by 大类: the 小类 shown under each.
        self.classes = classes
        self.plot_widget = pg.PlotWidget(background=colour("kpi.background"))
        self.plot = self.plot_widget.getPlotItem()
        _style(self.plot)
        self.plot.invertY(True)
        self.plot.getAxis("bottom").hide()
        self.plot.showAxis("right")
        right = self.plot.getAxis("right")
        right.setPen(pg.mkPen(colour("kpi.background")))
        right.setTextPen(pg.mkPen(colour("kpi.figure")))
        self.box.addWidget(self.plot_widget, 1)
        if kind == "ranking":
            self.formula = fluid(QLabel())
            self.formula.setStyleSheet(f"color: {colour('alerts.notice')};")
            self.box.addWidget(self.formula)
        self.add_status()
        #: (label, figure) per bar, top to bottom, as drawn.
        self.values: list[tuple[str, str]] = []
        #: The lines of 小类 under the 大类 bars.
        self._captions: list[tuple[pg.TextItem, list[str]]] = []
        self.plot.getViewBox().sigResized.connect(lambda *_: self._scale_captions())
        self._texts: list[pg.TextItem] = []
        self.rescale(1.0)

    def draw(self, answer: StatsAnswer) -> None:
        bars: list[tuple[str, float, str, str]] = []  # label, length, figure, colour
        if self.kind == "ranking":
            names = {}
            if self._feed is not None:
                names = {t.id: t.name for t in self._feed.state.teams.values()}
            for n, rank in enumerate(ranking(answer, self.by, names, self.top), start=1):
                # The rate alone: a side column has no room for the counts, which the
                # rates panel shows for the whole district.
                figure = percent(rank.rate)
                bars.append(
                    (f"{n}. {rank.name}", (rank.rate or 0.0) * 100, figure, rate_colour(rank.rate))
                )
            self.formula.setText(translate("cockpit", self._formula(answer)))
        elif answer.group == "class_group":
            # Each 大类 a bar; its top 小类 written on a line below it (rows of their own
            # made 15 rows of 19 px in the cockpit's cell: unreadable from 5 m).
            captions: list[list[tuple[str, str]]] = []
            for group in class_shares(answer, self.top, self.classes):
                # The 大类 past ``top``: not "其他", which is a 大类 of the catalogue.
                label = (
                    translate("cockpit", "其余大类")
                    if group.key == OTHERS
                    else self._label(group.name)
                )
                figure = f"{group.count:,} · {group.share * 100:.0f}%"
                bars.append((label, float(group.count), figure, self._colour(group.key)))
                captions.append([(self._label(c.key), f"{c.count:,}") for c in group.classes])
            self._draw(bars, captions)
            return
        else:
            for share in shares(answer, self.top):
                label = self._label(share.key)
                figure = f"{share.count:,} · {share.share * 100:.0f}%"
                bars.append((label, float(share.count), figure, self._colour(share.key)))
        self._draw(bars)

    def _formula(self, answer: StatsAnswer) -> str:
        return (
            answer.formulas.closure_rate
            if self.by == "closure_rate"
            else answer.formulas.on_time_rate
        )

    def _label(self, key: str) -> str:
        if key == OTHERS:
            return translate("cockpit", "其他")
        if self.kind == "sources":
            return source_label(key)
        return word(key) if key else translate("cockpit", "未分类")

    def _colour(self, key: str) -> str:
        if self.kind == "sources" and key in ("hotline", "snap", "grid", "patrol"):
            return colour(f"kpi.source_{key}")
        if key == OTHERS:
            return colour("kpi.axis")
        return colour("kpi.in_time")

    def _draw(
        self,
        bars: list[tuple[str, float, str, str]],
        captions: list[list[tuple[str, str]]] | None = None,
    ) -> None:
        """``captions``: per bar, the (name, figure) pairs written on a line below it."""
        plot = self.plot
        plot.clear()
        self._texts = []
        self._captions = []
        self.values = []
        for n, (label, _, figure, _) in enumerate(bars):
            self.values.append((label, figure))
            if captions:
                self.values += [(CLASS_INDENT + name, count) for name, count in captions[n]]
        left, right = plot.getAxis("left"), plot.getAxis("right")
        if not bars:
            empty = pg.TextItem(translate("cockpit", "期内暂无案件"), color=colour("kpi.axis"))
            empty.setFont(px_font(int(22 * self.scale)))
            plot.addItem(empty)
            self._texts.append(empty)
            left.setTicks([[]])
            right.setTicks([[]])
            return
        # With captions, a row is its bar in the upper part and its caption below.
        captioned = bool(captions) and any(captions or ())
        y = np.arange(len(bars), dtype=float) - (CAPTION_SHIFT if captioned else 0.0)
        lengths = np.array([b[1] for b in bars], dtype=float)
        brushes = [pg.mkBrush(b[3]) for b in bars]
        height = 0.42 if captioned else 0.66
        plot.addItem(
            pg.BarGraphItem(x0=0, y=y, height=height, width=lengths, brushes=brushes, pen=None)
        )
        # Names on the left axis, figures on the right one: each axis makes room for its
        # longest text, so a figure is never cut off by a narrow cell.
        left.setTicks([[(float(y[i]), b[0]) for i, b in enumerate(bars)]])
        right.setTicks([[(float(y[i]), b[2]) for i, b in enumerate(bars)]])
        for i, pairs in enumerate(captions or ()):
            if not pairs:
                continue
            caption = pg.TextItem("", color=colour("kpi.axis_text"), anchor=(0, 0.5))
            caption.setPos(0, i + CAPTION_AT)
            plot.addItem(caption)
            self._captions.append((caption, [f"{name} {count}" for name, count in pairs]))
        self._scale_captions()
        self._fit_axes()
        # Rates on their whole scale (a 50 % bar is half a bar); counts to the longest.
        longest = 100.0 if self.kind == "ranking" else float(lengths.max(initial=0.0))
        plot.setXRange(0, max(1.0, longest), padding=0.02)
        # At least MIN_ROWS rows tall: one group must not become one fat slab.
        plot.setYRange(-0.6, max(len(bars), MIN_ROWS) - 0.4, padding=0)

    def _scale_captions(self) -> None:
        """Each caption's font for the scale, and as many of its 小类 as fit the plot's
        width, the last cut with "…" if need be (English names are long; text past the
        plot is cut off mid-word)."""
        font = px_font(int(17 * self.scale))
        metrics = QFontMetrics(font)
        room = int(self.plot.getViewBox().width()) - 8
        for caption, parts in self._captions:
            caption.setFont(font)
            shown = list(parts)
            while len(shown) > 1 and metrics.horizontalAdvance("  ".join(shown)) > room:
                shown.pop()
            text = "  ".join(shown)
            if room > 0:
                text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)
            caption.setText(text)

    def _fit_axes(self) -> None:
        """Each axis as wide as its longest text (pyqtgraph widens an axis only after a
        paint, and not past what the plot leaves it), the names at most half the panel:
        the figures are what the wall is read for."""
        if not self.values:
            return
        size = int(20 * self.scale)
        names = QFontMetrics(px_font(size))
        figures = QFontMetrics(px_font(size, bold=True))
        # The 小类 written under a bar are not axis texts.
        shown = [v for v in self.values if not v[0].startswith(CLASS_INDENT)]
        left = max(names.horizontalAdvance(label) for label, _ in shown) + 14
        right = max(figures.horizontalAdvance(figure) for _, figure in shown) + 14
        self.plot.getAxis("left").setWidth(min(left, max(60, self.width() // 2)))
        self.plot.getAxis("right").setWidth(right)

    def rescale(self, scale: float) -> None:
        _tick_font(self.plot, int(20 * scale), bold_right=True)
        self._scale_captions()
        self._fit_axes()
        for text in self._texts:
            text.setFont(px_font(int(22 * scale), bold=True))
        if self.kind == "ranking":
            self.formula.setFont(px_font(int(15 * scale)))
            self.formula.setAlignment(Qt.AlignmentFlag.AlignLeft)
