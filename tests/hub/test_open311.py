"""Open311 GeoReport v2 requests and the OpenAPI document, against a real hub."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import hub.ingest_open311 as hub_ingest_open311
from hub.ingest import (
    STORAGE_FULL_MESSAGE,
    STORE_UNAVAILABLE_MESSAGE,
    StorageFull,
    StoreUnavailable,
)
from hub.store.models import Incident
from tests.support.hubs import LiveHub

FORM = {
    "service_code": "占道经营",
    "lat": "29.0851",
    "long": "119.6523",
    "description": "人民广场东侧流动摊贩",
    "address_string": "城中街道人民广场",
    "first_name": "明",
    "last_name": "王",
    "phone": "13900000000",
    "attribute[external_id]": "app-7781",
}


def _post(
    hub: LiveHub,
    fields: dict[str, Any],
    as_json: bool = False,
    auth: str | None = "header",
    key: str | None = None,
) -> tuple[int, Any]:
    body = dict(fields)
    headers: dict[str, str] = {"Idempotency-Key": key} if key else {}
    if auth == "header":
        headers["Authorization"] = f"Bearer {hub.token['source']}"
    elif auth == "api_key":
        body["api_key"] = hub.token["source"]
    if as_json:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    else:
        data = urllib.parse.urlencode(body).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(
        hub.api_url + "/open311/v2/requests.json", data=data, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _incidents(hub: LiveHub) -> int:
    with Session(hub.hub.engine) as session:
        return int(session.scalar(select(func.count()).select_from(Incident)) or 0)


def test_a_georeport_form_becomes_a_case_once(hub: LiveHub) -> None:
    status, answer = _post(hub, FORM, auth="api_key")
    assert status == 201
    case_id = answer[0]["service_request_id"]
    with Session(hub.hub.engine) as session:
        row = session.get(Incident, case_id)
        assert row is not None
        assert (row.source, row.category, row.address) == ("snap", "占道经营", "城中街道人民广场")
        assert (row.lat, row.lon) == (29.0851, 119.6523)
        assert row.reporter == {"name": "王 明", "phone": "13900000000"}
    assert case_id in hub.hub.state.incidents  # streamed like any report
    status, again = _post(hub, FORM)
    assert status == 200 and again[0]["service_request_id"] == case_id
    assert _incidents(hub) == 1


def test_a_georeport_as_json_with_an_idempotency_header(hub: LiveHub) -> None:
    fields = {k: v for k, v in FORM.items() if k != "attribute[external_id]"}
    fields["lat"], fields["long"] = 29.09, 119.66  # type: ignore[assignment]
    fields["attribute[source]"] = "grid"
    status, answer = _post(hub, fields, as_json=True, key="retry-42")
    assert status == 201
    with Session(hub.hub.engine) as session:
        row = session.get(Incident, answer[0]["service_request_id"])
        assert row is not None and row.source == "grid"
    status, again = _post(hub, fields, as_json=True, key="retry-42")
    assert status == 200 and again == answer
    assert _post(hub, fields, as_json=True)[0] == 201  # no key: a new case each time
    assert _incidents(hub) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"service_code": ""}, "service_code"),
        ({"lat": ""}, "lat"),
        ({"long": "东经"}, "long"),
        ({"lat": "95"}, "lat"),
        ({"attribute[source]": "weibo"}, "attribute[source]"),
    ],
)
def test_bad_georeports_name_the_georeport_field_and_store_nothing(
    hub: LiveHub, change: dict[str, str], field: str
) -> None:
    status, answer = _post(hub, {**FORM, **change})
    assert status == 400
    assert answer[0]["field"] == field and answer[0]["code"] == 400
    assert _incidents(hub) == 0


def test_georeports_need_a_source_token(hub: LiveHub) -> None:
    assert _post(hub, FORM, auth=None)[0] == 401
    fields = {**FORM, "api_key": hub.token["wall"]}
    assert _post(hub, fields, auth=None)[0] == 403
    assert _incidents(hub) == 0


def test_the_openapi_document_is_valid_and_covers_the_endpoints(hub: LiveHub) -> None:
    from openapi_spec_validator import validate

    with urllib.request.urlopen(hub.api_url + "/openapi.json", timeout=10) as response:
        document = json.loads(response.read())
    validate(document)
    assert set(document["paths"]) >= {
        "/api/v1/reports",
        "/open311/v2/requests.json",
        "/osmand",
        "/api/v1/health",
        "/openapi.json",
    }
    report = document["components"]["schemas"]["ReportIn"]
    assert set(report["required"]) == {"source", "external_id", "category", "lat", "lon"}


def test_api_key_refusals_name_the_api_key(hub: LiveHub) -> None:
    assert _post(hub, {**FORM, "api_key": "no-such-key"}, auth=None) == (
        401,
        {"error": "unauthorized", "field": "api_key", "message": "api_key may not ingest"},
    )
    assert _post(hub, {**FORM, "api_key": hub.token["wall"]}, auth=None) == (
        403,
        {"error": "forbidden", "field": "api_key", "message": "api_key may not ingest"},
    )


def test_georeport_answers_keep_their_json(hub: LiveHub) -> None:
    # Built from Structs now (hub/ingest_models.py); the bodies are the ones GeoReport
    # clients saw before, key for key.
    status, created = _post(hub, FORM)
    assert status == 201
    assert created == [
        {
            "service_request_id": created[0]["service_request_id"],
            "service_notice": "",
            "account_id": None,
        }
    ]
    status, refused = _post(hub, {**FORM, "lat": "95"})
    assert status == 400 and list(refused[0]) == ["code", "description", "field"]
    status, refused = _post(hub, {}, as_json=True)  # JSON, but no field of a GeoReport
    assert status == 400 and refused[0]["field"] == "service_code"


@pytest.mark.parametrize(
    ("error", "status", "word", "message"),
    [
        (StorageFull("disk"), 507, "storage_full", STORAGE_FULL_MESSAGE),
        (StoreUnavailable(), 503, "store_unavailable", STORE_UNAVAILABLE_MESSAGE),
    ],
)
def test_a_failed_store_is_a_georeport_error_worth_a_retry(
    hub: LiveHub,
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
    status: int,
    word: str,
    message: str,
) -> None:
    async def fail(*_args: Any) -> Any:
        raise error

    monkeypatch.setattr(hub_ingest_open311, "store_report", fail)
    assert _post(hub, FORM) == (status, [{"code": status, "description": message, "error": word}])
    assert _incidents(hub) == 0
