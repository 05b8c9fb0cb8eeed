"""Cases in the store: lifecycle steps and 1-3-15 misses, as units of work for the writer.

The rules live in :mod:`hub.domain.lifecycle` and :mod:`hub.domain.sla`; this module reads
a case's stored timeline, asks the rules for the step, and writes what the step records
(``case_events`` rows, the incident's status, units and SLA marks) plus the stream events,
all in the caller's transaction. Everything here runs on the writer thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend_client.protocol.messages import (
    Alert,
    AlertNew,
    Incident,
    IncidentUpdate,
    SlaMarks,
    Ticker,
)
from hub import deadlines
from hub.domain import lifecycle
from hub.domain.calendar import WorkingCalendar, shipped_calendar
from hub.domain.classes import shipped_catalogue
from hub.domain.lifecycle import Actor, Case, CaseAction, CaseEventKind, InvalidStep, Step
from hub.domain.sla import (
    ONE_THREE_FIFTEEN,
    STAGES,
    SlaClock,
    SlaLimits,
    SlaMiss,
    due_misses,
)
from hub.domain.wording import Wording, sla_miss_line, supervised_alert, supervised_line
from hub.snapshot_load import asked_text, incident_from_row
from hub.store.models import AlertRow
from hub.store.models import CaseEvent as CaseEventRow
from hub.store.models import Incident as IncidentRow
from hub.writer import Emitter, EventFactory

# Wire names of the actions. ``moving``, ``rectify`` and ``followup`` are the short forms
# an operator's desk and the simulator driver use for the longer domain names.
# ``visit`` is not a step a desk names: a 回访 is ``case.visit`` (it also stores the visit).
ACTION_NAMES: dict[str, CaseAction] = {
    **{str(a): a for a in CaseAction if a is not CaseAction.VISIT},
    "moving": CaseAction.REPORT_MOVING,
    "rectify": CaseAction.ORDER_RECTIFICATION,
    "followup": CaseAction.START_FOLLOWUP,
}
LIFECYCLE_KINDS = frozenset(str(k) for k in CaseEventKind)
SLA_MISSED_KIND = "sla_missed"
# Statuses in which some stage of the clock can still turn into a miss (handled is last).
# A suspended (挂账) or void (作废) case is nobody's open work: its clock stops.
SLA_OPEN_STATUSES = frozenset({"reported", "verified", "accepted", "dispatched", "arrived"})


class CaseNotFound(LookupError):
    def __init__(self, incident_id: str) -> None:
        super().__init__(f"no case {incident_id}")
        self.incident_id = incident_id


@dataclass(frozen=True, slots=True)
class StepArgs:
    """What some actions need besides the actor and time."""

    units: tuple[str, ...] = ()
    outcome: str = ""
    note: str = ""
    deadline: float | None = None
    #: 核实 (confirmed | false), 核查 (passed | failed), 回访 (satisfied | ... | unreached).
    result: str = ""
    #: 回访: phone | sms | on_site.
    channel: str = ""
    #: 回访 of a merged child's reporter, taken on its parent: the child's id.
    child: str = ""
    #: 延期: the limit asked or granted ({"working_days": 2}); on approval the store
    #: fills ``deadline`` (the new one) and ``previous`` (hub/deadlines.py).
    limit: Mapping[str, float] | None = None
    previous: float | None = None


@dataclass(frozen=True, slots=True)
class StepResult:
    incident_id: str
    status: str
    seq: int
    case: Case
    missed: tuple[str, ...]


def parse_action(name: str) -> CaseAction:
    action = ACTION_NAMES.get(name)
    if action is None:
        raise KeyError(name)
    return action


def take(case: Case, action: CaseAction, actor: Actor, ts: float, args: StepArgs) -> Step:
    """The domain step for ``action``; raises the domain's ``CaseRuleError`` if not allowed."""
    unit = args.units[0] if args.units else ""
    match action:
        case CaseAction.ACCEPT:
            return lifecycle.accept(case, actor, ts)
        case CaseAction.DISPATCH:
            return lifecycle.dispatch(case, actor, ts, args.units)
        case CaseAction.REPORT_MOVING:
            return lifecycle.report_moving(case, actor, ts, unit)
        case CaseAction.ARRIVE:
            return lifecycle.arrive(case, actor, ts, unit)
        case CaseAction.HANDLE:
            return lifecycle.handle(case, actor, ts, args.outcome)
        case CaseAction.ORDER_RECTIFICATION:
            if args.deadline is None:
                raise InvalidStep(
                    case.id,
                    "a rectification needs a deadline (its class has no 整改时限)",
                    "deadline",
                )
            return lifecycle.order_rectification(case, actor, ts, args.deadline, args.note)
        case CaseAction.START_FOLLOWUP:
            return lifecycle.start_followup(case, actor, ts, unit)
        case CaseAction.CLOSE:
            return lifecycle.close(case, actor, ts, args.note)
        case CaseAction.VERIFY:
            return lifecycle.verify(case, actor, ts, args.result, args.note)
        case CaseAction.CHECK:
            return lifecycle.check(case, actor, ts, args.result, args.note, unit)
        case CaseAction.REWORK:
            return lifecycle.rework(case, actor, ts, args.note)
        case CaseAction.SUPERVISE:
            return lifecycle.supervise(case, actor, ts, args.note)
        case CaseAction.VOID:
            return lifecycle.void(case, actor, ts, args.note)
        case CaseAction.SUSPEND:
            return lifecycle.suspend(case, actor, ts, args.note)
        case CaseAction.RESUME:
            return lifecycle.resume(case, actor, ts, args.note)
        case CaseAction.VISIT:
            return lifecycle.visit(
                case, actor, ts, args.channel, args.result, args.note, args.child
            )
        case CaseAction.REQUEST_EXTENSION:
            return lifecycle.request_extension(case, actor, ts, args.limit, args.note)
        case CaseAction.APPROVE_EXTENSION:
            return lifecycle.approve_extension(
                case, actor, ts, args.limit, args.deadline, args.previous, args.note
            )
        case CaseAction.REJECT_EXTENSION:
            return lifecycle.reject_extension(case, actor, ts, args.note)
    raise InvalidStep(case.id, f"unknown action {action}")  # pragma: no cover


