"""Issue 18's lifecycle nodes on a real hub (SQLite and PostgreSQL): 核实, 核查, 返工, 督办,
作废 and 挂账 over ``case.step``, each a timeline row, audited, refused for the wrong role
or status with the protocol's error code; no close of a handled case without 核查."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend_client.protocol.messages import AlertNew, StoredEvent, Ticker, UnitPositions
from backend_client.stories.counters import head_count
from backend_client.transport import FeedClient, RequestFailed
from hub.store.models import AlertRow, AuditEntry, CaseEvent, Incident
from tests.support.hubs import OFFICERS, LiveHub, as_roles, report

UNIT = OFFICERS[0].id
OTHER = OFFICERS[1].id


class Recorder:
    def __init__(self) -> None:
        self.events: list[StoredEvent] = []

    def on_snapshot(self, state: Any) -> None:
        pass

    def on_event(self, event: Any) -> None:
        if not isinstance(event, UnitPositions):
            self.events.append(event)

    def on_link(self, status: Any) -> None:
        pass


def _new_case(hub: LiveHub, external_id: str) -> str:
    status, body = hub.post("/api/v1/reports", report(external_id))
    assert status == 201, body
    return str(body["id"])


def _step(client: FeedClient, case_id: str, action: str, **args: Any) -> Any:
    return client.request("case.step", {"case_id": case_id, "action": action, **args})


async def _refused(call: Any) -> RequestFailed:
    with pytest.raises(RequestFailed) as caught:
        await call
    return caught.value


def _timeline(hub: LiveHub, case_id: str) -> list[tuple[str, dict[str, Any]]]:
    with Session(hub.hub.engine) as session:
        rows = session.scalars(
            select(CaseEvent)
            .where(CaseEvent.incident_id == case_id)
            .order_by(CaseEvent.ts, CaseEvent.id)
        ).all()
        return [(r.kind, dict(r.detail or {})) for r in rows]


def _stored_status(hub: LiveHub, case_id: str) -> str:
    with Session(hub.hub.engine) as session:
        row = session.get(Incident, case_id)
        assert row is not None
        return row.status


def _audited(hub: LiveHub, case_id: str) -> list[str]:
    with Session(hub.hub.engine) as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.subject == case_id).order_by(AuditEntry.id)
        ).all()
        return [r.action for r in rows]


async def _to_handled(operator: FeedClient, case_id: str) -> None:
    await _step(operator, case_id, "dispatch", units=[UNIT, OTHER])
    await _step(operator, case_id, "arrive", units=[UNIT])
    assert (await _step(operator, case_id, "handle", outcome="已清理"))["status"] == "handled"


async def _until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def test_a_report_is_verified_then_accepted_and_a_false_one_is_void(hub: LiveHub) -> None:
    true_case = _new_case(hub, "8890-verify-true")
    false_case = _new_case(hub, "8890-verify-false")

    async def body(c: dict[str, FeedClient]) -> None:
        operator, wall = c["operator"], c["wall"]
        failed = await _refused(_step(operator, true_case, "verify", result="perhaps"))
        assert (failed.code, failed.field) == ("invalid", "result")
        failed = await _refused(_step(wall, true_case, "verify", result="confirmed"))
        assert failed.code == "forbidden"

        verified = await _step(operator, true_case, "verify", result="confirmed", note="电话核实")
        assert verified["status"] == "verified"
        assert (await _step(operator, true_case, "accept"))["status"] == "accepted"

        failed = await _refused(_step(operator, false_case, "verify", result="false"))
        assert (failed.code, failed.field) == ("invalid", "note")
        voided = await _step(operator, false_case, "verify", result="false", note="现场无此情况")
        assert voided["status"] == "voided"
        failed = await _refused(_step(operator, false_case, "accept"))
        assert failed.code == "conflict"
        await _until(lambda: wall.state.incidents[false_case].status == "voided")

    as_roles(hub, body, "operator", "wall")
    assert [k for k, _ in _timeline(hub, true_case)] == ["reported", "verified", "accepted"]
    assert _timeline(hub, false_case)[-1] == (
        "verified",
        {"result": "false", "note": "现场无此情况"},
    )
    assert _stored_status(hub, false_case) == "voided"
    assert _audited(hub, true_case) == ["case.verify", "case.accept"]


def test_a_handled_case_is_not_closed_before_a_check_that_passed(hub: LiveHub) -> None:
    case_id = _new_case(hub, "8890-check-skip")

    async def body(c: dict[str, FeedClient]) -> None:
        operator = c["operator"]
        await _to_handled(operator, case_id)
        refused = await _refused(_step(operator, case_id, "close", note="跳过核查"))
        assert refused.code == "check_required"
        assert "核查" in refused.message
        checked = await _step(operator, case_id, "check", result="passed", units=[UNIT])
        assert checked["status"] == "checked"
        assert (await _step(operator, case_id, "close"))["status"] == "closed"

    as_roles(hub, body, "operator")
    kinds = [k for k, _ in _timeline(hub, case_id)]
    # The refused close left nothing behind.
    assert kinds[-3:] == ["handled", "checked", "closed"]
    assert _timeline(hub, case_id)[-2][1] == {"result": "passed", "unit": UNIT}
    assert _stored_status(hub, case_id) == "closed"
    assert _audited(hub, case_id)[-2:] == ["case.check", "case.close"]


def test_a_failed_check_is_rework_back_to_the_officers(hub: LiveHub) -> None:
    case_id = _new_case(hub, "8890-check-fail")

    async def body(c: dict[str, FeedClient]) -> None:
        operator, wall = c["operator"], c["wall"]
        await _to_handled(operator, case_id)
        failed = await _refused(_step(operator, case_id, "check", result="failed"))
        assert (failed.code, failed.field) == ("invalid", "note")
        back = await _step(operator, case_id, "check", result="failed", note="垃圾未清运")
        assert back["status"] == "dispatched"
        await _until(lambda: wall.state.incidents[case_id].status == "dispatched")
        assert wall.state.incidents[case_id].units == [UNIT, OTHER]
        # Redone and checked again before it may close.
        await _step(operator, case_id, "arrive", units=[OTHER])
        await _step(operator, case_id, "handle")
        assert (await _refused(_step(operator, case_id, "close"))).code == "check_required"
        await _step(operator, case_id, "check", result="passed")
        assert (await _step(operator, case_id, "close"))["status"] == "closed"

    as_roles(hub, body, "operator", "wall")
    timeline = _timeline(hub, case_id)
    i = [k for k, _ in timeline].index("rework")
    assert timeline[i - 1] == ("checked", {"result": "failed", "note": "垃圾未清运"})
    assert timeline[i][1] == {"by": "check", "units": [UNIT, OTHER], "reason": "垃圾未清运"}


def test_a_desk_sends_a_handled_case_back_as_rework(hub: LiveHub) -> None:
    case_id = _new_case(hub, "8890-rework")

    async def body(c: dict[str, FeedClient]) -> None:
        operator, wall = c["operator"], c["wall"]
        await _to_handled(operator, case_id)
        assert (await _refused(_step(wall, case_id, "rework", note="x"))).code == "forbidden"
        back = await _step(operator, case_id, "rework", note="处置不到位")
        assert back["status"] == "dispatched"

    as_roles(hub, body, "operator", "wall")
    assert _timeline(hub, case_id)[-1] == (
        "rework",
        {"by": "desk", "units": [UNIT, OTHER], "reason": "处置不到位"},
    )
    assert _audited(hub, case_id)[-1] == "case.rework"


def test_supervision_is_a_row_an_alert_and_a_ticker_line_and_moves_nothing(
    hub: LiveHub,
) -> None:
    case_id = _new_case(hub, "8890-supervise")
    recorder = Recorder()

    async def body(c: dict[str, FeedClient]) -> None:
        operator, supervisor = c["operator"], c["supervisor"]
        wall = FeedClient(hub.stream_url, hub.token["wall"], recorder)
        task = asyncio.create_task(wall.run())
        await wall.wait_synced()
        await _step(operator, case_id, "dispatch", units=[UNIT])
        refused = await _refused(_step(operator, case_id, "supervise", note="今日办结"))
        assert refused.code == "forbidden"
        refused = await _refused(_step(supervisor, case_id, "supervise"))
        assert (refused.code, refused.field) == ("invalid", "note")
        done = await _step(supervisor, case_id, "supervise", note="今日办结")
        assert done["status"] == "dispatched"
        await _until(lambda: any(a.kind == "supervised" for a in wall.state.alerts.values()))
        alert = next(a for a in wall.state.alerts.values() if a.kind == "supervised")
        assert alert.subject == case_id and alert.code == "alert.supervised"
        assert "今日办结" in alert.text
        # A desk's acknowledgement clears it from every wall.
        await operator.request("alert.ack", {"alert_id": alert.id})
        await _until(lambda: alert.id not in wall.state.alerts)
        await wall.stop()
        await task

    as_roles(hub, body, "operator", "supervisor")
    tickers = [e for e in recorder.events if isinstance(e, Ticker) and e.incident_id == case_id]
    assert [t.code for t in tickers] == ["ticker.supervised"]
    assert tickers[0].urgent and "督办" in tickers[0].text and "今日办结" in tickers[0].text
    assert [e.alert.kind for e in recorder.events if isinstance(e, AlertNew)] == ["supervised"]
    assert _timeline(hub, case_id)[-1] == ("supervised", {"note": "今日办结"})
    assert _stored_status(hub, case_id) == "dispatched"
    with Session(hub.hub.engine) as session:
        row = session.scalars(select(AlertRow).where(AlertRow.kind == "supervised")).one()
        assert row.subject == case_id and row.cleared_at is not None
    # The refused attempts left no audit row; the order did.
    assert _audited(hub, case_id) == ["case.dispatch", "case.supervise"]


def test_a_suspended_case_is_off_the_clock_and_resumes_where_it_was(hub: LiveHub) -> None:
    case_id = _new_case(hub, "8890-suspend")
    reported = hub.hub.state.incidents[case_id].reported_at

    async def body(c: dict[str, FeedClient]) -> None:
        operator, supervisor = c["operator"], c["supervisor"]
        await _step(operator, case_id, "accept")
        refused = await _refused(_step(operator, case_id, "suspend", note="待认定"))
        assert refused.code == "forbidden"
        refused = await _refused(_step(supervisor, case_id, "suspend", note=""))
        assert (refused.code, refused.field) == ("invalid", "note")
        parked = await _step(supervisor, case_id, "suspend", note="需规划部门认定违建")
        assert parked["status"] == "suspended"
        refused = await _refused(_step(operator, case_id, "dispatch", units=[UNIT]))
        assert refused.code == "conflict"
        # Parked, its 1-3-15 clock records nothing, however long it waits.
        assert await asyncio.to_thread(hub.run, hub.hub.sweep_sla(now=reported + 3600)) == []
        assert (await _refused(_step(operator, case_id, "resume"))).code == "forbidden"
        back = await _step(supervisor, case_id, "resume", note="已认定")
        assert back["status"] == "accepted"
        assert (await _step(operator, case_id, "dispatch", units=[UNIT]))["status"] == "dispatched"

    as_roles(hub, body, "operator", "supervisor")
    timeline = _timeline(hub, case_id)
    kinds = [k for k, _ in timeline]
    assert kinds[-3:] == ["suspended", "resumed", "dispatched"]
    assert "sla_missed" not in kinds
    assert timeline[-3][1] == {"reason": "需规划部门认定违建", "from": "accepted"}
    assert timeline[-2][1] == {"to": "accepted", "note": "已认定"}


def test_a_supervisor_voids_a_case_with_a_reason_and_nothing_follows(hub: LiveHub) -> None:
    case_id = _new_case(hub, "8890-void")
    kept = _new_case(hub, "8890-kept")
    reported = hub.hub.state.incidents[case_id].reported_at
    figures: dict[str, Any] = {}

    async def body(c: dict[str, FeedClient]) -> None:
        operator, supervisor, wall = c["operator"], c["supervisor"], c["wall"]
        await _step(operator, case_id, "dispatch", units=[UNIT])
        refused = await _refused(_step(operator, case_id, "void", note="重复上报"))
        assert refused.code == "forbidden"
        refused = await _refused(_step(supervisor, case_id, "void"))
        assert (refused.code, refused.field) == ("invalid", "note")
        await _until(lambda: kept in wall.state.incidents)
        assert head_count(wall.state).open_cases == 2
        assert (await _step(supervisor, case_id, "void", note="重复上报"))["status"] == "voided"
        await _until(lambda: wall.state.incidents[case_id].status == "voided")
        # Off the walls' open count (and their queues and maps: finished like a close).
        assert head_count(wall.state).open_cases == 1
        for action, args in (("arrive", {"units": [UNIT]}), ("resume", {})):
            refused = await _refused(_step(supervisor, case_id, action, **args))
            assert refused.code == "conflict"
        # A void case was never work: not 受理 (received) nor 应结案 (due) in the figures.
        period = {"start": reported - 3600, "end": reported + 3600, "group": "source"}
        figures.update(await wall.request("stats.query", period))
        await _until(lambda: wall.state.incidents[kept].status == "reported")

    as_roles(hub, body, "operator", "supervisor", "wall")
    assert _timeline(hub, case_id)[-1] == ("voided", {"reason": "重复上报"})
    assert _stored_status(hub, case_id) == "voided"
    assert "case.void" in _audited(hub, case_id)
    assert (figures["total"]["received"], figures["total"]["due"]) == (1, 1)
