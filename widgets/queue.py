"""The incident queue: every open case with its live 1-3-15 countdown, most urgent first."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from backend_client.deadlines import DeadlineStanding, deadline_standing
from backend_client.protocol.messages import FINISHED_STATUSES, Incident
from backend_client.qt import QtFeed
from backend_client.workcalendar import WorkingCalendar
from widgets.deadline_text import deadline_line, standing_text
from widgets.palette import colour
from widgets.sla import Standing, State, standing
from widgets.text import QT_TRANSLATE_NOOP, duration_text, translate
from widgets.vocabulary import source_label, stage_label, status_label, word

Index = QModelIndex | QPersistentModelIndex

COLUMNS = (
    QT_TRANSLATE_NOOP("queue", "时限"),
    QT_TRANSLATE_NOOP("queue", "环节"),
    QT_TRANSLATE_NOOP("queue", "案件类别"),
    QT_TRANSLATE_NOOP("queue", "来源"),
    QT_TRANSLATE_NOOP("queue", "地点"),
    QT_TRANSLATE_NOOP("queue", "状态"),
)
COL_LEFT, COL_STAGE, COL_CATEGORY, COL_SOURCE, COL_PLACE, COL_STATUS = range(6)
#: The 处置时限 column (docs/casework.md): the working-time deadline fixed at dispatch,
#: after the others, on the queues that ask for it (``show_deadline``: the desk's).
DEADLINE_COLUMN = QT_TRANSLATE_NOOP("queue", "处置时限")
COL_DEADLINE = len(COLUMNS)

#: Text and row tint per 1-3-15 state: amber counting, green met, red missed.
STATE_COLOURS = {
    "pending": (colour("queue.pending_text"), colour("queue.pending_row")),
    "met": (colour("queue.met_text"), colour("queue.met_row")),
    "missed": (colour("queue.missed_text"), colour("queue.missed_row")),
}

#: The place column never narrows below this many characters of text (an address is what
#: an operator reads to know where to send someone), nor below its header.
PLACE_MIN_CHARS = 8
#: Every address on this wall is in the district: the prefix says nothing, the street does.
DISTRICT_PREFIXES = ("浙江省金华市婺城区", "金华市婺城区", "婺城区")
#: Nor does the category column widen beyond this share of the table: the rest of a long
#: category is elided (its whole text is in the cell's tooltip).
CATEGORY_MAX_SHARE = 0.3

Clock = Callable[[], float]
#: Which cases a queue keeps (a desk's filters); the rest are counted in ``hidden``.
QueueFilter = Callable[[Incident, Standing], bool]


def merged_mark(incident: Incident) -> str:
    """`` ×N`` after a case that duplicates were merged into (N = 1 + children), else ""."""
    return f" ×{1 + incident.merged}" if incident.merged > 0 else ""


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
        show_deadline: bool = False,
        show_handled: bool = True,
        clock: Clock | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = len(COLUMNS) + (1 if show_deadline else 0)
        self._feed = feed
        self._max_rows = max_rows
        self._show_handled = show_handled
        # The hub's time by default: deadlines are hub timestamps (clock skew).
        self._clock = clock or feed.now
        self._ids: list[str] = []
        self._standing: dict[str, Standing] = {}
        self._keep: QueueFilter | None = None
        #: Open cases the filter (``set_filter``) leaves out, as of the last refresh.
        self.hidden = 0
        #: Per shown row: its six texts and its 1-3-15 state. Built once per refresh, so a
        #: repaint (and the header measuring its columns) reads a list, not the feed.
        self._rows: list[tuple[tuple[str, ...], State]] = []
        self._brushes = {
            state: (QBrush(QColor(fg)), QBrush(QColor(bg)))
            for state, (fg, bg) in STATE_COLOURS.items()
        }
        feed.snapshotLoaded.connect(self.refresh)
        # A burst of case events (a snapshot's worth, a sweep) is one refresh, not one each.
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(0)
        self._soon.timeout.connect(self.refresh)
        feed.incidentChanged.connect(lambda *_: self._soon.start())
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    # -- Qt model ------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._columns

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if section == COL_DEADLINE:
                return translate("queue", DEADLINE_COLUMN)
            return translate("queue", COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = index.row()
        if not index.isValid() or row >= len(self._rows):
            return None
        texts, state = self._rows[row]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return texts[column]
        if role == Qt.ItemDataRole.ToolTipRole and column in (COL_CATEGORY, COL_PLACE):
            return texts[column]  # the whole text of a cell that may be elided
        if role == self.IncidentIdRole:
            return self._ids[row]
        if role == self.StateRole:
            return state
        if column == COL_DEADLINE and role in (
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return self._deadline_data(row, role)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._brushes[state][0] if column in (COL_LEFT, COL_STAGE) else None
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._brushes[state][1]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_LEFT, COL_STAGE):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    # -- public --------------------------------------------------------------------------

    def incident_id(self, row: int) -> str:
        return self._ids[row]

    def incident_ids(self) -> list[str]:
        """The shown cases in queue order, most urgent first."""
        return list(self._ids)

    def row_of(self, incident_id: str) -> int:
        try:
            return self._ids.index(incident_id)
        except ValueError:
            return -1

    def set_filter(self, keep: QueueFilter | None) -> None:
        """Show only the cases ``keep`` accepts (None: all); the others count in ``hidden``."""
        self._keep = keep
        self.refresh()

    def set_calendar(self, calendar: WorkingCalendar | None) -> None:
        """Count the 处置时限 on the hub's ``calendar`` (None: clock time, as before it
        came or from a hub that does not send one). Kept on the feed's state, where the
        case drill-downs read it too."""
        self._feed.state.calendar = calendar
        self.refresh()

    @property
    def calendar(self) -> WorkingCalendar | None:
        return self._feed.state.calendar

    def standing_of(self, incident_id: str) -> Standing | None:
        return self._standing.get(incident_id)

    def refresh(self) -> None:
        """Re-read the clock and the incidents; reorder by urgency."""
        now = self._clock()
        standings: dict[str, Standing] = {}
        hidden = 0
        for incident in self._feed.state.incidents.values():
            if incident.status in FINISHED_STATUSES or incident.parent_id is not None:
                continue  # a merged duplicate is its parent's work (shown ×N there)
            where = standing(incident, now)
            if where.stage == "done" and not self._show_handled:
                continue
            if self._keep is not None and not self._keep(incident, where):
                hidden += 1
                continue
            standings[incident.id] = where
        self.hidden = hidden

        def key(incident_id: str) -> tuple[int, float, int, float]:
            inc = self._feed.state.incidents[incident_id]
            rank, left = standings[incident_id].urgency
            # Among finished cases the newest first; among open ones priority breaks ties.
            return (rank, left, inc.priority, -inc.reported_at)

        order = sorted(standings, key=key)[: self._max_rows]
        incidents = self._feed.state.incidents
        rows: list[tuple[tuple[str, ...], State]] = [
            (
                tuple(self._text(incidents[i], standings[i], c) for c in range(len(COLUMNS)))
                + self._deadline_texts(incidents[i], now),
                standings[i].state,
            )
            for i in order
        ]
        self._standing = standings
        if set(order) != set(self._ids):
            self.beginResetModel()
            self._ids, self._rows = order, rows
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
            self._ids, self._rows = order, rows
            self.changePersistentIndexList(old, new)
            self.layoutChanged.emit()
            return
        # Same rows in the same order: tell the view only about the cells that changed,
        # which is most seconds just the countdown column.
        before, self._rows = self._rows, rows
        changed = [r for r in range(len(rows)) if rows[r] != before[r]]
        if changed:
            self.dataChanged.emit(
                self.index(changed[0], 0), self.index(changed[-1], self._columns - 1)
            )

    # -- the 处置时限 column (widgets/deadline_text.py) ---------------------------------

    def _deadline_texts(self, incident: Incident, now: float) -> tuple[str, ...]:
        if self._columns == len(COLUMNS):
            return ()
        return (standing_text(self._deadline_standing(incident, now)),)

    def _deadline_standing(self, incident: Incident, now: float) -> DeadlineStanding:
        handled_at = incident.sla.handled_at if incident.sla is not None else None
        return deadline_standing(
            incident.deadline,
            incident.status,
            handled_at,
            now,
            calendar=self._feed.state.calendar,
            limit=incident.deadline_limit,
        )

    def _deadline_data(self, row: int, role: int) -> object:
        incident = self._feed.state.incidents.get(self._ids[row])
        if incident is None or incident.deadline is None:
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            standing = self._deadline_standing(incident, self._clock())
            return deadline_line(incident.deadline, incident.deadline_limit, standing)
        state = self._deadline_standing(incident, self._clock()).state
        return self._brushes["missed"][0] if state in ("overdue", "late") else None

    # -- text ----------------------------------------------------------------------------

    @staticmethod
    def _text(incident: Incident, where: Standing, column: int) -> str:
        if column == COL_LEFT:
            if where.stage == "done":
                if where.state == "met":
                    return translate("queue", "达标")
                return translate("queue", "超时")
            if where.left < 0:
                return translate("queue", "超") + " " + duration_text(where.left)
            return duration_text(where.left)
        if column == COL_STAGE:
            return stage_label(where.stage)
        if column == COL_CATEGORY:
            return word(incident.category) + merged_mark(incident)
        if column == COL_SOURCE:
            return source_label(incident.source)
        if column == COL_PLACE:
            if not incident.address:
                return incident.text[:24]
            for prefix in DISTRICT_PREFIXES:
                if incident.address.startswith(prefix) and len(incident.address) > len(prefix):
                    return incident.address.removeprefix(prefix)
            return incident.address
        return status_label(incident.status)


class IncidentQueueView(QTableView):
    """The queue as a wall shows it: big rows, no grid, no editing, countdown first.

    ``min_rows`` (0: no floor) is how many rows the view keeps room for whatever its
    neighbours want: a desk operator works from the list, so a dock opened beside it must
    not squeeze it to a row or two.
    """

    def __init__(
        self, model: IncidentQueueModel, parent: QWidget | None = None, *, min_rows: int = 0
    ) -> None:
        super().__init__(parent)
        self.min_rows = min_rows
        self.setObjectName("IncidentQueue")
        self.setModel(model)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setShowGrid(False)
        self.setWordWrap(False)
        # Long text is cut with an ellipsis; a column is never squeezed to nothing.
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.verticalHeader().hide()
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_PLACE, QHeaderView.ResizeMode.Stretch)
        # The category is the one free-text column besides the place (a catalogue name can
        # run to twenty characters): sized here, capped, so it cannot push the place out.
        header.setSectionResizeMode(COL_CATEGORY, QHeaderView.ResizeMode.Fixed)
        model.modelReset.connect(self.fit_columns)
        model.layoutChanged.connect(self.fit_columns)
        # Size columns to the rows on screen only: measuring every row of a 200-row queue
        # on each repaint was most of the wall's per-second cost.
        header.setResizeContentsPrecision(0)
        header.setHighlightSections(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.model().rowCount() == 0:
            # An empty table on a wall looks broken; an empty queue is good news, say it.
            painter = QPainter(self.viewport())
            painter.setPen(QColor(colour("queue.empty")))
            painter.drawText(
                self.viewport().rect(),
                Qt.AlignmentFlag.AlignCenter,
                translate("queue", "暂无待处置案件"),
            )
            painter.end()

    def place_min_width(self) -> int:
        """The narrowest the place column gets: :data:`PLACE_MIN_CHARS` characters, and
        its header whole."""
        self.ensurePolished()
        return max(
            self.fontMetrics().horizontalAdvance("国" * PLACE_MIN_CHARS),
            self._header_width(COL_PLACE),
        )

    def _header_width(self, column: int) -> int:
        # What the header's own style (a theme gives sections their font and padding)
        # needs for the column's title: less would clip it to a broken glyph.
        return self.horizontalHeader().sectionSizeFromContents(column).width()

    def fit_columns(self) -> None:
        """Give the category column what its longest text needs, at most
        :data:`CATEGORY_MAX_SHARE` of the table and never so much that the place column
        falls below :meth:`place_min_width`; never less than its header."""
        header = self.horizontalHeader()
        model = self.model()
        self.ensurePolished()
        metrics = self.fontMetrics()
        padding = 2 * self.style().pixelMetric(self.style().PixelMetric.PM_FocusFrameHMargin) + 12
        floor = self._header_width(COL_CATEGORY)
        texts = {str(model.index(r, COL_CATEGORY).data()) for r in range(model.rowCount())}
        wanted = max((metrics.horizontalAdvance(t) + padding for t in texts), default=floor)
        width = self.viewport().width()
        others = sum(
            header.sectionSize(c)
            for c in range(model.columnCount())
            if c not in (COL_CATEGORY, COL_PLACE)
        )
        room = width - others - self.place_min_width()
        header.resizeSection(
            COL_CATEGORY, max(floor, min(wanted, int(width * CATEGORY_MAX_SHARE), room))
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_columns()

    def row_height(self) -> int:
        # Row height follows the font the theme gives (readable at 5 m), plus air.
        self.ensurePolished()
        return int(self.fontMetrics().height() * 1.5)

    def showEvent(self, event: object) -> None:  # type: ignore[override]
        self.verticalHeader().setDefaultSectionSize(self.row_height())
        super().showEvent(event)  # type: ignore[arg-type]
        self.fit_columns()  # the theme's font is known now

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        if self.min_rows <= 0:
            return hint
        header = self.horizontalHeader().sizeHint().height()
        rows = self.min_rows * self.row_height()
        return QSize(hint.width(), header + rows + 2 * self.frameWidth())

    def visible_rows(self) -> int:
        """How many whole rows the viewport shows now."""
        return self.viewport().height() // max(1, self.verticalHeader().defaultSectionSize())
