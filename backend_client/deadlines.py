"""The 处置时限 deadline as walls, desks and the hub read it (docs/casework.md).

The hub fixes a case's deadline at dispatch on its working calendar (hub/deadlines.py) and
sends it on the case (``Incident.deadline``, ``deadline_limit``, ``overdue``). What is
shared with the screens: when the clock no longer runs, and how far a case is from its
deadline. Qt-free and without I/O (the shared core).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

#: Statuses in which the disposal clock no longer runs: disposed on site (handled and
#: after), or taken off the work (作废 voided, 挂账 suspended).
DEADLINE_STOPPED: Final[frozenset[str]] = frozenset(
    {"handled", "checked", "rectifying", "followup", "closed", "voided", "suspended"}
)
#: The units of a limit (``"4 working_hours"``), as the catalogue and the wire name them.
LIMIT_UNITS: Final[tuple[str, ...]] = ("minutes", "working_hours", "working_days")

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
    on time, or ``seconds`` after it), ``none`` (no deadline: not dispatched, no class)."""

    state: DeadlineState
    seconds: float = 0.0


def deadline_standing(
    deadline: float | None,
    status: str,
    handled_at: float | None,
    now: float,
) -> DeadlineStanding:
    """The standing of a case with this deadline, status and handle time, at ``now``.

    Seconds are calendar seconds to or from the deadline moment: the working time left is
    the hub's to count (its calendar), the screens show the moment and how far it is."""
    if deadline is None:
        return DeadlineStanding("none")
    if status in DEADLINE_STOPPED:
        if handled_at is None:
            return DeadlineStanding("none")  # voided or suspended before any disposal
        if handled_at <= deadline:
            return DeadlineStanding("met")
        return DeadlineStanding("late", handled_at - deadline)
    if now > deadline:
        return DeadlineStanding("overdue", now - deadline)
    return DeadlineStanding("running", deadline - now)
