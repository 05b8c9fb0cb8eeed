"""The case lifecycle: which step may follow which, who may take it, what it records.

reported [-> verified] -> accepted -> dispatched -> arrived -> handled -> checked -> closed,
or, when the officer orders a time-limited rectification, handled -> rectifying -> followup
-> closed (a failed follow-up inspection orders a new rectification: followup ->
rectifying; the follow-up inspection is itself the on-site re-check).

The nodes of the closed loop (CASEWORK-NOTES.md, "Stages and time limits"), none of which
may be skipped:

- 核实 (``verify``): a report is confirmed (-> verified, then accepted) or found false
  (-> voided) before it is accepted.
- 核查 (``check``): an officer re-checks a handled case on site. Closing a handled case
  without a passed 核查 is refused (:class:`CheckRequired`); a failed 核查 is a 返工.
- 返工 (``rework``): the case goes back to its officers (-> dispatched); also what a
  dissatisfied 回访 (``visit``) does to a closed case.
- 督办 (``supervise``): a supervisor's order on an open case; a timeline row, no move.
- 作废 (``void``) and 挂账 (``suspend``, undone by ``resume``): a supervisor's, with a
  written reason. A void case is finished; a suspended one waits, off every clock.

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

from backend_client.protocol.messages import (
    FINISHED_STATUSES,
    OPEN_STATUSES,
    IncidentStatusName,
)
from hub.domain.calendar import Limit

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
# Who decides about a case rather than works it: 督办, 作废, 挂账 and its resumption.
SUPERVISORS = frozenset({"supervisor", "admin"})

# A case someone still has to work on (not finished, not parked), and a finished one: the
# shared vocabulary's (backend_client/protocol/messages.py), which the screens read too.
OPEN: tuple[Status, ...] = OPEN_STATUSES
FINISHED: frozenset[Status] = FINISHED_STATUSES

VERIFY_RESULTS = ("confirmed", "false")
CHECK_RESULTS = ("passed", "failed")
VISIT_CHANNELS = ("phone", "sms", "on_site")
VISIT_RESULTS = ("satisfied", "basic", "dissatisfied", "unreached")
# A visit that is a rating (满意率's denominator); ``unreached`` is not one.
RATED_VISIT_RESULTS = ("satisfied", "basic", "dissatisfied")


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
    VERIFIED = "verified"  # 核实; detail result confirmed | false
    CHECKED = "checked"  # 核查; detail result passed | failed
    REWORK = "rework"  # 返工; detail reason, units, by (check | desk | visit)
    SUPERVISED = "supervised"  # 督办; detail note
    VOIDED = "voided"  # 作废; detail reason
    SUSPENDED = "suspended"  # 挂账; detail reason
    RESUMED = "resumed"
    VISITED = "visited"  # 回访; detail channel, result, note
    # 延期 (docs/casework.md): asked (detail limit, note), then approved (limit granted,
    # deadline, previous) or rejected (note). The case's status does not move.
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_APPROVED = "extension_approved"
    EXTENSION_REJECTED = "extension_rejected"


class CaseAction(StrEnum):
    ACCEPT = "accept"
    DISPATCH = "dispatch"
    REPORT_MOVING = "report_moving"
    ARRIVE = "arrive"
    HANDLE = "handle"
    ORDER_RECTIFICATION = "order_rectification"
    START_FOLLOWUP = "start_followup"
    CLOSE = "close"
    VERIFY = "verify"
    CHECK = "check"
    REWORK = "rework"
    SUPERVISE = "supervise"
    VOID = "void"
    SUSPEND = "suspend"
    RESUME = "resume"
    VISIT = "visit"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    REJECT_EXTENSION = "reject_extension"


@dataclass(frozen=True, slots=True)
class Rule:
    """One action: the status it moves each allowed status to, and the roles that may."""

    moves: Mapping[Status, Status]
    roles: frozenset[str]


RULES: Mapping[CaseAction, Rule] = MappingProxyType(
    {
        # 核实 by the desk (calling the citizen back) or on the street; a false report is
        # void (see _effect), a confirmed one waits for acceptance.
        CaseAction.VERIFY: Rule({"reported": "verified"}, DESK | FIELD),
        CaseAction.ACCEPT: Rule({"reported": "accepted", "verified": "accepted"}, DESK),
        # Dispatching an unaccepted case accepts it too; dispatching again (reinforcement)
        # before the case is handled adds officers without moving the case back.
        CaseAction.DISPATCH: Rule(
            {
                "reported": "dispatched",
                "verified": "dispatched",
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
        # 核查: an officer re-checks a handled case on site (a desk may record it for
        # them). Passed -> checked; failed -> a 返工 in the same step (see check()).
        CaseAction.CHECK: Rule({"handled": "checked"}, DESK | FIELD),
        # Only a passed 核查 (or a passed follow-up inspection) leads to closing.
        CaseAction.CLOSE: Rule({"checked": "closed", "followup": "closed"}, DESK),
        # 返工 from a desk: the handling is sent back to the officers. A closed case is
        # reopened only by a dissatisfied 回访 (VISIT), never by this action.
        CaseAction.REWORK: Rule({"handled": "dispatched", "checked": "dispatched"}, DESK),
        CaseAction.SUPERVISE: Rule({s: s for s in (*OPEN, "suspended")}, SUPERVISORS),
        CaseAction.VOID: Rule({s: "voided" for s in (*OPEN, "suspended")}, SUPERVISORS),
        CaseAction.SUSPEND: Rule({s: "suspended" for s in OPEN}, SUPERVISORS),
        # Back to the status it was suspended from (Case.suspended_from); "suspended"
        # here is only the key: _effect knows where it goes.
        CaseAction.RESUME: Rule({"suspended": "suspended"}, SUPERVISORS),
        # 回访 of a closed case (operator and above); dissatisfied adds a 返工.
        CaseAction.VISIT: Rule({"closed": "closed"}, DESK),
        # 延期 of the 处置时限 deadline (fixed at dispatch, running until handled): asked
        # by the officer (or the desk relaying the officer's call), decided by a
        # supervisor; one request at a time (Case.extension_asked).
        CaseAction.REQUEST_EXTENSION: Rule(
            {"dispatched": "dispatched", "arrived": "arrived"}, FIELD | {"operator"}
        ),
        CaseAction.APPROVE_EXTENSION: Rule(
            {"dispatched": "dispatched", "arrived": "arrived"}, SUPERVISORS
        ),
        CaseAction.REJECT_EXTENSION: Rule(
            {"dispatched": "dispatched", "arrived": "arrived"}, SUPERVISORS
        ),
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
    #: While suspended (挂账): the status a ``resume`` returns to.
    suspended_from: Status | None = None
    #: An extension (延期) asked and not yet decided: the limit asked for, as the items
    #: of its table (``(("working_days", 2),)``: a tuple keeps the case hashable).
    extension_asked: tuple[tuple[str, float], ...] | None = None


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

    def __init__(self, case_id: str, message: str, field: str | None = None) -> None:
        super().__init__(case_id, message)
        #: The request field at fault, when one is (a missing reason: ``note``).
        self.field = field


class CheckRequired(IllegalTransition):
    """Closing a handled case that has not passed its 核查: the node cannot be skipped."""

    code = "check_required"


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
    if case.status in ("reported", "verified"):
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
    if case.status == "handled" and actor.role in RULES[CaseAction.CLOSE].roles:
        raise CheckRequired(
            case.id, "cannot close a handled case before its 核查 (check) has passed"
        )
    _check(case, CaseAction.CLOSE, actor, ts)
    detail = _note("note", note)
    if case.status == "followup":
        detail["inspection"] = "passed"
    return _take(case, CaseEvent(CaseEventKind.CLOSED, ts, actor.name, detail))


def verify(case: Case, actor: Actor, ts: float, result: str, note: str = "") -> Step:
    """核实 of a report: ``confirmed`` (-> verified) or ``false`` (-> voided, why in note)."""
    _check(case, CaseAction.VERIFY, actor, ts)
    if result not in VERIFY_RESULTS:
        raise InvalidStep(
            case.id, f"核实 result {result!r} is not one of {VERIFY_RESULTS}", "result"
        )
    if result == "false" and not note:
        raise InvalidStep(case.id, "a report found false needs a reason", "note")
    detail: dict[str, object] = {"result": result, **_note("note", note)}
    return _take(case, CaseEvent(CaseEventKind.VERIFIED, ts, actor.name, detail))


def check(case: Case, actor: Actor, ts: float, result: str, note: str = "", unit: str = "") -> Step:
    """核查 on site: ``passed`` (-> checked, may close) or ``failed`` (返工 -> dispatched)."""
    _check(case, CaseAction.CHECK, actor, ts)
    if result not in CHECK_RESULTS:
        raise InvalidStep(
            case.id, f"核查 result {result!r} is not one of {CHECK_RESULTS}", "result"
        )
    if result == "failed" and not note:
        raise InvalidStep(case.id, "a failed 核查 needs a reason (what is still wrong)", "note")
    detail: dict[str, object] = {"result": result, **_note("note", note), **_note("unit", unit)}
    events = [CaseEvent(CaseEventKind.CHECKED, ts, actor.name, detail)]
    if result == "failed":
        events.append(_rework_event(case, actor, ts, note, "check"))
    return _take(case, *events)


def rework(case: Case, actor: Actor, ts: float, reason: str) -> Step:
    """返工 from a desk: a handled (or checked) case goes back to its officers."""
    if case.status == "closed" and actor.role in RULES[CaseAction.REWORK].roles:
        raise IllegalTransition(
            case.id, "a closed case is reopened only by a dissatisfied 回访 (case.visit)"
        )
    _check(case, CaseAction.REWORK, actor, ts)
    _need_reason(case, reason)
    return _take(case, _rework_event(case, actor, ts, reason, "desk"))


def supervise(case: Case, actor: Actor, ts: float, note: str) -> Step:
    """督办: a supervisor's order on an open case; recorded, the status does not move."""
    _check(case, CaseAction.SUPERVISE, actor, ts)
    _need_reason(case, note)
    return _take(case, CaseEvent(CaseEventKind.SUPERVISED, ts, actor.name, {"note": note}))


