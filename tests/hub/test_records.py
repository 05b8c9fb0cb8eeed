"""Electronic records (电子笔录) on a real hub over loopback, on SQLite and PostgreSQL:
POST /api/v1/cases/{id}/records, the case.records op, masking by role, signed versions
that never change (a correction is a new version, both kept), and bad input refused
naming the field with nothing stored."""

from __future__ import annotations

import copy
import urllib.request
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend_client.api import HubApi
from backend_client.protocol import decode_server
from backend_client.protocol.messages import IncidentUpdate
from backend_client.transport import FeedClient, RequestFailed
from hub.store.models import CaseEvent, CaseRecord, CaseRecordVersion, RecordClip, StoredEventRow
from tests.support.hubs import LiveHub, as_role, report

T0 = 1_765_000_000.0


def _records(hub: LiveHub, role: str, case_id: str) -> dict[str, Any]:
    found: dict[str, Any] = {}

    async def ask(client: FeedClient) -> None:
        # Through the typed client method the desk uses: the answer decodes as its Struct.
        reply = await HubApi.over(client.request).case_records(case_id)
        found.update(reply.result)

    as_role(hub, role, ask)
    return found


def _case(hub: LiveHub, external_id: str) -> str:
    status, body = hub.post("/api/v1/reports", report(external_id))
    assert status == 201
    return str(body["id"])


def inquiry(record_id: str = "XW-2026-0001", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "record_id": record_id,
        "kind": "inquiry",
        "template_version": "询问笔录 2024.1",
        "number": "婺综执询〔2026〕1号",
        "sitting": 1,
        "officers": [
            {
                "name": "王强",
                "certificate": "33070201001",
                "role": "interviewer",
                "unit": "城东中队",
            },
            {"name": "陈明", "certificate": "33070201002", "role": "recorder", "unit": "城东中队"},
        ],
        "started_at": T0,
        "ended_at": T0 + 1800,
        "place": "城东中队询问室",
        "person": {
            "name": "李四",
            "sex": "男",
            "age": 41,
            "id_number": "330702198501011234",
            "employer": "老王面馆",
            "address": "婺城区八一北街1号",
            "phone": "13900001111",
        },
        "present": ["王强", "陈明"],
        "notice_read": True,
        "qa": [
            {"q": "我们是婺城区综合行政执法局的执法人员，你是否申请回避？", "a": "不申请。"},
            {"q": "你店门口的桌椅是谁摆放的？", "a": "是我摆的。"},
        ],
        "signature": {"state": "signed", "at": T0 + 1900},
        "clips": [{"device": "DSJ-0042", "start": T0 - 60, "end": T0 + 1900}],
    }
    body.update(overrides)
    return body


def _stored_counts(hub: LiveHub) -> tuple[int, int, int, int, int]:
    with Session(hub.hub.engine) as session:
        return (
            int(session.scalar(select(func.count()).select_from(CaseRecord)) or 0),
            int(session.scalar(select(func.count()).select_from(CaseRecordVersion)) or 0),
            int(session.scalar(select(func.count()).select_from(RecordClip)) or 0),
            int(
                session.scalar(
                    select(func.count()).select_from(CaseEvent).where(CaseEvent.kind == "record")
                )
                or 0
            ),
            int(session.scalar(select(func.max(StoredEventRow.seq))) or 0),
        )


def test_a_record_is_stored_on_the_timeline_and_shown_masked_by_role(hub: LiveHub) -> None:
    case_id = _case(hub, "8890-rec-1")
    status, body = hub.post(f"/api/v1/cases/{case_id}/records", inquiry())
    assert status == 201, body
    assert body["case_id"] == case_id and body["record_id"] == "XW-2026-0001"
    assert body["version"] == 1 and body["corrects"] is None
    # The acknowledgement's seq is the case's incident.update in the sequenced log.
    with Session(hub.hub.engine) as session:
        frame = session.scalar(
            select(StoredEventRow.frame).where(StoredEventRow.seq == body["seq"])
        )
    assert frame is not None
    event = decode_server(bytes(frame))
    assert isinstance(event, IncidentUpdate)
    assert event.change == "record" and event.incident.id == case_id

    seen = _records(hub, "operator", case_id)
    (record,) = seen["records"]
    assert record["kind"] == "inquiry" and record["state"] == "signed"
    assert record["missing_clip"] is False
    (version,) = record["versions"]
    person = version["person"]
    # An operator sees the person as a reporter is seen: enough to tell apart, not to find.
    assert person["name"] == "李*"
    assert person["phone"] == "139****1111"
    assert person["id_number"] == "3307**********1234"
    assert person["address"] == "婺城区***"
    assert person["age"] == 41 and person["sex"] == "男"
    assert [o["certificate"] for o in version["officers"]] == ["33070201001", "33070201002"]
    assert version["qa"][1] == {"q": "你店门口的桌椅是谁摆放的？", "a": "是我摆的。"}
    assert version["clips"] == [{"device": "DSJ-0042", "start": T0 - 60, "end": T0 + 1900}]
    assert version["actor"] == "demo-source"

    whole = _records(hub, "supervisor", case_id)["records"][0]["versions"][0]["person"]
    assert whole["name"] == "李四" and whole["phone"] == "13900001111"
    assert whole["id_number"] == "330702198501011234"

    # The record is a step of the case's timeline.
    timeline: list[dict[str, Any]] = []

    async def history(client: FeedClient) -> None:
        timeline.extend((await client.request("case.history", {"case_id": case_id}))["events"])

    as_role(hub, "operator", history)
    steps = [e for e in timeline if e["kind"] == "record"]
    assert len(steps) == 1
    assert steps[0]["detail"]["record_id"] == "XW-2026-0001"
    assert steps[0]["detail"]["state"] == "signed" and steps[0]["actor"] == "demo-source"


