"""The desk's window: the docks (the 1-3-15 queue, the live map, the case panel, the case
history) and the triage that ties them: the selected case (flown to on the map,
highlighted in the queue), its recommended officers, the drill-downs opened from it, and
the move on to the next urgent case once one is dispatched.

The case panel and its orders are in :mod:`desktop.desk_case`, the dock arrangement in
:mod:`desktop.desk_layout`, the keyboard in :mod:`desktop.desk_keys`, pushes to the walls
in :mod:`desktop.desk_push`, the queue's filters in :mod:`desktop.desk_filters`, the
dispatch plan on the map in :mod:`desktop.desk_map`, the drill-down being read in
:mod:`desktop.desk_reading`, the new-case chime in :mod:`desktop.desk_chime`;
``watchfloor desk`` itself is :mod:`desktop.desk`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Final, cast

from PySide6.QtCore import QItemSelection, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QLabel,
    QLineEdit,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from backend_client.api import HubApi
from backend_client.cache import AWAY_CODES, CachedRequests
from backend_client.codes import merchant_of
from backend_client.errors import RequestFailed
from backend_client.protocol.messages import Incident
from backend_client.qt import QtFeed
from backend_client.stories import MerchantRegister
from backend_client.stories.desk import (
    CaseView,
    DeskTriage,
    DispatchGuard,
    DispatchOrder,
    Recommendation,
    case_view,
    find_case,
    find_officer,
    next_case,
)
from backend_client.workcalendar import calendar_from_answer
from desktop.desk_case import DetailPanel, Dispatcher
from desktop.desk_chime import DeskChime
from desktop.desk_duplicates import DeskDuplicates
from desktop.desk_export import DeskExport
from desktop.desk_filters import MyCases, QueueFilterBar
from desktop.desk_keys import HelpOverlay, install_shortcuts
from desktop.desk_layout import DeskArrangement
from desktop.desk_map import dispatch_plan
from desktop.desk_past import DeskPast
from desktop.desk_push import WallPush
from desktop.desk_reading import DeskReading
from desktop.desk_steps import DeskSteps
from widgets.drilldown import CaseDrilldown, MerchantDrilldown, OfficerDrilldown
from widgets.queue import IncidentQueueModel, IncidentQueueView, QueueFilter
from widgets.situation import incident_lines
from widgets.text import translate

if TYPE_CHECKING:
    from widgets.livemap import LiveMapPanel

log = logging.getLogger(__name__)

SETTINGS_ORG, SETTINGS_APP = "watchfloor", "desk"
#: Rows of the queue kept on screen whatever else is open: the list the operator works from.
QUEUE_MIN_ROWS: Final = 10
#: Pixels kept clear around the case when the map frames it with its officers.
MAP_MARGIN_PX: Final = 48


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
        guard: DispatchGuard | None = None,
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

        # The desk shows each case's 处置时限 deadline too (docs/casework.md).
        self.model = IncidentQueueModel(feed, show_handled=False, show_deadline=True, parent=self)
        self.queue = IncidentQueueView(self.model, min_rows=QUEUE_MIN_ROWS)
        self.queue.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.queue.selectionModel().selectionChanged.connect(self._on_selection)
        self.model.modelReset.connect(self._reselect)
        self.details = DetailPanel()
        self.details.dispatch.clicked.connect(self.dispatch_selected)
        # The chosen officer's line on the map follows the operator's choice in the table.
        self.details.table.itemSelectionChanged.connect(self.show_plan)
        self.dispatcher = Dispatcher(
            feed,
            self.triage,
            self.details,
            self._refresh_detail,
            self._dispatched,
            guard,
            taken=self._mine,
        )
        self.wall_push = WallPush(feed, self.triage, self.details, self, self.push_subject)
        # 核实, 核查, 结案, 返工, 督办, 挂账, 作废, 回访: the 办理 menu (Ctrl+K).
        self.steps = DeskSteps(feed, self.triage, self.details, self)
        # 疑似重复 under the recommendations: the hub's candidates, merged only on a click.
        self.duplicates = DeskDuplicates(feed, self.details)

        self.setDockNestingEnabled(True)
        self.docks: dict[str, QDockWidget] = {}
        # Search sits on the queue it searches: Enter selects the first case matching.
        self.search_box = QLineEdit()
        self.search_box.setObjectName("DeskSearch")
        self.search_box.setPlaceholderText(
            translate("desk", "查找：案件编号、地址或警员姓名（Ctrl+F）")
        )
        self.search_box.setClearButtonEnabled(True)
        self.search_box.returnPressed.connect(lambda: self.search(self.search_box.text()))
        queue_box = QWidget()
        queue_layout = QVBoxLayout(queue_box)
        queue_layout.setContentsMargins(0, 0, 0, 0)
        queue_layout.setSpacing(4)
        queue_layout.addWidget(self.search_box)
        #: The cases this desk's user took on or dispatched ("only mine").
        self.mine = MyCases(self.settings)
        self.filters = QueueFilterBar(feed.state, self.mine)
        self.filters.changed.connect(self._filter_queue)
        feed.snapshotLoaded.connect(self._on_snapshot)
        # The hub's working calendar (calendar.get), asked each time the link goes live (a
        # reconnect resumes without a snapshot): the queue's 处置时限 column words the time
        # left in working time with it.
        self._calendar_task: asyncio.Future[None] | None = None
        feed.linkChanged.connect(self._ask_calendar)
        queue_layout.addWidget(self.filters)
        queue_layout.addWidget(self.queue, 1)
        self._dock("queue", translate("desk", "1-3-15 案件队列"), queue_box)
        #: The merchant register the desk's map draws (loaded through the feed, once).
        self.register = MerchantRegister(feed.client.request)
        #: The live map, when the desk has one (tests may leave QtWebEngine out).
        self.live_map: LiveMapPanel | None = None
        #: Where the map was last sent for the selected case.
        self.map_view: CaseView | None = None
        if with_map:
            from widgets.livemap import LiveMapPanel

            live_map = LiveMapPanel(feed, register=self.register)
            # An officer (or merchant) clicked on the map opens its drill-down.
            live_map.map.entityClicked.connect(self.open_entity)
            self.live_map = live_map
            self.map_panel: QWidget = live_map
        else:
            self.map_panel = QLabel(translate("desk", "地图未加载"))
        #: The map at a past moment (回看, units.at): its bar sits above the map.
        self.past = DeskPast(feed, self.live_map, self)
        self._dock("map", translate("desk", "态势一张图"), self.past.container(self.map_panel))
        self._dock("details", translate("desk", "案件详情与派遣"), self.details)
        # The selected case's whole story (timeline, 1-3-15 marks), or an officer's or
        # merchant's, read through the local cache so it stays readable while the hub is away.
        self.requests = requests
        self.reading = DeskReading(feed, requests, self._wire, lambda: self.docks["history"].show())
        self._dock("history", translate("desk", "案件时间线"), self.reading.holder)
        self.arrangement = DeskArrangement(self, self.docks, self.settings)
        self.arrangement.restore()
        self._sized = False

        self.shortcuts = install_shortcuts(
            self,
            {
                "queue": self.queue.setFocus,
                "previous": lambda: self.move_in_queue(-1),
                "next_row": lambda: self.move_in_queue(1),
                "accept": self.accept_selected,
                "dispatch": self.dispatch_selected,
                "next_urgent": self.next_urgent,
                "search": self.focus_search,
                "push": self.details.push.showMenu,
                "steps": self.details.steps.showMenu,
                "help": self.toggle_help,
                "close_help": self.close_help,
            },
        )
        self.help = HelpOverlay(self)
        view_menu = self.menuBar().addMenu(translate("desk", "视图"))
        reset = view_menu.addAction(translate("desk", "恢复默认布局"))
        reset.setObjectName("desk-reset-layout")
        reset.triggered.connect(self.reset_layout)
        # The wall announces new cases; the desk only if its operator asks (a desk beside a
        # wall would otherwise ring twice), and the choice is remembered.
        self.chime = view_menu.addAction(translate("desk", "新案件提示音"))
        self.chime.setObjectName("desk-chime")
        self.chime.setCheckable(True)
        self.chime.setChecked(str(self.settings.value("chime", "false")).lower() == "true")
        self.chime.toggled.connect(self._chime_toggled)
        #: The chime's sound (silent on a PC without an audio output).
        self.chime_sound = DeskChime(self)
        help_menu = self.menuBar().addMenu(translate("desk", "帮助"))
        help_menu.addAction(self.shortcuts["help"])
        # 导出… (desktop/desk_export.py): the cases the queue shows, to XLSX or CSV; in a
        # 案件 menu before 视图, and as a button at the end of the filters.
        self.exporter = DeskExport(feed, self.model, self.details.status, self)
        self.menuBar().insertMenu(view_menu.menuAction(), self.exporter.menu)
        self.exporter.place(self.filters)

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
    def chimes(self) -> int:
        """New-case chimes rung since the window opened."""
        return self.chime_sound.count

    @property
    def recommendations(self) -> list[Recommendation]:
        return self.triage.recommendations

    def _dock(self, name: str, title: str, widget: QWidget) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{name}")  # saveState() finds docks by object name
        dock.setWidget(widget)
        self.docks[name] = dock  # placed by DeskArrangement

    # -- arrangement ---------------------------------------------------------------------

    def restore_arrangement(self) -> None:
        self.arrangement.restore()

    def save_arrangement(self) -> None:
        self.arrangement.save()

    def reset_layout(self) -> None:
        """The "reset layout" action: the default docks, maximised, nothing saved."""
        self.arrangement.reset()

    def show_for_shift(self) -> None:
        """Open as the operator left it, or maximised on its screen the first time; the
        keys start in the queue (the arrows move in it, Ctrl+D dispatches)."""
        if self.arrangement.restored:
            self.show()
        else:
            self.showMaximized()
        self.queue.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized and not self.arrangement.restored:
            self._sized = True
            # The default proportions need the window's real size: once it has it.
            QTimer.singleShot(0, self.arrangement.size_default)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_arrangement()
        super().closeEvent(event)

    # -- keyboard ------------------------------------------------------------------------

    def toggle_help(self) -> None:
        self.help.toggle()

    def close_help(self) -> None:
        self.help.hide()

    def move_in_queue(self, step: int) -> None:
        """Select the case ``step`` rows above or below the selected one."""
        rows = self.model.rowCount()
        if rows == 0:
            return
        current = self.model.row_of(self.selected) if self.selected is not None else -1
        row = 0 if current < 0 else max(0, min(rows - 1, current + step))
        self.select_incident(self.model.incident_id(row))

    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def search(self, query: str) -> str | None:
        """Select the first queued case matching ``query`` (number, address, an officer
        sent to it); else open the one officer of that name; else say nothing matched."""
        merchant = merchant_of(query)
        if merchant is not None:
            # A merchant's 一户一码, typed by a scanner gun: open its file.
            self.open_entity("merchant", merchant)
            return merchant
        state = self.feed.state
        case = find_case(query, self.model.incident_ids(), state)
        if case is not None:
            self.select_incident(case)
            self.queue.setFocus()  # back to the list: the arrows and Ctrl+D work from here
            return case
        officer = find_officer(query, state)
        if officer is not None:
            self.open_entity("unit", officer)
            return officer
        if query.strip():
            self.details.status.setText(translate("desk", "没有找到“{q}”").format(q=query.strip()))
        return None

    def next_urgent(self) -> str | None:
        """Select the most urgent case still waiting for officers (None: there is none)."""
        case = next_case(self.model.incident_ids(), self.feed.state.incidents, self.selected)
        if case is None:
            self.details.status.setText(translate("desk", "队列中没有待派遣的案件"))
            return None
        self.select_incident(case)
        return case

    # -- triage --------------------------------------------------------------------------

    def select_incident(self, incident_id: str) -> None:
        row = self.model.row_of(incident_id)
        if row >= 0:
            self.queue.selectRow(row)  # the selection signal does the rest
        if self.triage.selected != incident_id:
            self._case_chosen(incident_id)

    def _on_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = {i.row() for i in selected.indexes()}
        if rows:
            case = self.model.incident_id(min(rows))
            if case != self.triage.selected:
                self._case_chosen(case)
            self._open_history()

    def _case_chosen(self, case_id: str) -> None:
        """A new case in hand: its officers, its row in view, the map on it."""
        self.triage.selected = case_id
        self.duplicates.show_case(case_id)
        # The officers chosen for the last case are not chosen for this one: the nearest is.
        self.details.table.clearSelection()
        self._refresh_detail()
        row = self.model.row_of(case_id)
        if row >= 0:
            self.queue.scrollTo(
                self.model.index(row, 0), QAbstractItemView.ScrollHint.EnsureVisible
            )
        self.fly_to_selected()

    def fly_to_selected(self) -> CaseView | None:
        """Centre the desk map on the selected case, zoomed so its nearest recommended
        officers are around it. Only on a new selection: a map the operator has since
        panned is not pulled back every second."""
        incident = self.triage.incident
        if incident is None or self.live_map is None:
            return None
        live = self.live_map.map
        half = min(live.width(), live.height()) / 2 - MAP_MARGIN_PX
        view = case_view(incident, self.triage.recommendations, half)
        if view is not None:
            live.set_view(view.lat, view.lon, view.zoom, view.datum)
        self.map_view = view
        return view

    def show_plan(self) -> None:
        """Draw the case in hand on the desk map: ringed, with a labelled line from each
        recommended officer (the chosen ones marked); nothing when no case is in hand."""
        if self.live_map is not None:
            self.live_map.map.show_dispatch(dispatch_plan(self.triage, self.chosen_units()))

    @property
    def history(self) -> CaseDrilldown | None:
        """The case drill-down in the history dock, if a case is shown there."""
        return self.reading.history

    @property
    def entity(self) -> MerchantDrilldown | OfficerDrilldown | None:
        """The merchant or officer drill-down shown in the history dock instead of a case."""
        return self.reading.entity

    def _open_history(self) -> None:
        """Show the selected case's drill-down (once per case; it reloads on changes)."""
        if self.selected is None:
            return
        if self.history is not None and self.history.case_id == self.selected:
            return
        self.reading.show_case(self.selected)

    async def stop(self, timeout: float = 2.0) -> None:
        """End the drill-downs' loads: see :meth:`DeskReading.stop`."""
        if self._calendar_task is not None:
            self._calendar_task.cancel()
        await self.reading.stop(timeout)

    def _wire(self, panel: CaseDrilldown | MerchantDrilldown | OfficerDrilldown) -> None:
        # A drill-down asks; the desk decides: a related case opens in the queue's
        # selection, a merchant in the dock, a push goes through the wall menu.
        panel.openRequested.connect(self.open_requested)
        panel.pushRequested.connect(self.wall_push.offer)
        if isinstance(panel, CaseDrilldown):
            panel.replayRequested.connect(self.open_replay)

    def open_requested(self, kind: str, entity_id: str) -> None:
        """A drill-down's link: a related case, its merchant, an officer."""
        if kind == "incident":
            if entity_id in self.feed.state.incidents and self.model.row_of(entity_id) >= 0:
                self.select_incident(entity_id)  # selecting opens its drill-down
                return
            # A closed or older case is not in the queue; its story is still in the store.
            if self.requests is None:
                return
            self.reading.show_case(entity_id)
            self.docks["history"].show()
            return
        self.open_entity("unit" if kind == "officer" else kind, entity_id)

    def open_entity(self, kind: str, entity_id: str) -> None:
        """A map click: an officer's or a merchant's drill-down in the history dock."""
        self.reading.show_entity(kind, entity_id)

    def open_replay(self, unit_id: str, ts: float) -> None:
        """A case timeline row: the officer's replay around that step, opened at its
        moment, in the history dock (in place of the case)."""
        self.reading.show_entity("unit", unit_id, at=ts)

    def _filter_queue(self, keep: object) -> None:
        self.model.set_filter(cast("QueueFilter | None", keep))
        self.filters.show_hidden(self.model.hidden)

    def _on_snapshot(self) -> None:
        # Teams come with the snapshot; the user's name with the welcome before it.
        self.filters.set_teams(self.feed.state.teams.values())
        self.mine.sign_in(self.feed.client.name or "")

    def _ask_calendar(self, link: str, _last_good: object = None) -> None:
        # Again after every reconnect: the hub (or its --calendar file) may have changed.
        if link != "live":
            return
        if self._calendar_task is not None:
            self._calendar_task.cancel()
        self._calendar_task = asyncio.ensure_future(self._load_calendar())

    async def _load_calendar(self) -> None:
        try:
            reply = await HubApi.over(self.feed.client.request).calendar_get()
            self.model.set_calendar(calendar_from_answer(reply.answer))
        except RequestFailed as exc:
            log.info("no working calendar from the hub (%s): deadlines in clock time", exc)
            if exc.code not in AWAY_CODES:  # away: keep the calendar of the last connect
                self.model.set_calendar(None)  # a hub without calendar.get: clock time
        except ValueError as exc:
            log.warning("the hub's working calendar is unreadable (%s): clock time", exc)
            self.model.set_calendar(None)
        finally:
            # Not a newer ask's task (a reconnect cancels this one and starts another).
            if self._calendar_task is asyncio.current_task():
                self._calendar_task = None

    def _mine(self, case_id: str) -> None:
        """A case this desk's order moved (accepted or dispatched): it is "mine" now."""
        self.mine.add(case_id)
        if self.filters.only_mine:
            self.model.refresh()
            self.filters.show_hidden(self.model.hidden)

    def _chime_toggled(self, on: bool) -> None:
        self.settings.setValue("chime", on)
        self.settings.sync()

    def _on_incident_changed(self, incident: Incident, is_new: bool) -> None:
        if is_new and self.chime.isChecked():
            self.chime_sound.ring()
        if self.history is not None and incident.id == self.history.case_id:
            self.history.start()  # a step was taken on the case being read: reload it

    def _reselect(self) -> None:
        # A reset (a case added or gone) clears the view's selection; keep the operator's.
        if self.selected is not None:
            row = self.model.row_of(self.selected)
            if row >= 0:
                self.queue.selectRow(row)
                self.queue.scrollTo(
                    self.model.index(row, 0), QAbstractItemView.ScrollHint.EnsureVisible
                )

    def _refresh_text(self) -> None:
        self.filters.show_hidden(self.model.hidden)  # cases come and go each second
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
            self.show_plan()
            return
        self._refresh_text()
        first = [recommendations[0].unit.id] if recommendations else []
        self.details.show_recommendations(
            recommendations, self.triage.team_name, self.triage.rows_of(kept or first)
        )
        self.show_plan()
        guard = self.dispatcher.guard
        self.details.dispatch.setEnabled(bool(recommendations) and guard.allows())
        holding = guard.holding_for()
        if holding > 0:
            # Re-enable Dispatch when the just-confirmed hold runs out.
            QTimer.singleShot(int(holding * 1000) + 50, self._refresh_detail)

    # -- dispatch ------------------------------------------------------------------------

    def chosen_units(self) -> list[str]:
        """The officers chosen in the recommendations table, in table order."""
        return self.triage.unit_ids([i.row() for i in self.details.table.selectedIndexes()])

    def dispatch_selected(self) -> bool:
        """Ctrl+D or the Dispatch button: send the chosen officers to the selected case.
        False when nothing was sent (no case, or a dispatch in flight or just confirmed)."""
        if self.selected is None:
            return False
        return self.dispatcher.dispatch(self.triage.dispatch_order(self.chosen_units()))

    def accept_selected(self) -> bool:
        """Ctrl+Enter: take the selected case on."""
        return self.dispatcher.accept(self.selected)

    def _dispatched(self, order: DispatchOrder) -> None:
        # Confirmed: the operator's next job is the next urgent case, not this one (whose
        # panel would otherwise offer the next officer to a second Ctrl+D).
        if self.selected == order.incident_id:
            confirmation = self.details.status.text()
            self.next_urgent()
            self.details.status.setText(confirmation)

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
