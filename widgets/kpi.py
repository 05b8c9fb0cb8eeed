"""KPI charts (pyqtgraph): reports per hour by source, 1-3-15 compliance, officers by
status, response-time distribution.

The figures are computed by a pure function over the feed state (:func:`compute_kpis`),
so they are tested without Qt; the panel redraws them every few seconds, not per event:
a burst of reports must not turn into a burst of chart redraws on a wall PC.
"""

from __future__ import annotations

import bisect
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from backend_client.qt import QtFeed
from backend_client.state import FeedState
from backend_client.stories.counters import people
from backend_client.vocabulary import CONTEXT as VOCABULARY
from backend_client.vocabulary import SOURCES as SOURCE_WORDS
from widgets.palette import colour
from widgets.sla import LIMITS
from widgets.text import QT_TRANSLATE_NOOP

SOURCES = ("hotline", "snap", "grid", "patrol")
SOURCE_COLOURS = {source: colour(f"kpi.source_{source}") for source in SOURCES}
UNIT_STATUSES = ("available", "en_route", "on_scene", "busy", "off_duty", "offline")
UNIT_STATUS_TEXT = {
    "available": QT_TRANSLATE_NOOP("kpi", "待命"),
    "en_route": QT_TRANSLATE_NOOP("kpi", "出警途中"),
    "on_scene": QT_TRANSLATE_NOOP("kpi", "现场处置"),
    "busy": QT_TRANSLATE_NOOP("kpi", "忙碌"),
    "off_duty": QT_TRANSLATE_NOOP("kpi", "下班"),
    "offline": QT_TRANSLATE_NOOP("kpi", "离线"),
}
UNIT_STATUS_COLOURS = {
    "available": colour("kpi.unit_available"),
    "en_route": colour("kpi.unit_en_route"),
    "on_scene": colour("kpi.unit_on_scene"),
    "busy": colour("kpi.unit_busy"),
    "off_duty": colour("kpi.unit_off_duty"),
    "offline": colour("kpi.unit_offline"),
}
STAGES = ("accept", "move", "handle")
STAGE_LABEL = {
    "accept": QT_TRANSLATE_NOOP("kpi", "1分钟受理"),
    "move": QT_TRANSLATE_NOOP("kpi", "3分钟出发"),
    "handle": QT_TRANSLATE_NOOP("kpi", "15分钟处置"),
}
#: Response time (report -> officer moving) buckets, seconds: the 3-minute mark is the rule.
RESPONSE_EDGES = (0, 60, 120, 180, 300, 600)
RESPONSE_LABELS = (
    QT_TRANSLATE_NOOP("kpi", "<1分"),
    QT_TRANSLATE_NOOP("kpi", "1-2分"),
    QT_TRANSLATE_NOOP("kpi", "2-3分"),
    QT_TRANSLATE_NOOP("kpi", "3-5分"),
    QT_TRANSLATE_NOOP("kpi", "5-10分"),
    QT_TRANSLATE_NOOP("kpi", ">10分"),
)
TITLES = {
    "per_hour": QT_TRANSLATE_NOOP("kpi", "每小时案件数（按来源）"),
    "compliance": QT_TRANSLATE_NOOP("kpi", "今日 1-3-15 达标率"),
    "officers": QT_TRANSLATE_NOOP("kpi", "警力状态"),
    "response": QT_TRANSLATE_NOOP("kpi", "响应时间分布（报案至出发）"),
}
NONE_DECIDED = QT_TRANSLATE_NOOP("kpi", "今日暂无已判定案件")


@dataclass
class KpiFigures:
    hours: list[int] = field(default_factory=list)
    per_hour: dict[str, list[int]] = field(default_factory=dict)
    #: stage -> (met, missed) among cases where the stage is decided.
    compliance: dict[str, tuple[int, int]] = field(default_factory=dict)
    officers: dict[str, int] = field(default_factory=dict)
    response: list[int] = field(default_factory=list)
    total: int = 0

    def compliance_rate(self) -> float | None:
        met = sum(m for m, _ in self.compliance.values())
        decided = sum(m + x for m, x in self.compliance.values())
        return None if decided == 0 else met / decided


def period_start(now: float, period: str) -> float:
    if period == "24h":
        return now - 24 * 3600
    local = time.localtime(now)
    return time.mktime((local.tm_year, local.tm_mon, local.tm_mday, 0, 0, 0, 0, 0, -1))