def test_an_inquiry_without_a_clip_is_flagged_and_an_inspection_is_not(hub: LiveHub) -> None:
    case_id = _case(hub, "8890-rec-clip")
    assert hub.post(f"/api/v1/cases/{case_id}/records", inquiry(clips=[]))[0] == 201
    inspection = inquiry(
        "JC-2026-0001",
        kind="inspection",
        template_version="现场检查笔录 2024.1",
        qa=[],
        findings="店外摆放桌椅4张，占用人行道约6平方米。",
        clips=[],
    )
    assert hub.post(f"/api/v1/cases/{case_id}/records", inspection)[0] == 201
    records = {r["record_id"]: r for r in _records(hub, "wall", case_id)["records"]}
    assert records["XW-2026-0001"]["missing_clip"] is True
    assert records["JC-2026-0001"]["missing_clip"] is False
    assert records["JC-2026-0001"]["versions"][0]["findings"].startswith("店外摆放桌椅")


def test_a_signed_record_never_changes_and_a_correction_is_a_new_version(hub: LiveHub) -> None:
    case_id = _case(hub, "8890-rec-fix")
    path = f"/api/v1/cases/{case_id}/records"
    first = inquiry()
    assert hub.post(path, first)[0] == 201

    # The same body again is a retry: the stored version, nothing added.
    before = _stored_counts(hub)
    status, again = hub.post(path, first)
    assert status == 200 and again["version"] == 1
    assert _stored_counts(hub) == before

    # A changed body for a signed record without a reason is refused; nothing stored.
    changed = copy.deepcopy(first)
    changed["qa"][1]["a"] = "是我摆的，已经收回店内。"
    status, refused = hub.post(path, changed)
    assert status == 400 and refused["field"] == "correction_reason"
    assert _stored_counts(hub) == before

    changed["correction_reason"] = "当事人补充陈述，更正第二问答复"
    changed["signature"] = {"state": "signed", "at": T0 + 4000}
    status, corrected = hub.post(path, changed)
    assert status == 201 and corrected["version"] == 2 and corrected["corrects"] == 1

    (record,) = _records(hub, "supervisor", case_id)["records"]
    v1, v2 = record["versions"]
    # Both kept; the signed one exactly as it was signed.
    assert v1["qa"][1]["a"] == "是我摆的。" and v1["signature"]["at"] == T0 + 1900
    assert v1["corrects"] is None and v1["correction_reason"] == ""
    assert v2["qa"][1]["a"] == "是我摆的，已经收回店内。" and v2["corrects"] == 1
    assert v2["correction_reason"] == "当事人补充陈述，更正第二问答复"
    assert record["state"] == "signed"

    # A draft may be worked on: each change is a version, none is a correction.
    draft = inquiry("XW-2026-0002", signature={"state": "draft"}, qa=[])
    assert hub.post(path, draft)[1]["version"] == 1
    draft["qa"] = [{"q": "你的姓名？", "a": "李四"}]
    draft["signature"] = {"state": "awaiting_signature"}
    status, second = hub.post(path, draft)
    assert status == 201 and second["version"] == 2 and second["corrects"] is None

    # A refusal to sign is final too, kept with its reason and witness.
    refusal = inquiry(
        "XW-2026-0003",
        signature={"state": "refused", "reason": "当事人称不识字", "witness": "社区网格员周某"},
    )
    assert hub.post(path, refusal)[0] == 201
    refusal["qa"] = refusal["qa"][:1]
    assert hub.post(path, refusal)[1]["field"] == "correction_reason"
    records = {r["record_id"]: r for r in _records(hub, "operator", case_id)["records"]}
    assert records["XW-2026-0003"]["state"] == "refused"
    assert records["XW-2026-0003"]["versions"][0]["signature"]["witness"] == "社区网格员周某"
    assert len(records["XW-2026-0003"]["versions"]) == 1


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


