"""``watchfloor desk``: the operator's workstation -- triage and one-action dispatch.

Dockable panels (the 1-3-15 queue, the live map, the selected case with the recommended
officers); the operator's arrangement is saved with QSettings and restored next time.
Dispatch goes to the hub as a ``dispatch`` request; the desk's own queue, and every wall,
change only when the hub's event comes back -- one truth, no optimistic local edits.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from PySide6.QtCore import QByteArray, QItemSelection, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from backend_client.cache import AnswerCache, CachedRequests
from backend_client.privacy import SEES_REPORTER
from backend_client.protocol.messages import Incident
from backend_client.qt import QtFeed
from backend_client.stories import CaseStory, MerchantRegister
from backend_client.stories.desk import (
    DeskTriage,
    DispatchOrder,
    Order,
    Recommendation,
    WallPushOrder,
    recommend,
)
from backend_client.stories.opening import open_story
from backend_client.stories.source import Requester
from backend_client.transport import RequestFailed
from widgets.drilldown import CaseDrilldown, MerchantDrilldown, OfficerDrilldown
from widgets.drillopen import make_drilldown
from widgets.queue import IncidentQueueModel, IncidentQueueView
from widgets.situation import incident_lines
from widgets.text import translate

log = logging.getLogger(__name__)

SETTINGS_ORG, SETTINGS_APP = "watchfloor", "desk"

__all__ = ["DeskOptions", "DeskWindow", "Recommendation", "recommend", "run_desk", "send"]


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


class DeskWindow(QMainWindow):
    """The desk: renders the :class:`DeskTriage` model and the case's story, and sends
    the operator's orders (:func:`send`)."""

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
        self.pending: asyncio.Future[None] | None = None

        self.model = IncidentQueueModel(feed, show_handled=False, parent=self)
        self.queue = IncidentQueueView(self.model)
        self.queue.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.queue.selectionModel().selectionChanged.connect(self._on_selection)
        self.model.modelReset.connect(self._reselect)
        self.details = DetailPanel()
        self.details.dispatch.clicked.connect(self.dispatch_selected)
        self.details.push_menu.aboutToShow.connect(self._fill_push_menu)
        #: Wall names the hub last reported connected (``wall.list``), for the push menu.
        self.walls: list[str] = []
        self.push_task: asyncio.Future[None] | None = None
        self._walls_task: asyncio.Future[list[str]] | None = None
        feed.snapshotLoaded.connect(self._schedule_wall_refresh)

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
        panel.pushRequested.connect(self._offer_push)

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
        self.details.dispatch.setEnabled(bool(recommendations) and self.pending is None)

    # -- dispatch ------------------------------------------------------------------------

    def chosen_units(self) -> list[str]:
        """The officers chosen in the recommendations table, in table order."""
        return self.triage.unit_ids([i.row() for i in self.details.table.selectedIndexes()])

    def dispatch_selected(self) -> None:
        if self.selected is None or self.pending is not None:
            return
        order = self.triage.dispatch_order(self.chosen_units())
        if order is None:
            self.details.status.setText(translate("desk", "请选择要派遣的警员"))
            return
        self.details.dispatch.setEnabled(False)
        self.details.status.setText(translate("desk", "正在派遣…"))
        self.pending = asyncio.ensure_future(self._dispatch(order))

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

    def _offer_push(self, kind: str, entity_id: str) -> None:
        """A drill-down's own push button: choose the wall from a menu at the pointer."""
        menu = QMenu(self)
        for wall in ["", *self.walls]:
            action = menu.addAction(wall or translate("desk", "所有大屏"))
            action.triggered.connect(lambda _=False, w=wall: self.push_entity(kind, entity_id, w))
        menu.popup(QCursor.pos())
        self._schedule_wall_refresh()

    def push_entity(self, kind: str, entity_id: str, wall: str = "") -> asyncio.Future[None]:
        """Push one drill-down (``incident``, ``merchant`` or ``officer``) to ``wall``."""
        self.push_task = asyncio.ensure_future(self._push(WallPushOrder(wall, kind, entity_id)))
        return self.push_task

    def push_to_wall(self, wall: str, kind: str = "") -> asyncio.Future[None] | None:
        """Push to ``wall`` ("" = every wall): the drill-down being read, or with ``kind``
        "view" the selected case's place, or "clear" to give the slot back to the wall."""
        order: WallPushOrder | None
        if kind == "clear":
            order = WallPushOrder(wall, "clear")
        elif kind == "view":
            order = self.triage.view_order(wall)
        else:
            subject = self.push_subject()
            order = None if subject is None else WallPushOrder(wall, *subject)
        if order is None:
            self.details.status.setText(translate("desk", "请先选择案件"))
            return None
        self.push_task = asyncio.ensure_future(self._push(order))
        return self.push_task

    async def _push(self, order: WallPushOrder) -> None:
        target = order.wall or translate("desk", "所有大屏")
        try:
            await send(self.feed.client.request, order)
        except RequestFailed as exc:
            log.warning("push to wall %r failed: %s", target, exc)
            self.details.status.setText(translate("desk", "推送失败：{e}").format(e=str(exc)))
        else:
            self.details.status.setText(translate("desk", "已推送到 {wall}").format(wall=target))

    async def refresh_walls(self) -> list[str]:
        try:
            answer = await self.feed.client.request("wall.list", {})
        except RequestFailed as exc:
            log.info("wall list unavailable: %s", exc)
        else:
            self.walls = [str(w) for w in answer.get("walls", [])]
        return self.walls

    def _fill_push_menu(self) -> None:
        menu = self.details.push_menu
        menu.clear()
        subject = self.push_subject()
        for wall in ["", *self.walls]:
            name = wall or translate("desk", "所有大屏")
            action = menu.addAction(translate("desk", "详情 → {wall}").format(wall=name))
            action.setEnabled(subject is not None)
            action.triggered.connect(lambda _=False, w=wall: self.push_to_wall(w))
        menu.addSeparator()
        view = menu.addAction(translate("desk", "大屏地图定位到本案"))
        view.setEnabled(self.selected is not None)
        view.triggered.connect(lambda _=False: self.push_to_wall("", "view"))
        clear = menu.addAction(translate("desk", "恢复大屏自动显示"))
        clear.triggered.connect(lambda _=False: self.push_to_wall("", "clear"))
        # The next opening shows walls that connected since.
        self._schedule_wall_refresh()

    def _schedule_wall_refresh(self) -> None:
        if self._walls_task is None or self._walls_task.done():
            self._walls_task = asyncio.ensure_future(self.refresh_walls())

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
            self._refresh_detail()


