"""The cockpit's headline rates as big numbers: 结案率, 按期结案率, 1-3-15 compliance,
and the response-time medians, each with the counts it is made of and (``formulas``) the
hub's formula under it, so a visitor can check the figure on the spot."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from backend_client.protocol.ops import ServiceStatsAnswer, StatsAnswer
from backend_client.qt import QtFeed
from backend_client.stories.base import ANSWER
from backend_client.stories.cockpit import STAGES, CockpitStats, Rates, ServiceQuery, rates
from widgets.cockpit.base import CockpitPanel, fit_font, fluid, px_font
from widgets.cockpit.charts import percent, rate_colour
from widgets.palette import colour
from widgets.text import QT_TRANSLATE_NOOP, duration_text, translate

TILES = ("closure_rate", "on_time_rate", "compliance")
TILE_TITLES = {
    "closure_rate": QT_TRANSLATE_NOOP("cockpit", "结案率"),
    "on_time_rate": QT_TRANSLATE_NOOP("cockpit", "按期结案率"),
    "compliance": QT_TRANSLATE_NOOP("cockpit", "1-3-15 达标率"),
}
#: The hub's formulas (StatsFormulas' defaults) for lupdate: a wall shows the hub's text
#: through translate, so an English wall shows these in English and a hub that words a
#: formula differently is shown as it words it.
FORMULAS = (
    QT_TRANSLATE_NOOP("cockpit", "结案率 = 结案 / 应结案"),
    QT_TRANSLATE_NOOP("cockpit", "按期结案率 = 按期结案 / 应结案"),
    QT_TRANSLATE_NOOP("cockpit", "1-3-15 达标率 = 按时 / (按时 + 超时)（未到时限的案件不计）"),
    QT_TRANSLATE_NOOP("cockpit", "响应时间中位数 = 上报至受理 / 出发 / 处置完毕的秒数的中位数"),
)
#: The service rates (stats.service, issue 18): a third row of tiles when the panel has a
#: :class:`ServiceQuery`; their formulas are the hub's (ServiceFormulas' defaults).
SERVICE_TILES = ("satisfaction_rate", "duplicate_rate")
SERVICE_TITLES = {
    "satisfaction_rate": QT_TRANSLATE_NOOP("cockpit", "满意率"),
    "duplicate_rate": QT_TRANSLATE_NOOP("cockpit", "重复派单率"),
}
SERVICE_FORMULAS = (
    QT_TRANSLATE_NOOP("cockpit", "重复派单率 = 并案件 / 受理"),
    QT_TRANSLATE_NOOP(
        "cockpit", "满意率 = 满意 / 已评价回访（满意 + 基本满意 + 不满意；未联系上不计）"
    ),
)
MEDIAN_TITLES = {
    "accept": QT_TRANSLATE_NOOP("cockpit", "受理中位"),
    "move": QT_TRANSLATE_NOOP("cockpit", "出发中位"),
    "handle": QT_TRANSLATE_NOOP("cockpit", "处置中位"),
}


class _Tile(QWidget):
    """One figure: its name, the number, what it is made of, and its formula."""

    def __init__(self) -> None:
        super().__init__()
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 2, 4, 2)
        box.setSpacing(0)
        self.name = fluid(QLabel())
        self.number = fluid(QLabel("—"))
        self.parts = fluid(QLabel())
        self.formula = fluid(QLabel())
        self.formula.setWordWrap(True)
        self.parts.setWordWrap(True)
        for label in (self.name, self.number, self.parts, self.formula):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            box.addWidget(label)
        self.name.setStyleSheet(f"color: {colour('kpi.title')};")
        self.parts.setStyleSheet(f"color: {colour('kpi.axis_text')};")
        self.formula.setStyleSheet(f"color: {colour('alerts.notice')};")
        box.addStretch(1)

    def rescale(self, scale: float, room: int) -> None:
        # A long title (English "Duplicate dispatch rate") is shown whole, smaller.
        fit_font(self.name, int(22 * scale), room=room)
        fit_font(self.number, int(60 * scale), room=room)
        self.parts.setFont(px_font(int(18 * scale)))
        self.formula.setFont(px_font(int(14 * scale)))


class RatesPanel(CockpitPanel):
    """结案率, 按期结案率 and 1-3-15 compliance as big numbers, with the response medians."""

    # Four tiles in two columns: "100.0%" must fit half the panel.
    base_width = 600.0

    def __init__(
        self,
        stats: CockpitStats,
        feed: QtFeed | None = None,
        *,
        formulas: bool = True,
        service: ServiceQuery | None = None,
    ) -> None:
        super().__init__(stats, feed)
        self.show_formulas = formulas
        # Two by two: the two closure rates above, 1-3-15 compliance and the response
        # medians below; each tile wide enough for its big number in a wall's side column.
        grid = QGridLayout()
        grid.setSpacing(6)
        self.tiles = {name: _Tile() for name in TILES}
        for n, name in enumerate(TILES):
            self.tiles[name].name.setText(translate("cockpit", TILE_TITLES[name]))
            self.tiles[name].formula.setVisible(formulas)
            grid.addWidget(self.tiles[name], n // 2, n % 2)
        block = QWidget()
        medians = QVBoxLayout(block)
        medians.setContentsMargins(4, 2, 4, 2)
        medians.setSpacing(2)
        medians.addStretch(1)
        self.medians: dict[str, QLabel] = {}
        for stage in STAGES:
            label = fluid(QLabel("—"))
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setStyleSheet(f"color: {colour('kpi.figure')};")
            self.medians[stage] = label
            medians.addWidget(label)
        self.median_formula = fluid(QLabel())
        self.median_formula.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.median_formula.setWordWrap(True)
        self.median_formula.setStyleSheet(f"color: {colour('alerts.notice')};")
        self.median_formula.setVisible(formulas)
        medians.addWidget(self.median_formula)
        medians.addStretch(1)
        grid.addWidget(block, 1, 1)
        self._add_service(grid, service)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.box.addLayout(grid, 1)
        self.add_status()
        self.rates: Rates | None = None
        self.rescale(1.0)

    def draw(self, answer: StatsAnswer) -> None:
        figures = rates(answer)
        self.rates = figures
        formulas = figures.formulas
        tiles = self.tiles
        self._set(
            tiles["closure_rate"],
            figures.closure_rate,
            translate("cockpit", "结案 {a} / 应结案 {b}").format(a=figures.closed, b=figures.due),
            formulas.get("closure_rate", ""),
        )
        self._set(
            tiles["on_time_rate"],
            figures.on_time_rate,
            translate("cockpit", "按期结案 {a} / 应结案 {b}").format(
                a=figures.closed_on_time, b=figures.due
            ),
            formulas.get("on_time_rate", ""),
        )
        stage_rates = " · ".join(percent(figures.compliance.get(s)) for s in STAGES)
        self._set(
            tiles["compliance"],
            figures.overall_compliance,
            translate("cockpit", "受理/出发/处置 {rates}").format(rates=stage_rates),
            formulas.get("compliance", ""),
        )
        for stage, label in self.medians.items():
            seconds = figures.medians.get(stage)
            shown = "—" if seconds is None else duration_text(seconds)
            label.setText(f"{translate('cockpit', MEDIAN_TITLES[stage])} {shown}")
            fit_font(label, int(24 * getattr(self, "scale", 1.0)), room=self._tile_room())
        self.median_formula.setText(translate("cockpit", formulas.get("median", "")))

    # ---- the service rates (满意率, 重复派单率) ------------------------------------------

    def _add_service(self, grid: QGridLayout, service: ServiceQuery | None) -> None:
        """A row of two tiles read from ``service``, asked again whenever the panel's
        stats.query figures are (one schedule, stopped with the panel's model)."""
        self.service = service
        self.service_tiles: dict[str, _Tile] = {}
        self._service_asking: asyncio.Future[None] | None = None
        if service is None:
            return
        for n, name in enumerate(SERVICE_TILES):
            tile = _Tile()
            tile.name.setText(translate("cockpit", SERVICE_TITLES[name]))
            tile.formula.setVisible(self.show_formulas)
            self.service_tiles[name] = tile
            grid.addWidget(tile, 2, n)
        service.changed.connect(self._on_service)
        self.stats.changed.connect(self._ask_service)

    def _ask_service(self, topic: str) -> None:
        if self.service is None or topic != ANSWER:
            return
        if self._service_asking is not None and not self._service_asking.done():
            return
        self.service.days = self.stats.days
        self.service.clock = self.stats.clock
        self._service_asking = asyncio.ensure_future(self.service.refresh())

    def _on_service(self, topic: str) -> None:
        if self.service is None:
            return
        if topic == ANSWER and self.service.answer is not None:
            self.draw_service(self.service.answer)
        elif self.service.answer is None:
            for tile in self.service_tiles.values():
                tile.parts.setText(
                    translate("cockpit", "统计暂不可用：{error}").format(error=self.service.error)
                )

    def draw_service(self, answer: ServiceStatsAnswer) -> None:
        """满意率 (satisfied / rated visits) and 重复派单率 (merged / received)."""
        tiles = self.service_tiles
        self._set(
            tiles["satisfaction_rate"],
            answer.satisfaction_rate,
            translate("cockpit", "满意 {a} / 已评价 {b} · 未联系上 {c}").format(
                a=answer.satisfied, b=answer.rated, c=answer.unreached
            ),
            answer.formulas.satisfaction_rate,
        )
        self._set(
            tiles["duplicate_rate"],
            answer.duplicate_rate,
            translate("cockpit", "并案件 {a} / 受理 {b}").format(
                a=answer.merged, b=answer.received
            ),
            answer.formulas.duplicate_rate,
        )
        # A low duplicate rate is the good one: not coloured as a rate to reach.
        tiles["duplicate_rate"].number.setStyleSheet(f"color: {colour('kpi.figure')};")

    def _set(self, tile: _Tile, rate: float | None, parts: str, formula: str) -> None:
        tile.number.setText(percent(rate))
        tile.rescale(self.scale, self._tile_room())
        tile.number.setStyleSheet(f"color: {rate_colour(rate)};")
        tile.parts.setText(parts)
        tile.formula.setText(translate("cockpit", formula) if formula else "")

    def _tile_room(self) -> int:
        # Half the panel (two tiles a row), less margins and spacing.
        return (self.width() - 40) // 2

    def rescale(self, scale: float) -> None:
        for tile in (*self.tiles.values(), *getattr(self, "service_tiles", {}).values()):
            tile.rescale(scale, self._tile_room())
        for label in self.medians.values():
            # One line each: "Move-out median 01:41" shrinks rather than wraps.
            fit_font(label, int(24 * scale), room=self._tile_room())
        self.median_formula.setFont(px_font(int(14 * scale)))
