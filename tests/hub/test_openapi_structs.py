"""The answer schemas of ``/openapi.json`` are the Structs the ingest handlers answer with.

Two halves: the document's schemas are what msgspec derives from the Structs in
hub/ingest_models.py, and real answers of a running hub are exactly those Structs (every
key, nothing more), so neither side can drift from the other unnoticed.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import msgspec
import pytest
from jsonschema import Draft202012Validator  # installed with openapi-spec-validator (dev)

from hub.ingest_models import Accepted, GeoReportProblem, GeoReportReceipt, Problem
from tests.hub.test_open311 import FORM
from tests.hub.test_open311 import _post as _post_georeport
from tests.support.hubs import LiveHub, report

# Spelled out, not imported from hub.openapi: the test derives the schemas on its own.
REF = "#/components/schemas/{name}"


def _document(hub: LiveHub) -> dict[str, Any]:
    with urllib.request.urlopen(hub.api_url + "/openapi.json", timeout=10) as response:
        document: dict[str, Any] = json.loads(response.read())
    return document


def _exactly(answer: Any, kind: Any) -> None:
    """*answer* is a *kind*: it decodes as one and encodes back to the same JSON, so it has
    no key the Struct lacks (msgspec would drop it) and none missing."""
    assert msgspec.to_builtins(msgspec.convert(answer, kind)) == answer


def _osmand(hub: LiveHub, query: str) -> tuple[int, Any]:
    url = f"{hub.api_url}/osmand?{query}&token={hub.token['source']}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), json.loads(exc.read())


def test_the_answer_schemas_are_derived_from_the_structs(hub: LiveHub) -> None:
    schemas = _document(hub)["components"]["schemas"]
    (_, _, georeport_error, georeport_created), derived = msgspec.json.schema_components(
        [Problem, Accepted, list[GeoReportProblem], list[GeoReportReceipt]], ref_template=REF
    )
    for name in ("Problem", "Accepted", "GeoReportProblem", "GeoReportReceipt"):
        assert schemas[name] == derived[name], name
    assert schemas["GeoReportError"] == georeport_error
    assert schemas["GeoReportCreated"] == georeport_created
    # What the hand-written schemas said, still said.
    problem = schemas["Problem"]
    assert problem["required"] == ["error", "message"]
    assert problem["properties"]["field"]["description"] == "the offending field"
    assert set(problem["properties"]["error"]["enum"]) == {
        "invalid",
        "unauthorized",
        "forbidden",
        "storage_full",
        "store_unavailable",
    }
    accepted = schemas["Accepted"]["properties"]
    assert accepted["id"]["description"] == "the case id"
    assert accepted["seq"]["description"] == "stream seq of its incident.new"


def test_the_handlers_answer_with_exactly_those_structs(hub: LiveHub) -> None:
    status, answer = hub.post("/api/v1/reports", report("st-1"))
    assert status == 201
    _exactly(answer, Accepted)
    status, answer = hub.post("/api/v1/reports", report("st-1"))
    assert status == 200
    _exactly(answer, Accepted)
    refusals = [
        hub.post("/api/v1/reports", report("st-2", lat=95.0)),
        hub.post("/api/v1/reports", None, raw=b"{"),
        hub.post("/api/v1/reports", report("st-3"), role=""),
        hub.post("/api/v1/reports", report("st-4"), role="wall"),
        _osmand(hub, "id=nobody&lat=29.1&lon=119.62"),
        _post_georeport(hub, {**FORM, "api_key": "no-such-key"}, auth=None),
    ]
    assert [status for status, _ in refusals] == [400, 400, 401, 403, 404, 401]
    for _, answer in refusals:
        _exactly(answer, Problem)
    status, answer = _post_georeport(hub, FORM)
    assert status == 201
    _exactly(answer, list[GeoReportReceipt])
    status, answer = _post_georeport(hub, {**FORM, "long": "东经"})
    assert status == 400
    _exactly(answer, list[GeoReportProblem])


@pytest.mark.parametrize(
    ("role", "body", "status"),
    [
        ("source", report("pv-1", source="weibo"), 400),  # names its field
        ("source", None, 400),  # no JSON: the field is null
        ("", report("pv-2"), 401),
        ("wall", report("pv-3"), 403),  # no "field" key at all
    ],
)
def test_a_real_error_answer_validates_against_the_problem_schema(
    hub: LiveHub, role: str, body: Any, status: int
) -> None:
    schema = _document(hub)["components"]["schemas"]["Problem"]
    got, answer = hub.post("/api/v1/reports", body, role=role, raw=None if body else b"{")
    assert got == status
    assert set(schema["required"]) <= set(answer)
    Draft202012Validator.check_schema(schema)
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(answer)]
    assert errors == []
