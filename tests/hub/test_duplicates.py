"""Duplicate reports on a real hub over loopback, SQLite and PostgreSQL: case.duplicates
finds the earlier cases of the same category within 50 m, at the same merchant or the
same address, open or closed within 72 h (and nothing just outside); case.merge makes a
child that leaves the queue and the open count, records no more 1-3-15 misses, keeps its
reporter, and shows as the parent's ×N in the queue and on the ticker; its refusals;
and a merged case's 回访 (issue 18's "a merge and its 回访")."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend_client.api import HubApi
from backend_client.geo import EARTH_RADIUS_M, distance_m
from backend_client.protocol import decode_server
from backend_client.protocol.messages import Ticker
from backend_client.protocol.ops import CaseDuplicatesAnswer
from backend_client.qt import QtFeed
from backend_client.stories.counters import head_count
from backend_client.transport import FeedClient, RequestFailed
from hub.cases import sweep_misses
from hub.domain.duplicates import DuplicateRules
from hub.store.models import AuditEntry, CaseEvent, StoredEventRow
from hub.store.models import Incident as IncidentRow
from tests.support.hubs import OFFICERS, LiveHub, as_role, report
from widgets.queue import COL_CATEGORY, IncidentQueueModel

LAT, LON = 29.085, 119.652
HOUR = 3600.0


def _north(metres: float) -> float:
    """The latitude ``metres`` north of :data:`LAT`."""
    return LAT + math.degrees(metres / EARTH_RADIUS_M)


def _report(hub: LiveHub, external_id: str, **overrides: Any) -> str:
    status, answer = hub.post("/api/v1/reports", report(external_id, **overrides))
    assert status == 201, answer
    return str(answer["id"])


def _duplicates(hub: LiveHub, case_id: str, role: str = "operator") -> CaseDuplicatesAnswer:
    found: list[CaseDuplicatesAnswer] = []

    async def ask(client: FeedClient) -> None:
        found.append((await HubApi.over(client.request).case_duplicates(case_id)).answer)

    as_role(hub, role, ask)
    return found[0]


def _merge(hub: LiveHub, case_id: str, into: str, role: str = "operator") -> dict[str, Any]:
    answers: list[dict[str, Any]] = []

    async def merge(client: FeedClient) -> None:
        answers.append(await client.request("case.merge", {"case_id": case_id, "into": into}))

    as_role(hub, role, merge)
    return answers[0]


def _refused(hub: LiveHub, op: str, args: dict[str, Any], role: str = "operator") -> RequestFailed:
    caught: list[RequestFailed] = []

    async def ask(client: FeedClient) -> None:
        with pytest.raises(RequestFailed) as refused:
            await client.request(op, args)
        caught.append(refused.value)

    as_role(hub, role, ask)
    return caught[0]


def _close_at(hub: LiveHub, case_id: str, closed_at: float) -> None:
    """Store ``case_id`` as closed at ``closed_at`` (its closing step on the timeline)."""
    with Session(hub.hub.engine) as session:
        row = session.get(IncidentRow, case_id)
        assert row is not None
        row.status = "closed"
        session.add(
            CaseEvent(incident_id=case_id, kind="closed", ts=closed_at, actor="test", detail=None)
        )
        session.commit()


def _reported_at(hub: LiveHub, case_id: str) -> float:
    with Session(hub.hub.engine) as session:
        row = session.get(IncidentRow, case_id)
        assert row is not None
        return row.reported_at


def _seed_neighbourhood(hub: LiveHub) -> tuple[str, dict[str, str]]:
    """Earlier cases around the spot of a new 占道经营 case (merchant M-9, 城中街道八一北街)
    and the new case itself; returns its id and the earlier ones by name."""
    elsewhere = {"lat": _north(2000), "lon": LON}
    ids = {
        "near": _report(hub, "dup-near", lat=_north(30), address="城中街道将军路1号"),
        "far": _report(hub, "dup-51m", lat=_north(51), address="城中街道将军路3号"),
        "merchant": _report(hub, "dup-merchant", merchant_id="M-9", address="别处", **elsewhere),
        "address": _report(hub, "dup-address", address="城中街道八一北街", **elsewhere),
        "other_class": _report(hub, "dup-other", category="油烟污染", lat=LAT, address="x"),
        "closed_71h": _report(hub, "dup-71h", lat=_north(10), address="城中街道将军路5号"),
        "closed_73h": _report(hub, "dup-73h", lat=_north(10), address="城中街道将军路7号"),
        "void": _report(hub, "dup-void", lat=_north(5), address="城中街道将军路9号"),
    }
    new = _report(hub, "dup-new", lat=LAT, lon=LON, merchant_id="M-9")
    ids["later"] = _report(hub, "dup-later", lat=_north(5), address="城中街道将军路11号")
    reported = _reported_at(hub, new)
    _close_at(hub, ids["closed_71h"], reported - 71 * HOUR)
    _close_at(hub, ids["closed_73h"], reported - 73 * HOUR)
    with Session(hub.hub.engine) as session:
        void = session.get(IncidentRow, ids["void"])
        assert void is not None
        void.status = "voided"
        session.commit()
    return new, ids


def test_candidates_are_found_by_distance_merchant_and_address_within_the_window(
    hub: LiveHub,
) -> None:
    new, ids = _seed_neighbourhood(hub)
    answer = _duplicates(hub, new)
    found = {c.id: c for c in answer.candidates}
    by_name = {name: found.get(case_id) for name, case_id in ids.items()}
    # In: 30 m, the same merchant 2 km away, the same address 2 km away, closed 71 h ago.
    assert {n for n, c in by_name.items() if c is not None} == {
        "near",
        "merchant",
        "address",
        "closed_71h",
    }
    # Out: 51 m, another class, closed 73 h before, void, reported after the new case.
    near, merchant, address, closed = (
        by_name["near"],
        by_name["merchant"],
        by_name["address"],
        by_name["closed_71h"],
    )
    assert near is not None and merchant is not None and address is not None
    assert closed is not None
    assert near.why == ["distance"] and near.distance_m == pytest.approx(30.0, abs=0.2)
    assert merchant.why == ["merchant"] and merchant.distance_m == pytest.approx(2000, abs=1)
    assert address.why == ["address"]
    assert closed.why == ["distance"] and closed.status == "closed"
    assert closed.closed_at == pytest.approx(_reported_at(hub, new) - 71 * HOUR)
    assert answer.rules.radius_m == 50.0 and answer.rules.window_hours == 72.0
    # Nearest first among equals (one reason each): 10 m, 30 m, then 2 km.
    assert [c.id for c in answer.candidates[:2]] == [ids["closed_71h"], ids["near"]]
    # The distance the hub measured is the one the geometry gives.
    assert near.distance_m == pytest.approx(distance_m(LAT, LON, _north(30), LON), abs=0.1)
    assert answer.parent_id is None and answer.children == []
    # Finding candidates is a view of the case, audited; it merges nothing by itself.
    with Session(hub.hub.engine) as session:
        actions = set(session.scalars(select(AuditEntry.action)))
        parents = set(session.scalars(select(IncidentRow.parent_id)))
    assert "view.duplicates" in actions and "case.merge" not in actions
    assert parents == {None}


def test_the_thresholds_are_the_hubs_configuration(db_url: str) -> None:
    rules = DuplicateRules(radius_m=60.0, window_hours=80.0, same_merchant=False)
    hub = LiveHub(db_url, duplicates=rules).start()
    try:
        new, ids = _seed_neighbourhood(hub)
        answer = _duplicates(hub, new)
        found = {c.id for c in answer.candidates}
        # 51 m and 73 h are in now; the merchant alone no longer matches.
        names = {name for name, case_id in ids.items() if case_id in found}
        assert names == {"near", "far", "address", "closed_71h", "closed_73h"}
        assert (answer.rules.radius_m, answer.rules.window_hours) == (60.0, 80.0)
        assert answer.rules.same_merchant is False
    finally:
        hub.stop()


def _events(hub: LiveHub) -> list[Any]:
    with Session(hub.hub.engine) as session:
        frames = session.scalars(select(StoredEventRow.frame).order_by(StoredEventRow.seq))
        return [decode_server(bytes(f)) for f in frames]


def _wait(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_a_merge_makes_a_child_off_the_queue_and_the_parent_shows_times_n(
    hub: LiveHub, qtbot: Any
) -> None:
    parent = _report(hub, "dup-parent")
    first = _report(hub, "dup-child-1", reporter={"name": "李先生", "phone": "13900000001"})
    second = _report(hub, "dup-child-2", lat=_north(20))
    other = _report(hub, "dup-unrelated", category="油烟污染", lat=_north(500))
    candidates = _duplicates(hub, second).candidates
    assert [c.id for c in candidates] == [first, parent]  # newest first at 20 m each

    answer = _merge(hub, first, parent)
    assert (answer["case_id"], answer["into"], answer["asked"], answer["count"]) == (
        first,
        parent,
        parent,
        2,
    )
    answer = _merge(hub, second, parent)
    assert answer["count"] == 3 and answer["moved"] == []

    # The wire: the child names its parent, the parent carries its children's count.
    seen: dict[str, Any] = {}

    async def watch(client: FeedClient) -> None:
        seen.update(client.state.incidents)

    as_role(hub, "wall", watch)
    assert seen[first].parent_id == parent and seen[second].parent_id == parent
    assert seen[parent].merged == 2 and seen[parent].parent_id is None
    # Children are not open work: the header counts the parent and the unrelated case.
    assert head_count_of(seen) == 2

    # The queue as a wall builds it from that state: the parent ×3, no child.
    feed = QtFeed("ws://127.0.0.1:9/stream", "unused")  # never started: state given
    feed.state.incidents.update(seen)
    model = IncidentQueueModel(feed, clock=time.time)
    ids = model.incident_ids()
    assert set(ids) == {parent, other}
    category = model.index(ids.index(parent), COL_CATEGORY).data()
    assert category == "占道经营 ×3"

    # The ticker line of each merge, with the parent's ×N.
    tickers = [e for e in _events(hub) if isinstance(e, Ticker) and e.code == "ticker.merged"]
    assert [t.text for t in tickers] == [
        f"【并案】案件 {first} 并入案件 {parent}（占道经营 · 城中街道八一北街）×2",
        f"【并案】案件 {second} 并入案件 {parent}（占道经营 · 城中街道八一北街）×3",
    ]
    assert all(t.incident_id == parent for t in tickers)

    # Timeline rows on both sides, and the audit row.
    with Session(hub.hub.engine) as session:
        rows = session.scalars(
            select(CaseEvent).where(CaseEvent.kind.in_(["merged", "merged_child"]))
        ).all()
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "case.merge")).all()
    merged_rows = {(r.incident_id, r.kind) for r in rows}
    assert merged_rows == {
        (first, "merged"),
        (second, "merged"),
        (parent, "merged_child"),
    }
    assert [(a.subject, (a.detail or {})["into"], a.actor) for a in audit] == [
        (first, parent, "demo-operator"),
        (second, parent, "demo-operator"),
    ]

    # No more 1-3-15 misses for a child: long past every deadline the sweep records the
    # parent's and none of the children's.
    later = time.time() + 3600

    def sweep(session: Session, emitter: Any) -> list[tuple[str, tuple[str, ...]]]:
        return sweep_misses(session, emitter, [parent, first, second], later)

    recorded = dict(hub.run(hub.hub.writer.submit(sweep)))
    assert set(recorded) == {parent}
    # Nor does stats.query judge a child's clock: four reports received, two on the clock.
    figures: list[Any] = []

    async def stats(client: FeedClient) -> None:
        now = time.time()
        figures.append(
            (await HubApi.over(client.request).stats_query(now - 600, now + 60, "source")).answer
        )
        # A period that holds the 15-minute deadlines: what is due (应结案).
        figures.append(
            (await HubApi.over(client.request).stats_query(now - 600, now + 3600, "source")).answer
        )

    as_role(hub, "wall", stats)
    total = figures[0].total
    assert total.received == 4
    # Nor is a child due to be closed (应结案): its parent's close is the work's.
    assert figures[1].total.due == 2
    assert [(s.stage, s.met + s.missed + s.pending) for s in total.stages] == [
        ("accept", 2),
        ("move", 2),
        ("handle", 2),
    ]
    accept = total.stages[0]
    assert (accept.missed, accept.pending) == (1, 1)  # the parent's recorded miss, the other

    # The parent's drill-down lists its children; a child has no candidates of its own.
    drill = _duplicates(hub, parent)
    assert [c.id for c in drill.children] == [first, second]
    child_view = _duplicates(hub, first)
    assert child_view.parent_id == parent and child_view.candidates == []

    # The child keeps its reporter (a supervisor sees it whole).
    history: list[dict[str, Any]] = []

    async def read(client: FeedClient) -> None:
        history.append(await client.request("case.history", {"case_id": first}))

    as_role(hub, "supervisor", read)
    case = history[0]["case"]
    assert case["reporter"]["name"] == "李先生" and case["parent_id"] == parent


def head_count_of(incidents: dict[str, Any]) -> int:
    from backend_client.state import FeedState

    state = FeedState()
    state.incidents.update(incidents)
    return head_count(state).open_cases


def test_merges_are_one_level_and_the_wrong_ones_are_refused(hub: LiveHub) -> None:
    parent = _report(hub, "lvl-parent")
    child = _report(hub, "lvl-child")
    third = _report(hub, "lvl-third")
    fourth = _report(hub, "lvl-fourth")
    _merge(hub, child, parent)

    refusals = [
        ("case.merge", {"case_id": parent, "into": parent}, "invalid", "into"),
        ("case.merge", {"case_id": parent, "into": child}, "conflict", "into"),
        ("case.merge", {"case_id": child, "into": third}, "conflict", "case_id"),
        ("case.merge", {"case_id": "WC-none", "into": parent}, "not_found", "case_id"),
        ("case.merge", {"case_id": third, "into": "WC-none"}, "not_found", "into"),
        ("case.merge", {"case_id": third}, "invalid", "into"),
        ("case.duplicates", {"case_id": "WC-none"}, "not_found", "case_id"),
    ]
    for op, args, code, field in refusals:
        refused = _refused(hub, op, args)
        assert (refused.code, refused.field) == (code, field), (args, refused)

    # Into a child: into its parent instead (never a chain), and the answer says so.
    answer = _merge(hub, third, child)
    assert (answer["into"], answer["asked"], answer["count"]) == (parent, child, 3)
    # A parent merged away takes its children along: still one level.
    answer = _merge(hub, parent, fourth)
    assert answer["into"] == fourth and sorted(answer["moved"]) == sorted([child, third])
    assert answer["count"] == 4
    with Session(hub.hub.engine) as session:
        parents = {
            r.id: (r.parent_id, r.merged)
            for r in session.scalars(
                select(IncidentRow).where(IncidentRow.id.in_([parent, child, third, fourth]))
            )
        }
    assert parents == {
        parent: (fourth, 0),
        child: (fourth, 0),
        third: (fourth, 0),
        fourth: (None, 3),
    }
    # A later report of the same matter is offered the parent, via the child it matched.
    late = _report(hub, "lvl-late")
    candidates = _duplicates(hub, late).candidates
    assert [(c.id, c.merged) for c in candidates] == [(fourth, 3)]

    # Roles: a wall may look at candidates but never merge; nothing changed.
    refused = _refused(hub, "case.merge", {"case_id": late, "into": fourth}, role="wall")
    assert refused.code == "forbidden"
    assert _duplicates(hub, late, role="wall").candidates[0].id == fourth
    with Session(hub.hub.engine) as session:
        row = session.get(IncidentRow, late)
        assert row is not None and row.parent_id is None


def _step(client: FeedClient, case_id: str, action: str, **extra: Any) -> Any:
    return client.request("case.step", {"case_id": case_id, "action": action, **extra})


def test_a_merge_and_its_follow_up_visit(hub: LiveHub) -> None:
    parent = _report(hub, "visit-parent")
    child = _report(hub, "visit-child", reporter={"name": "王女士", "phone": "13700000000"})
    _merge(hub, child, parent)
    unit = OFFICERS[0].id
    visits: list[dict[str, Any]] = []

    async def handle_close_and_visit(client: FeedClient) -> None:
        await _step(client, parent, "accept")
        await _step(client, parent, "dispatch", units=[unit])
        await _step(client, parent, "arrive", units=[unit])
        await _step(client, parent, "handle", outcome="摊贩已劝离")
        await _step(client, parent, "check", result="passed")
        await _step(client, parent, "close")
        for result in ("unreached", "dissatisfied"):
            visits.append(
                await client.request(
                    "case.visit",
                    {"case_id": parent, "channel": "phone", "result": result, "note": "回访"},
                )
            )

    as_role(hub, "operator", handle_close_and_visit)
    # The unreached call leaves the case closed; the dissatisfied one reopens it as 返工.
    assert visits[0]["status"] == "closed" and visits[1]["status"] == "dispatched"
    seen: dict[str, Any] = {}

    async def watch(client: FeedClient) -> None:
        seen.update(client.state.incidents)

    as_role(hub, "wall", watch)
    # Reopened, the parent is open work again with its ×2; the child stays its child.
    assert seen[parent].status == "dispatched" and seen[parent].merged == 1
    assert seen[child].parent_id == parent
    assert head_count_of(seen) == 1

    # The visits are the parent's; service figures count them (unreached is no rating).
    async def figures(client: FeedClient) -> None:
        now = time.time()
        service = (await HubApi.over(client.request).stats_service(now - 3600, now + 60)).answer
        assert (service.received, service.merged) == (2, 1)
        assert service.duplicate_rate == pytest.approx(0.5)
        assert (service.visits, service.rated, service.unreached) == (2, 1, 1)
        assert service.satisfaction_rate == pytest.approx(0.0)

    as_role(hub, "wall", figures)
    with Session(hub.hub.engine) as session:
        kinds = list(
            session.scalars(
                select(CaseEvent.kind)
                .where(CaseEvent.incident_id == parent)
                .order_by(CaseEvent.ts, CaseEvent.id)
            )
        )
    assert kinds[:2] == ["reported", "merged_child"]
    assert "closed" in kinds and kinds.count("visited") == 2
