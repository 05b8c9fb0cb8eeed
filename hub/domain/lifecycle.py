"""The case lifecycle: which step may follow which, who may take it, what it records.

reported -> accepted -> dispatched -> arrived -> handled -> closed, or, when the officer
orders a time-limited rectification, handled -> rectifying -> followup -> closed (a failed
follow-up inspection orders a new rectification: followup -> rectifying).

Each step is a function ``(case, actor, ts, ...) -> Step``: the case after the step and
the :class:`CaseEvent` rows it adds to the timeline. A step that is not allowed raises a
:class:`CaseRuleError` and changes nothing. :func:`case_from_events` rebuilds a case from
its stored timeline with the same effects, so the store keeps only events and status.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol, get_args

from backend_client.protocol.messages import IncidentStatusName

Status = IncidentStatusName
STATUSES: tuple[Status, ...] = get_args(IncidentStatusName)


class Actor(Protocol):
    """Whoever takes a step; ``hub.auth.Principal`` is one."""

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Person:
    """A plain actor: a field officer (role ``officer``) or the hub itself (``system``)."""

    name: str
    role: str


HUB = Person("hub", "system")

# The command centre's desks, and whoever reports from the street: the officer's own
# terminal, the street-enforcement platform feeding in as a ``source``, or the hub
# inferring it from the officer's status and track (``system``).
DESK = frozenset({"operator", "supervisor", "admin"})
FIELD = frozenset({"officer", "source"})


class CaseEventKind(StrEnum):
    REPORTED = "reported"
    ACCEPTED = "accepted"
    DISPATCHED = "dispatched"
    MOVING = "moving"
    ARRIVED = "arrived"
    HANDLED = "handled"
    RECTIFICATION_DEADLINE = "rectification_deadline"
    FOLLOWUP = "followup"
    CLOSED = "closed"


class CaseAction(StrEnum):
    ACCEPT = "accept"
    DISPATCH = "dispatch"
    REPORT_MOVING = "report_moving"
    ARRIVE = "arrive"
    HANDLE = "handle"
    ORDER_RECTIFICATION = "order_rectification"
    START_FOLLOWUP = "start_followup"
    CLOSE = "close"


@dataclass(frozen=True, slots=True)
class Rule:
    """One action: the status it moves each allowed status to, and the roles that may."""

    moves: Mapping[Status, Status]
    roles: frozenset[str]


RULES: Mapping[CaseAction, Rule] = MappingProxyType(
    {
        CaseAction.ACCEPT: Rule({"reported": "accepted"}, DESK),
        # Dispatching an unaccepted case accepts it too; dispatching again (reinforcement)
        # before the case is handled adds officers without moving the case back.
        CaseAction.DISPATCH: Rule(
            {
                "reported": "dispatched",
                "accepted": "dispatched",
                "dispatched": "dispatched",
                "arrived": "arrived",
            },
            DESK,
        ),
        CaseAction.REPORT_MOVING: Rule(
            {"dispatched": "dispatched", "arrived": "arrived"}, DESK | FIELD | {"system"}
        ),
        CaseAction.ARRIVE: Rule(
            {"dispatched": "arrived", "arrived": "arrived"}, DESK | FIELD | {"system"}
        ),
        # Only people judge that a case is handled, rectified or closed: never the hub.
        CaseAction.HANDLE: Rule({"arrived": "handled"}, DESK | FIELD),
        CaseAction.ORDER_RECTIFICATION: Rule(
            {"handled": "rectifying", "followup": "rectifying"}, DESK | FIELD
        ),
        CaseAction.START_FOLLOWUP: Rule({"rectifying": "followup"}, DESK | FIELD),
        CaseAction.CLOSE: Rule({"handled": "closed", "followup": "closed"}, DESK),
    }
)


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One entry of a case's timeline (the ``case_events`` row and ``case.history`` item)."""

    kind: CaseEventKind
    ts: float
    actor: str
    detail: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Case:
    """What the lifecycle needs to know about a case."""

    id: str
    status: Status
    reported_at: float
    units: tuple[str, ...] = ()
    rectify_by: float | None = None
    last_step_at: float = 0.0


@dataclass(frozen=True, slots=True)
class Step:
    case: Case
    events: tuple[CaseEvent, ...]


