"""Teams, officers (and vehicles) and merchants: seeding the store and announcing units on
the stream."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from backend_client.protocol.messages import Unit, UnitStatus
from hub.store.models import Merchant, Officer, Team
from hub.writer import Emitter, EventFactory


def _announce(unit: Unit) -> EventFactory:
    return lambda seq, ts: UnitStatus(seq=seq, ts=ts, unit=unit)


@dataclass(frozen=True)
class TeamRecord:
    id: str
    name: str
    kind: str
    colour: str
    zone: list[list[float]] | None = None


@dataclass(frozen=True)
class OfficerRecord:
    id: str
    name: str
    badge: str
    team_id: str
    device: str
    status: str = "available"
    #: "officer" or "vehicle" (then ``plate`` is its number plate and ``badge`` is empty).
    kind: str = "officer"
    plate: str = ""


@dataclass(frozen=True)
class MerchantRecord:
    id: str
    name: str
    credit_code: str
    address: str
    category: str
    risk: int
    lat: float
    lon: float


def seed_roster(
    session: Session,
    emitter: Emitter,
    teams: Sequence[TeamRecord],
    officers: Sequence[OfficerRecord],
    merchants: Sequence[MerchantRecord] = (),
) -> int:
    """Store what is not stored yet; announce each new officer. Returns officers added."""
    known_teams = set(session.scalars(select(Team.id)))
    for team in teams:
        if team.id not in known_teams:
            session.add(
                Team(id=team.id, name=team.name, kind=team.kind, colour=team.colour, zone=team.zone)
            )
    session.flush()
    known_officers = set(session.scalars(select(Officer.id)))
    added = 0
    rows: list[dict[str, Any]] = []
    for officer in officers:
        if officer.id in known_officers:
            continue
        rows.append(
            {
                "id": officer.id,
                "name": officer.name,
                "badge": officer.badge,
                "team_id": officer.team_id,
                "device": officer.device,
                "status": officer.status,
                "kind": officer.kind,
                "plate": officer.plate or None,
            }
        )
        unit = Unit(
            id=officer.id,
            name=officer.name,
            team=officer.team_id,
            device=officer.device,
            status=officer.status,  # type: ignore[arg-type]
            kind=officer.kind,
            plate=officer.plate,
        )
        emitter.emit(_announce(unit))
        added += 1
    if rows:
        session.execute(insert(Officer), rows)
    known_merchants = set(session.scalars(select(Merchant.id)))
    new_merchants = [
        {
            "id": m.id,
            "name": m.name,
            "credit_code": m.credit_code,
            "address": m.address,
            "category": m.category,
            "risk": m.risk,
            "lat": m.lat,
            "lon": m.lon,
        }
        for m in merchants
        if m.id not in known_merchants
    ]
    if new_merchants:
        session.execute(insert(Merchant), new_merchants)
    return added
