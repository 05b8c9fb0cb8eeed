"""The current picture of the world, built by applying stream events in ``seq`` order.

The same class serves the hub (its snapshot source) and every client (what walls show),
so a client that applied every event holds exactly the hub's snapshot. Pure Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import msgspec

from backend_client.protocol.messages import (
    FINISHED_STATUSES,
    Alert,
    AlertClear,
    AlertNew,
    Fix,
    Incident,
    IncidentNew,
    IncidentUpdate,
    Snapshot,
    StoredEvent,
    Team,
    Ticker,
    Unit,
    UnitPositions,
    UnitStatus,
    WallPush,
)

if TYPE_CHECKING:
    from backend_client.workcalendar import WorkingCalendar

#: A closed case stays in the live state until this long after its report (today's KPIs
#: count it), then leaves it; the store keeps it for drill-down. The hub loads its state
#: by the same rule (hub/snapshot_load.py), so a restart and a long run agree.
CLOSED_RETENTION_S = 24 * 3600.0
#: How often (in event time) closed cases past retention are looked for.
PRUNE_EVERY_S = 60.0


@dataclass
class FeedState:
    """Officers, incidents and alerts as of ``seq``.

    Bounded over days: closed cases leave it :data:`CLOSED_RETENTION_S` after their report,
    so a wall (and the hub's snapshots) carry open and recent cases, not every case ever.
    """

    seq: int = 0
    teams: dict[str, Team] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    incidents: dict[str, Incident] = field(default_factory=dict)
    alerts: dict[str, Alert] = field(default_factory=dict)
    #: The hub's working calendar (``calendar.get``), once a client asked for it: the
    #: queue and the case drill-downs word a 处置时限 in working time on it. Not part of
    #: a snapshot (the hub's own is its config); a snapshot load keeps it.
    calendar: WorkingCalendar | None = field(default=None, repr=False)
    _next_prune: float = field(default=0.0, repr=False)

    def load(self, snapshot: Snapshot) -> None:
        self.seq = snapshot.seq
        self.teams = {team.id: team for team in snapshot.teams}
        self.units = {unit.id: unit for unit in snapshot.units}
        self.incidents = {incident.id: incident for incident in snapshot.incidents}
        self.alerts = {alert.id: alert for alert in snapshot.alerts}

    def snapshot(self, ts: float) -> Snapshot:
        # Copies, so that a snapshot being encoded is not changed by later events.
        return Snapshot(
            seq=self.seq,
            ts=ts,
            teams=list(self.teams.values()),
            units=[msgspec.structs.replace(unit) for unit in self.units.values()],
            incidents=list(self.incidents.values()),
            alerts=list(self.alerts.values()),
        )

    def apply_positions(self, fixes: Iterable[Fix]) -> list[Fix]:
        """Take each fix that is newer than its unit's position; returns those taken.

        Live positions carry no ``seq``: two frames may cross (the full resync after a
        resume, a fail-over to another hub), and the fix time alone says which is newer.
        """
        units = self.units
        taken: list[Fix] = []
        for fix in fixes:
            unit = units.get(fix.id)
            if unit is None or (unit.ts is not None and fix.ts <= unit.ts):
                continue
            unit.lat = fix.lat
            unit.lon = fix.lon
            unit.datum = fix.datum
            unit.ts = fix.ts
            unit.speed = fix.speed
            unit.heading = fix.heading
            taken.append(fix)
        return taken

    def positions(self, ts: float) -> UnitPositions:
        """Every unit's position as one live frame (a resumed client's resync)."""
        fixes = [
            Fix(
                id=unit.id,
                lat=unit.lat,
                lon=unit.lon,
                ts=unit.ts,
                datum=unit.datum,
                speed=unit.speed,
                heading=unit.heading,
            )
            for unit in self.units.values()
            if unit.lat is not None and unit.lon is not None and unit.ts is not None
        ]
        return UnitPositions(ts=ts, fixes=fixes)

    def apply(self, event: StoredEvent) -> None:
        """Apply one stored event. The caller guarantees ``event.seq == self.seq + 1``."""
        match event:
            case UnitStatus(unit=unit):
                previous = self.units.get(unit.id)
                if previous is not None and unit.lat is None:
                    # A status change need not repeat the position it last reported.
                    unit = msgspec.structs.replace(
                        unit,
                        lat=previous.lat,
                        lon=previous.lon,
                        datum=previous.datum,
                        ts=previous.ts,
                        speed=previous.speed,
                        heading=previous.heading,
                    )
                self.units[unit.id] = unit
            case IncidentNew(incident=incident) | IncidentUpdate(incident=incident):
                self.incidents[incident.id] = incident
            case AlertNew(alert=alert):
                self.alerts[alert.id] = alert
            case AlertClear(alert_id=alert_id):
                self.alerts.pop(alert_id, None)
            case Ticker() | WallPush():
                pass
        self.seq = event.seq
        if event.ts >= self._next_prune:
            self.prune_closed(event.ts)

    def prune_closed(self, now: float) -> list[str]:
        """Drop closed cases reported more than :data:`CLOSED_RETENTION_S` before ``now``
        (event time, so hub and clients prune alike); returns their ids."""
        self._next_prune = now + PRUNE_EVERY_S
        cutoff = now - CLOSED_RETENTION_S
        # A case merged into another (``parent_id``) is no separate work: it goes like a
        # closed one; its parent's drill-down lists it from the hub.
        gone = [
            i.id
            for i in self.incidents.values()
            if (i.status in FINISHED_STATUSES or i.parent_id is not None) and i.reported_at < cutoff
        ]
        for incident_id in gone:
            del self.incidents[incident_id]
        return gone
