"""The desk's case panel and its orders: the selected case, the officers recommended for
it, and the ``accept`` and ``dispatch`` orders with their confirmation on the panel's
status line.

The order only asks; the queue and the walls change when the hub's event comes back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from backend_client.qt import QtFeed
from backend_client.stories.desk import (
    AcceptOrder,
    DeskTriage,
    DispatchGuard,
    DispatchOrder,
    Order,
    Recommendation,
)
from backend_client.stories.source import Requester
from backend_client.transport import RequestFailed
from desktop.desk_map import distance_text, eta_text
from widgets.text import translate

# The desk's log lines keep the one name they had when the desk was one module.
log = logging.getLogger("desktop.desk")


async def send(request: Requester, order: Order) -> dict[str, Any]:
    """The one place the desk's orders (``dispatch``, ``wall.push``) leave for the hub."""
    return await request(order.op, order.args())


class DetailPanel(QWidget):
    """The selected case, the recommended officers, the dispatch button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail = QLabel(translate("desk", "请在案件队列中选择案件"))
        self.detail.setObjectName("DeskDetail")
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("Recommendations")
        self.table.setHorizontalHeaderLabels(
            [
                translate("desk", "推荐警员"),
                translate("desk", "中队"),
                translate("desk", "距离"),
                translate("desk", "预计到达"),
                translate("desk", "辖区"),
            ]
        )
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # Columns as wide as their header or cells (an English header is three times the
        # Chinese one); the officer's column, whose header is the longest, takes the rest.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.dispatch = QPushButton(translate("desk", "派遣（Ctrl+D）"))
        self.dispatch.setObjectName("Dispatch")
        # Ctrl+D is the window's action (desktop.desk_keys), not the button's shortcut: a
        # button shortcut repeats while the key is held.
        self.dispatch.setEnabled(False)
        # Push what this desk is reading (the case, merchant or officer drill-down, or the
        # case's place on the map) to a wall's situation slot; the menu lists the walls
        # connected to the hub now.
        self.push = QToolButton()
        self.push.setObjectName("PushToWall")
        self.push.setText(translate("desk", "推送到大屏") + " ▾")
        self.push.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        # As tall as Dispatch beside it, and wide enough for its text in either language.
        self.push.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.push_menu = QMenu(self.push)
        self.push.setMenu(self.push_menu)
        # The case's other steps (核实, 核查, 结案, 返工, 督办, 挂账, 作废, 回访): the menu is
        # filled for the selected case's status on opening (desktop/desk_steps.py).
        self.steps = QToolButton()
        self.steps.setObjectName("CaseSteps")
        self.steps.setText(translate("desk", "办理（Ctrl+K）") + " ▾")
        self.steps.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.steps.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.steps_menu = QMenu(self.steps)
        self.steps.setMenu(self.steps_menu)
        self.status = QLabel("")
        self.status.setObjectName("DeskStatus")
        self.status.setWordWrap(True)
        box = QVBoxLayout(self)
        box.addWidget(self.detail)
        box.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.dispatch, 1)
        buttons.addWidget(self.steps)
        buttons.addWidget(self.push)
        box.addLayout(buttons)
        box.addWidget(self.status)

    def show_recommendations(
        self,
        recommendations: Sequence[Recommendation],
        team_name: Callable[[str], str],
        chosen_rows: Sequence[int],
    ) -> None:
        """One row per recommended officer (name, team, distance, ETA, local team), with
        ``chosen_rows`` selected."""
        table = self.table
        table.setRowCount(len(recommendations))
        for row, rec in enumerate(recommendations):
            cells = [
                rec.unit.name,
                team_name(rec.unit.team),
                distance_text(rec.distance_m),
                eta_text(rec.eta_s),
                translate("desk", "本辖区") if rec.in_zone else "",
            ]
            for col, text in enumerate(cells):
                table.setItem(row, col, QTableWidgetItem(text))
        # One selection signal for the whole reselection (the map redraws the plan on
        # it), not one per row.
        table.blockSignals(True)
        table.clearSelection()
        for row in chosen_rows:
            table.selectRow(row)
        table.blockSignals(False)


class Dispatcher:
    """Sends the operator's orders on the selected case (``accept``, ``dispatch``), one
    dispatch at a time, and confirms each on the case panel's status line.

    ``settled`` runs when the hub has answered, either way; ``confirmed`` when a dispatch
    was accepted (the desk moves the operator on); ``taken`` with the case of every
    accepted order. The :class:`DispatchGuard` refuses a
    second dispatch while one is in flight or just confirmed.
    """

    def __init__(
        self,
        feed: QtFeed,
        triage: DeskTriage,
        panel: DetailPanel,
        settled: Callable[[], None],
        confirmed: Callable[[DispatchOrder], None] | None = None,
        guard: DispatchGuard | None = None,
        taken: Callable[[str], None] | None = None,
    ) -> None:
        self.feed = feed
        #: Told the case of every order the hub accepted (what "only mine" lists).
        self.taken = taken
        self.triage = triage
        self.details = panel
        self.settled = settled
        self.confirmed = confirmed
        self.guard = guard or DispatchGuard()
        self.pending: asyncio.Future[None] | None = None
        self.accepting: asyncio.Future[None] | None = None

    def dispatch(self, order: DispatchOrder | None) -> bool:
        """Send ``order``; ``None`` (no officer chosen) is only said on the status line.
        False when nothing was sent (no order, or the guard held it back)."""
        if not self.guard.allows():
            return False  # the status line already says what is in flight or confirmed
        if order is None:
            self.details.status.setText(translate("desk", "请选择要派遣的警员"))
            return False
        self.guard.sent(order.incident_id)
        self.details.dispatch.setEnabled(False)
        self.details.status.setText(translate("desk", "正在派遣…"))
        self.pending = asyncio.ensure_future(self._dispatch(order))
        return True

    async def _dispatch(self, order: DispatchOrder) -> None:
        confirmed = False
        try:
            await send(self.feed.client.request, order)
        except RequestFailed as exc:
            log.warning("dispatch of %s failed: %s", order.incident_id, exc)
            self.details.status.setText(translate("desk", "派遣失败：{e}").format(e=str(exc)))
        else:
            confirmed = True
            self.details.status.setText(self.confirmation(order))
            if self.taken is not None:
                self.taken(order.incident_id)
        finally:
            self.guard.settled(confirmed)
            self.pending = None
            self.settled()
        if confirmed and self.confirmed is not None:
            self.confirmed(order)

    def confirmation(self, order: DispatchOrder) -> str:
        """The confirmation line: who was sent to which case, in the desk's language only
        (the hub's raw status word is not shown; the queue says the status)."""
        names = self.triage.unit_names(order.unit_ids) or list(order.unit_ids)
        return translate("desk", "已派遣 {names} 前往案件 {id}").format(
            names=translate("desk", "、").join(names), id=order.incident_id
        )

    def accept(self, case_id: str | None) -> bool:
        """Take the case on (``case.step`` accept); False when nothing was sent."""
        if case_id is None:
            self.details.status.setText(translate("desk", "请先选择案件"))
            return False
        if self.accepting is not None and not self.accepting.done():
            return False
        self.details.status.setText(translate("desk", "正在受理…"))
        self.accepting = asyncio.ensure_future(self._accept(AcceptOrder(case_id)))
        return True

    async def _accept(self, order: AcceptOrder) -> None:
        try:
            await send(self.feed.client.request, order)
        except RequestFailed as exc:
            log.warning("accept of %s failed: %s", order.case_id, exc)
            self.details.status.setText(translate("desk", "受理失败：{e}").format(e=str(exc)))
        else:
            self.details.status.setText(
                translate("desk", "已受理案件 {id}").format(id=order.case_id)
            )
            if self.taken is not None:
                self.taken(order.case_id)
        finally:
            self.settled()
