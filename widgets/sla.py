"""Where an incident stands on the 1-3-15 clock, as a wall shows it. Pure Python.

The hub records the marks (``SlaMarks``: deadlines, when each step happened, which were
missed); this only reads them against the wall's clock, so a countdown keeps running
between events and turns red the second a deadline passes, before the hub's sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from backend_client.protocol.messages import Incident
from backend_client.sla import (
    ONE_THREE_FIFTEEN,
    STAGES,
    SlaStage,
    StageState,
    deadlines,
    judge_stage,
)

Stage = Literal["accept", "move", "handle", "done"]
State = Literal["pending", "met", "missed"]

#: Seconds allowed per stage, counted from the report (the 1-3-15 rule).
LIMITS: dict[str, float] = {str(s): ONE_THREE_FIFTEEN.within(s) for s in STAGES}
#: Statuses past handling: the clock has stopped for them. A suspended (挂账) or void
#: (作废) case is off the clock too: nobody's open work.
FINISHED = frozenset(
    {"handled", "rectifying", "followup", "checked", "closed", "suspended", "voided"}
)
_STAGE: dict[SlaStage, Stage] = {
    SlaStage.ACCEPT: "accept",
    SlaStage.MOVE: "move",
    SlaStage.HANDLE: "handle",
}


@dataclass(frozen=True, slots=True)
class Standing:
    stage: Stage
    #: Seconds left on the current stage (negative: overdue); 0 when done.
    left: float
    state: State

    @property
    def urgency(self) -> tuple[int, float]:
        """Sort key: open and overdue first (most overdue first), then least time left,
        then finished cases."""
        if self.stage == "done":
            return (3, 0.0)
        if self.state == "missed":
            return (0 if self.left < 0 else 1, self.left)
        return (2, self.left)


def standing(incident: Incident, now: float) -> Standing:
    """The case's current stage and how it stands. A case that has missed any stage reads
    missed from then on (the wall shows the case, not the one stage, in red)."""
    sla = incident.sla
    reported = incident.reported_at
    steps: tuple[tuple[SlaStage, float, float | None], ...]
    if sla is None:
        steps = tuple((s, reported + ONE_THREE_FIFTEEN.within(s), None) for s in STAGES)
        missed_before = False
    else:
        steps = deadlines(sla)
        # Stages done late count as soon as they are done; a stage still open is judged
        # below, against this wall's clock (backend_client/sla.py).
        missed_before = bool(sla.missed) or any(
            done is not None and judge_stage(stage, by, done, now).state is StageState.MISSED
            for stage, by, done in steps
        )
    if incident.status in FINISHED:
        return Standing("done", 0.0, "missed" if missed_before else "met")
    for stage, by, done in steps:
        if done is None:
            judged = judge_stage(stage, by, None, now)
            missed = missed_before or judged.state is StageState.MISSED
            return Standing(_STAGE[stage], by - now, "missed" if missed else "pending")
    return Standing("done", 0.0, "missed" if missed_before else "met")
