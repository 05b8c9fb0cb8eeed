"""The desk's triage as a Qt-free model: the case being handled, the officers to send, and
the two things an operator asks of the hub (``dispatch`` and ``wall.push``), typed.

:func:`recommend` ranks the officers for a case; :class:`DeskTriage` keeps the operator's
selection and its recommendations over a :class:`~backend_client.state.FeedState` and
says when they changed; :class:`DispatchOrder` and :class:`WallPushOrder` are what the desk
sends, built here so no widget assembles a request. Sending them is the desk's business
(the I/O side): one :data:`~backend_client.stories.source.Requester` call each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Final, Literal

from backend_client.geo import distance_m
from backend_client.protocol.messages import Incident, Unit
from backend_client.state import FeedState
from backend_client.stories.counters import is_person
from backend_client.stories.events import Emitter

#: Town traffic on an e-bike or patrol car, and how much longer roads are than the
#: straight line: enough for ranking and a rough ETA, not for routing.
SPEED_M_S: Final = 20_000 / 3600
ROAD_FACTOR: Final = 1.3
#: Officers of the team that patrols the place rank as if this much closer.
ZONE_BONUS: Final = 0.8
#: How many of the nearest units (any status) decide which team patrols the place.
ZONE_SAMPLE: Final = 5
RECOMMEND_STATUSES: Final = frozenset({"available"})

#: What :attr:`DeskTriage.changed` carries: the selection moved, or the recommendations of
#: the selected case were recomputed.
SELECTED: Final = "selected"
RECOMMENDED: Final = "recommended"


@dataclass(frozen=True, slots=True)
class Recommendation:
    unit: Unit
    distance_m: float
    eta_s: float
    in_zone: bool


def recommend(state: FeedState, incident: Incident, limit: int = 5) -> list[Recommendation]:
    """The nearest available officers, the local team first.

    Team zones are not on the wire yet, so the zone team is inferred: the team most of the
    five nearest units (any status) belong to is the one patrolling there.

    Vehicles are never recommended: a dispatch sends people (who take a team car when the
    case is far); a vehicle is on the map, in the replay and in ``unit.track``, not on
    this list.
    """
    if incident.lat is None or incident.lon is None:
        return []
    lat, lon = incident.lat, incident.lon
    placed = [
        (distance_m(lat, lon, u.lat, u.lon), u)
        for u in state.units.values()
        if u.lat is not None and u.lon is not None
    ]
    placed.sort(key=lambda pair: pair[0])
    nearby = Counter(u.team for _d, u in placed[:ZONE_SAMPLE])
    zone_team = nearby.most_common(1)[0][0] if nearby else None
    ranked: list[tuple[float, Recommendation]] = []
    for d, unit in placed:
        if (
            unit.status not in RECOMMEND_STATUSES
            or unit.id in incident.units
            or not is_person(unit)
        ):
            continue
        in_zone = unit.team == zone_team
        rec = Recommendation(unit, d, d * ROAD_FACTOR / SPEED_M_S, in_zone)
        ranked.append((d * (ZONE_BONUS if in_zone else 1.0), rec))
    ranked.sort(key=lambda pair: pair[0])
    return [rec for _score, rec in ranked[:limit]]


@dataclass(frozen=True, slots=True)
class DispatchOrder:
    """``dispatch``: send ``unit_ids`` to ``incident_id`` (operator)."""

    incident_id: str
    unit_ids: tuple[str, ...]

    op: ClassVar[str] = "dispatch"

    def args(self) -> dict[str, object]:
        return {"incident_id": self.incident_id, "unit_ids": list(self.unit_ids)}


PushKind = Literal["incident", "merchant", "officer", "view", "clear"]


@dataclass(frozen=True, slots=True)
class WallPushOrder:
    """``wall.push``: pin a drill-down (or with ``view`` a place, or ``clear``) to a wall's
    situation slot; ``wall`` "" is every wall."""

    wall: str
    kind: PushKind | str
    id: str = ""
    lat: float | None = None
    lon: float | None = None

    op: ClassVar[str] = "wall.push"

    def args(self) -> dict[str, object]:
        args: dict[str, object] = {"wall": self.wall, "kind": self.kind}
        if self.kind == "clear":
            return args
        args["id"] = self.id
        if self.kind == "view":
            args.update(lat=self.lat, lon=self.lon)
        return args


Order = DispatchOrder | WallPushOrder


@dataclass
class DeskTriage:
    """The operator's case and the officers recommended for it, over the feed's state.

    The queue view chooses; :meth:`select` records it. :meth:`refresh` recomputes the
    recommendations (on every unit or incident change) and emits :data:`RECOMMENDED`.
    Nothing here changes the case: the desk's view of it moves only when the hub's event
    comes back (one truth, no optimistic local edits).
    """

    state: FeedState
    limit: int = 5
    selected: str | None = None
    recommendations: list[Recommendation] = field(default_factory=list)
    changed: Emitter[str] = field(default_factory=Emitter)

    @property
    def incident(self) -> Incident | None:
        """The selected case, while the feed still has it."""
        return self.state.incidents.get(self.selected or "")

    def select(self, incident_id: str | None) -> None:
        if incident_id != self.selected:
            self.selected = incident_id
            self.changed.emit(SELECTED)
        self.refresh()

    def refresh(self) -> list[Recommendation]:
        incident = self.incident
        self.recommendations = (
            [] if incident is None else recommend(self.state, incident, self.limit)
        )
        self.changed.emit(RECOMMENDED)
        return self.recommendations

    def unit_ids(self, rows: Sequence[int]) -> list[str]:
        """The units of the recommendation rows ``rows`` (ascending, unknown rows skipped)."""
        recs = self.recommendations
        return [recs[r].unit.id for r in sorted(set(rows)) if 0 <= r < len(recs)]

    def rows_of(self, unit_ids: Sequence[str]) -> list[int]:
        """Where ``unit_ids`` are in the current recommendations (gone ones skipped)."""
        ids = [rec.unit.id for rec in self.recommendations]
        return [ids.index(u) for u in unit_ids if u in ids]

    def team_name(self, team_id: str) -> str:
        team = self.state.teams.get(team_id)
        return team.name if team is not None else team_id

    def unit_names(self, unit_ids: Sequence[str]) -> list[str]:
        units = self.state.units
        return [units[u].name for u in unit_ids if u in units]

    def dispatch_order(self, unit_ids: Sequence[str]) -> DispatchOrder | None:
        """Send ``unit_ids`` to the selected case; None without a case or units."""
        if self.selected is None or not unit_ids:
            return None
        return DispatchOrder(self.selected, tuple(unit_ids))

    def view_order(self, wall: str) -> WallPushOrder | None:
        """Show the selected case's place on ``wall``'s maps; None without a case."""
        incident = self.incident
        if incident is None:
            return None
        return WallPushOrder(wall, "view", incident.id, incident.lat, incident.lon)
