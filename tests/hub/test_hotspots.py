"""``stats.hotspots`` on a real hub over loopback, on SQLite and PostgreSQL: cells and
recurrence points against counts made in the test from the reported places, the
30-day recurrence window, bad periods, and who may ask."""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from backend_client.api import HubApi
from backend_client.protocol import Request, decode_server
from backend_client.protocol.messages import Error
from backend_client.protocol.ops import HOTSPOT_CELL_DEG, HotspotsAnswer
from backend_client.transport import FeedClient, RequestFailed
from hub.auth import Principal
from hub.requests import RequestRouter
from hub.store.models import Incident
from hub.writer import Emitter
from tests.support.hubs import LiveHub, report

DAY = 86400.0

# (name, lat, lon, category, days ago)
PLACES = [
    # Three 渣土撒漏 within a few metres in the last 30 days: a recurrence point.
    ("r1", 29.10001, 119.65001, "渣土撒漏", 1),
    ("r2", 29.10003, 119.65002, "渣土撒漏", 5),
    ("r3", 29.10002, 119.65004, "渣土撒漏", 20),
    # Same place, another category, twice: not one.
    ("o1", 29.10002, 119.65003, "占道经营", 2),
    ("o2", 29.10004, 119.65001, "占道经营", 3),
    # Three 违章停车 at one place, but one of them 40 days ago: two in the window, not one.
    ("p1", 29.08001, 119.62001, "违章停车", 1),
    ("p2", 29.08002, 119.62002, "违章停车", 2),
    ("p3", 29.08001, 119.62003, "违章停车", 40),
    # Far away, alone.
    ("f1", 29.2, 119.5, "噪声扰民", 3),
]


def _seed(hub: LiveHub) -> None:
    now = time.time()
    for name, lat, lon, category, ago in PLACES:
        body = report(f"hot-{name}", category=category, lat=lat, lon=lon)
        status, answer = hub.post("/api/v1/reports", body)
        assert status == 201, answer
        hub.run(hub.hub.writer.submit(_report_time(str(answer["id"]), now - ago * DAY)))


def _report_time(case_id: str, at: float) -> Any:
    def work(session: Session, _emitter: Emitter) -> None:
        session.execute(update(Incident).where(Incident.id == case_id).values(reported_at=at))

    return work


@pytest.fixture
def seeded(db_url: str) -> Iterator[LiveHub]:
    hub = LiveHub(db_url).start()
    try:
        _seed(hub)
        yield hub
    finally:
        hub.stop()


def _ask(hub: LiveHub, start: float, end: float, role: str = "wall") -> HotspotsAnswer:
    async def run() -> HotspotsAnswer:
        client = FeedClient(hub.stream_url, hub.token[role])
        task = asyncio.create_task(client.run())
        try:
            await client.wait_synced()
            return (await HubApi.over(client.request).stats_hotspots(start, end)).answer
        finally:
            await client.stop()
            await task

    return asyncio.run(run())


def test_cells_and_recurrence_points_match_the_reported_places(seeded: LiveHub) -> None:
    now = time.time()
    answer = _ask(seeded, now - 60 * DAY, now + 60)
    # Cells: the places counted per square in the test, independently of SQL.
    expected: Counter[tuple[int, int]] = Counter(
        (math.floor(lat / HOTSPOT_CELL_DEG), math.floor(lon / HOTSPOT_CELL_DEG))
        for _, lat, lon, _, _ in PLACES
    )
    got = Counter(
        {
            (math.floor(c.lat / HOTSPOT_CELL_DEG), math.floor(c.lon / HOTSPOT_CELL_DEG)): c.count
            for c in answer.cells
        }
    )
    assert got == expected
    assert [c.count for c in answer.cells] == sorted(expected.values(), reverse=True)
    assert answer.cells[0].lat == pytest.approx(sum(p[1] for p in PLACES[:5]) / 5)
    # One recurrence point: the three 渣土撒漏; 占道经营 has two, 违章停车 two in 30 days.
    assert answer.recurrence_since == pytest.approx(now + 60 - 30 * DAY, abs=1)
    # Issue 18: a report's category is stored as its class's name (渣土撒漏 is an alias of
    # 06014 道路遗撒, docs/casework.md).
    assert [(p.category, p.count) for p in answer.recurrences] == [("道路遗撒", 3)]
    point = answer.recurrences[0]
    assert point.last - point.first == pytest.approx(19 * DAY, abs=5)
    assert point.lat == pytest.approx(29.10002, abs=1e-5) and point.address


def test_a_period_without_cases_has_no_hotspots(seeded: LiveHub) -> None:
    answer = _ask(seeded, 1_000_000.0, 2_000_000.0)
    assert answer.cells == [] and answer.recurrences == []


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"start": 10.0, "end": 5.0}, "end"),
        ({"start": -1.0, "end": 5.0}, "start"),
        ({"start": 0.0, "end": 401 * DAY}, "end"),
        ({"start": "x", "end": 5.0}, "start"),
    ],
)
def test_bad_periods_are_refused_naming_the_field(
    seeded: LiveHub, args: dict[str, Any], field: str
) -> None:
    async def run() -> None:
        client = FeedClient(seeded.stream_url, seeded.token["wall"])
        task = asyncio.create_task(client.run())
        try:
            await client.wait_synced()
            with pytest.raises(RequestFailed) as caught:
                await client.request("stats.hotspots", args)
            assert caught.value.code == "invalid" and caught.value.field == field
        finally:
            await client.stop()
            await task

    asyncio.run(run())


def test_a_source_may_not_ask(seeded: LiveHub) -> None:
    # A source cannot open the stream at all; the op table refuses it too.
    router = RequestRouter(seeded.hub)
    request = Request(id=7, op="stats.hotspots", args={"start": 0.0, "end": 10.0})
    frame = decode_server(seeded.run(router.handle(Principal("网格平台", "source"), request)))
    assert isinstance(frame, Error) and frame.code == "forbidden"
