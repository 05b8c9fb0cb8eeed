"""The live map panel: a MapView kept in step with the feed (roster, positions, incidents)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtWidgets import QVBoxLayout, QWidget

from backend_client.protocol.messages import Incident
from backend_client.qt import PositionBatch, QtFeed
from widgets.map import IncidentInfo, MapView, UnitInfo

DEFAULT_COLOUR = "#4da3ff"


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


class LiveMapPanel(QWidget):
    def __init__(
        self,
        feed: QtFeed,
        *,
        team_colours: dict[str, str] | None = None,
        show_incidents: bool = True,
        view: MapPanelView | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("LiveMapPanel")
        self.feed = feed
        self.team_colours = team_colours or {}
        self.view = view or MapPanelView()
        self.map = MapView()
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.map)
        self._show_incidents = show_incidents
        self._following_applied = False
        feed.snapshotLoaded.connect(self._full)
        feed.unitsChanged.connect(self._roster)
        feed.positionsChanged.connect(self._positions)
        feed.incidentChanged.connect(self._incident)
        self._apply_view()
        # The panel may be built after the snapshot (a restarted or late panel): catch up.
        if feed.state.units or feed.state.incidents:
            self._full()

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

    def _colour(self, team_id: str) -> str:
        team = self.feed.state.teams.get(team_id)
        return team.colour if team is not None else self.team_colours.get(team_id, DEFAULT_COLOUR)

    def _unit_info(self) -> list[UnitInfo]:
        return [
            UnitInfo(
                id=u.id, name=u.name, team=u.team, colour=self._colour(u.team), status=u.status
            )
            for u in self.feed.state.units.values()
        ]

    def _full(self) -> None:
        self.map.set_units(self._unit_info())
        batch = self.feed.current_positions()
        if len(batch):
            self.map.update_units(batch.ids, batch.lat, batch.lon)
        if self._show_incidents:
            self.map.set_incidents(_open_infos(self.feed.state.incidents.values()))
        self._follow()

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
        info = IncidentInfo.from_incident(incident) if incident.status != "closed" else None
        if info is None:
            # Closed, or it lost its location: either way it has no marker now.
            self.map.remove_incident(incident.id)
        else:
            self.map.update_incident(info)

    def _roster(self, _units: list[object]) -> None:
        self.map.set_units(self._unit_info())
        self._follow()

    def _positions(self, batch: PositionBatch) -> None:
        self.map.update_units(batch.ids, batch.lat, batch.lon)


def _open_infos(incidents: Iterable[Incident]) -> list[IncidentInfo]:
    out: list[IncidentInfo] = []
    for incident in incidents:
        if incident.status == "closed":
            continue
        info = IncidentInfo.from_incident(incident)
        if info is not None:
            out.append(info)
    return out
