"""The "AI patrol" on a timer: feeds :mod:`hub.domain.supervision` from the hub's live
picture and stores what it raises and clears (``alerts`` rows, ``alert.new``/``alert.clear``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend_client.protocol.messages import Alert, AlertClear, AlertNew, Incident, Unit
from hub.domain.geo import LonLat
from hub.domain.sla import SlaClock, SlaLimits
from hub.domain.supervision import (
    DAY,
    AlertChanges,
    AlertKind,
    CaseWatch,
    OfficerWatch,
    Position,
    Stillness,
    SupervisionConfig,
    evaluate,
    update_stillness,
)
from hub.store.models import AlertRow
from hub.store.models import Incident as IncidentRow
from hub.writer import Emitter, EventFactory

SUPERVISION_KINDS = frozenset(str(k) for k in AlertKind)


@dataclass
class PatrolInputs:
    """What one evaluation reads, copied on the loop so the rules can run off it."""

    now: float
    officers: list[OfficerWatch]
    zones: Mapping[str, Sequence[LonLat]]
    cases: list[CaseWatch]
    active: list[str]


@dataclass
class Patrol:
    config: SupervisionConfig = field(default_factory=SupervisionConfig)
    zones: dict[str, list[LonLat]] = field(default_factory=dict)
    rectify_by: dict[str, float] = field(default_factory=dict)
    stillness: dict[str, Stillness] = field(default_factory=dict)
    first_seen: dict[str, float] = field(default_factory=dict)

    def gather(
        self,
        now: float,
        units: Mapping[str, Unit],
        incidents: Mapping[str, Incident],
        history: Sequence[CaseWatch],
        active: Sequence[str],
    ) -> PatrolInputs:
        """Sample every officer's last fix into its stillness and build the watches.

        Sampling every few seconds instead of on every fix keeps the positions hot path
        free of geometry; the idle threshold is twenty minutes, so nothing is lost.
        """
        officers: list[OfficerWatch] = []
        radius = self.config.idle_radius_m
        for unit in units.values():
            fix = None
            if unit.ts is not None and unit.lat is not None and unit.lon is not None:
                fix = Position(unit.ts, unit.lat, unit.lon)
                self.stillness[unit.id] = update_stillness(self.stillness.get(unit.id), fix, radius)
            else:
                # Never heard from since the hub started watching: silence counts from
                # then, not from the epoch, or every restart would cry "device silent".
                first = self.first_seen.setdefault(unit.id, now)
                if now - first <= self.config.silent_after_s:
                    continue
            officers.append(
                OfficerWatch(
                    id=unit.id,
                    team=unit.team,
                    status=unit.status,
                    last_fix=fix,
                    stillness=self.stillness.get(unit.id),
                    # A vehicle is known on the floor by its plate.
                    name=unit.plate if unit.kind == "vehicle" and unit.plate else unit.name,
                    kind=unit.kind,
                )
            )
        cases: list[CaseWatch] = []
        open_ids: set[str] = set()
        for incident in incidents.values():
            if incident.sla is None or incident.parent_id is not None:
                continue  # a merged duplicate is watched through its parent
            open_ids.add(incident.id)
            sla = incident.sla
            limits = SlaLimits(
                accept_within=sla.accept_by - incident.reported_at,
                move_within=sla.move_by - incident.reported_at,
                handle_within=sla.handle_by - incident.reported_at,
            )
            clock = SlaClock(
                incident.reported_at, sla.accepted_at, sla.moving_at, sla.handled_at, limits
            )
            cases.append(
                CaseWatch(
                    id=incident.id,
                    status=incident.status,
                    sla=clock,
                    rectify_by=self.rectify_by.get(incident.id),
                    merchant_id=incident.merchant_id,
                )
            )
        # Older complaints about a merchant (from the store) count towards repeat
        # complaints only; the live picture's own copy of a case wins.
        cases.extend(h for h in history if h.id not in open_ids)
        return PatrolInputs(now, officers, dict(self.zones), cases, list(active))

    @staticmethod
    def run_rules(inputs: PatrolInputs, config: SupervisionConfig) -> AlertChanges:
        return evaluate(
            inputs.now, inputs.officers, inputs.zones, inputs.cases, inputs.active, config
        )


def merchant_cases(session: Session, now: float, window_days: float) -> list[CaseWatch]:
    """Cases about a merchant within the repeat-complaint window, as closed watches."""
    rows = session.execute(
        select(IncidentRow.id, IncidentRow.reported_at, IncidentRow.merchant_id).where(
            IncidentRow.merchant_id.is_not(None),
            IncidentRow.reported_at > now - window_days * DAY,
        )
    ).all()
    return [
        CaseWatch(
            id=incident_id,
            status="closed",
            sla=SlaClock(reported_at, reported_at, reported_at, reported_at),
            merchant_id=merchant_id,
        )
        for incident_id, reported_at, merchant_id in rows
    ]


def store_changes(session: Session, emitter: Emitter, changes: AlertChanges) -> None:
    """Store raised and cleared alerts and emit their events (writer thread)."""
    now = time.time()
    for alert in changes.raised:
        wire = alert.to_wire()
        session.merge(
            AlertRow(
                id=alert.id,
                kind=str(alert.kind),
                subject=alert.subject,
                text=alert.text,
                ts=alert.since,
                cleared_at=None,
                # Kept so that after a restart the snapshot still words it per wall.
                code=alert.code or None,
                args=dict(alert.args) if alert.code else None,
            )
        )
        emitter.emit(_alert_new(wire))
    for alert_id in changes.cleared:
        row = session.get(AlertRow, alert_id)
        if row is not None and row.cleared_at is None:
            row.cleared_at = now
        emitter.emit(_alert_clear(alert_id))


def _alert_new(alert: Alert) -> EventFactory:
    return lambda seq, ts: AlertNew(seq=seq, ts=ts, alert=alert)


def _alert_clear(alert_id: str) -> EventFactory:
    return lambda seq, ts: AlertClear(seq=seq, ts=ts, alert_id=alert_id)
