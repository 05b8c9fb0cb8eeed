"""Clocks on working time in a real hub (issue 18, docs/casework.md): the 处置时限 deadline
fixed at dispatch on the hub's calendar (--calendar), its miss recorded once across a
restart, and 延期 asked by an officer's desk and decided by a supervisor."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend_client.protocol.messages import FeedEvent, IncidentUpdate, Ticker
from backend_client.transport import FeedClient, RequestFailed
from hub.domain.lifecycle import ExtensionState, InvalidStep
from hub.store.models import CaseEvent
from tests.support.calendars import TEST_CALENDAR, hub_on_calendar
from tests.support.hubs import LiveHub, report

CST = dt.timezone(dt.timedelta(hours=8))

# A calendar of its own (the hub's --calendar): tests/support/calendars.py.
CALENDAR = TEST_CALENDAR


def at(year: int, month: int, day: int, hour: int, minute: int) -> float:
    """Epoch seconds of a moment in China Standard Time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=CST).timestamp()


FRIDAY_4PM = at(2027, 2, 26, 16, 0)


class Events:
    def __init__(self) -> None:
        self.events: list[FeedEvent] = []

    def on_snapshot(self, state: Any) -> None:
        pass

    def on_event(self, event: FeedEvent) -> None:
        self.events.append(event)

    def on_link(self, status: Any) -> None:
        pass


@pytest.fixture
def calendar_hub(db_url: str, tmp_path: Path) -> Iterator[LiveHub]:
    yield from hub_on_calendar(db_url, tmp_path)


def _case(hub: LiveHub, external_id: str, category: str) -> str:
    status, body = hub.post("/api/v1/reports", report(external_id, category=category))
    assert status == 201, body
    return str(body["id"])


def _dispatch(hub: LiveHub, case_id: str, ts: float | None = None) -> None:
    hub.run(hub.hub.apply_case_action(case_id, "dispatch", "调度员", ts, ["U001"]))


def _kinds(hub: LiveHub, case_id: str) -> list[str]:
    with Session(hub.hub.engine) as session:
        return list(
            session.scalars(
                select(CaseEvent.kind)
                .where(CaseEvent.incident_id == case_id)
                .order_by(CaseEvent.ts, CaseEvent.id)
            )
        )


def test_a_deadline_spanning_a_make_up_saturday_and_a_holiday_is_fixed_at_dispatch(
    calendar_hub: LiveHub,
) -> None:
    hub = calendar_hub
    # 私搭乱建: 4 working hours. Friday 16:00 -> 17:30 is 1.5 h; the make-up Saturday is
    # worked: 08:30 + 2.5 h = Saturday 11:00.
    hours = _case(hub, "8890-dl-hours", "违章搭建")
    # 积存垃圾渣土: 4 working days, whole days after Friday: Saturday (make-up) is the
    # first, Monday and Tuesday are the holiday, then Wednesday, Thursday, Friday.
    days = _case(hub, "8890-dl-days", "建筑垃圾")
    assert hub.hub.state.incidents[hours].deadline is None  # no clock before dispatch
    _dispatch(hub, hours, FRIDAY_4PM)
    _dispatch(hub, days, FRIDAY_4PM)
    first = hub.hub.state.incidents[hours]
    assert first.deadline == at(2027, 2, 27, 11, 0)
    assert first.deadline_limit == "4 working_hours"
    second = hub.hub.state.incidents[days]
    assert second.deadline == at(2027, 3, 5, 17, 30)
    assert second.deadline_limit == "4 working_days"
    # A reinforcement does not restart the clock.
    hub.run(hub.hub.apply_case_action(days, "dispatch", "调度员", FRIDAY_4PM + 600, ["U002"]))
    assert hub.hub.state.incidents[days].deadline == at(2027, 3, 5, 17, 30)