def _timeline(session: Session, incident_id: str) -> list[lifecycle.CaseEvent]:
    rows = session.scalars(
        select(CaseEventRow)
        .where(CaseEventRow.incident_id == incident_id)
        .order_by(CaseEventRow.ts, CaseEventRow.id)
    ).all()
    # sla_missed rows are the clock's notes, not steps of the case.
    return [
        lifecycle.CaseEvent(CaseEventKind(r.kind), r.ts, r.actor, dict(r.detail or {}))
        for r in rows
        if r.kind in LIFECYCLE_KINDS
    ]


def apply_step(
    session: Session,
    emitter: Emitter,
    incident_id: str,
    action: CaseAction,
    actor: Actor,
    ts: float,
    args: StepArgs,
    now: float,
    calendar: WorkingCalendar | None = None,
) -> StepResult:
    """Take one lifecycle step on a stored case, in the caller's transaction.

    Emits an ``incident.update`` (``change`` is the last event kind the step recorded), then
    records any 1-3-15 miss the step reveals (a late acceptance noticed before the sweep).
    """
    row = session.get(IncidentRow, incident_id)
    if row is None:
        raise CaseNotFound(incident_id)
    timeline = _timeline(session, row.id)
    case = lifecycle.case_from_events(row.id, timeline)
    # Clocks on working time (hub/deadlines.py): ``calendar`` is the hub's (--calendar).
    working = calendar if calendar is not None else shipped_calendar()
    if action is CaseAction.APPROVE_EXTENSION:
        # 延期: the new deadline is counted here, where the stored one is known.
        asked = dict(case.extension_asked) if case.extension_asked is not None else None
        granted = deadlines.granted_deadline(row, asked, args.limit, working)
        args = replace(args, deadline=granted, previous=row.deadline)
    elif action is CaseAction.ORDER_RECTIFICATION and args.deadline is None:
        # No deadline named: the class's 整改时限 from now (none: refused, as always).
        ordered = deadlines.rectify_deadline(row, shipped_catalogue(), working, ts)
        args = replace(args, deadline=ordered)
    step = take(case, action, actor, ts, args)
    for event in step.events:
        session.add(
            CaseEventRow(
                incident_id=row.id,
                kind=str(event.kind),
                ts=event.ts,
                actor=event.actor,
                detail=dict(event.detail) or None,
            )
        )
    row.status = step.case.status
    row.units = list(step.case.units)
    deadlines.settle_deadline(
        row, ((str(e.kind), e.detail, e.ts) for e in step.events), shipped_catalogue(), working
    )
    clock = SlaClock.from_events(row.reported_at, [*timeline, *step.events], limits_of(row))
    # Steps may be stamped a moment ahead of the hub clock (a device's own time).
    at = max(now, ts)
    recorded = _recorded(row)
    row.sla = _marks(clock, at, recorded)
    # The step's case knows whether a 延期 request now waits (no column holds it).
    incident = incident_from_row(row, asked_text(step.case.extension_asked))
    change = str(step.events[-1].kind)
    update = emitter.emit(
        lambda seq, t: IncidentUpdate(seq=seq, ts=t, incident=incident, change=change)
    )
    missed = record_misses(session, emitter, row, clock, at)
    deadlines.record_overdue(session, emitter, row, at)
    if step.events[-1].kind == CaseEventKind.SUPERVISED:
        announce_supervision(session, emitter, row, step.events[-1])
    return StepResult(row.id, row.status, update.seq, step.case, missed)