def compute_kpis(state: FeedState, now: float, period: str = "today") -> KpiFigures:
    start = period_start(now, period)
    first_hour = int(start // 3600)
    last_hour = int(now // 3600)
    hours = list(range(first_hour, last_hour + 1))
    per_hour = {source: [0] * len(hours) for source in SOURCES}
    compliance = {stage: (0, 0) for stage in STAGES}
    response_counts = [0] * len(RESPONSE_LABELS)
    total = 0
    for incident in state.incidents.values():
        if incident.reported_at < start or incident.reported_at > now + 60:
            continue
        total += 1
        slot = int(incident.reported_at // 3600) - first_hour
        if 0 <= slot < len(hours):
            per_hour.setdefault(incident.source, [0] * len(hours))[slot] += 1
        sla = incident.sla
        if sla is None or incident.parent_id is not None:
            continue  # no clock, or merged into another case: its parent's clock counts
        marks = (
            ("accept", sla.accept_by, sla.accepted_at),
            ("move", sla.move_by, sla.moving_at),
            ("handle", sla.handle_by, sla.handled_at),
        )
        for stage, by, done in marks:
            met, missed = compliance[stage]
            if (
                stage in sla.missed
                or (done is not None and done > by)
                or (done is None and now > by)
            ):
                compliance[stage] = (met, missed + 1)
            elif done is not None:
                compliance[stage] = (met + 1, missed)
        if sla.moving_at is not None:
            seconds = sla.moving_at - incident.reported_at
            # bisect, not numpy: one call per case, where numpy's call overhead dominated.
            bucket = bisect.bisect_right(RESPONSE_EDGES, seconds) - 1
            response_counts[max(0, min(bucket, len(response_counts) - 1))] += 1
    # 警力: people. Vehicles are on the map, not in the head count.
    officers: Counter[str] = Counter(str(unit.status) for unit in people(state.units.values()))
    return KpiFigures(
        hours=[time.localtime(h * 3600).tm_hour for h in hours],
        per_hour=per_hour,
        compliance=compliance,
        officers={s: officers.get(s, 0) for s in UNIT_STATUSES},
        response=response_counts,
        total=total,
    )


# ---- the charts ------------------------------------------------------------------------

#: (context, source) -> text in the UI language: widgets.text.translate on a wall; the
#: default leaves the Chinese source, so a panel built alone needs no translator.
Translate = Callable[[str, str], str]


def _source_text(context: str, source: str) -> str:
    return source


def _style_plot(plot: pg.PlotItem, title: str, font_px: int) -> None:
    plot.setTitle(title, color=colour("kpi.title"), size=f"{font_px}px")
    font = QFont()
    font.setPixelSize(max(12, int(font_px * 0.75)))
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setStyle(tickFont=font, tickTextOffset=6)
        axis.setPen(pg.mkPen(colour("kpi.axis")))
        axis.setTextPen(pg.mkPen(colour("kpi.axis_text")))
    plot.showGrid(x=False, y=True, alpha=0.15)
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()


def _ticks(labels: Sequence[str]) -> list[list[tuple[float, str]]]:
    return [[(float(i), label) for i, label in enumerate(labels)]]


#: Hours an hourly label may stand for: every hour, every 2nd, ... (counted back from now).
HOUR_STEPS = (1, 2, 3, 4, 6, 8, 12)
#: The least room between two labels, in widths of the font's "0".
LABEL_GAP = 1.5


class LabelAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph is untyped
    """A bottom axis that names the positions 0 ... n-1 with the texts given (hours,
    days), as many as fit: every ``step``-th counted back from the last (now or today
    is always named), ``step`` the least of ``steps`` at which no two texts come closer
    than :data:`LABEL_GAP`, measured with the axis's font at its width whenever it is
    painted, so after a resize and at 1080p or 4K alike. (Labels chosen by their count
    overlapped on a narrow cell with a large font.)"""

    def __init__(self, steps: Sequence[int]) -> None:
        super().__init__("bottom")
        self.steps = tuple(steps)
        self.labels: list[str] = []

    def set_labels(self, labels: Sequence[str]) -> None:
        self.labels = list(labels)
        self.picture = None  # pyqtgraph's cached drawing of the ticks
        self.update()

    def step_for(self, length_px: float, span: float) -> int:
        """The step at which labels fit ``length_px`` pixels showing ``span`` positions."""
        if not self.labels or length_px <= 0 or span <= 0:
            return 1
        font = self.style.get("tickFont") or self.font()
        metrics = QFontMetrics(font)
        widest = max(metrics.horizontalAdvance(t) for t in self.labels)
        room = widest + LABEL_GAP * metrics.horizontalAdvance("0")
        needed = room / (length_px / span)
        for step in self.steps:
            if step >= needed:
                return step
        return max(1, math.ceil(needed))

    def right_room(self, view_px: float) -> float:
        """How far past the last position (in positions) a view ``view_px`` wide must
        reach for the last label to be drawn: pyqtgraph leaves out a label that would
        cross the axis's end, and now (or today) must be named."""
        room = 0.6
        if self.labels and view_px > 0:
            metrics = QFontMetrics(self.style.get("tickFont") or self.font())
            half = metrics.horizontalAdvance(self.labels[-1]) / 2 + 2
            room = max(room, 0.4 + half / (view_px / (len(self.labels) + room)))
        return room

    def shown(self, length_px: float, low: float, high: float) -> list[int]:
        """The positions named on an axis ``length_px`` long from ``low`` to ``high``."""
        step = self.step_for(length_px, high - low)
        last = len(self.labels) - 1
        return [i for i in range(len(self.labels)) if (last - i) % step == 0 and low <= i <= high]

    def tickValues(
        self, minVal: float, maxVal: float, size: float
    ) -> list[tuple[float, list[float]]]:
        if not self.labels:
            return []
        step = self.step_for(size, maxVal - minVal)
        return [(float(step), [float(i) for i in self.shown(size, minVal, maxVal)])]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        found = []
        for value in values:
            i = round(value)
            found.append(self.labels[i] if 0 <= i < len(self.labels) else "")
        return found


class KpiPanel(QWidget):
    """A grid of the chosen charts; redrawn from the feed state every ``interval_ms``."""

    def __init__(
        self,
        feed: QtFeed,
        *,
        charts: Sequence[str] = ("per_hour", "compliance", "officers", "response"),
        period: str = "today",
        translate: Translate = _source_text,
        font_px: int = 22,
        interval_ms: int = 5000,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("KpiPanel")
        self._feed = feed
        self._period = period
        self._translate = translate
        self._font_px = font_px
        self.charts = list(charts)
        self.figures = KpiFigures()
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 4, 4, 4)
        grid.setSpacing(8)
        columns = 1 if len(self.charts) == 1 else 2
        self._plots: dict[str, pg.PlotItem] = {}
        self._headline: QLabel | None = None
        for n, chart in enumerate(self.charts):
            if chart == "compliance":
                cell = QWidget()
                box = QVBoxLayout(cell)
                box.setContentsMargins(0, 0, 0, 0)
                self._headline = QLabel("—")
                self._headline.setObjectName("KpiHeadline")
                self._headline.setAlignment(Qt.AlignmentFlag.AlignCenter)
                box.addWidget(self._headline)
                widget = pg.PlotWidget(background=colour("kpi.background"))
                box.addWidget(widget, 1)
                grid.addWidget(cell, n // columns, n % columns)
            elif chart == "per_hour":
                # Hour labels spaced by the axis's width, never overlapping.
                self.hours_axis = LabelAxis(HOUR_STEPS)
                widget = pg.PlotWidget(
                    background=colour("kpi.background"), axisItems={"bottom": self.hours_axis}
                )
                grid.addWidget(widget, n // columns, n % columns)
            else:
                widget = pg.PlotWidget(background=colour("kpi.background"))
                grid.addWidget(widget, n // columns, n % columns)
            plot = widget.getPlotItem()
            _style_plot(plot, self._title(chart), font_px)
            self._plots[chart] = plot
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.redraw)
        self._timer.start()
        feed.snapshotLoaded.connect(self.redraw)
        self.redraw()

    def _title(self, chart: str) -> str:
        return self._translate("kpi", TITLES[chart])

    def redraw(self) -> None:
        self.figures = compute_kpis(self._feed.state, self._feed.now(), self._period)
        for chart, plot in self._plots.items():
            plot.clear()
            getattr(self, f"_draw_{chart}")(plot, self.figures)

    def _draw_per_hour(self, plot: pg.PlotItem, figures: KpiFigures) -> None:
        x = np.arange(len(figures.hours), dtype=float)
        base = np.zeros(len(x))
        legend = plot.addLegend(
            offset=(10, 5), labelTextColor=colour("kpi.figure"), labelTextSize="14pt"
        )
        legend.clear()
        for source in SOURCES:
            counts = np.array(figures.per_hour.get(source, [0] * len(x)), dtype=float)
            bars = pg.BarGraphItem(
                x=x, y0=base, height=counts, width=0.8, brush=SOURCE_COLOURS[source], pen=None
            )
            plot.addItem(bars)
            legend.addItem(bars, self._translate(VOCABULARY, SOURCE_WORDS[source]))
            base = base + counts
        self.hours_axis.set_labels([f"{h:02d}:00" for h in figures.hours])
        plot.setYRange(0, max(4.0, float(base.max()) * 1.25 if len(base) else 4.0))
        room = self.hours_axis.right_room(plot.getViewBox().width())
        plot.setXRange(-0.6, max(len(x) - 1 + room, 0.6), padding=0)

    def _draw_compliance(self, plot: pg.PlotItem, figures: KpiFigures) -> None:
        rate = figures.compliance_rate()
        if self._headline is not None:
            # Before any stage is decided today a bare dash reads as a glitch; say so.
            self._headline.setText(
                self._translate("kpi", NONE_DECIDED) if rate is None else f"{rate * 100:.0f}%"
            )
            level = (
                "none"
                if rate is None
                else "good"
                if rate >= 0.9
                else "warn"
                if rate >= 0.7
                else "bad"
            )
            self._headline.setProperty("level", level)
            self._headline.style().unpolish(self._headline)
            self._headline.style().polish(self._headline)
        x = np.arange(len(STAGES), dtype=float)
        met = np.array([figures.compliance[s][0] for s in STAGES], dtype=float)
        missed = np.array([figures.compliance[s][1] for s in STAGES], dtype=float)
        decided = np.maximum(met + missed, 1)
        plot.addItem(
            pg.BarGraphItem(x=x, height=met / decided * 100, width=0.6, brush=colour("kpi.met"))
        )
        plot.addItem(
            pg.BarGraphItem(
                x=x,
                y0=met / decided * 100,
                height=missed / decided * 100,
                width=0.6,
                brush=colour("kpi.missed"),
            )
        )
        plot.getAxis("bottom").setTicks(
            _ticks([self._translate("kpi", STAGE_LABEL[s]) for s in STAGES])
        )
        plot.setYRange(0, 100)
        plot.setXRange(-0.6, len(STAGES) - 0.4, padding=0)

    def _draw_officers(self, plot: pg.PlotItem, figures: KpiFigures) -> None:
        shown = [s for s in UNIT_STATUSES if figures.officers.get(s, 0) or s == "available"]
        x = np.arange(len(shown), dtype=float)
        counts = np.array([figures.officers.get(s, 0) for s in shown], dtype=float)
        brushes = [pg.mkBrush(UNIT_STATUS_COLOURS[s]) for s in shown]
        plot.addItem(pg.BarGraphItem(x=x, height=counts, width=0.7, brushes=brushes, pen=None))
        for i, count in enumerate(counts):
            label = pg.TextItem(f"{int(count)}", color=colour("kpi.figure"), anchor=(0.5, 1.0))
            label.setFont(_px_font(self._font_px))
            label.setPos(float(i), float(count))
            plot.addItem(label)
        plot.getAxis("bottom").setTicks(
            _ticks([self._translate("kpi", UNIT_STATUS_TEXT[s]) for s in shown])
        )
        plot.setYRange(0, max(4.0, float(counts.max()) * 1.3 if len(counts) else 4.0))
        plot.setXRange(-0.6, max(len(shown) - 0.4, 0.6), padding=0)

    def _draw_response(self, plot: pg.PlotItem, figures: KpiFigures) -> None:
        x = np.arange(len(RESPONSE_LABELS), dtype=float)
        counts = np.array(figures.response, dtype=float)
        limit_bucket = RESPONSE_EDGES.index(int(LIMITS["move"]))
        brushes = [
            pg.mkBrush(colour("kpi.in_time") if i < limit_bucket else colour("kpi.missed"))
            for i in range(len(x))
        ]
        plot.addItem(pg.BarGraphItem(x=x, height=counts, width=0.8, brushes=brushes, pen=None))
        plot.getAxis("bottom").setTicks(
            _ticks([self._translate("kpi", label) for label in RESPONSE_LABELS])
        )
        plot.setYRange(0, max(4.0, float(counts.max()) * 1.25 if len(counts) else 4.0))
        plot.setXRange(-0.6, len(x) - 0.4, padding=0)


def _px_font(px: int) -> QFont:
    font = QFont()
    font.setPixelSize(px)
    return font