def test_an_overdue_case_is_recorded_once_and_not_again_after_a_restart(
    calendar_hub: LiveHub,
) -> None:
    hub = calendar_hub
    case_id = _case(hub, "8890-dl-late", "违章搭建")
    _dispatch(hub, case_id, FRIDAY_4PM)
    deadline = at(2027, 2, 27, 11, 0)

    async def scenario() -> list[FeedEvent]:
        recorder = Events()
        wall = FeedClient(hub.stream_url, hub.token["wall"], recorder)
        task = asyncio.create_task(wall.run())
        await wall.wait_synced()
        sweep = hub.hub.timers.sweep_deadlines
        assert await asyncio.to_thread(hub.run, sweep(deadline - 1)) == []
        assert await asyncio.to_thread(hub.run, sweep(deadline + 1)) == [case_id]
        assert await asyncio.to_thread(hub.run, sweep(deadline + 60)) == []
        while wall.tracker.last != hub.hub.published_seq:
            await asyncio.sleep(0.02)
        await wall.stop()
        await task
        return recorder.events

    events = asyncio.run(scenario())
    updates = [e for e in events if isinstance(e, IncidentUpdate) and e.change == "deadline.missed"]
    assert len(updates) == 1 and updates[0].incident.overdue
    tickers = [e for e in events if isinstance(e, Ticker) and e.code == "ticker.deadline_missed"]
    assert len(tickers) == 1 and tickers[0].urgent and case_id in tickers[0].text
    assert _kinds(hub, case_id).count("deadline_missed") == 1
    with Session(hub.hub.engine) as session:
        row = session.scalars(
            select(CaseEvent).where(
                CaseEvent.incident_id == case_id, CaseEvent.kind == "deadline_missed"
            )
        ).one()
        assert row.ts == deadline  # when it became overdue, not when it was noticed

    hub.stop()
    hub.start(seed=False)
    assert hub.hub.state.incidents[case_id].overdue
    assert hub.run(hub.hub.timers.sweep_deadlines(deadline + 3600)) == []
    assert _kinds(hub, case_id).count("deadline_missed") == 1


def test_a_handled_case_is_never_overdue(calendar_hub: LiveHub) -> None:
    hub = calendar_hub
    case_id = _case(hub, "8890-dl-done", "违章搭建")
    _dispatch(hub, case_id, FRIDAY_4PM)
    for action in ("arrive", "handle"):
        hub.run(hub.hub.apply_case_action(case_id, action, "警员001", FRIDAY_4PM + 60, ["U001"]))
    assert hub.run(hub.hub.timers.sweep_deadlines(at(2027, 3, 10, 9, 0))) == []
    assert "deadline_missed" not in _kinds(hub, case_id)