@dataclass
class DeskOptions:
    hub_url: str
    token: str
    screenshot: Path | None = None
    after: float = 10.0
    lang: str = "zh_CN"
    reset_layout: bool = False


def run_desk(options: DeskOptions) -> int:
    from desktop.gui import EXIT_HUB_UNREACHABLE, EXIT_OK, make_application

    app = make_application(options.lang, offscreen=True if options.screenshot else None)
    import qasync

    from desktop.screenshot import save_windows

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    feed = QtFeed(options.hub_url, options.token)
    settings = QSettings(SETTINGS_ORG, SETTINGS_APP)
    if options.reset_layout:
        settings.clear()
    cache = AnswerCache(Path(user_data_dir("watchfloor", appauthor=False)) / "desk-cache.sqlite")
    window = DeskWindow(feed, settings=settings, requests=CachedRequests(feed.client, cache))
    if settings.value("geometry") is None:
        window.resize(1600, 960)
    window.show()
    done = asyncio.Event()
    exit_code = EXIT_OK

    def take_screenshot() -> None:
        nonlocal exit_code
        assert options.screenshot is not None
        for path in save_windows({"desk": window}, options.screenshot):
            print(f"screenshot: {path}")
        if feed.client.last_good is None:
            exit_code = EXIT_HUB_UNREACHABLE
        done.set()

    app.aboutToQuit.connect(done.set)
    app.lastWindowClosed.connect(done.set)
    feed.start()
    if options.screenshot is not None:
        QTimer.singleShot(int(options.after * 1000), take_screenshot)
    with loop:
        loop.run_until_complete(done.wait())
        loop.run_until_complete(feed.stop())
        window.save_arrangement()
        window.close()
        window.deleteLater()
        from PySide6.QtCore import QCoreApplication, QEvent

        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        app.processEvents()
    return exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run: watchfloor desk --hub ws://HOST:PORT --token TOKEN")
