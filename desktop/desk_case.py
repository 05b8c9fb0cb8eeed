"""The desk's case panel and its dispatch: the selected case, the officers recommended for
it, and the ``dispatch`` order with its confirmation on the panel's status line.

The order only asks; the queue and the walls change when the hub's event comes back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
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
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from backend_client.qt import QtFeed
from backend_client.stories.desk import DeskTriage, DispatchOrder, Order
from backend_client.stories.source import Requester
from backend_client.transport import RequestFailed
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
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.dispatch = QPushButton(translate("desk", "派遣（Ctrl+D）"))
        self.dispatch.setShortcut("Ctrl+D")
        self.dispatch.setEnabled(False)
        # Push what this desk is reading (the case, merchant or officer drill-down, or the
        # case's place on the map) to a wall's situation slot; the menu lists the walls
        # connected to the hub now.
        self.push = QToolButton()
        self.push.setObjectName("PushToWall")
        self.push.setText(translate("desk", "推送到大屏"))
        self.push.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.push_menu = QMenu(self.push)
        self.push.setMenu(self.push_menu)
        self.status = QLabel("")
        self.status.setObjectName("DeskStatus")
        box = QVBoxLayout(self)
        box.addWidget(self.detail)
        box.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.dispatch, 1)
        buttons.addWidget(self.push)
        box.addLayout(buttons)
        box.addWidget(self.status)


class Dispatcher:
    """Sends the operator's dispatch orders, one at a time, and confirms each on the case
    panel's status line; ``settled`` runs when the hub has answered, either way."""

    def __init__(
        self, feed: QtFeed, triage: DeskTriage, panel: DetailPanel, settled: Callable[[], None]
    ) -> None:
        self.feed = feed
        self.triage = triage
        self.details = panel
        self.settled = settled
        self.pending: asyncio.Future[None] | None = None

    def dispatch(self, order: DispatchOrder | None) -> None:
        """Send ``order``; ``None`` (no officer chosen) is only said on the status line."""
        if order is None:
            self.details.status.setText(translate("desk", "请选择要派遣的警员"))
            return
        self.details.dispatch.setEnabled(False)
        self.details.status.setText(translate("desk", "正在派遣…"))
        self.pending = asyncio.ensure_future(self._dispatch(order))

    async def _dispatch(self, order: DispatchOrder) -> None:
        try:
            result = await send(self.feed.client.request, order)
        except RequestFailed as exc:
            log.warning("dispatch of %s failed: %s", order.incident_id, exc)
            self.details.status.setText(translate("desk", "派遣失败：{e}").format(e=str(exc)))
        else:
            names = self.triage.unit_names(order.unit_ids)
            self.details.status.setText(
                translate("desk", "已派遣 {names} → {id}（{status}）").format(
                    names="、".join(names), id=order.incident_id, status=result.get("status", "")
                )
            )
        finally:
            self.pending = None
            self.settled()
