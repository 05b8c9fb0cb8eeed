"""Issue 18's lifecycle nodes as rules: 核实, 核查, 返工, 督办, 作废, 挂账 and 回访.

No node can be skipped: a handled case closes only after a 核查 that passed; each step is
one timeline row (two for a step that sends the case back: the verdict and the 返工);
a timeline replays to the same case.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hub.domain.lifecycle import (
    FINISHED,
    OPEN,
    RULES,
    Case,
    CaseAction,
    CaseEvent,
    CheckRequired,
    IllegalTransition,
    InvalidStep,
    NotPermitted,
    Person,
    Step,
    accept,
    arrive,
    case_from_events,
    check,
    close,
    dispatch,
    handle,
    open_case,
    resume,
    rework,
    supervise,
    suspend,
    verify,
    visit,
    void,
)

T0 = 1_750_000_000.0
OPERATOR = Person("王敏", "operator")
SUPERVISOR = Person("李强", "supervisor")
ADMIN = Person("root", "admin")
OFFICER = Person("o-7", "officer")
WALL = Person("wall-1", "wall")


class Story:
    """A case and its timeline, stepped along."""

    def __init__(self) -> None:
        step = open_case("c-1", T0, Person("8890", "source"), {"source": "hotline"})
        self.case: Case = step.case
        self.timeline: list[CaseEvent] = list(step.events)

    def take(self, step: Step) -> Story:
        self.timeline.extend(step.events)
        self.case = step.case
        return self

    def status(self) -> str:
        # A plain str: mypy would otherwise narrow the Literal across steps.
        return str(self.case.status)

    def kinds(self) -> list[str]:
        return [str(e.kind) for e in self.timeline]


def _handled() -> Story:
    s = Story()
    s.take(dispatch(s.case, OPERATOR, T0 + 30, ["o-7", "o-8"]))
    s.take(arrive(s.case, OFFICER, T0 + 200, "o-7"))
    return s.take(handle(s.case, OFFICER, T0 + 600, "已清理"))


def _closed() -> Story:
    s = _handled()
    s.take(check(s.case, OFFICER, T0 + 900, "passed", unit="o-7"))
    return s.take(close(s.case, OPERATOR, T0 + 1000, "已办结"))


# ---- 核实 ---------------------------------------------------------------------------------


def test_a_confirmed_report_is_verified_then_accepted() -> None:
    s = Story()
    s.take(verify(s.case, OPERATOR, T0 + 20, "confirmed", "电话核实属实"))
    assert s.status() == "verified"
    s.take(accept(s.case, OPERATOR, T0 + 30))
    assert s.status() == "accepted"
    assert s.kinds() == ["reported", "verified", "accepted"]
    assert s.timeline[1].detail == {"result": "confirmed", "note": "电话核实属实"}
    assert case_from_events("c-1", s.timeline) == s.case


def test_a_verified_report_may_be_dispatched_at_once() -> None:
    s = Story()
    s.take(verify(s.case, OFFICER, T0 + 20, "confirmed"))
    s.take(dispatch(s.case, OPERATOR, T0 + 40, ["o-7"]))
    assert s.status() == "dispatched"
    # Dispatching an unaccepted case accepts it at the same moment (the 1-3-15 clock).
    assert s.kinds() == ["reported", "verified", "accepted", "dispatched"]


def test_a_false_report_is_void_with_its_reason_and_takes_no_further_step() -> None:
    s = Story()
    s.take(verify(s.case, OPERATOR, T0 + 20, "false", "现场无此情况"))
    assert s.status() == "voided"
    assert s.timeline[-1].detail == {"result": "false", "note": "现场无此情况"}
    assert case_from_events("c-1", s.timeline) == s.case
    attempts: list[Callable[[Case], Step]] = [
        lambda c: accept(c, OPERATOR, T0 + 30),
        lambda c: dispatch(c, OPERATOR, T0 + 30, ["o-7"]),
        lambda c: supervise(c, SUPERVISOR, T0 + 30, "x"),
        lambda c: suspend(c, SUPERVISOR, T0 + 30, "x"),
    ]
    for attempt in attempts:
        with pytest.raises(IllegalTransition):
            attempt(s.case)


def test_verification_needs_a_known_result_and_a_false_one_a_reason() -> None:
    s = Story()
    with pytest.raises(InvalidStep, match="not one of") as info:
        verify(s.case, OPERATOR, T0 + 1, "maybe")
    assert info.value.field == "result"
    with pytest.raises(InvalidStep, match="needs a reason") as info:
        verify(s.case, OPERATOR, T0 + 1, "false")
    assert info.value.field == "note"
    with pytest.raises(NotPermitted):
        verify(s.case, WALL, T0 + 1, "confirmed")
    accepted = accept(s.case, OPERATOR, T0 + 1).case
    with pytest.raises(IllegalTransition):
        verify(accepted, OPERATOR, T0 + 2, "confirmed")


# ---- 核查 and 返工 --------------------------------------------------------------------------


def test_closing_a_handled_case_without_a_passed_check_is_refused() -> None:
    s = _handled()
    with pytest.raises(CheckRequired, match="核查") as info:
        close(s.case, SUPERVISOR, T0 + 700)
    assert info.value.code == "check_required"
    assert isinstance(info.value, IllegalTransition)
    # A role that may not close is told so, not about the 核查.
    with pytest.raises(NotPermitted):
        close(s.case, OFFICER, T0 + 700)


def test_a_passed_check_leads_to_the_close() -> None:
    s = _closed()
    assert s.status() == "closed"
    assert s.kinds()[-2:] == ["checked", "closed"]
    assert s.timeline[-2].detail == {"result": "passed", "unit": "o-7"}
    assert case_from_events("c-1", s.timeline) == s.case


def test_a_failed_check_sends_the_case_back_to_its_officers() -> None:
    s = _handled()
    s.take(check(s.case, OFFICER, T0 + 900, "failed", "仍有垃圾未清运"))
    assert s.status() == "dispatched"
    assert s.kinds()[-2:] == ["checked", "rework"]
    assert s.timeline[-2].detail == {"result": "failed", "note": "仍有垃圾未清运"}
    assert s.timeline[-1].detail == {
        "by": "check",
        "units": ["o-7", "o-8"],
        "reason": "仍有垃圾未清运",
    }
    assert s.case.units == ("o-7", "o-8")
    # The officers redo it: arrive, handle, and a 核查 again before the close.
    s.take(arrive(s.case, OFFICER, T0 + 1000, "o-8"))
    s.take(handle(s.case, OFFICER, T0 + 1100))
    with pytest.raises(CheckRequired):
        close(s.case, OPERATOR, T0 + 1200)
    s.take(check(s.case, OFFICER, T0 + 1200, "passed"))
    s.take(close(s.case, OPERATOR, T0 + 1300))
    assert s.status() == "closed"
    assert case_from_events("c-1", s.timeline) == s.case


def test_a_check_needs_a_handled_case_a_verdict_and_for_a_failure_a_reason() -> None:
    s = Story()
    with pytest.raises(IllegalTransition):
        check(s.case, OFFICER, T0 + 1, "passed")
    h = _handled()
    with pytest.raises(InvalidStep) as info:
        check(h.case, OFFICER, T0 + 700, "ok")
    assert info.value.field == "result"
    with pytest.raises(InvalidStep) as info:
        check(h.case, OFFICER, T0 + 700, "failed")
    assert info.value.field == "note"
    with pytest.raises(NotPermitted):
        check(h.case, Person("hub", "system"), T0 + 700, "passed")


def test_a_desk_sends_back_a_handled_or_checked_case_with_a_reason() -> None:
    h = _handled()
    with pytest.raises(InvalidStep) as info:
        rework(h.case, SUPERVISOR, T0 + 700, " ")
    assert info.value.field == "note"
    with pytest.raises(NotPermitted):
        rework(h.case, OFFICER, T0 + 700, "x")
    back = rework(h.case, OPERATOR, T0 + 700, "处置不到位")
    assert back.case.status == "dispatched"
    assert back.events[0].detail == {"by": "desk", "units": ["o-7", "o-8"], "reason": "处置不到位"}
    checked = check(h.case, OFFICER, T0 + 800, "passed").case
    assert rework(checked, SUPERVISOR, T0 + 900, "复核不通过").case.status == "dispatched"
    closed = close(checked, OPERATOR, T0 + 900).case
    with pytest.raises(IllegalTransition, match="回访"):
        rework(closed, SUPERVISOR, T0 + 1000, "x")


# ---- 督办 -----------------------------------------------------------------------------------


def test_supervision_is_a_row_that_does_not_move_the_case() -> None:
    s = _handled()
    s.take(supervise(s.case, SUPERVISOR, T0 + 650, "今日内办结"))
    assert s.status() == "handled"
    assert s.kinds()[-1] == "supervised"
    assert s.timeline[-1].detail == {"note": "今日内办结"}
    assert case_from_events("c-1", s.timeline) == s.case
    with pytest.raises(NotPermitted):
        supervise(s.case, OPERATOR, T0 + 700, "x")
    with pytest.raises(InvalidStep):
        supervise(s.case, SUPERVISOR, T0 + 700, "")
    with pytest.raises(IllegalTransition):
        supervise(_closed().case, SUPERVISOR, T0 + 2000, "x")


# ---- 作废 and 挂账 ---------------------------------------------------------------------------


def test_a_supervisor_voids_an_open_case_with_a_reason() -> None:
    s = _handled()
    with pytest.raises(NotPermitted):
        void(s.case, OPERATOR, T0 + 700, "重复上报")
    with pytest.raises(InvalidStep) as info:
        void(s.case, SUPERVISOR, T0 + 700, "")
    assert info.value.field == "note"
    s.take(void(s.case, SUPERVISOR, T0 + 700, "重复上报"))
    assert s.status() == "voided"
    assert s.timeline[-1].detail == {"reason": "重复上报"}
    with pytest.raises(IllegalTransition):
        void(s.case, ADMIN, T0 + 800, "again")
    with pytest.raises(IllegalTransition):
        void(_closed().case, ADMIN, T0 + 2000, "too late")


def test_a_suspended_case_waits_and_resumes_where_it_was() -> None:
    s = Story()
    s.take(dispatch(s.case, OPERATOR, T0 + 30, ["o-7"]))
    with pytest.raises(NotPermitted):
        suspend(s.case, OPERATOR, T0 + 40, "x")
    with pytest.raises(InvalidStep):
        suspend(s.case, SUPERVISOR, T0 + 40, "")
    s.take(suspend(s.case, SUPERVISOR, T0 + 40, "需规划部门认定违建"))
    assert (s.status(), s.case.suspended_from) == ("suspended", "dispatched")
    assert s.timeline[-1].detail == {"reason": "需规划部门认定违建", "from": "dispatched"}
    # Parked: no work is taken on it, but it may be supervised or voided.
    with pytest.raises(IllegalTransition):
        arrive(s.case, OFFICER, T0 + 50, "o-7")
    with pytest.raises(IllegalTransition):
        suspend(s.case, SUPERVISOR, T0 + 50, "again")
    s.take(supervise(s.case, SUPERVISOR, T0 + 60, "尽快认定"))
    assert s.status() == "suspended"
    s.take(resume(s.case, SUPERVISOR, T0 + 86_400, "已认定"))
    assert (s.status(), s.case.suspended_from) == ("dispatched", None)
    assert s.timeline[-1].detail == {"to": "dispatched", "note": "已认定"}
    assert s.kinds()[-3:] == ["suspended", "supervised", "resumed"]
    assert case_from_events("c-1", s.timeline) == s.case
    s.take(arrive(s.case, OFFICER, T0 + 86_500, "o-7"))
    assert s.status() == "arrived"


def test_only_a_suspended_case_resumes() -> None:
    with pytest.raises(IllegalTransition):
        resume(_handled().case, SUPERVISOR, T0 + 700)


# ---- 回访 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("result", ["satisfied", "basic", "unreached"])
def test_a_visit_of_a_closed_case_is_a_row_and_leaves_it_closed(result: str) -> None:
    s = _closed()
    s.take(visit(s.case, OPERATOR, T0 + 86_400, "phone", result, "市民"))
    assert s.status() == "closed"
    assert s.kinds()[-1] == "visited"
    assert s.timeline[-1].detail == {"channel": "phone", "result": result, "note": "市民"}
    # Unreached is not a rating: the desk calls again, a visit of its own.
    s.take(visit(s.case, OPERATOR, T0 + 90_000, "sms", "satisfied"))
    assert s.kinds()[-2:] == ["visited", "visited"]
    assert case_from_events("c-1", s.timeline) == s.case


def test_a_dissatisfied_visit_reopens_the_case_as_rework_to_its_officers() -> None:
    s = _closed()
    s.take(visit(s.case, OPERATOR, T0 + 86_400, "phone", "dissatisfied", "垃圾又堆回来了"))
    assert s.status() == "dispatched"
    assert s.case.units == ("o-7", "o-8")
    assert s.kinds()[-2:] == ["visited", "rework"]
    assert s.timeline[-1].detail == {
        "by": "visit",
        "units": ["o-7", "o-8"],
        "reason": "垃圾又堆回来了",
    }
    assert case_from_events("c-1", s.timeline) == s.case


def test_a_visit_needs_a_closed_case_a_desk_and_known_words() -> None:
    with pytest.raises(IllegalTransition, match="only when closed"):
        visit(_handled().case, OPERATOR, T0 + 700, "phone", "satisfied")
    closed = _closed().case
    with pytest.raises(NotPermitted):
        visit(closed, OFFICER, T0 + 2000, "phone", "satisfied")
    with pytest.raises(NotPermitted):
        visit(closed, WALL, T0 + 2000, "phone", "satisfied")
    with pytest.raises(InvalidStep) as info:
        visit(closed, OPERATOR, T0 + 2000, "pigeon", "satisfied")
    assert info.value.field == "channel"
    with pytest.raises(InvalidStep) as info:
        visit(closed, OPERATOR, T0 + 2000, "phone", "great")
    assert info.value.field == "result"


# ---- the rule table ---------------------------------------------------------------------


Taker = Callable[[Case, Person], Step]
NEW_STEPS: dict[CaseAction, Taker] = {
    CaseAction.VERIFY: lambda c, who: verify(c, who, T0 + 5000, "confirmed"),
    CaseAction.CHECK: lambda c, who: check(c, who, T0 + 5000, "passed"),
    CaseAction.REWORK: lambda c, who: rework(c, who, T0 + 5000, "r"),
    CaseAction.SUPERVISE: lambda c, who: supervise(c, who, T0 + 5000, "r"),
    CaseAction.VOID: lambda c, who: void(c, who, T0 + 5000, "r"),
    CaseAction.SUSPEND: lambda c, who: suspend(c, who, T0 + 5000, "r"),
    CaseAction.RESUME: lambda c, who: resume(c, who, T0 + 5000),
    CaseAction.VISIT: lambda c, who: visit(c, who, T0 + 5000, "phone", "basic"),
}
ROLES = {
    CaseAction.VERIFY: {"operator", "supervisor", "admin", "officer", "source"},
    CaseAction.CHECK: {"operator", "supervisor", "admin", "officer", "source"},
    CaseAction.REWORK: {"operator", "supervisor", "admin"},
    CaseAction.SUPERVISE: {"supervisor", "admin"},
    CaseAction.VOID: {"supervisor", "admin"},
    CaseAction.SUSPEND: {"supervisor", "admin"},
    CaseAction.RESUME: {"supervisor", "admin"},
    CaseAction.VISIT: {"operator", "supervisor", "admin"},
}


def test_the_table_names_who_takes_each_new_step() -> None:
    for action, roles in ROLES.items():
        assert RULES[action].roles == roles, action


def test_closing_is_reached_only_through_a_check_or_a_followup() -> None:
    assert set(RULES[CaseAction.CLOSE].moves) == {"checked", "followup"}
    # Nothing but a close (or a dissatisfied visit's 返工) leaves or enters "closed".
    into_closed = {a for a, r in RULES.items() if "closed" in r.moves.values()}
    assert into_closed == {CaseAction.CLOSE, CaseAction.VISIT}
    assert {"closed", "voided"} == FINISHED
    assert not set(OPEN) & (FINISHED | {"suspended"})


def _story_in(status: str) -> Story:
    """A case brought to ``status`` by the shortest legal path, with its timeline."""
    s = Story()
    if status == "voided":
        return s.take(void(s.case, SUPERVISOR, T0 + 1, "r"))
    if status == "suspended":
        return s.take(suspend(s.case, SUPERVISOR, T0 + 1, "r"))
    if status == "verified":
        return s.take(verify(s.case, OPERATOR, T0 + 1, "confirmed"))
    if status == "accepted":
        return s.take(accept(s.case, OPERATOR, T0 + 1))
    if status == "reported":
        return s
    s.take(dispatch(s.case, OPERATOR, T0 + 30, ["o-7"]))
    if status == "dispatched":
        return s
    s.take(arrive(s.case, OFFICER, T0 + 60, "o-7"))
    if status == "arrived":
        return s
    s.take(handle(s.case, OFFICER, T0 + 90))
    if status == "handled":
        return s
    s.take(check(s.case, OFFICER, T0 + 100, "passed"))
    if status == "checked":
        return s
    return s.take(close(s.case, OPERATOR, T0 + 110))


@pytest.mark.parametrize(
    "status",
    [
        "reported",
        "verified",
        "accepted",
        "dispatched",
        "arrived",
        "handled",
        "checked",
        "closed",
        "suspended",
        "voided",
    ],
)
@pytest.mark.parametrize("action", list(NEW_STEPS))
def test_each_new_step_is_taken_exactly_where_the_table_allows_it(
    action: CaseAction, status: str
) -> None:
    story = _story_in(status)
    case = story.case
    assert case.status == status
    who = SUPERVISOR if "supervisor" in ROLES[action] else OPERATOR
    if status in RULES[action].moves:
        step = NEW_STEPS[action](case, who)
        assert step.events
        assert case_from_events("c-1", [*story.timeline, *step.events]) == step.case
    else:
        with pytest.raises(IllegalTransition):
            NEW_STEPS[action](case, who)
    with pytest.raises(NotPermitted):
        NEW_STEPS[action](case, WALL)
