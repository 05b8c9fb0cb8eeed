"""Rebuild the hub's in-memory picture from the store at start-up."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from backend_client.protocol.messages import (
    FINISHED_STATUSES,
    Alert,
    Incident,
    SlaMarks,
    Team,
    Unit,
)
from backend_client.state import CLOSED_RETENTION_S, FeedState
from hub.domain.supervision import SEVERITY, AlertKind
from hub.sos import SOS_KIND, SOS_SEVERITY
from hub.store.models import AlertRow, Officer, Position
from hub.store.models import CaseEvent as CaseEventRow
from hub.store.models import Incident as IncidentRow
from hub.store.models import Team as TeamRow

#: 延期 rows of the timeline (hub/domain/lifecycle.py): the last one says whether a request
#: waits (``extension_requested``) or was decided.
EXTENSION_KINDS = ("extension_requested", "extension_approved", "extension_rejected")
#: Statuses in which an extension may be asked or decided (lifecycle RULES): in any other
#: a waiting request is moot, and nothing is looked up.
EXTENSION_STATUSES = frozenset({"dispatched", "arrived"})


def asked_text(limit: Mapping[str, float] | Iterable[tuple[str, float]] | None) -> str:
    """A limit table (``{"working_days": 2}``) as the wire words it: ``"2 working_days"``."""
    items = list(limit.items() if isinstance(limit, Mapping) else limit or ())
    if len(items) != 1:
        return ""
    ((unit, amount),) = items
    return f"{float(amount):g} {unit}"


def pending_extensions(session: Session, incident_ids: Iterable[str]) -> dict[str, str]:
    """The asked limit of each given case whose last 延期 row is a request not yet decided
    (no column holds it: the timeline does). One query for the lot (the snapshot)."""
    ids = list(incident_ids)
    found: dict[str, str] = {}
    for start in range(0, len(ids), 500):  # stay under the databases' bound-parameter caps
        rows = session.execute(
            select(CaseEventRow.incident_id, CaseEventRow.kind, CaseEventRow.detail)
            .where(
                CaseEventRow.incident_id.in_(ids[start : start + 500]),
                CaseEventRow.kind.in_(EXTENSION_KINDS),
            )
            .order_by(CaseEventRow.ts, CaseEventRow.id)
        )
        for incident_id, kind, detail in rows:
            limit = (detail or {}).get("limit") if kind == "extension_requested" else None
            found[incident_id] = asked_text(limit) if isinstance(limit, Mapping) else ""
    return {k: v for k, v in found.items() if v}


def _pending_extension(row: IncidentRow) -> str:
    """A stored case's waiting 延期 request, read from its timeline when it can have one
    and the row belongs to a session (a Core row of a list view has none: "")."""
    if row.status not in EXTENSION_STATUSES:
        return ""
    state = inspect(row, raiseerr=False)
    session = getattr(state, "session", None)
    if not isinstance(session, Session):
        return ""
    return pending_extensions(session, [row.id]).get(row.id, "")


def incident_from_row(row: IncidentRow, extension_asked: str | None = None) -> Incident:
    """The wire form of a stored case. ``extension_asked`` when the caller knows it (a
    step just taken, the snapshot's bulk read); else it is read from the timeline, so
    every ``incident.update`` (a miss, a record, a merge) keeps a waiting 延期."""
    if extension_asked is None:
        extension_asked = _pending_extension(row)
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
        class_code=row.class_code,
        deadline=row.deadline,
        deadline_limit=row.deadline_limit or "",
        overdue=row.overdue_at is not None,
        parent_id=row.parent_id,
        merged=row.merged or 0,  # None on a row not flushed yet: no children
        extension_asked=extension_asked if row.status in EXTENSION_STATUSES else "",
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
        # A merged child is no separate work: kept like a closed case (state.prune_closed).
        # A void case (作废) is finished like a closed one.
        (IncidentRow.status.not_in(sorted(FINISHED_STATUSES)) & IncidentRow.parent_id.is_(None))
        | (IncidentRow.reported_at >= now - CLOSED_RETENTION_S)
    )
    rows_loaded = list(session.scalars(open_or_recent))
    asked = pending_extensions(
        session, [r.id for r in rows_loaded if r.status in EXTENSION_STATUSES]
    )
    for row in rows_loaded:
        state.incidents[row.id] = incident_from_row(row, asked.get(row.id, ""))
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
