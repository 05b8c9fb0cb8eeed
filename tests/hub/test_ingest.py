"""HTTP ingest: validation names the field, retries never duplicate, nothing half-stored."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from hub.ingest import (
    STORAGE_FULL_MESSAGE,
    STORE_UNAVAILABLE_MESSAGE,
    StorageFull,
    StoreUnavailable,
)
from hub.positions import FixesNotStored
from hub.store.models import CaseEvent, Incident, Position
from tests.support.hubs import LiveHub, report


def _count(hub: LiveHub, model: type) -> int:
    with Session(hub.hub.engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_report_is_committed_before_the_answer_and_retries_return_the_same_id(hub: LiveHub) -> None:
    status, first = hub.post("/api/v1/reports", report("8890-0001"))
    assert status == 201
    with Session(hub.hub.engine) as session:
        stored = session.get(Incident, first["id"])
        assert stored is not None and stored.category == "占道经营"
    status, again = hub.post("/api/v1/reports", report("8890-0001"))
    assert status == 200 and again["id"] == first["id"]
    assert _count(hub, Incident) == 1
    status, other = hub.post("/api/v1/reports", report("8890-0001", source="snap"))
    assert status == 201 and other["id"] != first["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (report("x1", lat=95.0), "lat"),
        (report("x2", lon="东经119"), "lon"),
        (report("x3", source="weibo"), "source"),
        (report("x4", reporter={"name": 5}), "reporter.name"),
        ({"source": "hotline", "category": "噪声扰民", "lat": 29.0, "lon": 119.6}, "external_id"),
    ],
)
def test_bad_reports_are_refused_with_the_field_and_nothing_stored(
    hub: LiveHub, body: dict, field: str
) -> None:
    status, answer = hub.post("/api/v1/reports", body)
    assert status == 400
    assert answer["field"] == field
    assert _count(hub, Incident) == 0 and _count(hub, CaseEvent) == 0


def test_malformed_json_is_a_400(hub: LiveHub) -> None:
    status, answer = hub.post("/api/v1/reports", None, raw=b'{"source": ')
    assert status == 400 and answer["error"] == "invalid"


def test_unknown_fields_are_ignored(hub: LiveHub) -> None:
    status, _ = hub.post("/api/v1/reports", report("x-extra", weather="晴"))
    assert status == 201


def test_tokens_and_roles_guard_ingest(hub: LiveHub) -> None:
    status, answer = hub.post("/api/v1/reports", report("r1"), role="")
    assert status == 401 and answer["field"] == "Authorization"
    status, answer = hub.post("/api/v1/reports", report("r2"), role="wall")
    assert status == 403
    assert _count(hub, Incident) == 0


def test_gcj02_reports_are_stored_in_wgs84(hub: LiveHub) -> None:
    # The same boundary vertex as published (GCJ-02) and converted (WGS-84) in resources/.
    geo = Path(__file__).resolve().parents[2] / "resources" / "geo"
    gcj = json.loads((geo / "jinhua-gcj02.geojson").read_text())["features"][1]
    wgs = json.loads((geo / "jinhua-wgs84.geojson").read_text())["features"][1]
    gcj_lon, gcj_lat = gcj["geometry"]["coordinates"][0][0][0]
    wgs_lon, wgs_lat = wgs["geometry"]["coordinates"][0][0][0]
    status, answer = hub.post(
        "/api/v1/reports", report("gcj-1", datum="gcj02", lat=gcj_lat, lon=gcj_lon)
    )
    assert status == 201
    with Session(hub.hub.engine) as session:
        stored = session.get(Incident, answer["id"])
        assert stored is not None and stored.lat is not None and stored.lon is not None
        # 1e-5 degrees is about a metre here; the datum shift itself is about 565 m.
        assert abs(stored.lat - wgs_lat) < 1e-5 and abs(stored.lon - wgs_lon) < 1e-5


def _osmand(hub: LiveHub, query: str) -> int:
    url = f"{hub.api_url}/osmand?{query}&token={hub.token['source']}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_osmand_gps_reaches_the_officer(hub: LiveHub) -> None:
    assert (
        _osmand(hub, "id=dev-003&lat=29.1&lon=119.62&timestamp=1700000000&speed=10&bearing=90")
        == 200
    )
    # The 200 came after the commit: the row is there already.
    with Session(hub.hub.engine) as session:
        rows = session.execute(
            select(Position.ts, Position.lat, Position.lon).where(Position.officer_id == "U003")
        ).all()
    assert [tuple(r) for r in rows] == [(1700000000.0, 29.1, 119.62)]
    import time

    deadline = time.time() + 5
    while hub.hub.state.units["U003"].lat != 29.1 and time.time() < deadline:
        time.sleep(0.05)
    unit = hub.hub.state.units["U003"]
    assert (unit.lat, unit.lon, unit.ts) == (29.1, 119.62, 1700000000.0)
    assert unit.speed == pytest.approx(10 * 0.514444)  # OsmAnd sends knots
    assert _osmand(hub, "id=nobody&lat=29.1&lon=119.62") == 404
    assert _osmand(hub, "id=dev-003&lat=129.1&lon=119.62") == 400
    assert _osmand(hub, "id=dev-003&lat=abc&lon=119.62") == 400


def test_refusals_keep_their_json(hub: LiveHub) -> None:
    # The answers are built from Structs now (hub/ingest_models.py); these are the bodies
    # clients saw before, key for key: a 401 names its field, a 403 has no "field" key, a
    # body that is no JSON blames no field (null).
    assert hub.post("/api/v1/reports", report("j1"), role="") == (
        401,
        {"error": "unauthorized", "field": "Authorization", "message": "missing or unknown token"},
    )
    assert hub.post("/api/v1/reports", report("j2"), role="wall") == (
        403,
        {"error": "forbidden", "message": "role wall may not ingest"},
    )
    status, answer = hub.post("/api/v1/reports", None, raw=b"[")
    assert status == 400 and answer["error"] == "invalid"
    assert list(answer) == ["error", "field", "message"] and answer["field"] is None


class _DiskFull(Exception):
    sqlstate = "53100"  # what psycopg puts on PostgreSQL's disk_full


def _failing(error: Exception) -> Callable[..., Awaitable[Any]]:
    async def fail(*_args: Any) -> Any:
        raise error

    return fail


@pytest.mark.parametrize(
    ("error", "status", "word", "message"),
    [
        (StorageFull("disk"), 507, "storage_full", STORAGE_FULL_MESSAGE),
        (StoreUnavailable(), 503, "store_unavailable", STORE_UNAVAILABLE_MESSAGE),
    ],
)
def test_a_failed_store_is_a_json_answer_worth_a_retry(
    hub: LiveHub,
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
    status: int,
    word: str,
    message: str,
) -> None:
    assert hub.embedded is not None and hub.embedded.runtime.ingest is not None
    monkeypatch.setattr(hub.embedded.runtime.ingest, "store_report", _failing(error))
    assert hub.post("/api/v1/reports", report("s1")) == (
        status,
        {"error": word, "message": message},
    )


@pytest.mark.parametrize(
    ("error", "status", "word"),
    [
        (OperationalError("INSERT", None, _DiskFull()), 507, "storage_full"),
        (PoolTimeout(), 503, "store_unavailable"),
    ],
)
def test_a_fix_the_store_refused_is_a_json_answer_worth_a_retry(
    hub: LiveHub, monkeypatch: pytest.MonkeyPatch, error: Exception, status: int, word: str
) -> None:
    monkeypatch.setattr(hub.hub, "store_fix", _failing(FixesNotStored(error)))
    url = f"{hub.api_url}/osmand?id=dev-003&lat=29.1&lon=119.62&token={hub.token['source']}"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=10)
    assert refused.value.code == status
    message = STORAGE_FULL_MESSAGE if status == 507 else STORE_UNAVAILABLE_MESSAGE
    assert json.loads(refused.value.read()) == {"error": word, "message": message}
