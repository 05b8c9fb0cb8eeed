"""The "AI patrol": alerts on what needs a supervisor's eye, from plain data.

:func:`evaluate` looks at officers, team zones and cases at ``now`` and answers which
alerts to raise and which to clear, given the ids of the alerts already raised. Each
condition has a *key* (kind and subject, e.g. ``officer_idle:o-17``); an alert's id is its
key plus when the condition began (``officer_idle:o-17@1712345678``). While a condition
persists its key stays active and nothing new is raised; when it ends the alert is
cleared; if it comes back later, it is a new episode with a new id.

The hub keeps, per officer, the last fix and a :class:`Stillness` (updated with
:func:`update_stillness` on every fix), and calls :func:`evaluate` on a timer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import get_args

from backend_client.protocol.messages import (
    NOT_OPEN_STATUSES,
    Alert,
    EventArgs,
    IncidentStatusName,
    UnitStatusName,
)
from hub.domain.geo import LonLat, distance_m, distance_to_edge_m, inside
from hub.domain.sla import SlaClock, StageState
from hub.domain.wording import STAGE_WORDS, Wording, word

DAY = 86_400.0
# Cases someone still works on: a missed stage of any other raises no alert.
_WORKED = frozenset(get_args(IncidentStatusName)) - NOT_OPEN_STATUSES


class AlertKind(StrEnum):
    OFFICER_IDLE = "officer_idle"
    OUTSIDE_ZONE = "outside_zone"
    DEVICE_SILENT = "device_silent"
    SLA_MISSED = "sla_missed"
    RECTIFICATION_OVERDUE = "rectification_overdue"
    REPEAT_COMPLAINTS = "repeat_complaints"


# 1 notice, 2 warning, 3 urgent (the wire's ``Alert.severity``).
SEVERITY: Mapping[AlertKind, int] = {
    AlertKind.OFFICER_IDLE: 1,
    AlertKind.OUTSIDE_ZONE: 2,
    AlertKind.DEVICE_SILENT: 2,
    AlertKind.SLA_MISSED: 3,
    AlertKind.RECTIFICATION_OVERDUE: 2,
    AlertKind.REPEAT_COMPLAINTS: 2,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class SupervisionConfig:
    """Every threshold of the AI patrol, with its default."""

    idle_radius_m: float = 50.0
    """An officer who stays within this distance of one spot has not moved."""
    idle_after_s: float = 20 * 60.0
    # Officers on a case (on_scene, busy) stand still for good reason; patrolling or
    # travelling officers should not.
    idle_statuses: frozenset[UnitStatusName] = frozenset({"available", "en_route"})
    zone_margin_m: float = 100.0
    """How far outside the team's zone counts, so GPS jitter at the edge raises nothing.
    Once raised, the alert lasts until the officer is back inside the zone itself."""
    # Dispatch sends officers across zones ("as one team"), so only patrol time counts.
    zone_statuses: frozenset[UnitStatusName] = frozenset({"available", "busy"})
    silent_after_s: float = 10 * 60.0
    off_duty_statuses: frozenset[UnitStatusName] = frozenset({"off_duty"})
    rectification_grace_s: float = 0.0
    repeat_complaints: int = 3
    repeat_window_days: float = 30.0

    def __post_init__(self) -> None:
        for name in ("idle_radius_m", "idle_after_s", "silent_after_s", "repeat_window_days"):
            if not getattr(self, name) > 0:
                raise ValueError(f"SupervisionConfig.{name} must be > 0")
        for name in ("zone_margin_m", "rectification_grace_s"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"SupervisionConfig.{name} must be >= 0")
        if self.repeat_complaints < 2:
            raise ValueError("SupervisionConfig.repeat_complaints must be >= 2")


@dataclass(frozen=True, slots=True)
class Position:
    """One WGS-84 fix."""

    ts: float
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Stillness:
    """Where an officer has stayed (within the idle radius) and since when."""

    since: float
    lat: float
    lon: float


def update_stillness(previous: Stillness | None, fix: Position, radius_m: float) -> Stillness:
    """The officer's stillness after ``fix``: kept while within ``radius_m`` of the spot,
    restarted at the fix once they move beyond it."""
    if (
        previous is not None
        and distance_m(previous.lat, previous.lon, fix.lat, fix.lon) <= radius_m
    ):
        return previous
    return Stillness(fix.ts, fix.lat, fix.lon)


@dataclass(frozen=True, slots=True)
class OfficerWatch:
    id: str
    team: str
    status: UnitStatusName
    last_fix: Position | None = None
    stillness: Stillness | None = None
    name: str = ""
    #: "vehicle": a patrol car, parked while its crew works on foot, is never idle; a
    #: silent terminal or a car outside its team's zone is reported as for an officer.
    kind: str = "officer"


@dataclass(frozen=True, slots=True)
class CaseWatch:
    id: str
    status: IncidentStatusName
    sla: SlaClock
    rectify_by: float | None = None
    merchant_id: str | None = None


@dataclass(frozen=True, slots=True)
class SupervisionAlert:
    """An alert as the domain sees it; ``since`` is when its condition began."""

    id: str
    key: str
    kind: AlertKind
    subject: str
    since: float
    text: str
    detail: Mapping[str, object] = field(default_factory=dict)
    #: The text as a code and args (backend_client/events.py), for walls in other languages.
    code: str = ""
    args: EventArgs = field(default_factory=dict)

    @property
    def severity(self) -> int:
        return SEVERITY[self.kind]

    def to_wire(self) -> Alert:
        return Alert(
            id=self.id,
            kind=str(self.kind),
            subject=self.subject,
            ts=self.since,
            text=self.text,
            severity=self.severity,
            code=self.code,
            args=dict(self.args),
        )


@dataclass(frozen=True, slots=True)
class AlertChanges:
    raised: tuple[SupervisionAlert, ...]
    cleared: tuple[str, ...]


def alert_key(alert_id: str) -> str:
    """The condition an alert id stands for (its id without the episode's start)."""
    return alert_id.rpartition("@")[0] or alert_id


def evaluate(
    now: float,
    officers: Iterable[OfficerWatch],
    zones: Mapping[str, Sequence[LonLat]],
    cases: Iterable[CaseWatch],
    active: Collection[str],
    config: SupervisionConfig | None = None,
) -> AlertChanges:
    """Alerts to raise and alert ids to clear at ``now``, given the ids still ``active``.

    ``zones`` maps a team to its patrol zone ring; ``cases`` should hold every open case
    and every case reported within the repeat-complaint window.
    """
    config = config or SupervisionConfig()
    active_keys = {alert_key(a) for a in active}
    current = current_alerts(now, officers, zones, cases, active_keys, config)
    return AlertChanges(
        raised=tuple(a for key, a in current.items() if key not in active_keys),
        cleared=tuple(sorted(a for a in active if alert_key(a) not in current)),
    )


def current_alerts(
    now: float,
    officers: Iterable[OfficerWatch],
    zones: Mapping[str, Sequence[LonLat]],
    cases: Iterable[CaseWatch],
    active_keys: Collection[str],
    config: SupervisionConfig,
) -> dict[str, SupervisionAlert]:
    """Every condition that holds at ``now``, by key."""
    found: list[SupervisionAlert] = []
    for officer in officers:
        found.extend(_officer_alerts(now, officer, zones.get(officer.team), active_keys, config))
    case_list = list(cases)
    for case in case_list:
        found.extend(_case_alerts(now, case, config))
    found.extend(_repeat_complaints(now, case_list, config))
    return {a.key: a for a in found}


def _alert(
    kind: AlertKind,
    subject: str,
    since: float,
    wording: Wording,
    qualifier: str = "",
    **detail: object,
) -> SupervisionAlert:
    key = f"{kind}:{subject}" + (f":{qualifier}" if qualifier else "")
    return SupervisionAlert(
        f"{key}@{since:.0f}",
        key,
        kind,
        subject,
        since,
        wording["text"],
        detail,
        wording["code"],
        wording["args"],
    )


def _officer_alerts(
    now: float,
    officer: OfficerWatch,
    zone: Sequence[LonLat] | None,
    active_keys: Collection[str],
    config: SupervisionConfig,
) -> list[SupervisionAlert]:
    if officer.status in config.off_duty_statuses:
        return []
    who = officer.name or officer.id
    fix = officer.last_fix
    if fix is None or now - fix.ts > config.silent_after_s:
        since = now if fix is None else fix.ts + config.silent_after_s
        minutes = round(config.silent_after_s / 60)
        # Where a silent officer is, or whether they move, is unknown: one alert, not three.
        return [
            _alert(
                AlertKind.DEVICE_SILENT,
                officer.id,
                since,
                word("alert.device_silent", officer=who, minutes=minutes),
                last_fix_at=None if fix is None else fix.ts,
            )
        ]
    found: list[SupervisionAlert] = []
    still = officer.stillness
    if (
        officer.status in config.idle_statuses
        and officer.kind != "vehicle"
        and still is not None
        and now - still.since >= config.idle_after_s
    ):
        minutes = round(config.idle_after_s / 60)
        found.append(
            _alert(
                AlertKind.OFFICER_IDLE,
                officer.id,
                still.since + config.idle_after_s,
                word("alert.officer_idle", officer=who, minutes=minutes),
                still_since=still.since,
            )
        )
    if officer.status in config.zone_statuses and zone is not None and len(zone) >= 3:
        key = f"{AlertKind.OUTSIDE_ZONE}:{officer.id}"
        outside = not inside(fix.lat, fix.lon, zone)
        if outside and (
            key in active_keys or distance_to_edge_m(fix.lat, fix.lon, zone) > config.zone_margin_m
        ):
            found.append(
                _alert(
                    AlertKind.OUTSIDE_ZONE,
                    officer.id,
                    fix.ts,
                    word("alert.outside_zone", officer=who),
                    team=officer.team,
                )
            )
    return found


def _case_alerts(now: float, case: CaseWatch, config: SupervisionConfig) -> list[SupervisionAlert]:
    found: list[SupervisionAlert] = []
    # A stage missed but since done stays recorded in the SLA marks; the alert is for the
    # stage still not done, which someone can still act on.
    for s in case.sla.standings(now):
        # Not for a case nobody works any more: closed, void or suspended.
        if s.state is StageState.MISSED and s.done_at is None and case.status in _WORKED:
            found.append(
                _alert(
                    AlertKind.SLA_MISSED,
                    case.id,
                    s.deadline,
                    word("alert.sla_missed", case_id=case.id, stage=STAGE_WORDS[s.stage]),
                    str(s.stage),
                    stage=str(s.stage),
                )
            )
    if case.status == "rectifying" and case.rectify_by is not None:
        due = case.rectify_by + config.rectification_grace_s
        if now > due:
            found.append(
                _alert(
                    AlertKind.RECTIFICATION_OVERDUE,
                    case.id,
                    due,
                    word("alert.rectification_overdue", case_id=case.id),
                    rectify_by=case.rectify_by,
                )
            )
    return found


def _repeat_complaints(
    now: float, cases: Iterable[CaseWatch], config: SupervisionConfig
) -> list[SupervisionAlert]:
    start = now - config.repeat_window_days * DAY
    by_merchant: defaultdict[str, list[float]] = defaultdict(list)
    for case in cases:
        if case.merchant_id and start < case.sla.reported_at <= now:
            by_merchant[case.merchant_id].append(case.sla.reported_at)
    days = config.repeat_window_days
    return [
        _alert(
            AlertKind.REPEAT_COMPLAINTS,
            merchant,
            max(times),
            word("alert.repeat_complaints", merchant=merchant, days=days, count=len(times)),
            count=len(times),
        )
        for merchant, times in sorted(by_merchant.items())
        if len(times) >= config.repeat_complaints
    ]
