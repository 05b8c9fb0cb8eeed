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
    ranking,
    shares,
    trend,
)
from widgets.cockpit.base import CockpitPanel, fit_font, fluid, px_font
from widgets.palette import colour
from widgets.text import QT_TRANSLATE_NOOP, translate
from widgets.vocabulary import source_label, word

#: Rows a bar chart is laid out for, whatever it has: bars keep one thickness.
MIN_ROWS = 5
RECEIVED = QT_TRANSLATE_NOOP("cockpit", "受理")
CLOSED = QT_TRANSLATE_NOOP("cockpit", "结案")


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
        self.plot_widget = pg.PlotWidget(background=colour("kpi.background"))
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
        step = max(1, len(x) // 6)
        last = len(x) - 1
        # Every step-th day counted back from today, so today is always labelled.
        ticks = [
            (float(i), f"{d.month:02d}-{d.day:02d}")
            for i, d in enumerate(figures.days)
            if (last - i) % step == 0
        ]
        plot.getAxis("bottom").setTicks([ticks])
        top = float(max(received.max(initial=0.0), closed.max(initial=0.0)))
        plot.setYRange(0, max(4.0, top * 1.15))
        plot.setXRange(-0.6, max(len(x) - 0.4, 0.6), padding=0)

    def rescale(self, scale: float) -> None:
        for label in (self.received_label, self.closed_label):
            # Half the panel each (the labels' own widths lag a resize by a layout pass).
            fit_font(label, int(28 * scale), room=(self.width() - 40) // 2)
        _tick_font(self.plot, int(16 * scale))


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
    ) -> None:
        super().__init__(stats, feed)
        self.kind = kind
        self.top = top
        self.by: RankBy = by
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

    def _draw(self, bars: list[tuple[str, float, str, str]]) -> None:
        plot = self.plot
        plot.clear()
        self._texts = []
        self.values = [(label, figure) for label, _, figure, _ in bars]
        left, right = plot.getAxis("left"), plot.getAxis("right")
        if not bars:
            empty = pg.TextItem(translate("cockpit", "期内暂无案件"), color=colour("kpi.axis"))
            empty.setFont(px_font(int(22 * self.scale)))
            plot.addItem(empty)
            self._texts.append(empty)
            left.setTicks([[]])
            right.setTicks([[]])
            return
        y = np.arange(len(bars), dtype=float)
        lengths = np.array([b[1] for b in bars], dtype=float)
        brushes = [pg.mkBrush(b[3]) for b in bars]
        plot.addItem(
            pg.BarGraphItem(x0=0, y=y, height=0.66, width=lengths, brushes=brushes, pen=None)
        )
        # Names on the left axis, figures on the right one: each axis makes room for its
        # longest text, so a figure is never cut off by a narrow cell.
        left.setTicks([[(float(i), b[0]) for i, b in enumerate(bars)]])
        right.setTicks([[(float(i), b[2]) for i, b in enumerate(bars)]])
        self._fit_axes()
        # Rates on their whole scale (a 50 % bar is half a bar); counts to the longest.
        longest = 100.0 if self.kind == "ranking" else float(lengths.max(initial=0.0))
        plot.setXRange(0, max(1.0, longest), padding=0.02)
        # At least MIN_ROWS rows tall: one group must not become one fat slab.
        plot.setYRange(-0.6, max(len(bars), MIN_ROWS) - 0.4, padding=0)

    def _fit_axes(self) -> None:
        """Each axis as wide as its longest text (pyqtgraph widens an axis only after a
        paint, and not past what the plot leaves it), the names at most half the panel:
        the figures are what the wall is read for."""
        if not self.values:
            return
        size = int(20 * self.scale)
        names = QFontMetrics(px_font(size))
        figures = QFontMetrics(px_font(size, bold=True))
        left = max(names.horizontalAdvance(label) for label, _ in self.values) + 14
        right = max(figures.horizontalAdvance(figure) for _, figure in self.values) + 14
        self.plot.getAxis("left").setWidth(min(left, max(60, self.width() // 2)))
        self.plot.getAxis("right").setWidth(right)

    def rescale(self, scale: float) -> None:
        _tick_font(self.plot, int(20 * scale), bold_right=True)
        self._fit_axes()
        for text in self._texts:
            text.setFont(px_font(int(22 * scale), bold=True))
        if self.kind == "ranking":
            self.formula.setFont(px_font(int(15 * scale)))
            self.formula.setAlignment(Qt.AlignmentFlag.AlignLeft)
