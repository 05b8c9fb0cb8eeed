"""The shared 1-3-15 rule: one stage judged from its deadline, when it was done and now."""

from __future__ import annotations

import pytest

from backend_client.protocol.messages import SlaMarks
from backend_client.sla import (
    ONE_THREE_FIFTEEN,
    STAGES,
    SlaLimits,
    SlaStage,
    StageState,
    judge_stage,
    stage_standings,
)

T0 = 1_700_000_000.0
DEADLINE = T0 + 60


def test_the_rule_is_one_three_fifteen() -> None:
    assert [ONE_THREE_FIFTEEN.within(s) for s in STAGES] == [60.0, 180.0, 900.0]
    with pytest.raises(ValueError):
        SlaLimits(accept_within=200.0)


def test_done_on_the_deadline_is_met_and_a_second_later_missed() -> None:
    met = judge_stage(SlaStage.ACCEPT, DEADLINE, DEADLINE, T0 + 999)
    assert (met.state, met.seconds_left, met.seconds_late) == (StageState.MET, 0.0, None)
    late = judge_stage(SlaStage.ACCEPT, DEADLINE, DEADLINE + 1, T0 + 999)
    assert (late.state, late.seconds_left, late.seconds_late) == (StageState.MISSED, None, 1.0)


def test_not_done_is_pending_up_to_the_deadline_then_missed() -> None:
    pending = judge_stage(SlaStage.MOVE, DEADLINE, None, DEADLINE)
    assert (pending.state, pending.seconds_left) == (StageState.PENDING, 0.0)
    overdue = judge_stage(SlaStage.MOVE, DEADLINE, None, DEADLINE + 5)
    assert (overdue.state, overdue.seconds_late) == (StageState.MISSED, 5.0)


def test_a_recorded_miss_stays_a_miss_on_a_clock_that_lags() -> None:
    # The hub recorded the miss; this wall's clock is two seconds behind the hub's.
    judged = judge_stage(SlaStage.ACCEPT, DEADLINE, None, DEADLINE - 2, recorded_missed=True)
    assert (judged.state, judged.seconds_late) == (StageState.MISSED, 0.0)


def test_stage_standings_read_the_recorded_marks() -> None:
    marks = SlaMarks(
        accept_by=T0 + 60,
        move_by=T0 + 180,
        handle_by=T0 + 900,
        accepted_at=T0 + 70,
        missed=["accept"],
    )
    accept, move, handle = stage_standings(marks, T0 + 100)
    assert (accept.state, accept.seconds_late) == (StageState.MISSED, 10.0)
    assert (move.state, move.seconds_left) == (StageState.PENDING, 80.0)
    assert handle.state is StageState.PENDING
