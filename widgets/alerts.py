"""Supervision alerts: the newest first, coloured by severity, kind in the operator's words."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from backend_client.protocol.messages import Alert
from backend_client.qt import QtFeed
from widgets.text import tr

KIND_TEXT = {
    "officer_idle": "警员长时间静止",
    "outside_zone": "越出责任区",
    "device_silent": "终端失联",
    "sla_missed": "1-3-15 超时",
    "rectification_overdue": "整改逾期",
    "repeat_complaints": "重复投诉",
    "sos": "紧急求助",
}
#: The wire's severity: 1 notice, 2 warning, 3 urgent (hub/domain/supervision.py, docs/protocol.md).
SEVERITY_COLOURS = {3: "#ff6b6b", 2: "#ffc94d", 1: "#9fb3d1"}


def _order(alert: Alert) -> tuple[bool, int, float]:
    # An SOS is an officer in danger: above everything, then the most urgent, newest first.
    return (alert.kind != "sos", -alert.severity, -alert.ts)


class AlertList(QListWidget):
    """Observes the feed's alerts; rebuilt on change (alerts are tens, not thousands)."""

    def __init__(self, feed: QtFeed, *, max_items: int = 50, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AlertList")
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._feed = feed
        self._max = max_items
        feed.snapshotLoaded.connect(self.rebuild)
        feed.alertChanged.connect(lambda *_: self.rebuild())
        self.rebuild()

    def texts(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count())]

    def rebuild(self) -> None:
        alerts = sorted(self._feed.state.alerts.values(), key=_order)[: self._max]
        self.clear()
        if not alerts:
            empty = QListWidgetItem(tr("暂无督办告警"))
            empty.setForeground(QBrush(QColor("#5b6b85")))
            self.addItem(empty)
            return
        for alert in alerts:
            self.addItem(self._item(alert))

    @staticmethod
    def _item(alert: Alert) -> QListWidgetItem:
        clock = time.strftime("%H:%M", time.localtime(alert.ts))
        kind = tr(KIND_TEXT.get(alert.kind, alert.kind))
        detail = alert.text or alert.subject
        item = QListWidgetItem(f"{clock}  【{kind}】 {detail}")
        item.setForeground(QBrush(QColor(SEVERITY_COLOURS.get(alert.severity, "#9fb3d1"))))
        item.setData(Qt.ItemDataRole.UserRole, alert.id)
        return item