def test_an_extension_asked_and_approved_moves_the_deadline_and_roles_are_enforced(
    calendar_hub: LiveHub,
) -> None:
    hub = calendar_hub
    case_id = _case(hub, "8890-dl-ext", "违章搭建")
    _dispatch(hub, case_id, FRIDAY_4PM)
    refused = _case(hub, "8890-dl-ext-no", "违章搭建")
    _dispatch(hub, refused, FRIDAY_4PM)
    asked_at = FRIDAY_4PM + 1800
    ask = {"limit": {"working_days": 1}, "note": "当事人申请自行拆除，需等待吊车"}

    def act(case: str, action: str, role: str, **args: Any) -> None:
        # The steps are stamped on the test calendar's Friday (the hub's drivers' API);
        # the desks' op is tried below for who may take them.
        name = {"officer": "警员001", "supervisor": "李强"}[role]
        hub.run(hub.hub.apply_case_action(case, action, name, asked_at, role=role, **args))

    # Nothing asked: nothing to approve.
    with pytest.raises(ExtensionState):
        act(case_id, "approve_extension", "supervisor")
    # Asking needs a limit and a reason, each named when missing or wrong.
    for bad in ({"note": "x"}, {"limit": {"fortnights": 1}, "note": "x"}):
        with pytest.raises(InvalidStep) as caught:
            act(case_id, "request_extension", "officer", **bad)
        assert caught.value.field == "limit"
    with pytest.raises(InvalidStep) as caught:
        act(case_id, "request_extension", "officer", limit={"working_days": 1})
    assert caught.value.field == "note"
    act(case_id, "request_extension", "officer", **ask)
    with pytest.raises(ExtensionState):  # one request at a time
        act(case_id, "request_extension", "officer", **ask)

    async def desks() -> None:
        clients = {
            role: FeedClient(hub.stream_url, hub.token[role])
            for role in ("operator", "supervisor", "wall")
        }
        tasks = [asyncio.create_task(c.run()) for c in clients.values()]
        for client in clients.values():
            await client.wait_synced()
        # An operator (relaying an officer) may ask but not decide; a supervisor decides
        # but does not ask; a wall does neither.
        for role, action in (
            ("operator", "approve_extension"),
            ("operator", "reject_extension"),
            ("supervisor", "request_extension"),
            ("wall", "request_extension"),
            ("wall", "approve_extension"),
        ):
            with pytest.raises(RequestFailed) as caught:
                body = {"case_id": case_id, "action": action, **ask}
                await clients[role].request("case.step", body)
            assert caught.value.code == "forbidden", (role, action)
        for client in clients.values():
            await client.stop()
        await asyncio.gather(*tasks)

    asyncio.run(desks())
    act(case_id, "approve_extension", "supervisor", note="同意")
    # The second case: asked for 2 working hours, rejected with a reason (needed).
    act(refused, "request_extension", "officer", limit={"working_hours": 2}, note="y")
    with pytest.raises(InvalidStep) as caught:
        act(refused, "reject_extension", "supervisor")
    assert caught.value.field == "note"
    act(refused, "reject_extension", "supervisor", note="可当日处置")

    # Saturday 11:00 + 1 working day (whole days): Sunday is off, Monday and Tuesday are
    # the holiday; Wednesday's close of work.
    assert hub.hub.state.incidents[case_id].deadline == at(2027, 3, 3, 17, 30)
    assert hub.hub.state.incidents[refused].deadline == at(2027, 2, 27, 11, 0)
    with Session(hub.hub.engine) as session:
        rows = session.scalars(
            select(CaseEvent)
            .where(CaseEvent.incident_id == case_id, CaseEvent.kind.like("extension_%"))
            .order_by(CaseEvent.id)
        ).all()
        assert [(r.kind, r.actor) for r in rows] == [
            ("extension_requested", "警员001"),
            ("extension_approved", "李强"),
        ]
        assert rows[0].detail == {"limit": {"working_days": 1}, "note": ask["note"]}
        assert rows[1].detail == {
            "limit": {"working_days": 1},
            "deadline": at(2027, 3, 3, 17, 30),
            "previous": at(2027, 2, 27, 11, 0),
            "note": "同意",
        }
    assert _kinds(hub, refused)[-2:] == ["extension_requested", "extension_rejected"]
    # The moved deadline is the one that counts: not overdue at the old one.
    assert hub.run(hub.hub.timers.sweep_deadlines(at(2027, 3, 1, 9, 0))) == [refused]
    assert hub.run(hub.hub.timers.sweep_deadlines(at(2027, 3, 3, 17, 31))) == [case_id]


def test_a_waiting_extension_is_on_the_wire_through_a_miss_and_a_restart(
    calendar_hub: LiveHub,
) -> None:
    """A desk offers 批准 / 驳回 from ``Incident.extension_asked``: set by the request,
    kept by the other updates of the case (an overdue recorded while it waits) and by a
    restart (rebuilt from the timeline), cleared by the decision."""
    hub = calendar_hub
    case_id = _case(hub, "8890-dl-wait", "违章搭建")
    _dispatch(hub, case_id, FRIDAY_4PM)
    assert hub.hub.state.incidents[case_id].extension_asked == ""
    asked = {"limit": {"working_hours": 3}, "note": "等待吊车"}
    hub.run(
        hub.hub.apply_case_action(
            case_id, "request_extension", "警员001", FRIDAY_4PM + 60, role="officer", **asked
        )
    )
    assert hub.hub.state.incidents[case_id].extension_asked == "3 working_hours"
    # The old deadline passes while the request waits: the miss's update keeps it.
    deadline = at(2027, 2, 27, 11, 0)
    assert hub.run(hub.hub.timers.sweep_deadlines(deadline + 1)) == [case_id]
    missed = hub.hub.state.incidents[case_id]
    assert missed.overdue and missed.extension_asked == "3 working_hours"

    hub.stop()
    hub.start(seed=False)
    assert hub.hub.state.incidents[case_id].extension_asked == "3 working_hours"
    hub.run(
        hub.hub.apply_case_action(
            case_id, "approve_extension", "李强", deadline + 60, role="supervisor"
        )
    )
    approved = hub.hub.state.incidents[case_id]
    assert approved.extension_asked == "" and not approved.overdue
    # Saturday 11:00 + 3 working hours on the make-up Saturday: 11:00-12:00, 13:30-15:30.
    assert approved.deadline == at(2027, 2, 27, 15, 30)


