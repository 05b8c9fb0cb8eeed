"""The desk's triage as a Qt-free model: the case being handled, the officers to send, and
the two things an operator asks of the hub (``dispatch`` and ``wall.push``), typed.

:func:`recommend` ranks the officers for a case; :class:`DeskTriage` keeps the operator's
selection and its recommendations over a :class:`~backend_client.state.FeedState` and
says when they changed; :class:`DispatchOrder` and :class:`WallPushOrder` are what the desk
sends, built here so no widget assembles a request. Sending them is the desk's business
(the I/O side): one :data:`~backend_client.stories.source.Requester` call each.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
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


def _nearest(state: FeedState, lat: float, lon: float) -> list[tuple[float, Unit]]:
    placed = [
        (distance_m(lat, lon, u.lat, u.lon), u)
        for u in state.units.values()
        if u.lat is not None and u.lon is not None
    ]
    placed.sort(key=lambda pair: pair[0])
    return placed


def _zone_team(placed: Sequence[tuple[float, Unit]]) -> str | None:
    nearby = Counter(u.team for _d, u in placed[:ZONE_SAMPLE])
    return nearby.most_common(1)[0][0] if nearby else None


def zone_team(state: FeedState, incident: Incident) -> str | None:
    """The team that patrols the case's place: the team most of the
    :data:`ZONE_SAMPLE` nearest units (any status) belong to (zones are not on the wire)."""
    if incident.lat is None or incident.lon is None:
        return None
    return _zone_team(_nearest(state, incident.lat, incident.lon))


def case_teams(state: FeedState, incident: Incident) -> set[str]:
    """The teams a case is for: those of the officers sent to it, else the team patrolling
    its place (what a desk's team filter matches)."""
    sent = {state.units[u].team for u in incident.units if u in state.units}
    if sent:
        return sent
    team = zone_team(state, incident)
    return {team} if team is not None else set()


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
    placed = _nearest(state, incident.lat, incident.lon)
    local_team = _zone_team(placed)
    ranked: list[tuple[float, Recommendation]] = []
    for d, unit in placed:
        if (
            unit.status not in RECOMMEND_STATUSES
            or unit.id in incident.units
            or not is_person(unit)
        ):
            continue
        in_zone = unit.team == local_team
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


@dataclass(frozen=True, slots=True)
class AcceptOrder:
    """``case.step`` ``accept``: the operator takes the case on (the 1 of 1-3-15)."""

    case_id: str

    op: ClassVar[str] = "case.step"

    def args(self) -> dict[str, object]:
        return {"case_id": self.case_id, "action": "accept"}


Order = DispatchOrder | WallPushOrder | AcceptOrder

#: Statuses of a case nobody has been sent to yet: what "the next urgent case" looks for
#: (a verified, 核实, report waits for officers like an accepted one).
AWAITING_DISPATCH: Final = frozenset({"reported", "verified", "accepted"})


def next_case(
    queue: Iterable[str], incidents: Mapping[str, Incident], current: str | None
) -> str | None:
    """The most urgent case still waiting for officers, other than ``current``.

    ``queue`` is the desk's queue in its order (most urgent first), so the first waiting
    case in it is the one the 1-3-15 clock presses hardest.
    """
    for case_id in queue:
        incident = incidents.get(case_id)
        if (
            case_id != current
            and incident is not None
            and incident.status in AWAITING_DISPATCH
            and not incident.units
        ):
            return case_id
    return None


def find_case(query: str, queue: Iterable[str], state: FeedState) -> str | None:
    """The first case, in queue order, whose number, address or text, or the name of an
    officer sent to it, contains ``query`` (case-insensitive); None for none or "" asked."""
    wanted = query.strip().casefold()
    if not wanted:
        return None
    for case_id in queue:
        incident = state.incidents.get(case_id)
        if incident is None:
            continue
        names = [state.units[u].name for u in incident.units if u in state.units]
        fields = [case_id, incident.address or "", incident.text or "", *names]
        if any(wanted in text.casefold() for text in fields):
            return case_id
    return None


def find_officer(query: str, state: FeedState) -> str | None:
    """The officer (not a vehicle) whose name contains ``query``, when exactly one does:
    the desk opens their drill-down instead of guessing between namesakes."""
    wanted = query.strip().casefold()
    if not wanted:
        return None
    found = [u.id for u in state.units.values() if is_person(u) and wanted in u.name.casefold()]
    return found[0] if len(found) == 1 else None


#: Zoom at which a street and the officers on it are readable (Leaflet's scale).
STREET_ZOOM: Final = 16
#: The widest the desk zooms out to keep a case's recommended officers in view: beyond
#: that the case itself is lost among the district's other markers.
WIDEST_CASE_ZOOM: Final = 13
#: How many of the recommended officers the map keeps in view around the case.
FRAMED_OFFICERS: Final = 3
_EQUATOR_M_PER_PX: Final = 156_543.033_92  # Web Mercator, zoom 0, 256-px tiles


@dataclass(frozen=True, slots=True)
class CaseView:
    """Where the desk map looks for a selected case: centred on it, zoomed so the nearest
    recommended officers are around it."""

    lat: float
    lon: float
    zoom: int
    datum: str = "wgs84"


def case_view(
    incident: Incident, recommendations: Sequence[Recommendation], half_extent_px: float
) -> CaseView | None:
    """The map view for ``incident`` (None when it has no place).

    Street zoom when the nearest officers are that close; otherwise one step out at a time
    until the farthest of the first :data:`FRAMED_OFFICERS` fits in ``half_extent_px``
    (half the map's shorter side), never wider than :data:`WIDEST_CASE_ZOOM`.
    """
    if incident.lat is None or incident.lon is None:
        return None
    reach = max((r.distance_m for r in recommendations[:FRAMED_OFFICERS]), default=0.0)
    zoom = STREET_ZOOM
    if reach > 0 and half_extent_px > 0:
        m_per_px_z0 = _EQUATOR_M_PER_PX * math.cos(math.radians(incident.lat))
        fits = math.floor(math.log2(m_per_px_z0 * half_extent_px / reach))
        zoom = max(WIDEST_CASE_ZOOM, min(STREET_ZOOM, fits))
    return CaseView(incident.lat, incident.lon, zoom, incident.datum)


@dataclass
class DispatchGuard:
    """Keeps one dispatch from being sent twice by accident.

    A dispatch may not leave while another is in flight, nor within :attr:`hold_s` of a
    confirmation: the desk moves on to the next case when one is confirmed, so a held or
    doubled Ctrl+D (or a second click) would otherwise land on a case the operator has not
    looked at yet.
    """

    hold_s: float = 2.0
    clock: Callable[[], float] = time.monotonic
    in_flight: str | None = None
    confirmed_at: float | None = None

    def allows(self) -> bool:
        if self.in_flight is not None:
            return False
        return self.confirmed_at is None or self.clock() - self.confirmed_at >= self.hold_s

    def holding_for(self) -> float:
        """Seconds until a confirmation stops holding dispatch back (0: not holding)."""
        if self.confirmed_at is None:
            return 0.0
        return max(0.0, self.hold_s - (self.clock() - self.confirmed_at))

    def sent(self, case_id: str) -> None:
        self.in_flight = case_id

    def settled(self, confirmed: bool) -> None:
        self.in_flight = None
        if confirmed:
            self.confirmed_at = self.clock()


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