SUPERVISED_ALERT_KIND = "supervised"


def announce_supervision(
    session: Session, emitter: Emitter, row: IncidentRow, event: lifecycle.CaseEvent
) -> None:
    """A 督办 is seen: an urgent ticker line and an alert on every wall (cleared by a
    desk's acknowledgement, hub/sos.py ACK_CLEARS)."""
    note = str(event.detail.get("note", ""))
    line = supervised_line(row.id, row.category, row.address or row.category, note)
    emitter.emit(_urgent_ticker(line, row.id))
    alert = Alert(
        id=f"{SUPERVISED_ALERT_KIND}:{row.id}@{event.ts:.3f}",
        kind=SUPERVISED_ALERT_KIND,
        subject=row.id,
        ts=event.ts,
        severity=2,
        **supervised_alert(row.id, note),
    )
    if session.get(AlertRow, alert.id) is not None:
        return  # the same order again in the same millisecond: one alert
    session.add(
        AlertRow(
            id=alert.id,
            kind=alert.kind,
            subject=alert.subject,
            text=alert.text,
            ts=alert.ts,
            cleared_at=None,
            code=alert.code,
            args=dict(alert.args),
        )
    )
    emitter.emit(lambda seq, ts: AlertNew(seq=seq, ts=ts, alert=alert))


def _recorded(row: IncidentRow) -> list[str]:
    return list((row.sla or {}).get("missed", []))


def _marks(clock: SlaClock, now: float, missed: Iterable[str]) -> dict[str, object]:
    marks = clock.marks(now)
    recorded = set(missed)
    # The stored list is what has been recorded, in stage order: a miss shows once it has
    # its sla_missed event, so a wall never sees a miss the timeline does not have.
    marks.missed = [str(s) for s in STAGES if str(s) in recorded]
    built: dict[str, object] = msgspec.to_builtins(marks)
    return built


