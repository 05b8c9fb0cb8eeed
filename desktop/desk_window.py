"""The desk's window: the docks (the 1-3-15 queue, the live map, the case panel, the case
history), their saved arrangement, and the triage that ties them: the selected case, its
recommended officers, the drill-downs opened from it.

The case panel and its dispatch are in :mod:`desktop.desk_case`, pushes to the walls in
:mod:`desktop.desk_push`; ``watchfloor desk`` itself is :mod:`desktop.desk`.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QByteArray, QItemSelection, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from backend_client.cache import CachedRequests
from backend_client.privacy import SEES_REPORTER
from backend_client.protocol.messages import Incident
from backend_client.qt import QtFeed
from backend_client.stories import CaseStory, MerchantRegister
from backend_client.stories.desk import DeskTriage, Recommendation
from backend_client.stories.opening import open_story
from desktop.desk_case import DetailPanel, Dispatcher
from desktop.desk_push import WallPush
from widgets.drilldown import CaseDrilldown, MerchantDrilldown, OfficerDrilldown
from widgets.drillopen import make_drilldown
from widgets.queue import IncidentQueueModel, IncidentQueueView
from widgets.situation import incident_lines
from widgets.text import translate

SETTINGS_ORG, SETTINGS_APP = "watchfloor", "desk"


class DeskWindow(QMainWindow):
    """The desk: renders the :class:`DeskTriage` model and the case's story, and sends
    the operator's orders (:func:`desktop.desk_case.send`)."""

    def __init__(
        self,
        feed: QtFeed,
        *,
        settings: QSettings | None = None,
        with_map: bool = True,
        requests: CachedRequests | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("DeskWindow")
        self.setWindowTitle(
            translate("desk", "婺城区综合行政执法指挥平台") + " · " + translate("desk", "值班台")
        )
        self.feed = feed
        self.settings = settings or QSettings(SETTINGS_ORG, SETTINGS_APP)
        #: What needs the operator: the selected case and the officers recommended for it.
        self.triage = DeskTriage(feed.state)

        self.model = IncidentQueueModel(feed, show_handled=False, parent=self)
        self.queue = IncidentQueueView(self.model)
        self.queue.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.queue.selectionModel().selectionChanged.connect(self._on_selection)
        self.model.modelReset.connect(self._reselect)
        self.details = DetailPanel()
        self.details.dispatch.clicked.connect(self.dispatch_selected)
        self.dispatcher = Dispatcher(feed, self.triage, self.details, self._refresh_detail)
        self.wall_push = WallPush(feed, self.triage, self.details, self, self.push_subject)

        self.setDockNestingEnabled(True)
        self.docks: dict[str, QDockWidget] = {}
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self._dock("queue", translate("desk", "1-3-15 案件队列"), self.queue, left)
        #: The merchant register the desk's map draws (loaded through the feed, once).
        self.register = MerchantRegister(feed.client.request)
        if with_map:
            from widgets.livemap import LiveMapPanel

            live_map = LiveMapPanel(feed, register=self.register)
            # An officer (or merchant) clicked on the map opens its drill-down.
            live_map.map.entityClicked.connect(self.open_entity)
            self.map_panel: QWidget = live_map
        else:
            self.map_panel = QLabel(translate("desk", "地图未加载"))
        self._dock("map", translate("desk", "态势一张图"), self.map_panel, right)
        self._dock("details", translate("desk", "案件详情与派遣"), self.details, right)
        self.splitDockWidget(self.docks["map"], self.docks["details"], Qt.Orientation.Vertical)
        # The selected case's whole story (timeline, 1-3-15 marks), read through the local
        # cache so it stays readable while the hub is away.
        self.requests = requests
        self.history: CaseDrilldown | None = None
        #: The merchant or officer drill-down shown in the history dock instead of a case.
        self.entity: MerchantDrilldown | OfficerDrilldown | None = None
        self.history_holder = QWidget()
        self.history_layout = QVBoxLayout(self.history_holder)
        self._dock("history", translate("desk", "案件时间线"), self.history_holder, left)
        self.restore_arrangement()

        feed.incidentChanged.connect(lambda *_: self._refresh_detail())
        feed.incidentChanged.connect(self._on_incident_changed)
        feed.unitsChanged.connect(lambda *_: self._refresh_detail())
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._refresh_text)
        self._tick.start()

    @property
    def selected(self) -> str | None:
        """The case the operator is handling (the triage model's selection)."""
        return self.triage.selected

    @property
    def recommendations(self) -> list[Recommendation]:
        return self.triage.recommendations

    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{name}")  # saveState() finds docks by object name
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[name] = dock

    # -- arrangement ---------------------------------------------------------------------

    def restore_arrangement(self) -> None:
        geometry = self.settings.value("geometry")
        state = self.settings.value("state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def save_arrangement(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("state", self.saveState())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_arrangement()
        super().closeEvent(event)

    # -- triage --------------------------------------------------------------------------

    def select_incident(self, incident_id: str) -> None:
        row = self.model.row_of(incident_id)
        if row >= 0:
            self.queue.selectRow(row)
        self.triage.selected = incident_id
        self._refresh_detail()

    def _on_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = {i.row() for i in selected.indexes()}
        if rows:
            self.triage.selected = self.model.incident_id(min(rows))
            self._refresh_detail()
            self._open_history()

    def _open_history(self) -> None:
        """Show the selected case's drill-down (once per case; it reloads on changes)."""
        if self.requests is None or self.selected is None:
            return
        if self.history is not None and self.history.case_id == self.selected:
            return
        self._show_case(self.selected)

    def _show_case(self, case_id: str) -> None:
        """The case's story, opened here and handed to its drill-down in the history dock."""
        assert self.requests is not None
        story = open_story("incident", case_id, self.requests, self.feed.state, self.feed.now())
        assert isinstance(story, CaseStory)
        self._clear_history_dock()
        role = self.feed.client.role or ""
        self.history = CaseDrilldown(case_id, story, show_reporter=role in SEES_REPORTER)
        self._wire(self.history)
        self.history_layout.addWidget(self.history)
        self.history.start()

    def _clear_history_dock(self) -> None:
        for panel in (self.history, self.entity):
            if panel is not None:
                self.history_layout.removeWidget(panel)
                panel.deleteLater()
        self.history = None
        self.entity = None

    def _wire(self, panel: CaseDrilldown | MerchantDrilldown | OfficerDrilldown) -> None:
        # A drill-down asks; the desk decides: a related case opens in the queue's
        # selection, a merchant in the dock, a push goes through the wall menu.
        panel.openRequested.connect(self.open_requested)
        panel.pushRequested.connect(self.wall_push.offer)

    def open_requested(self, kind: str, entity_id: str) -> None:
        """A drill-down's link: a related case, its merchant, an officer."""
        if kind == "incident":
            if entity_id in self.feed.state.incidents and self.model.row_of(entity_id) >= 0:
                self.select_incident(entity_id)  # selecting opens its drill-down
                return
            # A closed or older case is not in the queue; its story is still in the store.
            if self.requests is None:
                return
            self._show_case(entity_id)
            self.docks["history"].show()
            return
        self.open_entity("unit" if kind == "officer" else kind, entity_id)

    def open_entity(self, kind: str, entity_id: str) -> None:
        """A map click: an officer's or a merchant's drill-down in the history dock."""
        if self.requests is None or kind not in ("unit", "merchant"):
            return
        panel = make_drilldown(kind, entity_id, self.feed, self.requests)
        if not isinstance(panel, MerchantDrilldown | OfficerDrilldown):
            return
        self._clear_history_dock()
        self.entity = panel
        self._wire(panel)
        self.history_layout.addWidget(panel)
        self.docks["history"].show()
        panel.start()

    def _on_incident_changed(self, incident: Incident, _is_new: bool) -> None:
        if self.history is not None and incident.id == self.history.case_id:
            self.history.start()  # a step was taken on the case being read: reload it

    def _reselect(self) -> None:
        # A reset (a case added or gone) clears the view's selection; keep the operator's.
        if self.selected is not None:
            row = self.model.row_of(self.selected)
            if row >= 0:
                self.queue.selectRow(row)

    def _refresh_text(self) -> None:
        incident = self.triage.incident
        if incident is not None:
            self.details.detail.setText(
                f"{incident.id}\n" + "\n".join(incident_lines(incident, self.feed, self.feed.now()))
            )

    def _refresh_detail(self) -> None:
        """Recompute the triage's recommendations and draw them, keeping the operator's
        chosen officers chosen (the nearest one when nothing was chosen)."""
        table = self.details.table
        kept = self.chosen_units()
        recommendations = self.triage.refresh()
        if self.triage.incident is None:
            table.setRowCount(0)
            self.details.dispatch.setEnabled(False)
            return
        self._refresh_text()
        table.setRowCount(len(recommendations))
        for row, rec in enumerate(recommendations):
            cells = [
                rec.unit.name,
                self.triage.team_name(rec.unit.team),
                f"{rec.distance_m / 1000:.1f} km"
                if rec.distance_m >= 1000
                else f"{rec.distance_m:.0f} m",
                translate("desk", "{m} 分钟").format(m=max(1, round(rec.eta_s / 60))),
                translate("desk", "本辖区") if rec.in_zone else "",
            ]
            for col, text in enumerate(cells):
                table.setItem(row, col, QTableWidgetItem(text))
        table.clearSelection()
        first = [recommendations[0].unit.id] if recommendations else []
        for row in self.triage.rows_of(kept or first):
            table.selectRow(row)
        self.details.dispatch.setEnabled(bool(recommendations) and self.dispatcher.pending is None)

    # -- dispatch ------------------------------------------------------------------------

    def chosen_units(self) -> list[str]:
        """The officers chosen in the recommendations table, in table order."""
        return self.triage.unit_ids([i.row() for i in self.details.table.selectedIndexes()])

    def dispatch_selected(self) -> None:
        if self.selected is None or self.dispatcher.pending is not None:
            return
        self.dispatcher.dispatch(self.triage.dispatch_order(self.chosen_units()))

    # -- push to a wall ------------------------------------------------------------------

    def push_subject(self) -> tuple[str, str] | None:
        """What a push sends: the merchant/officer being read, else the selected case."""
        if isinstance(self.entity, MerchantDrilldown):
            return ("merchant", self.entity.merchant_id)
        if isinstance(self.entity, OfficerDrilldown):
            return ("officer", self.entity.unit_id)
        if self.selected is not None:
            return ("incident", self.selected)
        return None

    def push_to_wall(self, wall: str, kind: str = "") -> asyncio.Future[None] | None:
        """Push to ``wall`` ("" = every wall): see :meth:`WallPush.push_to_wall`."""
        return self.wall_push.push_to_wall(wall, kind)

    async def refresh_walls(self) -> list[str]:
        """The walls connected to the hub now (also what the push menus list)."""
        return await self.wall_push.refresh_walls()
