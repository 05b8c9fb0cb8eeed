"""The supervisors' drill-down ops on a real hub over loopback: paging, merchant profile
with inspections, related cases, the merchants layer, roles and the audit trail."""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import pytest
from alembic import command
from sqlalchemy import insert, inspect, select, text, update
from sqlalchemy.orm import Session

from backend_client.transport import FeedClient, RequestFailed
from hub.requests import haversine_m
from hub.roster import MerchantRecord
from hub.store.db import _alembic_config, make_engine
from hub.store.models import CaseEvent, Incident, Inspection
from tests.hub.test_migrations import _differences
from tests.support.hubs import OFFICERS, TEAMS, LiveHub, report

DAY = 86400.0
LAT, LON = 29.085, 119.652
METRE_LAT = 1 / 111_195.0  # degrees of latitude per metre

MERCHANTS = [
    MerchantRecord("M1", "老王面馆", "92330702MA2X00001A", "八一北街1号", "餐饮", 3, LAT, LON),
    MerchantRecord("M2", "城西便利店", "92330702MA2X00002B", "回溪街8号", "便利店", 1, 29.1, 119.6),
    MerchantRecord("M3", "汽修一号", "92330702MA2X00003C", "金帆街3号", "汽修", 2, 29.07, 119.63),
]


@asynccontextmanager
async def _client(hub: LiveHub, role: str) -> AsyncIterator[FeedClient]:
    client = FeedClient(hub.stream_url, hub.token[role])
    task = asyncio.create_task(client.run())
    try:
        await client.wait_synced()
        yield client
    finally:
        await client.stop()
        await task


def _scenario(
    hub: LiveHub, role: str, body: Callable[[FeedClient], Coroutine[Any, Any, None]]
) -> None:
    async def run() -> None:
        async with _client(hub, role) as client:
            await body(client)

    asyncio.run(run())


def _case(
    case_id: str,
    reported_at: float,
    lat: float | None = LAT,
    lon: float | None = LON,
    category: str = "占道经营",
    merchant_id: str | None = None,
) -> dict[str, Any]:
    return {
        "id": case_id,
        "source": "hotline",
        "external_id": case_id,
        "category": category,
        "text": "",
        "address": f"{case_id}号",
        "lat": lat,
        "lon": lon,
        "priority": 3,
        "status": "closed",
        "units": [],
        "merchant_id": merchant_id,
        "reported_at": reported_at,
    }


def _store(hub: LiveHub, model: Any, rows: list[dict[str, Any]]) -> None:
    with Session(hub.hub.engine) as session, session.begin():
        session.execute(insert(model), rows)


def _audit(hub: LiveHub) -> list[dict[str, Any]]:
    async def query(client: FeedClient) -> None:
        found.extend((await client.request("audit.query", {"limit": 1000}))["entries"])

    found: list[dict[str, Any]] = []
    _scenario(hub, "supervisor", query)
    return found


def test_case_history_pages_concatenate_to_the_whole_timeline(hub: LiveHub) -> None:
    status, body = hub.post(
        "/api/v1/reports",
        report("8890-pages", photos=["data:image/png;base64,AAAA", "https://x/1.jpg"]),
    )
    assert status == 201
    case_id = body["id"]
    reported_at = hub.hub.state.incidents[case_id].reported_at
    rng = random.Random(5)
    # Shuffled times with ties: the order must be (ts, id) whatever the insert order.
    _store(
        hub,
        CaseEvent,
        [
            {
                "incident_id": case_id,
                "kind": "followup",
                "ts": reported_at + rng.choice([10.0, 20.0, 30.0, 40.0]),
                "actor": f"a{i}",
                "detail": {"n": i},
            }
            for i in range(2104)
        ],
    )
    with Session(hub.hub.engine) as session:
        whole = [
            (e.kind, e.ts, e.actor)
            for e in session.scalars(
                select(CaseEvent)
                .where(CaseEvent.incident_id == case_id)
                .order_by(CaseEvent.ts, CaseEvent.id)
            )
        ]
    assert len(whole) == 2105

    async def body_(client: FeedClient) -> None:
        first = await client.request("case.history", {"case_id": case_id})
        assert first["total_events"] == 2105
        assert len(first["events"]) == 500 and first["next_offset"] == 500
        assert first["photos"] == ["data:image/png;base64,AAAA", "https://x/1.jpg"]
        assert first["case"]["id"] == case_id
        assert first["events"][0]["kind"] == "reported"

        pages: list[dict[str, Any]] = []
        offset: int | None = 0
        while offset is not None:
            page = await client.request(
                "case.history", {"case_id": case_id, "offset": offset, "limit": 700}
            )
            assert page["total_events"] == 2105
            pages.extend(page["events"])
            offset = page["next_offset"]
        assert [(e["kind"], e["ts"], e["actor"]) for e in pages] == whole
        assert len(page["events"]) == 2105 - 3 * 700 and page["next_offset"] is None

        # Limits are clamped to 1..2000, not refused.
        big = await client.request("case.history", {"case_id": case_id, "limit": 10_000})
        assert len(big["events"]) == 2000 and big["next_offset"] == 2000
        one = await client.request("case.history", {"case_id": case_id, "offset": 2104, "limit": 0})
        assert len(one["events"]) == 1 and one["next_offset"] is None
        past = await client.request("case.history", {"case_id": case_id, "offset": 5000})
        assert past["events"] == [] and past["next_offset"] is None
        with pytest.raises(RequestFailed) as caught:
            await client.request("case.history", {"case_id": case_id, "offset": -1})
        assert caught.value.code == "invalid" and caught.value.field == "offset"
        with pytest.raises(RequestFailed) as caught:
            await client.request("case.history", {"case_id": "WC-none"})
        assert caught.value.code == "not_found" and caught.value.field == "case_id"

    _scenario(hub, "operator", body_)
    views = [e for e in _audit(hub) if e["action"] == "view.case" and e["subject"] == case_id]
    # Every page is a view: 1 + 4 pages + 3 clamped/past reads.
    assert len(views) == 8
    assert sorted(e["detail"]["offset"] for e in views) == [0, 0, 0, 700, 1400, 2100, 2104, 5000]
    assert {e["actor"] for e in views} == {"demo-operator"}