BAD: list[tuple[str, Callable[[dict[str, Any]], dict[str, Any]], str]] = [
    ("one officer", lambda b: b | {"officers": b["officers"][:1]}, "officers"),
    ("no certificate", lambda b: b | {"officers": [b["officers"][0] | {"certificate": ""}] * 2},
     "officers[0].certificate"),
    ("ends before it starts", lambda b: b | {"ended_at": T0 - 1}, "ended_at"),
    ("unknown type", lambda b: b | {"kind": "confession"}, "kind"),
    ("no person", lambda b: _without(b, "person"), "person"),
    ("age as text", lambda b: b | {"person": b["person"] | {"age": "41"}}, "person.age"),
    ("refusal without witness",
     lambda b: b | {"signature": {"state": "refused", "reason": "不愿签"}}, "signature.witness"),
    ("refusal without reason",
     lambda b: b | {"signature": {"state": "refused", "witness": "周某"}}, "signature.reason"),
    ("signed without time", lambda b: b | {"signature": {"state": "signed"}}, "signature.at"),
    ("inquiry without Q/A", lambda b: b | {"qa": []}, "qa"),
    ("clip ends before start",
     lambda b: b | {"clips": [{"device": "DSJ-1", "start": T0, "end": T0 - 5}]}, "clips[0].end"),
    ("NUL in the place", lambda b: b | {"place": "询问室\x00"}, "place"),
    ("NUL in an answer", lambda b: b | {"qa": [{"q": "姓名？", "a": "李\x00四"}]}, "qa[0].a"),
]  # fmt: skip


@pytest.mark.parametrize(("why", "spoil", "field"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_record_is_refused_naming_the_field_and_nothing_is_stored(
    hub: LiveHub, why: str, spoil: Callable[[dict[str, Any]], dict[str, Any]], field: str
) -> None:
    case_id = _case(hub, "8890-rec-bad")
    before = _stored_counts(hub)
    status, body = hub.post(f"/api/v1/cases/{case_id}/records", spoil(inquiry()))
    assert status == 400, (why, body)
    assert body["error"] == "invalid" and body["field"] == field, body
    assert _stored_counts(hub) == before
    assert _records(hub, "operator", case_id)["records"] == []


def test_records_need_a_known_case_and_a_terminal_token(hub: LiveHub) -> None:
    case_id = _case(hub, "8890-rec-who")
    before = _stored_counts(hub)
    status, body = hub.post("/api/v1/cases/WC-none/records", inquiry())
    assert status == 404 and body["field"] == "case_id"
    assert hub.post(f"/api/v1/cases/{case_id}/records", inquiry(), role="wall")[0] == 403
    assert hub.post(f"/api/v1/cases/{case_id}/records", inquiry(), role="")[0] == 401
    assert hub.post(f"/api/v1/cases/{case_id}/records", None, raw=b"{not json")[0] == 400
    assert _stored_counts(hub) == before

    # A record id names one record of one case.
    other = _case(hub, "8890-rec-other")
    assert hub.post(f"/api/v1/cases/{case_id}/records", inquiry())[0] == 201
    status, body = hub.post(f"/api/v1/cases/{other}/records", inquiry(qa=inquiry()["qa"][:1]))
    assert status == 409 and body["field"] == "record_id"

    async def unknown(client: FeedClient) -> None:
        with pytest.raises(RequestFailed) as caught:
            await client.request("case.records", {"case_id": "WC-none"})
        assert caught.value.code == "not_found" and caught.value.field == "case_id"

    as_role(hub, "operator", unknown)


def test_the_openapi_document_describes_the_records_endpoint(hub: LiveHub) -> None:
    with urllib.request.urlopen(hub.api_url + "/openapi.json", timeout=10) as response:
        document = msgspec.json.decode(response.read())
    post = document["paths"]["/api/v1/cases/{case_id}/records"]["post"]
    assert set(post["responses"]) >= {"201", "200", "400", "401", "403", "404", "409"}
    schemas = document["components"]["schemas"]
    record = schemas["RecordIn"]
    assert {"record_id", "kind", "officers", "person", "signature"} <= set(record["required"])
    assert record["properties"]["officers"]["minItems"] == 2
    assert "refused" in schemas["Signature"]["properties"]["state"]["enum"]
