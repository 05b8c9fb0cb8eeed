"""The desk at a past moment (回看): who was where at a time the supervisor picks.

A time picker and steps of -10 / -5 / -1 / +1 / +5 / +10 minutes ask the hub
``units.at {ts}`` (supervisors; the hub audits it). The desk map then holds still at that
moment: the live positions and roster changes stop reaching it, the units are drawn where
their last fix before the moment put them (a unit without a fix in the 10 minutes before
is not drawn), a banner says "回看 HH:MM:SS" and a small table lists every unit. "回到实时"
gives the map back to the live feed, redrawn from the feed's current state.

Cases on the map stay as they are now: ``units.at`` answers units only.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDateTime, QObject, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateTimeEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from backend_client.api import HubApi
from backend_client.errors import RequestFailed
from backend_client.protocol.messages import Unit
from backend_client.protocol.ops import UnitsAtAnswer
from backend_client.qt import QtFeed
from hub.auth import PERMISSIONS
from widgets.drilldown.formatting import clock_time
from widgets.kpi import UNIT_STATUS_TEXT
from widgets.map import UnitInfo
from widgets.palette import colour
from widgets.text import translate

if TYPE_CHECKING:
    from widgets.livemap import LiveMapPanel

log = logging.getLogger("desktop.desk")

#: The steps offered, in minutes.
STEPS_MIN: tuple[int, ...] = (-10, -5, -1, 1, 5, 10)
#: Where the picker starts when the desk first looks back: ten minutes ago.
FIRST_LOOK_BACK_S = 600.0
#: The table's height: a glance at the moment, not a second queue.
TABLE_MAX_HEIGHT = 180


@dataclass(frozen=True, slots=True)
class PastUnit:
    """One unit at the moment: the roster's name and team, the answer's fix and status."""

    id: str
    name: str
    team: str
    kind: str
    plate: str
    #: The status then, "unknown" when the hub's log does not tell it.
    status: str
    fix_ts: float | None
    lat: float
    lon: float
    heading: float
    speed: float


def past_units(answer: UnitsAtAnswer, roster: Mapping[str, Unit]) -> list[PastUnit]:
    """The answer's units joined to the roster the desk knows (a unit the roster lacks is
    named by its id); no fix is NaN coordinates, unknown heading and speed NaN."""
    nan = math.nan
    out: list[PastUnit] = []
    for unit in answer.units:
        known = roster.get(unit.id)
        fix = unit.fix
        out.append(
            PastUnit(
                unit.id,
                known.name if known is not None else unit.id,
                known.team if known is not None else "",
                unit.kind,
                known.plate if known is not None else "",
                unit.status or "unknown",
                None if fix is None else fix[0],
                nan if fix is None else fix[1],
                nan if fix is None else fix[2],
                nan if fix is None or fix[4] is None else fix[4],
                nan if fix is None or fix[3] is None else fix[3],
            )
        )
    return out


def status_text(status: str) -> str:
    if status == "unknown":
        return translate("desk", "未知")
    words = UNIT_STATUS_TEXT.get(status)
    return translate("kpi", words) if words is not None else status


class PastBar(QWidget):
    """The controls, the banner and the table; says what the operator asks, shows what
    :class:`DeskPast` is given."""

    momentAsked = Signal(float)
    liveAsked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DeskPast")
        # The bar takes the map's width and asks for none of its own: a narrow desk window
        # clips the last step buttons rather than grow wider than the screen allows.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Maximum)
        box = QVBoxLayout(self)
        box.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        box.setContentsMargins(4, 4, 4, 4)
        box.setSpacing(4)
        row = QHBoxLayout()
        row.addWidget(QLabel(translate("desk", "回看时刻")))
        self.picker = QDateTimeEdit()
        self.picker.setObjectName("DeskPastPicker")
        self.picker.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.picker.setCalendarPopup(True)
        self.picker.setDateTime(QDateTime.fromSecsSinceEpoch(int(time.time() - FIRST_LOOK_BACK_S)))
        row.addWidget(self.picker)
        self.go = QPushButton(translate("desk", "回看"))
        self.go.setObjectName("DeskPastGo")
        self.go.clicked.connect(lambda: self.momentAsked.emit(self.picked()))
        row.addWidget(self.go)
        self.live = QPushButton(translate("desk", "回到实时"))
        self.live.setObjectName("DeskPastLive")
        self.live.clicked.connect(self.liveAsked.emit)
        row.addWidget(self.live)
        self.steps: dict[int, QPushButton] = {}
        for minutes in STEPS_MIN:
            button = QPushButton(f"{minutes:+d}′")
            button.setObjectName(f"DeskPastStep{minutes:+d}")
            button.setProperty("step", True)  # the theme draws the steps outlined
            button.setToolTip(translate("desk", "{n} 分钟").format(n=f"{minutes:+d}"))
            button.clicked.connect(lambda _=False, m=minutes: self.step(m))
            self.steps[minutes] = button
            row.addWidget(button)
        row.addStretch(1)
        box.addLayout(row)
        self.banner = QLabel()
        self.banner.setObjectName("DeskPastBanner")
        self.banner.setStyleSheet(
            f"background: {colour('alerts.warning')}; color: #101418; font-weight: bold;"
            " padding: 3px 8px;"
        )
        box.addWidget(self.banner)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("DeskPastTable")
        self.table.setHorizontalHeaderLabels(
            [
                translate("desk", "人员/车辆"),
                translate("desk", "状态"),
                translate("desk", "定位时间"),
                translate("desk", "位置"),
            ]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(TABLE_MAX_HEIGHT)
        # The theme's colours (its style sheet names the desk's other tables, not this one).
        self.table.setStyleSheet(
            f"QTableWidget {{ background: {colour('kpi.background')};"
            f" color: {colour('kpi.figure')}; gridline-color: {colour('kpi.axis')}; }}"
            f" QHeaderView::section {{ background: {colour('kpi.background')};"
            f" color: {colour('kpi.axis_text')}; border: none; }}"
        )
        box.addWidget(self.table)
        self.show_live()

    def picked(self) -> float:
        return float(self.picker.dateTime().toSecsSinceEpoch())

    def step(self, minutes: int) -> None:
        """Move the picker by ``minutes`` and ask for that moment."""
        self.picker.setDateTime(QDateTime.fromSecsSinceEpoch(int(self.picked() + minutes * 60)))
        self.momentAsked.emit(self.picked())

    def show_live(self, note: str = "") -> None:
        self.banner.setVisible(bool(note))
        self.banner.setText(note)
        self.table.setRowCount(0)
        self.table.setVisible(False)
        self.live.setEnabled(False)

    def show_past(self, ts: float, units: list[PastUnit]) -> None:
        placed = [u for u in units if u.fix_ts is not None]
        self.banner.setText(
            translate("desk", "回看 {t} · 有定位 {n} · 无定位 {m}").format(
                t=clock_time(ts), n=len(placed), m=len(units) - len(placed)
            )
        )
        self.banner.setVisible(True)
        self.live.setEnabled(True)
        # Units with a fix first, the freshest fix first: who was surely where.
        ordered = sorted(units, key=lambda u: (u.fix_ts is None, -(u.fix_ts or 0.0), u.id))
        self.table.setRowCount(len(ordered))
        for row, unit in enumerate(ordered):
            where = "—" if unit.fix_ts is None else f"{unit.lat:.5f}, {unit.lon:.5f}"
            cells = (
                unit.plate or unit.name,
                status_text(unit.status),
                translate("desk", "无定位") if unit.fix_ts is None else clock_time(unit.fix_ts),
                where,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 0:
                    item.setToolTip(unit.id)
                self.table.setItem(row, column, item)
        self.table.setVisible(True)

    def rows(self) -> list[tuple[str, ...]]:
        out = []
        for row in range(self.table.rowCount()):
            cells = (self.table.item(row, c) for c in range(self.table.columnCount()))
            out.append(tuple(c.text() if c is not None else "" for c in cells))
        return out


class DeskPast(QObject):
    """Asks ``units.at`` and holds the desk map at the moment until "回到实时"."""

    def __init__(self, feed: QtFeed, live_map: LiveMapPanel | None, parent: QObject) -> None:
        super().__init__(parent)
        self.feed = feed
        self.live_map = live_map
        self.bar = PastBar()
        self.bar.momentAsked.connect(self.ask)
        self.bar.liveAsked.connect(self.back_to_live)
        #: The moment shown, or None while live.
        self.moment: float | None = None
        self.units: list[PastUnit] = []
        self.task: asyncio.Future[None] | None = None
        self._held = False
        # Only a role the hub lets ask sees the bar (an operator's desk stays as it was);
        # the role is known once the hub has welcomed the desk.
        feed.snapshotLoaded.connect(self._show_for_role)

    def _show_for_role(self) -> None:
        role = self.feed.client.role
        self.bar.setVisible(role is None or "units.at" in PERMISSIONS.get(role, ()))

    def container(self, map_panel: QWidget) -> QWidget:
        """The bar above the map, as the map dock's widget."""
        holder = QWidget()
        holder.setObjectName("DeskMapHolder")
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self.bar)
        box.addWidget(map_panel, 1)
        return holder

    def ask(self, ts: float) -> asyncio.Future[None]:
        """Show the units at ``ts`` (answered asynchronously; the last asked wins)."""
        if self.task is not None and not self.task.done():
            self.task.cancel()
        self.task = asyncio.ensure_future(self._ask(ts))
        return self.task

    async def _ask(self, ts: float) -> None:
        try:
            reply = await HubApi.over(self.feed.client.request).units_at(ts)
        except RequestFailed as exc:
            log.warning("units.at %s refused: %s", ts, exc)
            if exc.code == "forbidden":
                note = translate("desk", "回看需要值班长权限")
            else:
                note = translate("desk", "回看失败：{e}").format(e=str(exc))
            if self.moment is None:
                self.bar.show_live(note)
            else:
                self.bar.banner.setText(note)
            return
        self.show(reply.answer)

    def show(self, answer: UnitsAtAnswer) -> None:
        """Draw the answer: the map held at its moment, the banner, the table."""
        self.moment = answer.ts
        self.units = past_units(answer, self.feed.state.units)
        self.bar.show_past(answer.ts, self.units)
        panel = self.live_map
        if panel is None:
            return
        self._hold(True)
        placed = [u for u in self.units if u.fix_ts is not None]
        colours = {team: colour_of(panel, team) for team in {u.team for u in placed}}
        panel.map.set_units(
            [
                UnitInfo(u.id, u.name, u.team, colours[u.team], u.status, u.kind, u.plate)
                for u in placed
            ]
        )
        panel.map.update_units(
            [u.id for u in placed],
            [u.lat for u in placed],
            [u.lon for u in placed],
            heading=[u.heading for u in placed],
            speed=[u.speed for u in placed],
        )

    def back_to_live(self) -> None:
        """The map follows the feed again, redrawn from its current state."""
        if self.task is not None and not self.task.done():
            self.task.cancel()
        self.moment = None
        self.units = []
        self.bar.show_live()
        if self.live_map is not None and self._held:
            self._hold(False)
            self.live_map._full()

    def _hold(self, hold: bool) -> None:
        # The live panel's own slots: while held, no live fix, roster change or fresh
        # snapshot may move a unit off where it was at the moment shown. (They are the
        # panel's private slots; widgets/livemap.py has no public hold yet.)
        if hold == self._held or self.live_map is None:
            return
        panel, feed = self.live_map, self.feed
        pairs: list[tuple[Any, Any]] = [
            (feed.positionsChanged, panel._positions),
            (feed.unitsChanged, panel._roster),
            (feed.snapshotLoaded, panel._full_timer.start),
        ]
        for signal, slot in pairs:
            if hold:
                signal.disconnect(slot)
            else:
                signal.connect(slot)
        self._held = hold


def colour_of(panel: LiveMapPanel, team: str) -> str:
    team_row = panel.feed.state.teams.get(team)
    return team_row.colour if team_row is not None else colour("map.team_default")