def test_case_history_sends_at_most_nine_photos_as_stored(hub: LiveHub) -> None:
    status, body = hub.post("/api/v1/reports", report("8890-photos"))
    assert status == 201
    photos = [f"https://img.example/{i}.jpg" for i in range(12)]
    with Session(hub.hub.engine) as session, session.begin():
        session.execute(update(Incident).where(Incident.id == body["id"]).values(photos=photos))

    async def body_(client: FeedClient) -> None:
        answer = await client.request("case.history", {"case_id": body["id"]})
        assert answer["photos"] == photos[:9]

    _scenario(hub, "wall", body_)


def test_merchant_profile_pages_counts_by_category_and_lists_inspections(hub: LiveHub) -> None:
    hub.run(hub.hub.seed(TEAMS, OFFICERS, MERCHANTS))
    now = time.time()
    categories = ["出店经营"] * 7 + ["油烟扰民"] * 4 + ["占道经营"] * 2
    _store(
        hub,
        Incident,
        [
            _case(f"C{i:03d}", now - i * DAY, category=c, merchant_id="M1")
            for i, c in enumerate(categories)
        ]
        + [_case("OTHER", now, category="油烟扰民", merchant_id="M2")],
    )
    _store(
        hub,
        Inspection,
        [
            {
                "id": f"INS-{n}",
                "merchant_id": "M1",
                "ts": now - n * 30 * DAY,
                "teams": ["scjg", "xf"],
                "departments": ["市场监管", "消防"],
                "items": ["营业执照", "灭火器"],
                "result": ["pass", "rectify", "fail"][n % 3],
                "note": "未发现问题",
                "officers": ["U001", "U002"],
            }
            for n in (3, 1, 4, 2)
        ]
        + [
            {
                "id": "INS-M2",
                "merchant_id": "M2",
                "ts": now,
                "teams": [],
                "departments": ["城管"],
                "items": [],
                "result": "pass",
                "note": "",
                "officers": [],
            }
        ],
    )

    async def body_(client: FeedClient) -> None:
        first = await client.request("merchant.profile", {"merchant_id": "M1", "limit": 5})
        assert first["merchant"]["name"] == "老王面馆" and first["merchant"]["risk"] == 3
        assert first["total_cases"] == 13 and first["next_offset"] == 5
        assert first["counts_by_category"] == {"出店经营": 7, "油烟扰民": 4, "占道经营": 2}
        ids: list[str] = []
        offset: int | None = 0
        while offset is not None:
            page = await client.request(
                "merchant.profile", {"merchant_id": "M1", "offset": offset, "limit": 5}
            )
            ids.extend(c["id"] for c in page["cases"])
            offset = page["next_offset"]
        # Newest first, every case once.
        assert ids == [f"C{i:03d}" for i in range(13)]
        inspections = first["inspections"]
        assert [i["id"] for i in inspections] == ["INS-1", "INS-2", "INS-3", "INS-4"]
        assert inspections[0] == {
            "id": "INS-1",
            "ts": pytest.approx(now - 30 * DAY),
            "departments": ["市场监管", "消防"],
            "items": ["营业执照", "灭火器"],
            "result": "rectify",
            "note": "未发现问题",
            "teams": ["scjg", "xf"],
            "officers": ["U001", "U002"],
        }
        clamped = await client.request("merchant.profile", {"merchant_id": "M1", "limit": 0})
        assert len(clamped["cases"]) == 1
        quiet = await client.request("merchant.profile", {"merchant_id": "M3"})
        assert quiet["cases"] == [] and quiet["total_cases"] == 0 and quiet["next_offset"] is None
        assert quiet["counts_by_category"] == {} and quiet["inspections"] == []
        with pytest.raises(RequestFailed) as caught:
            await client.request("merchant.profile", {"merchant_id": "M404"})
        assert caught.value.code == "not_found" and caught.value.field == "merchant_id"

    _scenario(hub, "supervisor", body_)
    views = [e for e in _audit(hub) if e["action"] == "view.merchant"]
    assert {e["subject"] for e in views} == {"M1", "M3"}
    assert len([e for e in views if e["subject"] == "M1"]) == 5