def void(case: Case, actor: Actor, ts: float, reason: str) -> Step:
    """作废 with a written reason; a void case is finished and never comes back."""
    _check(case, CaseAction.VOID, actor, ts)
    _need_reason(case, reason)
    return _take(case, CaseEvent(CaseEventKind.VOIDED, ts, actor.name, {"reason": reason}))


def suspend(case: Case, actor: Actor, ts: float, reason: str) -> Step:
    """挂账 with a written reason: parked, off the clocks, until resumed."""
    _check(case, CaseAction.SUSPEND, actor, ts)
    _need_reason(case, reason)
    detail: dict[str, object] = {"reason": reason, "from": case.status}
    return _take(case, CaseEvent(CaseEventKind.SUSPENDED, ts, actor.name, detail))


def resume(case: Case, actor: Actor, ts: float, note: str = "") -> Step:
    """A suspended case goes back to the status it was suspended from."""
    _check(case, CaseAction.RESUME, actor, ts)
    detail: dict[str, object] = {"to": case.suspended_from or "reported", **_note("note", note)}
    return _take(case, CaseEvent(CaseEventKind.RESUMED, ts, actor.name, detail))


def visit(
    case: Case,
    actor: Actor,
    ts: float,
    channel: str,
    result: str,
    note: str = "",
    child: str = "",
) -> Step:
    """回访 of a closed case; ``dissatisfied`` reopens it as 返工 to its last officers.

    ``unreached`` (未联系上) is recorded and is not a rating: the desk calls again later,
    each attempt its own visit, until someone answers. ``child``: the visit was of the
    reporter of a case merged into this one (its row says which); the step is this
    case's all the same, since the work done (and redone) is this case's.
    """
    _check(case, CaseAction.VISIT, actor, ts)
    if channel not in VISIT_CHANNELS:
        raise InvalidStep(
            case.id, f"回访 channel {channel!r} is not one of {VISIT_CHANNELS}", "channel"
        )
    if result not in VISIT_RESULTS:
        raise InvalidStep(
            case.id, f"回访 result {result!r} is not one of {VISIT_RESULTS}", "result"
        )
    detail: dict[str, object] = {"channel": channel, "result": result, **_note("note", note)}
    if child:
        detail["child"] = child
    events = [CaseEvent(CaseEventKind.VISITED, ts, actor.name, detail)]
    if result == "dissatisfied":
        events.append(_rework_event(case, actor, ts, note or "回访不满意", "visit"))
    return _take(case, *events)