class CaseRuleError(ValueError):
    """A step the rules do not allow. ``code`` is the protocol's error code for it."""

    code = "invalid"

    def __init__(self, case_id: str, message: str) -> None:
        super().__init__(f"case {case_id}: {message}")
        self.case_id = case_id


class NotPermitted(CaseRuleError):
    code = "forbidden"


class IllegalTransition(CaseRuleError):
    code = "conflict"


class InvalidStep(CaseRuleError):
    code = "invalid"


def allowed_actions(status: Status, role: str) -> frozenset[CaseAction]:
    """What ``role`` may do to a case in ``status`` (for menus and buttons)."""
    return frozenset(a for a, r in RULES.items() if status in r.moves and role in r.roles)


def open_case(
    case_id: str, reported_at: float, actor: Actor, detail: Mapping[str, object] | None = None
) -> Step:
    """A new case, as reported (by a hotline operator, a citizen's photo, a grid worker)."""
    _check_time(case_id, reported_at)
    case = Case(id=case_id, status="reported", reported_at=reported_at, last_step_at=reported_at)
    return Step(
        case, (CaseEvent(CaseEventKind.REPORTED, reported_at, actor.name, dict(detail or {})),)
    )


def accept(case: Case, actor: Actor, ts: float) -> Step:
    _check(case, CaseAction.ACCEPT, actor, ts)
    return _take(case, CaseEvent(CaseEventKind.ACCEPTED, ts, actor.name))


def dispatch(case: Case, actor: Actor, ts: float, units: Iterable[str]) -> Step:
    """Send officers; an unaccepted case gets its ``accepted`` event at the same moment."""
    _check(case, CaseAction.DISPATCH, actor, ts)
    sent = tuple(dict.fromkeys(units))
    if not sent or any(not u for u in sent):
        raise InvalidStep(case.id, "dispatch needs at least one officer")
    events: list[CaseEvent] = []
    if case.status == "reported":
        events.append(CaseEvent(CaseEventKind.ACCEPTED, ts, actor.name))
    events.append(CaseEvent(CaseEventKind.DISPATCHED, ts, actor.name, {"units": list(sent)}))
    return _take(case, *events)


def report_moving(case: Case, actor: Actor, ts: float, unit: str) -> Step:
    """An assigned officer is on the way (status ``en_route``, or the track shows it)."""
    _check(case, CaseAction.REPORT_MOVING, actor, ts)
    _check_assigned(case, unit)
    return _take(case, CaseEvent(CaseEventKind.MOVING, ts, actor.name, {"unit": unit}))


def arrive(case: Case, actor: Actor, ts: float, unit: str) -> Step:
    _check(case, CaseAction.ARRIVE, actor, ts)
    _check_assigned(case, unit)
    return _take(case, CaseEvent(CaseEventKind.ARRIVED, ts, actor.name, {"unit": unit}))


def handle(case: Case, actor: Actor, ts: float, outcome: str = "") -> Step:
    """Handled on scene (the 15 of 1-3-15), whether or not a rectification follows."""
    _check(case, CaseAction.HANDLE, actor, ts)
    return _take(case, CaseEvent(CaseEventKind.HANDLED, ts, actor.name, _note("outcome", outcome)))


def order_rectification(
    case: Case, actor: Actor, ts: float, deadline: float, note: str = ""
) -> Step:
    """Order the party to put things right by ``deadline``; a follow-up inspection checks."""
    _check(case, CaseAction.ORDER_RECTIFICATION, actor, ts)
    if not math.isfinite(deadline) or deadline <= ts:
        raise InvalidStep(case.id, f"rectification deadline {deadline} is not after {ts}")
    detail: dict[str, object] = {"deadline": deadline, **_note("note", note)}
    if case.status == "followup":
        detail["inspection"] = "failed"
    return _take(case, CaseEvent(CaseEventKind.RECTIFICATION_DEADLINE, ts, actor.name, detail))


def start_followup(case: Case, actor: Actor, ts: float, unit: str = "") -> Step:
    """The follow-up inspection of a rectification begins (early or after the deadline)."""
    _check(case, CaseAction.START_FOLLOWUP, actor, ts)
    return _take(case, CaseEvent(CaseEventKind.FOLLOWUP, ts, actor.name, _note("unit", unit)))


