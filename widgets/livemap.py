"""The live map panel: a MapView kept in step with the feed (roster, positions with
heading, incidents, supervision alerts) and the hub's merchant register."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from backend_client.protocol.messages import FINISHED_STATUSES, Alert, Incident, Unit
from backend_client.qt import PositionBatch, QtFeed
from backend_client.stories.base import ANSWER
from backend_client.stories.register import MerchantRegister
from widgets.map import AlertInfo, IncidentInfo, MapConfig, MapView, MerchantInfo, UnitInfo
from widgets.palette import colour

log = logging.getLogger(__name__)

DEFAULT_COLOUR = colour("map.team_default")


@dataclass(frozen=True)
class MapPanelView:
    """Where the panel looks and what it draws besides officers (the layout's map options).

    ``center``/``zoom`` (WGS-84) win over ``fit``; ``fit="wucheng"`` frames the district,
    which is also what the page does by itself on load.
    """

    fit: str = "wucheng"
    center: tuple[float, float] | None = None
    zoom: float | None = None
    trails: bool = False
    trail_minutes: float | None = None
    #: An officer id to keep centred, or ``None`` (walls normally follow nobody).
    follow: str | None = None
    #: Merchants by risk (fetched once from the hub; high-risk only at district zoom).
    merchants: bool = True
    #: Rings around the subjects of open supervision alerts.
    alerts: bool = True


class LiveMapPanel(QWidget):
    def __init__(
        self,
        feed: QtFeed,
        *,
        team_colours: dict[str, str] | None = None,
        show_incidents: bool = True,
        view: MapPanelView | None = None,
        config: MapConfig | None = None,
        register: MerchantRegister | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("LiveMapPanel")
        self.feed = feed
        self.team_colours = team_colours or {}
        self.view = view or MapPanelView()
        self.map = MapView(config=config)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.map)
        self._show_incidents = show_incidents
        self._following_applied = False
        #: The hub's merchant register: the model loads it, this panel draws it. Several
        #: panels of one wall may share one (handed in); by default each asks the feed.
        self.register = register or MerchantRegister(feed.client.request)
        self.register.changed.connect(self._on_register)
        # A shared register outlives its panels: a closed one must not stay connected.
        changed, on_register = self.register.changed, self._on_register
        self.destroyed.connect(lambda *_: changed.disconnect(on_register))
        self._merchants_drawn = False
        # The snapshot arrives in the same loop pass as its decode and apply (~25 ms for
        # 20,000 officers); redrawing the whole roster there too made one stall over the
        # 50 ms budget. The redraw takes the next pass; repeated snapshots coalesce.
        self._full_timer = QTimer(self)
        self._full_timer.setSingleShot(True)
        self._full_timer.setInterval(0)
        self._full_timer.timeout.connect(self._full)
        feed.snapshotLoaded.connect(self._full_timer.start)
        feed.unitsChanged.connect(self._roster)
        feed.positionsChanged.connect(self._positions)
        feed.incidentChanged.connect(self._incident)
        feed.alertChanged.connect(self._alert)
        feed.linkChanged.connect(self._link)
        self._apply_view()
        # The panel may be built after the snapshot (a restarted or late panel): catch up.
        if feed.state.units or feed.state.incidents or feed.state.alerts:
            self._full()
        if feed.is_live():
            self._fetch_merchants()

    def _apply_view(self) -> None:
        # MapView keeps trails and queues view commands until its page is ready, and
        # re-sends them after a renderer crash: set once here, never again.
        v = self.view
        if v.center is not None and v.zoom is not None:
            self.map.set_view(v.center[0], v.center[1], v.zoom)
        elif v.fit == "wucheng":
            self.map.fit_wucheng()
        if v.trails:
            self.map.set_trails(True, minutes=v.trail_minutes)
        if not v.merchants:
            self.map.show_merchants(False)

    def _colour(self, team_id: str) -> str:
        team = self.feed.state.teams.get(team_id)
        return team.colour if team is not None else self.team_colours.get(team_id, DEFAULT_COLOUR)

    def _info(self, u: Unit) -> UnitInfo:
        return UnitInfo(
            id=u.id,
            name=u.name,
            team=u.team,
            colour=self._colour(u.team),
            status=u.status,
            kind=u.kind,
            plate=u.plate,
        )

    def _unit_info(self) -> list[UnitInfo]:
        units = self.feed.state.units.values()
        # One colour look-up per team, not per officer: this runs for the whole roster on
        # the UI thread at every snapshot.
        colours = {team: self._colour(team) for team in {u.team for u in units}}
        return [
            UnitInfo(u.id, u.name, u.team, colours[u.team], u.status, u.kind, u.plate)
            for u in units
        ]

    def _full(self) -> None:
        self.map.set_units(self._unit_info())
        batch = self.feed.current_positions()
        if len(batch):
            self.map.update_units(
                batch.ids, batch.lat, batch.lon, heading=batch.heading, speed=batch.speed
            )
        if self._show_incidents:
            self.map.set_incidents(_open_infos(self.feed.state.incidents.values()))
        if self.view.alerts:
            self.map.set_alerts([AlertInfo.from_alert(a) for a in self.feed.state.alerts.values()])
        self._follow()
        # A snapshot means a working connection: the register may be fetched now.
        self._fetch_merchants()

    def _follow(self) -> None:
        # follow_unit refuses an officer the map does not know yet; the roster arrives
        # with the snapshot, so try on each full refresh until it took once.
        unit = self.view.follow
        if unit is None or self._following_applied or unit not in self.feed.state.units:
            return
        self.map.follow_unit(unit)
        self._following_applied = True

    def _incident(self, incident: Incident, _is_new: bool) -> None:
        if not self._show_incidents:
            return
        # A merged duplicate (parent_id) has no marker of its own: its parent's is the one.
        finished = incident.status in FINISHED_STATUSES or incident.parent_id is not None
        info = None if finished else IncidentInfo.from_incident(incident)
        if info is None:
            # Closed or void, or it lost its location: either way it has no marker now.
            self.map.remove_incident(incident.id)
        else:
            self.map.update_incident(info)

    def _roster(self, units: list[Unit]) -> None:
        # Only the officers that changed: a whole set_units of 20,000 officers on every
        # status change stalled the wall's UI thread (~50 ms measured).
        self.map.upsert_units([self._info(u) for u in units])
        self._follow()

    def _positions(self, batch: PositionBatch) -> None:
        self.map.update_units(
            batch.ids, batch.lat, batch.lon, heading=batch.heading, speed=batch.speed
        )

    def _alert(self, alert_id: str, alert: Alert | None) -> None:
        if not self.view.alerts:
            return
        if alert is None:
            self.map.remove_alert(alert_id)
        else:
            self.map.update_alert(AlertInfo.from_alert(alert))

    def _link(self, link: str, _last_good: object) -> None:
        if link == "live":
            self._fetch_merchants()

    # ---- merchants -----------------------------------------------------------------------

    @property
    def merchants_loaded(self) -> bool:
        return self.register.loaded and self._merchants_drawn

    def _fetch_merchants(self) -> None:
        """Ask the hub for the register once; a failure is retried on the next reconnect."""
        if not self.view.merchants:
            return
        if self.register.loaded and not self._merchants_drawn:
            self._on_register(ANSWER)  # a shared register another panel loaded
        self.register.ensure_loading()

    def _on_register(self, topic: str) -> None:
        if topic != ANSWER or not self.view.merchants or not shiboken6.isValid(self.map):
            return  # a failure is logged by the register; or the panel was closed
        items: list[MerchantInfo] = []
        for raw in self.register.rows:
            try:
                info = MerchantInfo.from_wire(raw)
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("skipped a merchant the map cannot draw: %s", exc)
                continue
            if info is not None:
                items.append(info)
        self.map.set_merchants(items)
        self._merchants_drawn = True


def _open_infos(incidents: Iterable[Incident]) -> list[IncidentInfo]:
    out: list[IncidentInfo] = []
    for incident in incidents:
        if incident.status in FINISHED_STATUSES or incident.parent_id is not None:
            continue
        info = IncidentInfo.from_incident(incident)
        if info is not None:
            out.append(info)
    return out
