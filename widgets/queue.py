"""The incident queue: every open case with its live 1-3-15 countdown, most urgent first."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from backend_client.protocol.messages import Incident
from backend_client.qt import QtFeed
from widgets.sla import Standing, standing
from widgets.text import duration_text, tr

Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("时限", "环节", "案件类别", "来源", "地点", "状态")
COL_LEFT, COL_STAGE, COL_CATEGORY, COL_SOURCE, COL_PLACE, COL_STATUS = range(6)

STAGE_TEXT = {"accept": "受理", "move": "出发", "handle": "处置", "done": "完成"}
SOURCE_TEXT = {"hotline": "8890热线", "snap": "随手拍", "grid": "网格", "patrol": "巡查"}
STATUS_TEXT = {
    "reported": "待受理",
    "accepted": "已受理",
    "dispatched": "已派遣",
    "arrived": "已到场",
    "handled": "已处置",
    "rectifying": "整改中",
    "followup": "待复查",
    "closed": "已结案",
}
#: Text and row tint per 1-3-15 state: amber counting, green met, red missed.
STATE_COLOURS = {
    "pending": ("#ffc94d", "#2a2410"),
    "met": ("#3ddc84", "#0f2a1c"),
    "missed": ("#ff6b6b", "#3a1216"),
}

Clock = Callable[[], float]


class IncidentQueueModel(QAbstractTableModel):
    """A QtCore model over the feed's incidents, ordered by urgency and ticking each second.

    Rows keep their identity across re-sorts (persistent indexes move with them), so a desk
    operator's selection stays on the case it was on while the queue reorders under it.
    """

    IncidentIdRole = Qt.ItemDataRole.UserRole + 1
    StateRole = Qt.ItemDataRole.UserRole + 2

    def __init__(
        self,
        feed: QtFeed,
        *,
        max_rows: int = 200,
        show_handled: bool = True,
        clock: Clock = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._feed = feed
        self._max_rows = max_rows
        self._show_handled = show_handled
        self._clock = clock
        self._ids: list[str] = []
        self._standing: dict[str, Standing] = {}
        feed.snapshotLoaded.connect(self.refresh)
        feed.incidentChanged.connect(lambda *_: self.refresh())
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    # -- Qt model ------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self._ids):
            return None
        incident_id = self._ids[index.row()]
        incident = self._feed.state.incidents.get(incident_id)
        where = self._standing.get(incident_id)
        if incident is None or where is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(incident, where, column)
        if role == self.IncidentIdRole:
            return incident_id
        if role == self.StateRole:
            return where.state
        if role == Qt.ItemDataRole.ForegroundRole:
            if column in (COL_LEFT, COL_STAGE):
                return QBrush(QColor(STATE_COLOURS[where.state][0]))
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(QColor(STATE_COLOURS[where.state][1]))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_LEFT, COL_STAGE):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    # -- public --------------------------------------------------------------------------

    def incident_id(self, row: int) -> str:
        return self._ids[row]

    def row_of(self, incident_id: str) -> int:
        try:
            return self._ids.index(incident_id)
        except ValueError:
            return -1

    def standing_of(self, incident_id: str) -> Standing | None:
        return self._standing.get(incident_id)

    def refresh(self) -> None:
        """Re-read the clock and the incidents; reorder by urgency."""
        now = self._clock()
        standings: dict[str, Standing] = {}
        for incident in self._feed.state.incidents.values():
            if incident.status == "closed":
                continue
            where = standing(incident, now)
            if where.stage == "done" and not self._show_handled:
                continue
            standings[incident.id] = where

        def key(incident_id: str) -> tuple[int, float, int, float]:
            inc = self._feed.state.incidents[incident_id]
            rank, left = standings[incident_id].urgency
            # Among finished cases the newest first; among open ones priority breaks ties.
            return (rank, left, inc.priority, -inc.reported_at)

        order = sorted(standings, key=key)[: self._max_rows]
        self._standing = standings
        if set(order) != set(self._ids):
            self.beginResetModel()
            self._ids = order
            self.endResetModel()
            return
        if order != self._ids:
            self.layoutAboutToBeChanged.emit()
            moved_to = {incident_id: row for row, incident_id in enumerate(order)}
            old = self.persistentIndexList()
            new = [
                self.index(moved_to[self._ids[i.row()]], i.column()) if i.isValid() else i
                for i in old
            ]
            self._ids = order
            self.changePersistentIndexList(old, new)
            self.layoutChanged.emit()
        if self._ids:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1)
            )

    # -- text ----------------------------------------------------------------------------

    @staticmethod
    def _text(incident: Incident, where: Standing, column: int) -> str:
        if column == COL_LEFT:
            if where.stage == "done":
                return tr("达标") if where.state == "met" else tr("超时")
            if where.left < 0:
                return tr("超") + " " + duration_text(where.left)
            return duration_text(where.left)
        if column == COL_STAGE:
            return tr(STAGE_TEXT[where.stage])
        if column == COL_CATEGORY:
            return incident.category
        if column == COL_SOURCE:
            return tr(SOURCE_TEXT.get(incident.source, incident.source))
        if column == COL_PLACE:
            return incident.address or incident.text[:24]
        return tr(STATUS_TEXT.get(incident.status, incident.status))


class IncidentQueueView(QTableView):
    """The queue as a wall shows it: big rows, no grid, no editing, countdown first."""

    def __init__(self, model: IncidentQueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("IncidentQueue")
        self.setModel(model)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.verticalHeader().hide()
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_PLACE, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.model().rowCount() == 0:
            # An empty table on a wall looks broken; an empty queue is good news, say it.
            painter = QPainter(self.viewport())
            painter.setPen(QColor("#5b6b85"))
            painter.drawText(
                self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, tr("暂无待处置案件")
            )
            painter.end()

    def showEvent(self, event: object) -> None:  # type: ignore[override]
        # Row height follows the font the theme gives (readable at 5 m), plus air.
        self.verticalHeader().setDefaultSectionSize(int(self.fontMetrics().height() * 1.5))
        super().showEvent(event)  # type: ignore[arg-type]