def limits_of(row: IncidentRow) -> SlaLimits:
    """The limits a case was reported under, read back from its stored deadlines."""
    if not row.sla:
        return ONE_THREE_FIFTEEN
    marks = msgspec.convert(row.sla, SlaMarks)
    return SlaLimits(
        accept_within=marks.accept_by - row.reported_at,
        move_within=marks.move_by - row.reported_at,
        handle_within=marks.handle_by - row.reported_at,
    )


def clock_of(row: IncidentRow) -> SlaClock | None:
    if not row.sla:
        return None
    marks = msgspec.convert(row.sla, SlaMarks)
    return SlaClock(
        row.reported_at, marks.accepted_at, marks.moving_at, marks.handled_at, limits_of(row)
    )


def record_misses(
    session: Session,
    emitter: Emitter,
    row: IncidentRow,
    clock: SlaClock,
    now: float,
) -> tuple[str, ...]:
    """Record each stage missed at ``now`` and not recorded yet: exactly once per stage.

    Writes a ``sla_missed`` timeline row per stage (stamped with the deadline, when it
    became a miss), the incident's marks, an ``incident.update`` with change
    ``sla.missed`` and an urgent ticker line per stage.
    """
    if row.parent_id is not None:
        # Merged into another case (case.merge): no longer separate work, so its clock
        # records nothing more; the parent's clock is the one that counts.
        return ()
    recorded = _recorded(row)
    due: Sequence[SlaMiss] = due_misses(clock, now, recorded)
    if not due:
        return ()
    for miss in due:
        session.add(
            CaseEventRow(
                incident_id=row.id,
                kind=SLA_MISSED_KIND,
                ts=miss.due_at,
                actor="hub",
                detail={"stage": str(miss.stage), "done_at": miss.done_at},
            )
        )
    stages = tuple(str(m.stage) for m in due)
    row.sla = _marks(clock, now, [*recorded, *stages])
    incident = incident_from_row(row)
    emitter.emit(
        lambda seq, t: IncidentUpdate(seq=seq, ts=t, incident=incident, change="sla.missed")
    )
    place = row.address or row.category
    for miss in due:
        line = sla_miss_line(row.id, row.category, place, miss.stage, done=miss.done_at is not None)
        emitter.emit(_urgent_ticker(line, row.id))
    return stages


def _urgent_ticker(line: Wording, incident_id: str) -> EventFactory:
    return lambda seq, ts: Ticker(seq=seq, ts=ts, urgent=True, incident_id=incident_id, **line)


def sweep_misses(
    session: Session, emitter: Emitter, incident_ids: Iterable[str], now: float
) -> list[tuple[str, tuple[str, ...]]]:
    """Record the misses due at ``now`` on the given cases (read again under the writer)."""
    recorded: list[tuple[str, tuple[str, ...]]] = []
    for incident_id in incident_ids:
        row = session.get(IncidentRow, incident_id)
        if row is None or row.status not in SLA_OPEN_STATUSES:
            continue
        clock = clock_of(row)
        if clock is None:
            continue
        stages = record_misses(session, emitter, row, clock, now)
        if stages:
            recorded.append((row.id, stages))
    return recorded


def miss_candidates(incidents: Iterable[Incident], now: float) -> list[str]:
    """Cases in the live picture with a stage past its deadline and no recorded miss.

    A cheap filter run every tick on the loop; the writer decides again from the store.
    """
    found: list[str] = []
    for incident in incidents:
        sla = incident.sla
        if sla is None or incident.status not in SLA_OPEN_STATUSES or incident.parent_id:
            continue
        missed = sla.missed
        if (
            (sla.accepted_at is None and now > sla.accept_by and "accept" not in missed)
            or (sla.moving_at is None and now > sla.move_by and "move" not in missed)
            or (sla.handled_at is None and now > sla.handle_by and "handle" not in missed)
        ):
            found.append(incident.id)
    return found