def _north(metres: float) -> float:
    return LAT + metres * METRE_LAT


def _east(metres: float) -> float:
    return LON + metres * METRE_LAT / math.cos(math.radians(LAT))


def test_case_related_finds_same_merchant_nearby_and_same_category_cases(hub: LiveHub) -> None:
    hub.run(hub.hub.seed(TEAMS, OFFICERS, MERCHANTS))
    t = time.time() - 10 * DAY
    _store(
        hub,
        Incident,
        [
            _case("HERE", t, merchant_id="M1"),
            _case("N80", t - 29 * DAY, lat=_north(80)),  # nearby, same category, in window
            _case("E150", t - DAY, lon=_east(150), category="油烟扰民"),  # neither
            _case("W40", t + 5 * DAY, lon=_east(-40), category="油烟扰民"),  # nearby only
            _case("OLD", t - 31 * DAY, lat=_north(5000)),  # too old for same category
            _case("FAR", t - 2 * DAY, lat=_north(3000)),  # same category, far
            _case("LATER", t + DAY, lat=_north(1000)),  # after the case: not "up to" it
            _case("NOLOC", t - 3 * DAY, lat=None, lon=None),  # same category, place unknown
            _case("M1A", t - 300 * DAY, lat=_north(20_000), category="出店经营", merchant_id="M1"),
            _case("M1B", t - 100 * DAY, lat=None, lon=None, category="出店经营", merchant_id="M1"),
            _case("M2A", t - DAY, lon=_east(30), category="出店经营", merchant_id="M2"),
        ],
    )

    async def body_(client: FeedClient) -> None:
        related = await client.request("case.related", {"case_id": "HERE"})
        assert related["case_id"] == "HERE"
        assert [c["id"] for c in related["same_merchant"]] == ["M1B", "M1A"]
        assert related["same_merchant"][0]["distance_m"] is None
        assert [c["id"] for c in related["nearby"]] == ["M2A", "W40", "N80"]
        n80 = related["nearby"][2]
        assert n80["distance_m"] == pytest.approx(80.0, abs=0.2)
        assert n80 == {
            "id": "N80",
            "source": "hotline",
            "category": "占道经营",
            "status": "closed",
            "reported_at": pytest.approx(t - 29 * DAY),
            "address": "N80号",
            "lat": pytest.approx(_north(80)),
            "lon": pytest.approx(LON),
            "distance_m": round(haversine_m(LAT, LON, _north(80), LON), 1),
        }
        assert [c["id"] for c in related["same_category"]] == ["N80", "FAR", "NOLOC"]
        assert related["same_category"][2]["distance_m"] is None
        # Seen from the far case: its own 30 days (HERE came after it), nearest first.
        far = await client.request("case.related", {"case_id": "FAR"})
        assert [c["id"] for c in far["same_category"]] == ["OLD", "N80", "NOLOC"]
        assert far["nearby"] == [] and far["same_merchant"] == []
        # Without a place: nothing is near it, and its category's cases come newest first.
        unplaced = await client.request("case.related", {"case_id": "NOLOC"})
        assert unplaced["nearby"] == []
        assert [c["id"] for c in unplaced["same_category"]] == ["N80", "OLD"]
        assert {c["distance_m"] for c in unplaced["same_category"]} == {None}
        with pytest.raises(RequestFailed) as caught:
            await client.request("case.related", {"case_id": "NOPE"})
        assert caught.value.code == "not_found" and caught.value.field == "case_id"

    _scenario(hub, "wall", body_)
    related = [e for e in _audit(hub) if e["action"] == "view.related"]
    assert [(e["actor"], e["role"], e["subject"]) for e in related] == [
        ("demo-wall", "wall", "NOLOC"),
        ("demo-wall", "wall", "FAR"),
        ("demo-wall", "wall", "HERE"),
    ]