def test_an_order_to_rectify_without_a_deadline_gets_its_classes_limit(
    calendar_hub: LiveHub,
) -> None:
    """``order_rectification`` with no ``deadline``: the class's 整改时限 counted on the
    calendar from the order; a named deadline wins; a class with none refuses, naming
    the field, as an order without a deadline always was."""
    hub = calendar_hub
    # 违章搭建 is 私搭乱建 (06001): 整改时限 15 working days; 违章停车 (机动车乱停放) has none.
    cases = {
        name: _case(hub, f"8890-rect-{name}", category)
        for name, category in (("default", "违章搭建"), ("named", "违章搭建"), ("none", "违章停车"))
    }
    for case_id in cases.values():
        _dispatch(hub, case_id, FRIDAY_4PM)
        for action in ("arrive", "handle"):
            hub.run(hub.hub.apply_case_action(case_id, action, "警员001", FRIDAY_4PM, ["U001"]))
    ordered_at = FRIDAY_4PM + 120

    def rectify(case_id: str, deadline: float | None = None) -> None:
        hub.run(
            hub.hub.apply_case_action(
                case_id, "rectify", "警员001", ordered_at, ["U001"], deadline=deadline
            )
        )

    rectify(cases["default"])
    named = at(2027, 3, 10, 12, 0)
    rectify(cases["named"], named)
    # 15 whole working days after Friday 26 Feb: the make-up Saturday 27 Feb, then 3-5,
    # 8-12, 15-19 and Monday 22 March (1-2 March are the holiday): its close of work.
    assert _rectify_deadline(hub, cases["default"]) == at(2027, 3, 22, 17, 30)
    assert _rectify_deadline(hub, cases["named"]) == named
    assert hub.hub.state.incidents[cases["default"]].status == "rectifying"

    with pytest.raises(InvalidStep) as caught:
        rectify(cases["none"])
    assert caught.value.field == "deadline"

    async def over_the_wire() -> None:
        operator = FeedClient(hub.stream_url, hub.token["operator"])
        task = asyncio.create_task(operator.run())
        await operator.wait_synced()
        with pytest.raises(RequestFailed) as refused:
            await operator.request("case.step", {"case_id": cases["none"], "action": "rectify"})
        assert (refused.value.code, refused.value.field) == ("invalid", "deadline")
        await operator.stop()
        await task

    asyncio.run(over_the_wire())
    assert hub.hub.state.incidents[cases["none"]].status == "handled"


def _rectify_deadline(hub: LiveHub, case_id: str) -> float:
    with Session(hub.hub.engine) as session:
        row = session.scalars(
            select(CaseEvent).where(
                CaseEvent.incident_id == case_id, CaseEvent.kind == "rectification_deadline"
            )
        ).one()
        return float((row.detail or {})["deadline"])


def test_a_bad_calendar_file_stops_the_hub_naming_its_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.cli import main

    path = tmp_path / "calendar.toml"
    path.write_text(CALENDAR.replace("to = 2027-03-02", "to = 2027-02-20"), encoding="utf-8")
    assert main(["hub", "--calendar", str(path), "--port", "0", "--api-port", "0"]) == 2
    err = capsys.readouterr().err
    assert f"--calendar {path}: {path}:" in err and "holiday[0].to" in err
    # The demo's embedded hub takes it too, and refuses it before anything starts.
    assert main(["demo", "--calendar", str(path)]) == 2
    assert "holiday[0].to" in capsys.readouterr().err


def test_a_year_the_calendar_does_not_cover_is_a_warning_in_check() -> None:
    from desktop.check import check_calendar

    shipped = check_calendar(None, now=at(2026, 6, 1, 12, 0))
    assert shipped.status == "ok" and "2026, 2027" in shipped.detail
    provisional = check_calendar(None, now=at(2027, 6, 1, 12, 0))
    assert provisional.status == "warn" and "2027 is provisional" in provisional.detail
    uncovered = check_calendar(None, now=at(2028, 6, 1, 12, 0))
    assert uncovered.status == "warn" and "no holidays for 2028" in uncovered.detail