# ---- 延期 (extension of the 处置时限 deadline) -----------------------------------------------


class ExtensionState(IllegalTransition):
    """延期 out of turn: a second request while one waits, or a decision with none asked."""


def _extension_limit(case: Case, limit: Mapping[str, float] | None) -> dict[str, float]:
    """A limit as sent (``{"working_days": 2}``), checked: one positive amount of a
    known unit (hub.domain.calendar.Limit)."""
    if not limit:
        raise InvalidStep(case.id, "an extension needs a limit, e.g. {working_days: 2}", "limit")
    try:
        return Limit.from_table(limit).as_table()
    except (ValueError, TypeError) as exc:
        raise InvalidStep(case.id, f"extension limit: {exc}", "limit") from None


def request_extension(
    case: Case, actor: Actor, ts: float, limit: Mapping[str, float] | None, note: str
) -> Step:
    """An officer asks for more time (延期申请): how much, and why."""
    _check(case, CaseAction.REQUEST_EXTENSION, actor, ts)
    if case.extension_asked is not None:
        raise ExtensionState(case.id, "an extension is already asked and not yet decided")
    asked = _extension_limit(case, limit)
    _need_reason(case, note)
    detail: dict[str, object] = {"limit": asked, "note": note}
    return _take(case, CaseEvent(CaseEventKind.EXTENSION_REQUESTED, ts, actor.name, detail))


