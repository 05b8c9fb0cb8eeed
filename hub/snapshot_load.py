"""Rebuild the hub's in-memory picture from the store at start-up."""

from __future__ import annotations

import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend_client.protocol.messages import Alert, Incident, SlaMarks, Team, Unit
from backend_client.state import CLOSED_RETENTION_S, FeedState
from hub.domain.supervision import SEVERITY, AlertKind
from hub.sos import SOS_KIND, SOS_SEVERITY
from hub.store.models import AlertRow, Officer, Position
from hub.store.models import Incident as IncidentRow
from hub.store.models import Team as TeamRow


def incident_from_row(row: IncidentRow) -> Incident:
    return Incident(
        id=row.id,
        source=row.source,
        category=row.category,
        status=row.status,  # type: ignore[arg-type]
        lat=row.lat,
        lon=row.lon,
        reported_at=row.reported_at,
        sla=SlaMarks(**row.sla) if row.sla else None,
        units=list(row.units or []),
        text=row.text,
        address=row.address,
        priority=row.priority,
        merchant_id=row.merchant_id,
    )


def load_state(session: Session, seq: int, now: float | None = None) -> FeedState:
    now = time.time() if now is None else now
    state = FeedState(seq=seq)
    for team in session.scalars(select(TeamRow)):
        state.teams[team.id] = Team(id=team.id, name=team.name, colour=team.colour, kind=team.kind)
    for officer in session.scalars(select(Officer)):
        state.units[officer.id] = Unit(
            id=officer.id,
            name=officer.name,
            team=officer.team_id,
            device=officer.device,
            status=officer.status,  # type: ignore[arg-type]
            kind=officer.kind,
            plate=officer.plate or "",
        )
    latest = (
        select(Position.officer_id, func.max(Position.ts).label("ts"))
        .where(Position.fixed.is_(True))
        .group_by(Position.officer_id)
        .subquery()
    )
    rows = session.execute(
        select(Position)
        .join(latest, (Position.officer_id == latest.c.officer_id) & (Position.ts == latest.c.ts))
        .where(Position.fixed.is_(True))
    ).scalars()
    for position in rows:
        unit = state.units.get(position.officer_id)
        if unit is not None:
            unit.lat, unit.lon, unit.ts = position.lat, position.lon, position.ts
            unit.speed, unit.heading = position.speed, position.heading
    open_or_recent = select(IncidentRow).where(
        (IncidentRow.status != "closed") | (IncidentRow.reported_at >= now - CLOSED_RETENTION_S)
    )
    for row in session.scalars(open_or_recent):
        state.incidents[row.id] = incident_from_row(row)
    for alert in session.scalars(select(AlertRow).where(AlertRow.cleared_at.is_(None))):
        state.alerts[alert.id] = Alert(
            id=alert.id,
            kind=alert.kind,
            subject=alert.subject,
            ts=alert.ts,
            text=alert.text,
            # Not stored per row: the kind decides it, as when it was raised.
            severity=_severity(alert.kind),
            # NULL on rows stored before revision 0007: no code, walls show the text.
            code=alert.code or "",
            args=dict(alert.args or {}),
        )
    return state


def _severity(kind: str) -> int:
    if kind == SOS_KIND:
        return SOS_SEVERITY
    try:
        return SEVERITY[AlertKind(kind)]
    except ValueError:  # a kind this hub does not raise (an older or newer hub's)
        return 2
