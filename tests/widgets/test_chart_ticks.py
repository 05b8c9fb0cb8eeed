"""The hourly KPI chart's and the cockpit trend's x-axis labels as pyqtgraph draws them:
at the panel sizes of a 1080p and a 4K wall (and a narrow cell), no two labels overlap,
the last hour / today is named, and the labels are not thinned more than needed."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from backend_client.protocol.ops import StatsAnswer, StatsFormulas, StatsRow
from backend_client.qt import QtFeed
from tests.widgets.test_cockpit import options
from widgets.cockpit import TrendPanel, build_panel
from widgets.kpi import LABEL_GAP, KpiFigures, KpiPanel, LabelAxis


def _drawn(axis: pg.AxisItem) -> list[tuple[QRectF, str]]:
    """The tick labels the axis paints: pyqtgraph's own draw specs."""
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _axis, _ticks, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _flags, text in texts]


def _settle(widget: QWidget) -> None:
    """Painted twice: pyqtgraph sizes an axis to its text after a paint."""
    for _ in range(2):
        widget.grab()
        QApplication.processEvents()


def _check(axis: LabelAxis) -> list[str]:
    drawn = _drawn(axis)
    rects = sorted((r for r, _ in drawn), key=lambda r: r.left())
    for left, right in itertools.pairwise(rects):
        assert left.right() <= right.left(), "two labels overlap"
    texts = [t for _, t in drawn]
    assert texts and texts[-1] == axis.labels[-1], "the last one is named"
    return texts


def _not_thinned_more_than_needed(axis: LabelAxis, texts: list[str]) -> None:
    """The labels are every ``step``-th; at the next smaller step of the axis's they
    would not fit (two label widths closer than one label's)."""
    first, second = (axis.labels.index(t) for t in texts[-2:])
    step = second - first
    smaller = [s for s in axis.steps if s < step]
    if not smaller:
        return
    rects = [r for r, _ in _drawn(axis)]
    per_position = (rects[-1].center().x() - rects[-2].center().x()) / step
    widest = max(r.width() for r in rects)
    gap = LABEL_GAP * QFontMetrics(axis.style["tickFont"]).horizontalAdvance("0")
    assert smaller[-1] * per_position < widest + gap + 1, (step, per_position, widest)


def _day(d: dt.date, n: int) -> StatsRow:
    return StatsRow(
        key=d.isoformat(),
        received=n,
        due=n,
        closed=n,
        closed_on_time=n,
        closure_rate=1.0,
        on_time_rate=1.0,
        stages=[],
    )


# Cells of the cockpit and default layouts (trend: a quarter of the width by ~40 % of the
# height; the KPI chart a quarter by a third), at 1080p and 4K, and one narrow cell.
SIZES = [(480, 430), (960, 860), (300, 300)]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_trend_days_never_overlap_and_today_is_named(
    qapp: Any, qtbot: QtBot, width: int, height: int
) -> None:
    panel = build_panel("trend", QtFeed("ws://127.0.0.1:9/stream", "x"), options("trend"))
    assert isinstance(panel, TrendPanel)
    qtbot.addWidget(panel)
    panel.resize(width, height)
    panel.show()
    QApplication.processEvents()
    last = dt.date(2026, 12, 7)
    days = [last - dt.timedelta(days=30 - i) for i in range(31)]
    rows = [_day(d, 200 + i) for i, d in enumerate(days)]
    panel.draw(
        StatsAnswer(
            start=0.0,
            end=1.0,
            group="day",
            as_of=1.0,
            rows=rows,
            total=_day(last, 0),
            formulas=StatsFormulas(),
        )
    )
    _settle(panel)
    texts = _check(panel.days_axis)
    assert texts[-1] == "12-07"
    _not_thinned_more_than_needed(panel.days_axis, texts)


@pytest.mark.parametrize(("width", "height", "font_px"), [(480, 360, 22), (960, 720, 44)])
def test_hourly_chart_hours_never_overlap(
    qapp: Any, qtbot: QtBot, width: int, height: int, font_px: int
) -> None:
    panel = KpiPanel(
        QtFeed("ws://127.0.0.1:9/stream", "x"),
        charts=("per_hour",),
        font_px=font_px,
        interval_ms=3_600_000,
    )
    qtbot.addWidget(panel)
    panel.resize(width, height)
    panel.show()
    QApplication.processEvents()
    # A whole day of hours, as at 23:00.
    figures = KpiFigures(hours=list(range(24)), per_hour={"hotline": [3] * 24})
    plot = panel._plots["per_hour"]
    plot.clear()
    panel._draw_per_hour(plot, figures)
    _settle(panel)
    panel._draw_per_hour(plot, figures)  # the range for the axis's final size
    _settle(panel)
    texts = _check(panel.hours_axis)
    assert texts[-1] == "23:00"
    _not_thinned_more_than_needed(panel.hours_axis, texts)
