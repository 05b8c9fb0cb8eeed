"""Where an incident stands on the 1-3-15 clock, as a wall shows it. Pure Python.

The hub records the marks (``SlaMarks``: deadlines, when each step happened, which were
missed); this only reads them against the wall's clock, so a countdown keeps running
between events and turns red the second a deadline passes, before the hub's sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from backend_client.protocol.messages import Incident

Stage = Literal["accept", "move", "handle", "done"]
State = Literal["pending", "met", "missed"]

#: Seconds allowed per stage, counted from the report (the 1-3-15 rule).
LIMITS: dict[str, float] = {"accept": 60.0, "move": 180.0, "handle": 900.0}
#: Statuses past handling: the clock has stopped for them.
FINISHED = frozenset({"handled", "rectifying", "followup", "closed"})


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
    sla = incident.sla
    reported = incident.reported_at
    if sla is None:
        steps: list[tuple[Stage, float, float | None]] = [
            ("accept", reported + LIMITS["accept"], None),
            ("move", reported + LIMITS["move"], None),
            ("handle", reported + LIMITS["handle"], None),
        ]
        missed_before = False
    else:
        steps = [
            ("accept", sla.accept_by, sla.accepted_at),
            ("move", sla.move_by, sla.moving_at),
            ("handle", sla.handle_by, sla.handled_at),
        ]
        missed_before = bool(sla.missed) or any(
            done is not None and done > by for _stage, by, done in steps
        )
    if incident.status in FINISHED:
        return Standing("done", 0.0, "missed" if missed_before else "met")
    for stage, by, done in steps:
        if done is None:
            left = by - now
            return Standing(stage, left, "missed" if missed_before or left < 0 else "pending")
    return Standing("done", 0.0, "missed" if missed_before else "met")
