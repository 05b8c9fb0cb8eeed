"""回访 on a real hub (SQLite and PostgreSQL): ``case.visit`` stores a ``case_visits`` row
and a ``visited`` timeline row, audited; only on a closed case; dissatisfied reopens it as
返工 to its officers; unreached is recorded and leaves the case closed for another call."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend_client.api import HubApi
from backend_client.transport import FeedClient, RequestFailed
from hub.store.models import AuditEntry, CaseEvent, CaseVisitRow
from tests.support.hubs import OFFICERS, LiveHub, as_roles, report

UNIT = OFFICERS[0].id
OTHER = OFFICERS[1].id


def _new_case(hub: LiveHub, external_id: str) -> str:
    status, body = hub.post("/api/v1/reports", report(external_id))
    assert status == 201, body
    return str(body["id"])


def _step(client: FeedClient, case_id: str, action: str, **args: Any) -> Any:
    return client.request("case.step", {"case_id": case_id, "action": action, **args})


def _visit(client: FeedClient, case_id: str, result: str, **extra: Any) -> Any:
    args = {"case_id": case_id, "channel": "phone", "result": result, **extra}
    return client.request("case.visit", args)


async def _refused(call: Any) -> RequestFailed:
    with pytest.raises(RequestFailed) as caught:
        await call
    return caught.value


async def _close(operator: FeedClient, case_id: str) -> None:
    await _step(operator, case_id, "dispatch", units=[UNIT, OTHER])
    await _step(operator, case_id, "arrive", units=[UNIT])
    await _step(operator, case_id, "handle")
    await _step(operator, case_id, "check", result="passed")
    assert (await _step(operator, case_id, "close"))["status"] == "closed"


async def _until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def _visits(hub: LiveHub, case_id: str) -> list[CaseVisitRow]:
    with Session(hub.hub.engine) as session:
        rows = session.scalars(
            select(CaseVisitRow)
            .where(CaseVisitRow.incident_id == case_id)
            .order_by(CaseVisitRow.id)
        ).all()
        session.expunge_all()
        return list(rows)


def _timeline(hub: LiveHub, case_id: str) -> list[tuple[str, float, dict[str, Any]]]:
    with Session(hub.hub.engine) as session:
        rows = session.scalars(
            select(CaseEvent)
            .where(CaseEvent.incident_id == case_id)
            .order_by(CaseEvent.ts, CaseEvent.id)
        ).all()
        return [(r.kind, r.ts, dict(r.detail or {})) for r in rows]


def test_a_visit_of_a_closed_case_is_stored_on_the_timeline_and_audited(hub: LiveHub) -> None:
    case_id = _new_case(hub, "8890-visit")
    answers: list[dict[str, Any]] = []

    async def body(c: dict[str, FeedClient]) -> None:
        operator = c["operator"]
        await _close(operator, case_id)
        # Not reached first: recorded, no rating, the case stays closed for another call.
        answers.append(await _visit(operator, case_id, "unreached", note="无人接听"))
        answers.append(
            await operator.request(
                "case.visit",
                {"case_id": case_id, "channel": "sms", "result": "satisfied", "note": "满意"},
            )
        )

    as_roles(hub, body, "operator")
    assert [a["status"] for a in answers] == ["closed", "closed"]
    rows = _visits(hub, case_id)
    assert [(r.channel, r.result, r.note, r.actor) for r in rows] == [
        ("phone", "unreached", "无人接听", "demo-operator"),
        ("sms", "satisfied", "满意", "demo-operator"),
    ]
    assert [a["visit_id"] for a in answers] == [r.id for r in rows]
    visited = [(ts, d) for kind, ts, d in _timeline(hub, case_id) if kind == "visited"]
    assert [d for _, d in visited] == [
        {"channel": "phone", "result": "unreached", "note": "无人接听"},
        {"channel": "sms", "result": "satisfied", "note": "满意"},
    ]
    # The stored visit and its timeline row are the same moment.
    assert [r.ts for r in rows] == [ts for ts, _ in visited]
    with Session(hub.hub.engine) as session:
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "case.visit").order_by(AuditEntry.id)
        ).all()
        assert [(a.subject, (a.detail or {}).get("result")) for a in audit] == [
            (case_id, "unreached"),
            (case_id, "satisfied"),
        ]


def test_a_dissatisfied_visit_reopens_the_case_as_rework_to_its_officers(hub: LiveHub) -> None:
    case_id = _new_case(hub, "8890-visit-bad")

    async def body(c: dict[str, FeedClient]) -> None:
        operator, wall = c["operator"], c["wall"]
        await _close(operator, case_id)
        answer = await _visit(operator, case_id, "dissatisfied", note="垃圾又堆回来了")
        assert answer["status"] == "dispatched"
        await _until(lambda: wall.state.incidents[case_id].status == "dispatched")
        assert wall.state.incidents[case_id].units == [UNIT, OTHER]
        # Open again: another visit waits for the next close, which needs a 核查 again.
        refused = await _refused(_visit(operator, case_id, "satisfied"))
        assert refused.code == "conflict"
        await _step(operator, case_id, "arrive", units=[UNIT])
        await _step(operator, case_id, "handle")
        assert (await _refused(_step(operator, case_id, "close"))).code == "check_required"

    as_roles(hub, body, "operator", "wall")
    timeline = _timeline(hub, case_id)
    i = [k for k, _, _ in timeline].index("visited")
    assert timeline[i + 1][0] == "rework"
    assert timeline[i + 1][2] == {"by": "visit", "units": [UNIT, OTHER], "reason": "垃圾又堆回来了"}
    assert [r.result for r in _visits(hub, case_id)] == ["dissatisfied"]


def test_a_visit_is_refused_on_an_open_case_for_a_wall_and_for_bad_words(hub: LiveHub) -> None:
    case_id = _new_case(hub, "8890-visit-open")

    async def body(c: dict[str, FeedClient]) -> None:
        operator, wall = c["operator"], c["wall"]
        refused = await _refused(_visit(operator, case_id, "satisfied"))
        assert refused.code == "conflict" and "closed" in refused.message
        assert (await _refused(_visit(wall, case_id, "satisfied"))).code == "forbidden"
        refused = await _refused(_visit(operator, case_id, "satisfied", channel="pigeon"))
        assert (refused.code, refused.field) == ("invalid", "channel")
        refused = await _refused(_visit(operator, case_id, "happy"))
        assert (refused.code, refused.field) == ("invalid", "result")
        refused = await _refused(_visit(operator, "WC-none", "satisfied"))
        assert (refused.code, refused.field) == ("not_found", "case_id")
        refused = await _refused(operator.request("case.visit", {"case_id": case_id}))
        assert refused.code == "invalid"
        # ``visit`` is not a case.step: a visit always stores its row.
        refused = await _refused(_step(operator, case_id, "visit"))
        assert (refused.code, refused.field) == ("invalid", "action")

    as_roles(hub, body, "operator", "wall")
    assert _visits(hub, case_id) == []
    assert "visited" not in [k for k, _, _ in _timeline(hub, case_id)]


def test_each_merged_childs_reporter_gets_a_visit_once_the_parent_is_closed(
    hub: LiveHub,
) -> None:
    """Children keep their reporters (case.merge): each is called back once the parent
    is closed; a dissatisfied child reopens the parent as 返工; 满意率 counts each visit
    once (its ``case_visits`` row is the child's, its timeline row the parent's)."""
    parent = _new_case(hub, "8890-visit-parent")
    kept, unhappy = _new_case(hub, "8890-visit-child-1"), _new_case(hub, "8890-visit-child-2")
    answers: dict[str, dict[str, Any]] = {}
    statuses: dict[str, str] = {}

    async def body(c: dict[str, FeedClient]) -> None:
        operator, wall = c["operator"], c["wall"]
        for child in (kept, unhappy):
            await operator.request("case.merge", {"case_id": child, "into": parent})
        await _until(lambda: wall.state.incidents[unhappy].parent_id == parent)
        statuses.update({k: wall.state.incidents[k].status for k in (kept, unhappy)})
        # Not before the parent's work is closed: said, naming the field.
        refused = await _refused(_visit(operator, kept, "satisfied"))
        assert (refused.code, refused.field) == ("conflict", "case_id")
        assert parent in refused.message
        await _close(operator, parent)
        answers["parent"] = await _visit(operator, parent, "satisfied")
        answers["kept"] = await _visit(operator, kept, "satisfied", note="摊贩没再来")
        answers["unhappy"] = await _visit(operator, unhappy, "dissatisfied", note="又来了")
        await _until(lambda: wall.state.incidents[parent].status == "dispatched")
        # The children keep their own status: the parent is the work reopened.
        assert {k: wall.state.incidents[k].status for k in (kept, unhappy)} == statuses
        # Open again: no more visits of its children until it is closed again.
        refused = await _refused(_visit(operator, kept, "satisfied"))
        assert (refused.code, refused.field) == ("conflict", "case_id")
        service = (
            await HubApi.over(wall.request).stats_service(time.time() - 3600, time.time() + 60)
        ).answer
        assert (service.visits, service.rated) == (3, 3)
        assert (service.satisfied, service.dissatisfied) == (2, 1)
        assert service.satisfaction_rate == pytest.approx(2 / 3)

    as_roles(hub, body, "operator", "wall")
    assert answers["kept"]["case_id"] == kept and answers["kept"]["status"] == "closed"
    assert answers["unhappy"]["case_id"] == unhappy
    assert answers["unhappy"]["status"] == "dispatched"  # the parent's, reopened
    # One stored visit each, on the case whose reporter was called.
    assert [(r.result, r.note) for r in _visits(hub, kept)] == [("satisfied", "摊贩没再来")]
    assert [r.result for r in _visits(hub, unhappy)] == ["dissatisfied"]
    assert [r.result for r in _visits(hub, parent)] == ["satisfied"]
    assert answers["unhappy"]["visit_id"] == _visits(hub, unhappy)[0].id
    # The parent's timeline: each visit, naming the child; the 返工 after the unhappy one.
    timeline = _timeline(hub, parent)
    visited = [d for kind, _, d in timeline if kind == "visited"]
    assert [(d.get("child"), d["result"]) for d in visited] == [
        (None, "satisfied"),
        (kept, "satisfied"),
        (unhappy, "dissatisfied"),
    ]
    kinds = [kind for kind, _, _ in timeline]
    assert kinds[-2:] == ["visited", "rework"]
    assert timeline[-1][2] == {"by": "visit", "units": [UNIT, OTHER], "reason": "又来了"}
    for child in (kept, unhappy):
        assert "visited" not in [kind for kind, _, _ in _timeline(hub, child)]
    with Session(hub.hub.engine) as session:
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "case.visit").order_by(AuditEntry.id)
        ).all()
        assert [(a.subject, (a.detail or {}).get("parent")) for a in audit] == [
            (parent, None),
            (kept, parent),
            (unhappy, parent),
        ]
