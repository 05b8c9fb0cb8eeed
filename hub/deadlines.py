"""Clocks on working time on stored cases: the 处置时限 deadline, its miss, and 延期; and
the 整改时限 an order to rectify gets from its class when the officer names none.

A case's class (``Incident.class_code``, :mod:`hub.domain.classes`) gives its disposal
limit; at the first dispatch the hub counts it on the working calendar
(:mod:`hub.domain.calendar`) and stores the deadline on the case, with the limit as text
(``"4 working_hours"``). The deadline never moves when the calendar file is edited later;
only an approved extension (延期) moves it, by the approved limit counted from the old
deadline. A case not disposed (handled on site) by its deadline is *overdue*: recorded
once, as a 1-3-15 miss is (hub/cases.py ``record_misses``): a ``deadline_missed`` timeline
row stamped with the deadline, ``overdue_at`` on the case (so a restart does not record it
again), an ``incident.update`` (change ``deadline.missed``) and an urgent ticker line.
The 1-3-15 clock runs beside this one unchanged: it is the urgent profile.

Everything here runs on the writer thread, in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping

from sqlalchemy.orm import Session

from backend_client.deadlines import DEADLINE_STOPPED
from backend_client.protocol.messages import Incident, IncidentUpdate, Ticker
from hub.domain.calendar import CHINA_TZ, Limit, WorkingCalendar
from hub.domain.classes import ClassCatalogue, MatterClass, shipped_catalogue
from hub.domain.wording import deadline_miss_line
from hub.snapshot_load import incident_from_row
from hub.store.models import CaseEvent as CaseEventRow
from hub.store.models import Incident as IncidentRow
from hub.writer import Emitter

log = logging.getLogger(__name__)
_WARNED_YEARS: set[int] = set()

#: The timeline row of a recorded overdue (a clock's note, like ``sla_missed``).
DEADLINE_MISSED_KIND = "deadline_missed"
# When the clock stops (DEADLINE_STOPPED) is shared with the screens:
# backend_client/deadlines.py.


def limit_text(limit: Limit) -> str:
    """The stored and wire form of a limit: ``"4 working_hours"``, ``"15 working_days"``."""
    return f"{limit.amount:g} {limit.unit}"


def class_of(row: IncidentRow, catalogue: ClassCatalogue) -> MatterClass | None:
    return catalogue.by_code(row.class_code) if row.class_code else None


def fix_deadline(
    row: IncidentRow, catalogue: ClassCatalogue, calendar: WorkingCalendar, dispatched_at: float
) -> bool:
    """Fix the case's deadline at its first dispatch: ``calendar.deadline(dispatched_at,
    class.dispose)``. A case already holding one (a reinforcement), or with no class (an
    old free name), is left alone. Returns whether a deadline was fixed."""
    if row.deadline is not None:
        return False
    matter = class_of(row, catalogue)
    if matter is None:
        return False
    year = dt.datetime.fromtimestamp(dispatched_at, CHINA_TZ).year
    if not calendar.covers(dispatched_at) and year not in _WARNED_YEARS:
        # Counted anyway (weekends are known), but a holiday may count as work. Said once
        # a year per process (at start too: coverage_warnings), not once per dispatch.
        _WARNED_YEARS.add(year)
        log.warning(
            "the working calendar has no holidays for %s: deadlines of cases dispatched then"
            " (first: %s) count weekends but no holidays",
            year,
            row.id,
        )
    row.deadline = calendar.deadline(dispatched_at, matter.dispose)
    row.deadline_limit = limit_text(matter.dispose)
    return True


def rectify_deadline(
    row: IncidentRow, catalogue: ClassCatalogue, calendar: WorkingCalendar, ordered_at: float
) -> float | None:
    """The 整改时限 an order to rectify gets when the officer names no deadline:
    ``calendar.deadline(ordered_at, class.rectify)``; None when the case's class has no
    rectification limit (or the case no class): the order then needs its own deadline."""
    matter = class_of(row, catalogue)
    if matter is None or matter.rectify is None:
        return None
    return calendar.deadline(ordered_at, matter.rectify)


def extended(row: IncidentRow, limit: Limit, calendar: WorkingCalendar) -> float:
    """The deadline after an extension by ``limit``: counted on from the current deadline
    (the extra time adds to what was given, it does not restart the clock)."""
    if row.deadline is None:
        raise ValueError("the case has no deadline to extend")
    return calendar.deadline(row.deadline, limit)


def move_deadline(row: IncidentRow, deadline: float) -> None:
    """An approved extension: the new deadline, and no recorded overdue of the old one
    (a miss of the new deadline is recorded again, once)."""
    row.deadline = deadline
    row.overdue_at = None


def is_overdue(
    deadline: float | None, status: str, parent_id: str | None, recorded: bool, now: float
) -> bool:
    """Whether an overdue is due to be recorded: past the deadline, not disposed (the
    status says so: a 返工 puts a case back to work), not merged into another case, not
    already recorded."""
    if deadline is None or recorded or now <= deadline or parent_id:
        return False
    return status not in DEADLINE_STOPPED


def record_overdue(session: Session, emitter: Emitter, row: IncidentRow, now: float) -> bool:
    """Record the case's overdue if due at ``now`` and not yet recorded: exactly once per
    deadline. Returns whether it was recorded now."""
    if not is_overdue(row.deadline, row.status, row.parent_id, row.overdue_at is not None, now):
        return False
    assert row.deadline is not None
    deadline = row.deadline
    session.add(
        CaseEventRow(
            incident_id=row.id,
            kind=DEADLINE_MISSED_KIND,
            ts=deadline,
            actor="hub",
            detail={"deadline": deadline, "limit": row.deadline_limit or ""},
        )
    )
    row.overdue_at = deadline
    incident = incident_from_row(row)
    emitter.emit(
        lambda seq, t: IncidentUpdate(seq=seq, ts=t, incident=incident, change="deadline.missed")
    )
    line = deadline_miss_line(row.id, row.category, row.address or row.category)
    emitter.emit(lambda seq, ts: Ticker(seq=seq, ts=ts, urgent=True, incident_id=row.id, **line))
    return True


def sweep_overdue(
    session: Session, emitter: Emitter, incident_ids: Iterable[str], now: float
) -> list[str]:
    """Record the overdues due at ``now`` on the given cases (read again under the writer)."""
    recorded: list[str] = []
    for incident_id in incident_ids:
        row = session.get(IncidentRow, incident_id)
        if row is not None and record_overdue(session, emitter, row, now):
            recorded.append(row.id)
    return recorded


def overdue_candidates(incidents: Iterable[Incident], now: float) -> list[str]:
    """Cases in the live picture past their deadline, undisposed, with no recorded
    overdue: a cheap filter on the loop; the writer decides again from the store."""
    return [
        incident.id
        for incident in incidents
        if is_overdue(
            incident.deadline,
            incident.status,
            incident.parent_id,
            incident.overdue,
            now,
        )
    ]


def coverage_warnings(calendar: WorkingCalendar, now: float) -> list[str]:
    """What to tell the operator at start and in ``watchfloor check``: this year (China
    time) not in the calendar (its holidays would count as work), or only provisional."""
    year = dt.datetime.fromtimestamp(now, CHINA_TZ).year
    warnings: list[str] = []
    if year not in calendar.years:
        warnings.append(
            f"the working calendar has no holidays for {year}: deadlines count weekends only"
            " (pass --calendar FILE with this year's notice)"
        )
    elif year in calendar.provisional:
        warnings.append(f"the working calendar's {year} is provisional (statutory holidays only)")
    return warnings


def granted_deadline(
    row: IncidentRow,
    asked: Mapping[str, float] | None,
    granted: Mapping[str, float] | None,
    calendar: WorkingCalendar,
) -> float | None:
    """The deadline an approval of 延期 gives: the granted limit (else the asked one)
    counted on from the case's deadline; None when there is nothing to count (no
    deadline, no or a bad limit: the lifecycle then refuses the step, naming the field)."""
    table = granted or asked
    if row.deadline is None or not table:
        return None
    try:
        return extended(row, Limit.from_table(table), calendar)
    except (ValueError, TypeError):
        return None


def settle_deadline(
    row: IncidentRow,
    kinds_and_details: Iterable[tuple[str, Mapping[str, object], float]],
    catalogue: ClassCatalogue,
    calendar: WorkingCalendar,
) -> None:
    """What a step's events do to the deadline: the first dispatch fixes it, an approved
    extension moves it (the new deadline is in the event's detail)."""
    for kind, detail, ts in kinds_and_details:
        if kind == "dispatched":
            fix_deadline(row, catalogue, calendar, ts)
        elif kind == "extension_approved":
            deadline = detail.get("deadline")
            if isinstance(deadline, int | float):
                move_deadline(row, float(deadline))


def class_group(code: str | None, catalogue: ClassCatalogue | None = None) -> str:
    """The 大类 name of a class code (街面秩序 for 09009); "" for none or an unknown code."""
    matter = (catalogue or shipped_catalogue()).by_code(code) if code else None
    return "" if matter is None else matter.group.name
