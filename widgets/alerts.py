"""Supervision alerts: the newest first, coloured by severity, kind in the operator's words."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from backend_client.protocol.messages import Alert
from backend_client.qt import QtFeed
from widgets.palette import colour
from widgets.text import QT_TRANSLATE_NOOP, event_text, translate

KIND_TEXT = {
    "officer_idle": QT_TRANSLATE_NOOP("alerts", "警员长时间静止"),
    "outside_zone": QT_TRANSLATE_NOOP("alerts", "越出责任区"),
    "device_silent": QT_TRANSLATE_NOOP("alerts", "终端失联"),
    "sla_missed": QT_TRANSLATE_NOOP("alerts", "1-3-15 超时"),
    "rectification_overdue": QT_TRANSLATE_NOOP("alerts", "整改逾期"),
    "repeat_complaints": QT_TRANSLATE_NOOP("alerts", "重复投诉"),
    "sos": QT_TRANSLATE_NOOP("alerts", "紧急求助"),
}
#: The wire's severity: 1 notice, 2 warning, 3 urgent (hub/domain/supervision.py, docs/protocol.md).
SEVERITY_COLOURS = {
    3: colour("alerts.urgent"),
    2: colour("alerts.warning"),
    1: colour("alerts.notice"),
}


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
            empty = QListWidgetItem(translate("alerts", "暂无督办告警"))
            empty.setForeground(QBrush(QColor(colour("alerts.empty"))))
            self.addItem(empty)
            return
        for alert in alerts:
            self.addItem(self._item(alert))

    @staticmethod
    def _item(alert: Alert) -> QListWidgetItem:
        clock = time.strftime("%H:%M", time.localtime(alert.ts))
        kind = translate("alerts", KIND_TEXT.get(alert.kind, alert.kind))
        detail = event_text(alert.code, alert.args, alert.text) or alert.subject
        line = translate("alerts", "{time}  【{kind}】 {detail}")
        item = QListWidgetItem(line.format(time=clock, kind=kind, detail=detail))
        item.setForeground(
            QBrush(QColor(SEVERITY_COLOURS.get(alert.severity, SEVERITY_COLOURS[1])))
        )
        item.setData(Qt.ItemDataRole.UserRole, alert.id)
        return item
