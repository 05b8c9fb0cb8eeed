"""Hypothesis against ``POST /api/v1/reports`` on a real hub: never a 5xx, nothing extra.

Bodies are well-formed reports with fields swapped for random JSON values, or any JSON at
all. Every answer is 201/200, or a 4xx whose JSON body names the field (``field`` may be
null only when the body as a whole is wrong); the store holds one case per 201.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.hubs import LiveHub, report

FIELDS = [*report("x"), "priority", "photos", "merchant_id", "unknown"]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=50),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["mutated", "mutated", "any", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "any":
        return json.dumps(draw(json_values)).encode()
    body: dict[str, Any] = report(draw(st.text(min_size=1, max_size=20)))
    body["source"] = draw(st.sampled_from(["hotline", "snap", "grid", "patrol"]))
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique=True)):
        if draw(st.booleans()):
            body[name] = draw(json_values)
        else:
            body.pop(name, None)
    return json.dumps(body).encode()


def test_random_report_bodies_never_break_the_hub(hub: LiveHub) -> None:
    created: set[str] = set()
    before = len(hub.hub.state.incidents)

    @settings(
        max_examples=100,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(bodies())
    def post(body: bytes) -> None:
        status, answer = hub.post("/api/v1/reports", None, raw=body)
        assert status < 500, (status, answer, body[:200])
        if status in (200, 201):
            assert isinstance(answer["id"], str) and isinstance(answer["seq"], int)
            if status == 201:
                assert answer["id"] not in created
                created.add(answer["id"])
            return
        assert 400 <= status < 500, status
        assert answer["error"] == "invalid" and "field" in answer and answer["message"]
        try:
            # parse_constant: Python reads NaN/Infinity, which JSON (and the hub) does not.
            decoded = json.loads(body, parse_constant=_not_json)
        except ValueError:
            return  # not JSON: nothing to name but the body
        if isinstance(decoded, dict):
            assert isinstance(answer["field"], str) and answer["field"], (answer, body[:200])

    post()
    stored = len(hub.hub.state.incidents) - before
    assert stored == len(created)
    assert set(hub.hub.state.incidents) >= created


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def test_deeply_nested_bodies_are_a_400_not_a_500(hub: LiveHub) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    for raw in (deep, '{"unknown": ' + deep + "}", '{"text": ' + deep + "}"):
        status, answer = hub.post("/api/v1/reports", None, raw=raw.encode())
        assert status == 400 and answer["error"] == "invalid", (status, answer)
    status, listed = hub.post(
        "/open311/v2/requests.json", None, raw=('{"a": ' + deep + "}").encode()
    )
    assert status == 400 and listed[0]["code"] == 400  # type: ignore[index]


def test_a_nul_character_is_a_400_naming_the_field_on_every_store(hub: LiveHub) -> None:
    # PostgreSQL cannot store NUL in text: this was a 500 there (found by the fuzz above).
    for name in ("external_id", "text", "address"):
        status, answer = hub.post("/api/v1/reports", report("8890-nul") | {name: "a\x00b"})
        assert (status, answer["field"]) == (400, name), answer
    georeport = {"service_code": "占道经营", "lat": 29.1, "long": 119.6, "description": "a\x00"}
    status, listed = hub.post("/open311/v2/requests.json", georeport)
    assert status == 400 and listed[0]["field"] == "text"  # type: ignore[index]
    assert not hub.hub.state.incidents
