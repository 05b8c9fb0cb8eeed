"""The 1-3-15 clock: deadlines, standings, misses recorded exactly once, compliance."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend_client.protocol.messages import SlaMarks
from backend_client.sla import judge_stage
from hub.domain.lifecycle import CaseEvent, CaseEventKind
from hub.domain.sla import (
    STAGES,
    SlaClock,
    SlaLimits,
    SlaStage,
    StageState,
    compliance,
    counts_as_moving,
    due_misses,
)

T0 = 1_700_000_000.0


def test_deadlines_count_from_the_report() -> None:
    clock = SlaClock(T0)
    assert [clock.deadline(s) for s in STAGES] == [T0 + 60, T0 + 180, T0 + 900]


def test_done_exactly_on_the_deadline_is_met_and_a_moment_later_is_missed() -> None:
    on_time = SlaClock(T0, accepted_at=T0 + 60).standing(SlaStage.ACCEPT, T0 + 10_000)
    late = SlaClock(T0, accepted_at=T0 + 60.01).standing(SlaStage.ACCEPT, T0 + 10_000)
    assert (on_time.state, on_time.seconds_left, on_time.seconds_late) == (StageState.MET, 0, None)
    assert late.state is StageState.MISSED
    assert late.seconds_late == pytest.approx(0.01, abs=1e-6)
    assert late.done_at == T0 + 60.01


def test_an_open_stage_counts_down_then_counts_late() -> None:
    clock = SlaClock(T0, accepted_at=T0 + 12)
    before = clock.standing(SlaStage.MOVE, T0 + 150)
    after = clock.standing(SlaStage.MOVE, T0 + 200)
    assert (before.state, before.seconds_left) == (StageState.PENDING, 30)
    assert (after.state, after.seconds_late, after.seconds_left) == (StageState.MISSED, 20, None)
    met = clock.standing(SlaStage.ACCEPT, T0 + 200)
    assert (met.state, met.seconds_left) == (StageState.MET, 48)


def test_the_clock_reads_a_timeline_with_gaps() -> None:
    # A dispatch accepts the case; arriving proves the officer moved.
    events = [
        CaseEvent(CaseEventKind.REPORTED, T0, "8890"),
        CaseEvent(CaseEventKind.DISPATCHED, T0 + 40, "王敏"),
        CaseEvent(CaseEventKind.ARRIVED, T0 + 170, "o-1"),
        CaseEvent(CaseEventKind.MOVING, T0 + 175, "o-2"),
        CaseEvent(CaseEventKind.HANDLED, T0 + 950, "o-1"),
    ]
    clock = SlaClock.from_events(T0, events)
    assert (clock.accepted_at, clock.moving_at, clock.handled_at) == (T0 + 40, T0 + 170, T0 + 950)
    assert clock.missed(T0 + 2000) == (SlaStage.HANDLE,)


def test_marks_are_the_protocol_shape() -> None:
    marks = SlaClock(T0, accepted_at=T0 + 70).marks(T0 + 200)
    assert isinstance(marks, SlaMarks)
    wire = msgspec.json.decode(msgspec.json.encode(marks))
    assert wire == {
        "accept_by": T0 + 60,
        "move_by": T0 + 180,
        "handle_by": T0 + 900,
        "accepted_at": T0 + 70,
        "missed": ["accept", "move"],
    }


def test_next_deadline_is_when_to_look_again() -> None:
    clock = SlaClock(T0, accepted_at=T0 + 5)
    assert clock.next_deadline(T0 + 10) == T0 + 180
    assert clock.next_deadline(T0 + 181) == T0 + 900
    assert clock.next_deadline(T0 + 901) is None


def test_the_clock_at_a_past_moment_ignores_what_came_after() -> None:
    clock = SlaClock(T0, accepted_at=T0 + 20, moving_at=T0 + 400)
    assert clock.standing(SlaStage.ACCEPT, T0 + 10).state is StageState.PENDING
    assert clock.missed(T0 + 170) == ()
    assert clock.marks(T0 + 170).accepted_at == T0 + 20
    assert clock.marks(T0 + 170).moving_at is None
    assert clock.missed(T0 + 181) == (SlaStage.MOVE,)


def test_a_late_sweep_records_the_miss_at_its_deadline_not_when_noticed() -> None:
    clock = SlaClock(T0, accepted_at=T0 + 75)
    (miss,) = due_misses(clock, T0 + 100, recorded=[])
    assert (miss.stage, miss.due_at, miss.done_at) == (SlaStage.ACCEPT, T0 + 60, T0 + 75)
    assert due_misses(clock, T0 + 100, recorded=["accept"]) == ()


def test_custom_limits_are_checked() -> None:
    assert SlaClock(T0, limits=SlaLimits(accept_within=30)).deadline(SlaStage.ACCEPT) == T0 + 30
    with pytest.raises(ValueError, match="accept_within <= move_within"):
        SlaLimits(accept_within=300)


def test_moving_is_en_route_or_a_real_speed() -> None:
    assert counts_as_moving("en_route", None)
    assert counts_as_moving("available", 4.0)
    assert not counts_as_moving("available", 0.8)
    assert not counts_as_moving("on_scene", None)


def test_compliance_rates_only_decided_cases() -> None:
    clocks = [
        SlaClock(T0, accepted_at=T0 + 30, moving_at=T0 + 100, handled_at=T0 + 800),
        SlaClock(T0, accepted_at=T0 + 90, moving_at=T0 + 150),
        SlaClock(T0 + 990),  # reported 10 s before "now": everything pending
    ]
    kpi = compliance(clocks, T0 + 1000)
    accept, move, handled = kpi[SlaStage.ACCEPT], kpi[SlaStage.MOVE], kpi[SlaStage.HANDLE]
    assert (accept.met, accept.missed, accept.pending, accept.rate) == (1, 1, 1, 0.5)
    assert (move.met, move.missed, move.pending, move.rate) == (2, 0, 1, 1.0)
    assert (handled.met, handled.missed, handled.pending, handled.rate) == (1, 1, 1, 0.5)
    assert compliance([], T0)[SlaStage.ACCEPT].rate is None


# ---- properties -----------------------------------------------------------------------

offsets = st.one_of(st.none(), st.floats(min_value=0, max_value=2000, allow_nan=False))


@st.composite
def clocks(draw: st.DrawFn) -> SlaClock:
    accepted, moving, handled = draw(offsets), draw(offsets), draw(offsets)
    return SlaClock(
        T0,
        None if accepted is None else T0 + accepted,
        None if moving is None else T0 + moving,
        None if handled is None else T0 + handled,
    )


@given(clocks(), st.floats(0, 3000), st.floats(0, 3000))
def test_a_decided_stage_never_changes_its_mind(clock: SlaClock, a: float, b: float) -> None:
    early, late = sorted((a, b))
    for stage in STAGES:
        first = clock.standing(stage, T0 + early)
        then = clock.standing(stage, T0 + late)
        if first.state is not StageState.PENDING:
            assert then.state is first.state
        if first.state is StageState.MISSED:
            assert then.seconds_late is not None and first.seconds_late is not None
            assert then.seconds_late >= first.seconds_late


@given(clocks(), st.floats(0, 3000))
def test_missed_means_done_late_or_still_not_done_after_the_deadline(
    clock: SlaClock, dt: float
) -> None:
    now = T0 + dt
    for s in clock.standings(now):
        done = clock.done_at(s.stage)
        if done is not None and done > now:
            done = None  # not yet, as of now
        expected = (done if done is not None else now) > s.deadline
        assert (s.state is StageState.MISSED) == expected


@given(clocks(), st.lists(st.floats(0, 3000), max_size=30))
def test_every_miss_is_recorded_exactly_once_however_often_or_late_the_sweep(
    clock: SlaClock, sweeps: list[float]
) -> None:
    recorded: list[str] = []
    for dt in sorted(sweeps):
        for miss in due_misses(clock, T0 + dt, recorded):
            assert str(miss.stage) not in recorded
            assert miss.due_at == clock.deadline(miss.stage)
            recorded.append(str(miss.stage))
    final = max(sweeps, default=0.0)
    assert sorted(recorded) == sorted(clock.marks(T0 + final).missed)
    assert due_misses(clock, T0 + final, recorded) == ()


@given(st.lists(clocks(), max_size=20), st.floats(0, 3000))
def test_compliance_accounts_for_every_case(cs: list[SlaClock], dt: float) -> None:
    for c in compliance(cs, T0 + dt).values():
        assert c.met + c.missed + c.pending == len(cs)
        assert c.rate is None or 0.0 <= c.rate <= 1.0


@given(
    done=st.none() | st.floats(min_value=0, max_value=2000),
    now=st.floats(min_value=0, max_value=2000),
)
def test_the_hub_clock_is_the_shared_rule_read_as_of_now(done: float | None, now: float) -> None:
    # backend_client/sla.py judges for hub and walls alike; the hub's clock only adds that
    # a stage done after ``now`` is not done yet (replays, KPIs for a past day).
    at = None if done is None else T0 + done
    seen = None if at is None or at > T0 + now else at
    assert SlaClock(T0, accepted_at=at).standing(SlaStage.ACCEPT, T0 + now) == judge_stage(
        SlaStage.ACCEPT, T0 + 60, seen, T0 + now
    )
