"""The 处置时限 deadline as walls, desks and the hub read it (docs/casework.md).

The hub fixes a case's deadline at dispatch on its working calendar (hub/deadlines.py) and
sends it on the case (``Incident.deadline``, ``deadline_limit``, ``overdue``). What is
shared with the screens: when the clock no longer runs, and how far a case is from its
deadline, in calendar time and, when the desk holds the hub's calendar (``calendar.get``,
backend_client/workcalendar.py), in working time. Qt-free and without I/O (the shared core).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from backend_client.workcalendar import WorkingCalendar

#: Statuses in which the disposal clock no longer runs: disposed on site (handled and
#: after), or taken off the work (作废 voided, 挂账 suspended).
DEADLINE_STOPPED: Final[frozenset[str]] = frozenset(
    {"handled", "checked", "rectifying", "followup", "closed", "voided", "suspended"}
)
#: The units of a limit (``"4 working_hours"``), as the catalogue and the wire name them.
LIMIT_UNITS: Final[tuple[str, ...]] = ("minutes", "working_hours", "working_days")
#: The units counted on the working calendar (``minutes`` are calendar time).
WORKING_UNITS: Final[frozenset[str]] = frozenset({"working_hours", "working_days"})

DeadlineState = Literal["running", "overdue", "met", "late", "none"]


def parse_limit(text: str) -> tuple[float, str] | None:
    """``"4 working_hours"`` as (4.0, "working_hours"); None for "" or anything else."""
    amount, _, unit = text.partition(" ")
    if unit not in LIMIT_UNITS:
        return None
    try:
        value = float(amount)
    except ValueError:
        return None
    return (value, unit) if value > 0 else None


@dataclass(frozen=True, slots=True)
class DeadlineStanding:
    """Where a case stands on its deadline at a moment: ``running`` (``seconds`` left),
    ``overdue`` (``seconds`` past it, still not disposed), ``met`` or ``late`` (disposed:
    on time, or ``seconds`` after it), ``none`` (no deadline: not dispatched, no class).

    ``working`` is the working time left (running) or past (overdue), in seconds on the
    hub's calendar, when it was given one and the limit counts working time; ``None``
    otherwise (word ``seconds``). ``day_seconds`` is that calendar's working day, to say
    how many working days that is."""

    state: DeadlineState
    seconds: float = 0.0
    working: float | None = None
    day_seconds: float = 0.0


def deadline_standing(
    deadline: float | None,
    status: str,
    handled_at: float | None,
    now: float,
    *,
    calendar: WorkingCalendar | None = None,
    limit: str = "",
) -> DeadlineStanding:
    """The standing of a case with this deadline, status and handle time, at ``now``.

    Seconds are calendar seconds to or from the deadline moment. With the hub's
    ``calendar`` and a ``limit`` (``"4 working_hours"``) in working hours or days, a
    running or overdue standing also counts the working time between now and the
    deadline, as the hub counted the limit: over a weekend "2 days 17 hours left" is
    "1 working hour left". A limit in minutes is calendar time and stays so."""
    if deadline is None:
        return DeadlineStanding("none")
    if status in DEADLINE_STOPPED:
        if handled_at is None:
            return DeadlineStanding("none")  # voided or suspended before any disposal
        if handled_at <= deadline:
            return DeadlineStanding("met")
        return DeadlineStanding("late", handled_at - deadline)
    parsed = parse_limit(limit)
    # The calendar to count working time on: none for a limit in calendar minutes.
    work = calendar if parsed is not None and parsed[1] in WORKING_UNITS else None
    if now > deadline:
        if work is None:
            return DeadlineStanding("overdue", now - deadline)
        past = work.working_elapsed(deadline, now)
        return DeadlineStanding("overdue", now - deadline, past, work.day_seconds)
    if work is None:
        return DeadlineStanding("running", deadline - now)
    left = work.working_elapsed(now, deadline)
    return DeadlineStanding("running", deadline - now, left, work.day_seconds)