def approve_extension(
    case: Case,
    actor: Actor,
    ts: float,
    limit: Mapping[str, float] | None,
    deadline: float | None,
    previous: float | None,
    note: str = "",
) -> Step:
    """A supervisor grants the asked extension (or ``limit``, another amount): the new
    ``deadline`` (counted on from ``previous`` by the store, hub/deadlines.py)."""
    _check(case, CaseAction.APPROVE_EXTENSION, actor, ts)
    if case.extension_asked is None:
        raise ExtensionState(case.id, "no extension is asked")
    granted = _extension_limit(case, limit or dict(case.extension_asked))
    if deadline is None or not math.isfinite(deadline):
        raise InvalidStep(case.id, "the case has no deadline to extend", "case_id")
    detail: dict[str, object] = {"limit": granted, "deadline": deadline, **_note("note", note)}
    if previous is not None:
        detail["previous"] = previous
    return _take(case, CaseEvent(CaseEventKind.EXTENSION_APPROVED, ts, actor.name, detail))


def reject_extension(case: Case, actor: Actor, ts: float, note: str) -> Step:
    """A supervisor refuses the asked extension, saying why; the deadline stays."""
    _check(case, CaseAction.REJECT_EXTENSION, actor, ts)
    if case.extension_asked is None:
        raise ExtensionState(case.id, "no extension is asked")
    _need_reason(case, note)
    detail: dict[str, object] = {"note": note}
    return _take(case, CaseEvent(CaseEventKind.EXTENSION_REJECTED, ts, actor.name, detail))


def _extension_after(case: Case, event: CaseEvent) -> tuple[tuple[str, float], ...] | None:
    """``Case.extension_asked`` after ``event``: set by a request, cleared by a decision."""
    if event.kind == CaseEventKind.EXTENSION_REQUESTED:
        asked = event.detail.get("limit")
        return tuple(sorted(asked.items())) if isinstance(asked, Mapping) else ()
    if event.kind in (CaseEventKind.EXTENSION_APPROVED, CaseEventKind.EXTENSION_REJECTED):
        return None
    return case.extension_asked


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
        CaseEventKind.VERIFIED: CaseAction.VERIFY,
        CaseEventKind.CHECKED: CaseAction.CHECK,
        CaseEventKind.REWORK: CaseAction.REWORK,
        CaseEventKind.SUPERVISED: CaseAction.SUPERVISE,
        CaseEventKind.VOIDED: CaseAction.VOID,
        CaseEventKind.SUSPENDED: CaseAction.SUSPEND,
        CaseEventKind.RESUMED: CaseAction.RESUME,
        CaseEventKind.VISITED: CaseAction.VISIT,
        CaseEventKind.EXTENSION_REQUESTED: CaseAction.REQUEST_EXTENSION,
        CaseEventKind.EXTENSION_APPROVED: CaseAction.APPROVE_EXTENSION,
        CaseEventKind.EXTENSION_REJECTED: CaseAction.REJECT_EXTENSION,
    }
)


def _effect(case: Case, event: CaseEvent) -> Case:
    """What one recorded event does to the case: the single source of the state rules."""
    if event.kind == CaseEventKind.ACCEPTED:
        # Also written by a dispatch of a reported case, just before its ``dispatched``.
        if case.status not in ("reported", "verified"):
            raise IllegalTransition(case.id, f"cannot accept a case that is {case.status}")
        status: Status = "accepted"
    elif (
        event.kind == CaseEventKind.REWORK
        and case.status == "closed"
        and event.detail.get("by") == "visit"
    ):
        status = "dispatched"  # a dissatisfied 回访 reopens the closed case
    else:
        action = _ACTION_OF.get(event.kind)
        if action is None:
            raise IllegalTransition(case.id, f"{event.kind} happens only once, first")
        moved = RULES[action].moves.get(case.status)
        if moved is None:
            raise IllegalTransition(case.id, f"cannot {action} a case that is {case.status}")
        status = moved
        result = event.detail.get("result")
        if event.kind == CaseEventKind.VERIFIED and result == "false":
            status = "voided"
        elif event.kind == CaseEventKind.CHECKED and result == "failed":
            status = case.status  # the 返工 event that follows moves it
        elif event.kind == CaseEventKind.RESUMED:
            status = case.suspended_from or "reported"
    suspended_from = case.suspended_from
    if event.kind == CaseEventKind.SUSPENDED:
        suspended_from = case.status
    elif event.kind == CaseEventKind.RESUMED:
        suspended_from = None
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
        suspended_from=suspended_from,
        extension_asked=_extension_after(case, event),
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


def _need_reason(case: Case, reason: str) -> None:
    if not reason.strip():
        raise InvalidStep(case.id, "this step needs a written reason", "note")


def _rework_event(case: Case, actor: Actor, ts: float, reason: str, by: str) -> CaseEvent:
    # Back to the officers the case had: they redo it (a desk may dispatch more after).
    detail: dict[str, object] = {"by": by, "units": list(case.units), **_note("reason", reason)}
    return CaseEvent(CaseEventKind.REWORK, ts, actor.name, detail)