def close(case: Case, actor: Actor, ts: float, note: str = "") -> Step:
    """Close the loop; closing after a follow-up records that the inspection passed."""
    _check(case, CaseAction.CLOSE, actor, ts)
    detail = _note("note", note)
    if case.status == "followup":
        detail["inspection"] = "passed"
    return _take(case, CaseEvent(CaseEventKind.CLOSED, ts, actor.name, detail))


def case_from_events(case_id: str, events: Iterable[CaseEvent]) -> Case:
    """Rebuild a case from its timeline (stored order); the first event must be ``reported``.

    Roles are not checked again: the events were allowed when they were recorded.
    """
    timeline = iter(events)
    first = next(timeline, None)
    if first is None or first.kind != CaseEventKind.REPORTED:
        raise InvalidStep(case_id, "a timeline starts with its report")
    case = Case(id=case_id, status="reported", reported_at=first.ts, last_step_at=first.ts)
    for event in timeline:
        case = _effect(case, event)
    return case


# ---- internals -----------------------------------------------------------------------

_ACTION_OF: Mapping[CaseEventKind, CaseAction] = MappingProxyType(
    {
        CaseEventKind.DISPATCHED: CaseAction.DISPATCH,
        CaseEventKind.MOVING: CaseAction.REPORT_MOVING,
        CaseEventKind.ARRIVED: CaseAction.ARRIVE,
        CaseEventKind.HANDLED: CaseAction.HANDLE,
        CaseEventKind.RECTIFICATION_DEADLINE: CaseAction.ORDER_RECTIFICATION,
        CaseEventKind.FOLLOWUP: CaseAction.START_FOLLOWUP,
        CaseEventKind.CLOSED: CaseAction.CLOSE,
    }
)


def _effect(case: Case, event: CaseEvent) -> Case:
    """What one recorded event does to the case: the single source of the state rules."""
    if event.kind == CaseEventKind.ACCEPTED:
        # Also written by a dispatch of a reported case, just before its ``dispatched``.
        if case.status != "reported":
            raise IllegalTransition(case.id, f"cannot accept a case that is {case.status}")
        status: Status = "accepted"
    else:
        action = _ACTION_OF.get(event.kind)
        if action is None:
            raise IllegalTransition(case.id, f"{event.kind} happens only once, first")
        moved = RULES[action].moves.get(case.status)
        if moved is None:
            raise IllegalTransition(case.id, f"cannot {action} a case that is {case.status}")
        status = moved
    units = case.units
    if event.kind == CaseEventKind.DISPATCHED:
        sent = event.detail.get("units", [])
        if isinstance(sent, list):
            units = tuple(dict.fromkeys([*units, *(str(u) for u in sent)]))
    rectify_by = case.rectify_by
    if event.kind == CaseEventKind.RECTIFICATION_DEADLINE:
        deadline = event.detail.get("deadline")
        rectify_by = float(deadline) if isinstance(deadline, int | float) else None
    return replace(
        case,
        status=status,
        units=units,
        rectify_by=rectify_by,
        last_step_at=max(case.last_step_at, event.ts),
    )


def _take(case: Case, *events: CaseEvent) -> Step:
    after = case
    for event in events:
        after = _effect(after, event)
    return Step(after, events)


def _check(case: Case, action: CaseAction, actor: Actor, ts: float) -> None:
    rule = RULES[action]
    if actor.role not in rule.roles:
        raise NotPermitted(case.id, f"{actor.name} ({actor.role}) may not {action}")
    if case.status not in rule.moves:
        allowed = ", ".join(sorted(rule.moves))
        raise IllegalTransition(
            case.id, f"cannot {action} a case that is {case.status} (only when {allowed})"
        )
    _check_time(case.id, ts)
    # The 1-3-15 clock reads these times: a step stamped before the one it follows would
    # make a late case look on time.
    if ts < case.last_step_at:
        raise InvalidStep(
            case.id, f"{action} at {ts} is before the previous step at {case.last_step_at}"
        )


def _check_time(case_id: str, ts: float) -> None:
    if not math.isfinite(ts):
        raise InvalidStep(case_id, f"time {ts} is not a time")


def _check_assigned(case: Case, unit: str) -> None:
    if unit not in case.units:
        raise InvalidStep(case.id, f"officer {unit} is not assigned to this case")


def _note(key: str, text: str) -> dict[str, object]:
    return {key: text} if text else {}
