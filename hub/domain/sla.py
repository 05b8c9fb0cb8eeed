"""The 1-3-15 clock: accepted within 60 s of the report, an officer moving within 180 s,
handled on scene within 900 s. All three deadlines count from the report.

A stage is *met* when done by its deadline (exactly on it counts), *missed* when done late
or still not done after it, and *pending* otherwise. A miss is permanent: once a stage is
missed no later event or evaluation un-misses it, which is what lets :func:`due_misses`
record each miss exactly once however often, or however late, the hub sweeps.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from backend_client.protocol.messages import SlaMarks, UnitStatusName
from backend_client.sla import (
    ONE_THREE_FIFTEEN,
    STAGES,
    SlaLimits,
    SlaStage,
    StageStanding,
    StageState,
    judge_stage,
)
from hub.domain.lifecycle import CaseEvent, CaseEventKind

# The rule set itself (stages, limits, the judgement of one stage) is shared with the
# walls in backend_client/sla.py; this module adds what only the hub does with it: read a
# case timeline, record each miss once, count compliance.
__all__ = [
    "MOVING_SPEED_MPS",
    "ONE_THREE_FIFTEEN",
    "STAGES",
    "SlaClock",
    "SlaLimits",
    "SlaMiss",
    "SlaStage",
    "StageCompliance",
    "StageStanding",
    "StageState",
    "compliance",
    "counts_as_moving",
    "due_misses",
]

# A GPS fix this fast means the officer is really on the way; slower readings are within
# the jitter of a phone standing still.
MOVING_SPEED_MPS = 1.5


def counts_as_moving(status: UnitStatusName, speed_mps: float | None) -> bool:
    """Whether an assigned officer's status or fix shows them moving (the 3 of 1-3-15)."""
    return status == "en_route" or (speed_mps is not None and speed_mps >= MOVING_SPEED_MPS)


@dataclass(frozen=True, slots=True)
class SlaMiss:
    """A miss to record: ``due_at`` is when it became a miss (the deadline), not when it
    was noticed, so a late sweep records the true time."""

    stage: SlaStage
    due_at: float
    done_at: float | None


# Each stage is done by the first event that implies it: a dispatch accepts, an arrival
# proves the officer moved, so a timeline with a gap (no ``moving`` event) still reads.
_DONE_BY: dict[SlaStage, frozenset[CaseEventKind]] = {
    SlaStage.ACCEPT: frozenset(
        {
            CaseEventKind.ACCEPTED,
            CaseEventKind.DISPATCHED,
            CaseEventKind.MOVING,
            CaseEventKind.ARRIVED,
            CaseEventKind.HANDLED,
        }
    ),
    SlaStage.MOVE: frozenset({CaseEventKind.MOVING, CaseEventKind.ARRIVED, CaseEventKind.HANDLED}),
    SlaStage.HANDLE: frozenset({CaseEventKind.HANDLED}),
}


@dataclass(frozen=True, slots=True)
class SlaClock:
    """One incident on the 1-3-15 clock. Every reading is as of a moment ``now``: a stage
    done after ``now`` reads as not yet done, so a replay or a KPI for yesterday is exact."""

    reported_at: float
    accepted_at: float | None = None
    moving_at: float | None = None
    handled_at: float | None = None
    limits: SlaLimits = ONE_THREE_FIFTEEN

    @classmethod
    def from_events(
        cls, reported_at: float, events: Iterable[CaseEvent], limits: SlaLimits = ONE_THREE_FIFTEEN
    ) -> SlaClock:
        done: dict[SlaStage, float] = {}
        for event in events:
            for stage in STAGES:
                if event.kind in _DONE_BY[stage]:
                    done[stage] = min(done.get(stage, event.ts), event.ts)
        return cls(
            reported_at,
            done.get(SlaStage.ACCEPT),
            done.get(SlaStage.MOVE),
            done.get(SlaStage.HANDLE),
            limits,
        )

    def deadline(self, stage: SlaStage) -> float:
        return self.reported_at + self.limits.within(stage)

    def done_at(self, stage: SlaStage) -> float | None:
        return {
            SlaStage.ACCEPT: self.accepted_at,
            SlaStage.MOVE: self.moving_at,
            SlaStage.HANDLE: self.handled_at,
        }[stage]

    def standing(self, stage: SlaStage, now: float) -> StageStanding:
        done = self.done_at(stage)
        # As of ``now``: a stage done later has not happened yet (replays, KPIs for a past day).
        if done is not None and done > now:
            done = None
        return judge_stage(stage, self.deadline(stage), done, now)

    def standings(self, now: float) -> tuple[StageStanding, ...]:
        return tuple(self.standing(stage, now) for stage in STAGES)

    def missed(self, now: float) -> tuple[SlaStage, ...]:
        return tuple(s.stage for s in self.standings(now) if s.state is StageState.MISSED)

    def marks(self, now: float) -> SlaMarks:
        """The protocol's shape: deadlines, the times each stage was done, and the misses."""
        standings = self.standings(now)
        done = {s.stage: s.done_at for s in standings}
        return SlaMarks(
            accept_by=self.deadline(SlaStage.ACCEPT),
            move_by=self.deadline(SlaStage.MOVE),
            handle_by=self.deadline(SlaStage.HANDLE),
            accepted_at=done[SlaStage.ACCEPT],
            moving_at=done[SlaStage.MOVE],
            handled_at=done[SlaStage.HANDLE],
            missed=[str(s.stage) for s in standings if s.state is StageState.MISSED],
        )

    def next_deadline(self, now: float) -> float | None:
        """When this clock next turns a pending stage into a miss: when to look again."""
        pending = [s.deadline for s in self.standings(now) if s.state is StageState.PENDING]
        return min(pending, default=None)


def due_misses(clock: SlaClock, now: float, recorded: Collection[str]) -> tuple[SlaMiss, ...]:
    """The misses at ``now`` not yet in ``recorded`` (stage names, e.g. ``SlaMarks.missed``
    as stored). Recording what this returns makes the next call return nothing new."""
    return tuple(
        SlaMiss(s.stage, s.deadline, s.done_at)
        for s in clock.standings(now)
        if s.state is StageState.MISSED and str(s.stage) not in recorded
    )


@dataclass(frozen=True, slots=True)
class StageCompliance:
    """``rate`` is met / (met + missed); pending cases are not yet decided, and a stage
    with no decided case has no rate (``None``), not 0 or 100 %."""

    stage: SlaStage
    met: int
    missed: int
    pending: int

    @property
    def rate(self) -> float | None:
        decided = self.met + self.missed
        return self.met / decided if decided else None


def compliance(clocks: Iterable[SlaClock], now: float) -> dict[SlaStage, StageCompliance]:
    """For KPIs: how many incidents met, missed, or are still inside each deadline."""
    counts = {stage: {state: 0 for state in StageState} for stage in STAGES}
    for clock in clocks:
        for s in clock.standings(now):
            counts[s.stage][s.state] += 1
    return {
        stage: StageCompliance(
            stage, c[StageState.MET], c[StageState.MISSED], c[StageState.PENDING]
        )
        for stage, c in counts.items()
    }
