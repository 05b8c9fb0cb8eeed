"""Every request op through the typed facade (backend_client.api.HubApi) against a real hub
on loopback: the hub decodes the op's arguments Struct and encodes its answer Struct, the
client decodes the same Struct; a wrong-typed argument is the field's ``invalid`` error."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import cast

import pytest

from backend_client.api import HubApi
from backend_client.cache import AnswerCache, CachedRequests
from backend_client.protocol.ops import (
    OPS,
    AlertAckAnswer,
    AuditAnswer,
    CalendarAnswer,
    CaseDecideAnswer,
    CaseDuplicatesAnswer,
    CaseHistoryAnswer,
    CaseMergeAnswer,
    CaseRecordsAnswer,
    CaseRelatedAnswer,
    CaseStepAnswer,
    CaseVisitAnswer,
    DiscretionAnswer,
    DispatchAnswer,
    ExportAnswer,
    HotspotsAnswer,
    MerchantAnswer,
    MerchantListAnswer,
    ServiceStatsAnswer,
    StatsAnswer,
    TrackAnswer,
    UnitsAtAnswer,
    WallListAnswer,
    WallPushAnswer,
)
from backend_client.transport import FeedClient, RequestFailed
from hub.auth import PERMISSIONS
from hub.requests import RequestRouter
from hub.roster import MerchantRecord
from hub.service import Hub
from hub.sos import raise_sos_work, sos_alert
from tests.support.hubs import LiveHub, report

MERCHANT = MerchantRecord(
    "M-001", "婺城小吃店", "91330702MA2E000001", "城中街道八一北街12号", "餐饮", 3, 29.085, 119.652
)


@asynccontextmanager
async def connected(hub: LiveHub, role: str = "supervisor") -> AsyncIterator[FeedClient]:
    client = FeedClient(hub.stream_url, hub.token[role], backoff_initial=0.05, backoff_max=0.2)
    task = asyncio.create_task(client.run())
    await client.wait_synced()
    try:
        yield client
    finally:
        await client.stop()
        await task


async def post(hub: LiveHub, external_id: str, **fields: object) -> str:
    status, body = await asyncio.to_thread(
        hub.post, "/api/v1/reports", report(external_id, **fields)
    )
    assert status == 201, body
    return str(body["id"])


def test_every_op_round_trips_through_the_facade(hub: LiveHub, tmp_path: Path) -> None:
    hub.run(hub.hub.seed([], [], [MERCHANT]))
    hub.move(1)
    alert = sos_alert("U001", "警员001", time.time(), "app")
    hub.run(hub.hub.writer.submit(raise_sos_work(alert)))
    cache = AnswerCache(tmp_path / "answers.db")
    asked: set[str] = set()

    async def scenario() -> None:
        async with connected(hub) as client:
            api = HubApi(CachedRequests(client, cache))
            sibling = await post(hub, "8890-sib", merchant_id="M-001", lat=29.0851)
            case_id = await post(hub, "8890-main", merchant_id="M-001")

            dispatched = await api.dispatch(case_id, ["U001"])
            assert isinstance(dispatched, DispatchAnswer)
            assert (dispatched.incident_id, dispatched.status) == (case_id, "dispatched")
            stepped = await api.case_step(case_id, "moving", units=["U001"])
            assert isinstance(stepped, CaseStepAnswer) and stepped.seq > dispatched.seq
            assert stepped.case_id == case_id and stepped.missed == []
            asked.update({"dispatch", "case.step"})

            history = await api.case_history(case_id, limit=2)
            assert isinstance(history.answer, CaseHistoryAnswer) and not history.cached
            assert history.answer.case.id == case_id and history.answer.case.merchant_id
            # A supervisor sees the reporter whole; the Struct carries it typed.
            assert history.answer.case.reporter is not None
            assert history.answer.case.reporter.name == "张女士"
            assert [e.kind for e in history.answer.events] == ["reported", "accepted"]
            assert history.answer.next_offset == 2 and history.answer.total_events >= 4
            # The result as sent rides along, the same answer (for the cache and the PDF).
            assert history.result["case"]["id"] == case_id
            rest = await api.case_history(case_id, offset=2, limit=100)
            assert rest.answer.next_offset is None

            related = await api.case_related(case_id)
            assert isinstance(related.answer, CaseRelatedAnswer)
            assert [c.id for c in related.answer.same_merchant] == [sibling]
            assert related.answer.same_merchant[0].distance_m == pytest.approx(11.1, abs=0.2)

            profile = await api.merchant_profile("M-001", limit=1)
            assert isinstance(profile.answer, MerchantAnswer)
            assert profile.answer.merchant.name == "婺城小吃店"
            assert profile.answer.total_cases == 2 and len(profile.answer.cases) == 1
            assert profile.answer.counts_by_category == {"占道经营": 2}

            register = await api.merchant_list()
            assert isinstance(register.answer, MerchantListAnswer)
            assert [m.id for m in register.answer.merchants] == ["M-001"]

            now = time.time()
            track = await api.unit_track("U001", now - 600, now + 60)
            assert isinstance(track.answer, TrackAnswer) and track.answer.unit_id == "U001"
            assert len(track.answer.points) == 1
            _ts, lat, lon, _speed, _heading = track.answer.points[0]
            assert lat == pytest.approx(29.081) and lon == pytest.approx(119.6005)
            # Who was where (issue 18): every unit at this moment, U001 at that fix.
            where = await api.units_at(now)
            assert isinstance(where.answer, UnitsAtAnswer)
            at_fix = {u.id: u.fix for u in where.answer.units}
            assert at_fix["U001"] is not None and at_fix["U001"][1] == pytest.approx(29.081)
            asked.add("units.at")
            # The case register (issue 18): both cases, one page, in report order.
            cases = await api.cases_export(now - 3600, now + 60, count=True)
            assert isinstance(cases, ExportAnswer) and cases.next is None
            assert [r.id for r in cases.rows] == [sibling, case_id] and cases.total == 2
            assert cases.rows[1].units == ["U001"] and cases.rows[1].merchant == "婺城小吃店"
            asked.add("cases.export")

            acked = await api.alert_ack(alert.id)
            assert acked == AlertAckAnswer(alert.id)

            pushed = await api.wall_push("incident", id=case_id)
            assert isinstance(pushed, WallPushAnswer)
            assert (pushed.kind, pushed.id, pushed.wall) == ("incident", case_id, "")
            walls = await api.wall_list()
            assert isinstance(walls, WallListAnswer) and walls.walls == []

            audit = await api.audit_query(limit=1000)
            assert isinstance(audit.answer, AuditAnswer)
            actions = {e.action for e in audit.answer.entries}
            assert {"dispatch", "view.case", "alert.ack", "wall.push"} <= actions

            stats = await api.stats_query(now - 3600, now + 3600, "source")
            assert isinstance(stats.answer, StatsAnswer) and not stats.cached
            assert [(r.key, r.received) for r in stats.answer.rows] == [("hotline", 2)]
            hot = await api.stats_hotspots(now - 3600, now + 3600)
            assert isinstance(hot.answer, HotspotsAnswer) and not hot.cached
            assert sum(c.count for c in hot.answer.cells) == 2
            asked.add("stats.hotspots")

            # Records and discretion (issue 19): a matter the shipped benchmarks know.
            shop = await post(hub, "8890-shop", category="店外经营", merchant_id="M-001")
            record = {
                "record_id": "JC-1",
                "kind": "inspection",
                "template_version": "现场检查笔录 2024.1",
                "officers": [
                    {"name": "王强", "certificate": "1"},
                    {"name": "陈明", "certificate": "2"},
                ],
                "started_at": now - 600,
                "ended_at": now,
                "place": "店门口",
                "person": {"name": "李四"},
                "findings": "桌椅摆放至人行道",
                "signature": {"state": "draft"},
            }
            assert (await asyncio.to_thread(hub.post, f"/api/v1/cases/{shop}/records", record))[
                0
            ] == 201
            records = await api.case_records(shop)
            assert isinstance(records.answer, CaseRecordsAnswer)
            assert [r.record_id for r in records.answer.records] == ["JC-1"]
            advice = await api.discretion_suggest(shop)
            assert isinstance(advice.answer, DiscretionAnswer) and advice.answer.matter == "09005"
            decided = await api.case_decide(shop, "minor", 0, "劝导后改正")
            assert isinstance(decided, CaseDecideAnswer) and decided.case_id == shop
            asked.update({"case.records", "discretion.suggest", "case.decide"})
            # Duplicates and service figures (issue 18): the sibling is a candidate of the
            # main case (same merchant, 11 m), merged into it by a dispatcher.
            dups = await api.case_duplicates(case_id)
            assert isinstance(dups.answer, CaseDuplicatesAnswer)
            assert [(c.id, c.why) for c in dups.answer.candidates] == [
                (sibling, ["distance", "merchant", "address"])
            ]
            merged = await api.case_merge(sibling, case_id)
            assert isinstance(merged, CaseMergeAnswer) and (merged.into, merged.count) == (
                case_id,
                2,
            )
            service = await api.stats_service(now - 3600, now + 3600)
            assert isinstance(service.answer, ServiceStatsAnswer)
            assert (service.answer.received, service.answer.merged) == (3, 1)
            asked.update({"case.duplicates", "case.merge", "stats.service"})
            # Issue 18: a passed 核查 before the close, then a 回访 of the closed case.
            visited = await post(hub, "8890-visit", lat=29.2)
            await api.dispatch(visited, ["U002"])
            await api.case_step(visited, "arrive", units=["U002"])
            await api.case_step(visited, "handle")
            checked = await api.case_step(visited, "check", result="passed")
            assert checked.status == "checked"
            assert (await api.case_step(visited, "close")).status == "closed"
            visit = await api.case_visit(visited, "phone", "satisfied", "满意")
            assert isinstance(visit, CaseVisitAnswer)
            assert (visit.case_id, visit.status) == (visited, "closed") and visit.visit_id > 0
            asked.add("case.visit")
            # The working calendar the deadlines count on (the shipped one: no --calendar).
            calendar = await api.calendar_get()
            assert isinstance(calendar.answer, CalendarAnswer)
            assert calendar.answer.periods == ["08:30-12:00", "13:30-17:30"]
            assert calendar.answer.years == [2026, 2027] and calendar.answer.provisional == [2027]
            asked.add("calendar.get")
            asked.update(
                {
                    "case.history",
                    "case.related",
                    "merchant.profile",
                    "merchant.list",
                    "unit.track",
                    "alert.ack",
                    "wall.push",
                    "wall.list",
                    "audit.query",
                    "stats.query",
                }
            )

            # The hub away: a read asked before comes from the cache, marked, with its age.
            await asyncio.to_thread(hub.stop)
            while client.status.link.value != "offline":
                await asyncio.sleep(0.02)
            again = await api.case_history(case_id, limit=2)
            assert again.cached and again.age_s is not None and again.age_s >= 0.0
            assert again.answer == history.answer
            with pytest.raises(RequestFailed) as caught:
                await api.dispatch(case_id, ["U002"])  # a write is never answered from cache
            assert caught.value.code == "offline"

    asyncio.run(scenario())
    cache.close()
    assert asked == set(OPS)


WRONG: list[tuple[str, dict[str, object], str]] = [
    ("case.history", {"case_id": 5}, "case_id"),
    ("case.history", {"case_id": "WC-1", "offset": "2"}, "offset"),
    ("unit.track", {"unit_id": "U001", "start": "x", "end": 1.0}, "start"),
    ("dispatch", {"incident_id": "WC-1"}, "unit_ids"),
    ("dispatch", {"incident_id": "WC-1", "unit_ids": [1]}, "unit_ids[0]"),
    ("wall.push", {"kind": "view", "lat": "north"}, "lat"),
    ("audit.query", {"limit": None}, "limit"),
]


def test_a_wrong_typed_argument_is_invalid_naming_the_field(hub: LiveHub) -> None:
    async def scenario() -> None:
        async with connected(hub) as client:
            for op, args, field in WRONG:
                with pytest.raises(RequestFailed) as caught:
                    await client.request(op, dict(args))
                assert (caught.value.code, caught.value.field) == ("invalid", field), op

    asyncio.run(scenario())


def test_the_router_serves_exactly_the_shared_op_table() -> None:
    # The hub is not touched by building the table: any stand-in will do.
    router = RequestRouter(cast(Hub, None))
    assert router.ops.keys() == OPS.keys()
    # Who may ask is granted in the hub's role table only; every op is granted to someone.
    granted = set().union(*PERMISSIONS.values())
    assert set(OPS) <= granted
