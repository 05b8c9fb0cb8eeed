"""The live map panel: a MapView kept in step with the feed (roster, positions)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from backend_client.qt import PositionBatch, QtFeed
from widgets.map import MapView, UnitInfo

DEFAULT_COLOUR = "#4da3ff"


class LiveMapPanel(QWidget):
    def __init__(
        self,
        feed: QtFeed,
        *,
        team_colours: dict[str, str] | None = None,
        show_incidents: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("LiveMapPanel")
        self.feed = feed
        self.team_colours = team_colours or {}
        self.map = MapView()
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.map)
        feed.snapshotLoaded.connect(self._full)
        feed.unitsChanged.connect(self._roster)
        feed.positionsChanged.connect(self._positions)
        self.map.ready.connect(self._full)
        # Incident events come in bursts; the map gets the open set at most 5 times a second.
        self._show_incidents = show_incidents and hasattr(self.map, "set_incidents")
        self._incident_timer = QTimer(self)
        self._incident_timer.setSingleShot(True)
        self._incident_timer.setInterval(200)
        self._incident_timer.timeout.connect(self._incidents)
        feed.incidentChanged.connect(lambda *_: self._incident_timer.start())

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
        self._incidents()

    def _incidents(self) -> None:
        if not self._show_incidents:
            return
        from widgets.map import IncidentInfo

        infos = [
            info
            for incident in self.feed.state.incidents.values()
            if incident.status != "closed"
            and (info := IncidentInfo.from_incident(incident)) is not None
        ]
        self.map.set_incidents(infos)

    def _roster(self, _units: list[object]) -> None:
        self.map.set_units(self._unit_info())

    def _positions(self, batch: PositionBatch) -> None:
        self.map.update_units(batch.ids, batch.lat, batch.lon)