def test_related_lists_are_capped_at_fifty(hub: LiveHub) -> None:
    t = time.time()
    _store(
        hub,
        Incident,
        [_case("HERE", t, merchant_id="M9")]
        + [_case(f"X{i:02d}", t - i * 60, lat=_north(i), merchant_id="M9") for i in range(1, 61)],
    )

    async def body_(client: FeedClient) -> None:
        related = await client.request("case.related", {"case_id": "HERE"})
        for key in ("same_merchant", "nearby", "same_category"):
            assert len(related[key]) == 50, key
        assert [c["id"] for c in related["nearby"]] == [f"X{i:02d}" for i in range(1, 51)]
        assert [c["id"] for c in related["same_merchant"]] == [f"X{i:02d}" for i in range(1, 51)]

    _scenario(hub, "operator", body_)


def test_merchant_list_answers_every_merchant_for_the_map_and_is_not_audited(hub: LiveHub) -> None:
    hub.run(hub.hub.seed(TEAMS, OFFICERS, MERCHANTS))

    async def body_(client: FeedClient) -> None:
        answer = await client.request("merchant.list", {})
        assert answer == {
            "merchants": [
                {
                    "id": m.id,
                    "name": m.name,
                    "category": m.category,
                    "risk": m.risk,
                    "lat": m.lat,
                    "lon": m.lon,
                }
                for m in MERCHANTS
            ]
        }

    _scenario(hub, "wall", body_)
    assert [e for e in _audit(hub) if e["subject"] in {"M1", "M2", "M3"}] == []


def test_roles_for_the_drill_down_ops_follow_the_role_table(hub: LiveHub) -> None:
    status, body = hub.post("/api/v1/reports", report("8890-roles"))
    assert status == 201

    async def as_wall(client: FeedClient) -> None:
        # Walls read drill-downs (they show them), but never the audit log.
        assert (await client.request("case.related", {"case_id": body["id"]}))["case_id"] == body[
            "id"
        ]
        assert "merchants" in await client.request("merchant.list")
        with pytest.raises(RequestFailed) as caught:
            await client.request("audit.query", {})
        assert caught.value.code == "forbidden"

    async def as_operator(client: FeedClient) -> None:
        assert (await client.request("case.history", {"case_id": body["id"]}))["total_events"] == 1
        with pytest.raises(RequestFailed) as caught:
            await client.request("audit.query", {})
        assert caught.value.code == "forbidden"

    _scenario(hub, "wall", as_wall)
    _scenario(hub, "operator", as_operator)

    async def as_source() -> None:
        source = FeedClient(hub.stream_url, hub.token["source"])
        await asyncio.wait_for(source.run(), 10)
        assert source.fatal and "may not read the stream" in source.fatal

    asyncio.run(as_source())


def test_a_0002_store_upgrades_to_0003_and_keeps_its_cases(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0002")
        connection.execute(insert(Incident), [_case("KEEP", time.time(), merchant_id="M1")])
        connection.execute(
            text(
                "INSERT INTO merchants (id, name, credit_code, address, category, risk, lat, lon)"
                " VALUES ('M1', '老王面馆', 'X', '八一北街1号', '餐饮', 3, 29.085, 119.652)"
            )
        )
    with engine.connect() as connection:
        assert "inspections" not in inspect(connection).get_table_names()
    engine.dispose()
    hub = LiveHub(db_url).start()
    try:
        with hub.hub.engine.connect() as connection:
            insp = inspect(connection)
            assert "inspections" in insp.get_table_names()
            indexes = {i["name"] for i in insp.get_indexes("incidents")}
        assert {"ix_incidents_lat_lon", "ix_incidents_category_reported"} <= indexes

        async def body_(client: FeedClient) -> None:
            profile = await client.request("merchant.profile", {"merchant_id": "M1"})
            assert [c["id"] for c in profile["cases"]] == ["KEEP"]
            assert profile["inspections"] == []
            related = await client.request("case.related", {"case_id": "KEEP"})
            assert related["nearby"] == []

        _scenario(hub, "supervisor", body_)
    finally:
        hub.stop()
    assert _differences(db_url) == []
