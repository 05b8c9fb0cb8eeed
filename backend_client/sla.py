"""The 1-3-15 rule, shared by the hub and the walls: accepted within 60 s of the report, an
officer moving within 180 s, handled on scene within 900 s, all counted from the report.

A stage is *met* when done by its deadline (exactly on it counts), *missed* when done late
or still not done after it, and *pending* otherwise. The hub records the misses
(hub/domain/sla.py); the walls read the recorded marks against their own clock
(widgets/sla.py, the case drill-down), so a countdown turns red the second a deadline
passes, before the hub's sweep. Both judge one stage with :func:`judge_stage`.

Pure Python: no I/O, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from backend_client.protocol.messages import SlaMarks


class SlaStage(StrEnum):
    """The stages, as named in ``SlaMarks.missed``."""

    ACCEPT = "accept"
    MOVE = "move"
    HANDLE = "handle"


STAGES: Final[tuple[SlaStage, ...]] = tuple(SlaStage)


class StageState(StrEnum):
    PENDING = "pending"
    MET = "met"
    MISSED = "missed"


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaLimits:
    """Seconds from the report to each deadline."""

    accept_within: float = 60.0
    move_within: float = 180.0
    handle_within: float = 900.0

    def __post_init__(self) -> None:
        if not 0 < self.accept_within <= self.move_within <= self.handle_within:
            raise ValueError("SlaLimits: need 0 < accept_within <= move_within <= handle_within")

    def within(self, stage: SlaStage) -> float:
        return {
            SlaStage.ACCEPT: self.accept_within,
            SlaStage.MOVE: self.move_within,
            SlaStage.HANDLE: self.handle_within,
        }[stage]


#: The rule itself: 1 minute, 3 minutes, 15 minutes.
ONE_THREE_FIFTEEN: Final = SlaLimits()


@dataclass(frozen=True, slots=True)
class StageStanding:
    """One stage at one moment. ``seconds_left`` is the time to the deadline while pending,
    or the margin it was met with; ``seconds_late`` is how far past the deadline a missed
    stage was done, or is now if still not done (never negative)."""

    stage: SlaStage
    state: StageState
    deadline: float
    done_at: float | None
    seconds_left: float | None
    seconds_late: float | None


def judge_stage(
    stage: SlaStage,
    deadline: float,
    done_at: float | None,
    now: float,
    *,
    recorded_missed: bool = False,
) -> StageStanding:
    """Where ``stage`` stands at ``now``, done at ``done_at`` (None: not yet).

    ``recorded_missed``: the hub recorded a miss of this stage (``SlaMarks.missed``). A
    recorded miss is permanent, so the stage reads missed even where this clock would not
    say so yet (a wall's clock a little behind the hub's).
    """
    if done_at is not None and done_at <= deadline and not recorded_missed:
        return StageStanding(stage, StageState.MET, deadline, done_at, deadline - done_at, None)
    if done_at is not None:
        late = max(0.0, done_at - deadline)
        return StageStanding(stage, StageState.MISSED, deadline, done_at, None, late)
    if now <= deadline and not recorded_missed:
        return StageStanding(stage, StageState.PENDING, deadline, None, deadline - now, None)
    return StageStanding(stage, StageState.MISSED, deadline, None, None, max(0.0, now - deadline))


def deadlines(marks: SlaMarks) -> tuple[tuple[SlaStage, float, float | None], ...]:
    """Each stage with its deadline and when it was done, from the recorded marks."""
    return (
        (SlaStage.ACCEPT, marks.accept_by, marks.accepted_at),
        (SlaStage.MOVE, marks.move_by, marks.moving_at),
        (SlaStage.HANDLE, marks.handle_by, marks.handled_at),
    )


def stage_standings(marks: SlaMarks, now: float) -> tuple[StageStanding, ...]:
    """Every stage of a case as a wall judges it at ``now``: the recorded marks (misses
    included) read against the wall's clock."""
    missed = set(marks.missed)
    return tuple(
        judge_stage(stage, by, done, now, recorded_missed=str(stage) in missed)
        for stage, by, done in deadlines(marks)
    )
