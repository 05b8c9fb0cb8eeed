"""The typed request facade without a hub: answers decode into the op's Struct, a malformed
answer is an error the stories show (not a crash), the Structs encode to the JSON the hub
always sent, and docs/protocol.md's op table is the one the Structs generate."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec
import pytest

from backend_client.api import HubApi, MalformedAnswer, decode_answer
from backend_client.errors import RequestFailed
from backend_client.protocol.messages import Incident
from backend_client.protocol.ops import (
    OPS,
    CaseFile,
    CaseHistoryAnswer,
    CaseHistoryArgs,
    CaseStepArgs,
    ReporterInfo,
    TimelineEvent,
    TrackAnswer,
)
from backend_client.stories import (
    FAILED,
    CaseStory,
    Fetched,
    MerchantRegister,
    MerchantStory,
    OfficerStory,
)

ROOT = Path(__file__).resolve().parents[2]


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "protocol_ops", ROOT / "scripts" / "protocol_ops.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("protocol_ops", module)
    spec.loader.exec_module(module)
    return module


def answering(answers: dict[str, dict[str, Any]]) -> Any:
    async def fetch(op: str, args: dict[str, Any]) -> Fetched:
        return answers[op], False, None

    return fetch


HISTORY: dict[str, Any] = {
    "case": {
        "id": "WC-1",
        "source": "hotline",
        "category": "占道经营",
        "reported_at": 1.0,
        "reporter": None,
    },
    "photos": [],
    "events": [{"kind": "reported", "ts": 1.0, "actor": "hotline", "detail": {}}],
    "total_events": 3,
    "next_offset": 1,
}


def test_the_protocol_page_shows_the_table_the_structs_generate() -> None:
    script = _load_script()
    page = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    assert script.render(page) == page, "run: python scripts/protocol_ops.py"
    # Each op of the shared table has a row, named as on the wire.
    for name in OPS:
        assert f"| `{name}` |" in page


def test_a_changed_struct_makes_the_page_disagree(monkeypatch: pytest.MonkeyPatch) -> None:
    script = _load_script()
    page = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")

    class Wider(CaseStepArgs):
        urgent: bool = False

    monkeypatch.setitem(OPS, "case.step", OPS["case.step"]._replace(args=Wider))
    assert script.render(page) != page


def test_answers_encode_to_the_json_the_hub_always_sent() -> None:
    incident = Incident(id="WC-1", source="hotline", category="c", reported_at=1.0)
    case = CaseFile(**msgspec.structs.asdict(incident), reporter=ReporterInfo("张**", "138"))
    answer = CaseHistoryAnswer(case, ["p"], [TimelineEvent("reported", 1.0, "a", {})], 1, None)
    # The incident as the stream carries it (defaults omitted), the reporter appended.
    expected = {
        "case": {**msgspec.to_builtins(incident), "reporter": {"name": "张**", "phone": "138"}},
        "photos": ["p"],
        "events": [{"kind": "reported", "ts": 1.0, "actor": "a", "detail": {}}],
        "total_events": 1,
        "next_offset": None,
    }
    assert msgspec.json.encode(answer) == msgspec.json.encode(expected)
    nobody = CaseFile(**msgspec.structs.asdict(incident), reporter=None)
    assert msgspec.to_builtins(nobody)["reporter"] is None  # sent as null, not left out
    track = TrackAnswer("U001", [(1.0, 29.0, 119.0, None, None)])
    assert msgspec.json.encode(track) == b'{"unit_id":"U001","points":[[1.0,29.0,119.0,null,null]]}'


def test_a_malformed_answer_raises_a_request_failure_naming_the_field() -> None:
    assert decode_answer("case.history", HISTORY, CaseHistoryAnswer).case.id == "WC-1"
    with pytest.raises(MalformedAnswer) as caught:
        decode_answer("case.history", {**HISTORY, "events": "none"}, CaseHistoryAnswer)
    assert isinstance(caught.value, RequestFailed)
    assert caught.value.code == "malformed_answer" and caught.value.field == "events"
    assert caught.value.message.startswith("case.history: ")
    with pytest.raises(MalformedAnswer) as caught:
        decode_answer("case.history", {**HISTORY, "total_events": None}, CaseHistoryAnswer)
    assert caught.value.field == "total_events"

    async def typed() -> None:
        api = HubApi(answering({"case.history": {"case": {"id": 1}}}))
        with pytest.raises(MalformedAnswer):
            await api.case_history("WC-1")

    asyncio.run(typed())


def test_a_malformed_answer_is_the_stories_error_state_not_a_crash() -> None:
    async def scenario() -> None:
        related: dict[str, Any] = {
            "case_id": "WC-1",
            "same_merchant": [],
            "nearby": [],
            "same_category": [],
        }
        bad = CaseStory("WC-1", answering({"case.history": {"case": 5}, "case.related": related}))
        topics: list[str] = []
        bad.changed.connect(topics.append)
        await bad.load()
        assert topics == [FAILED] and bad.error_code == "malformed_answer"
        assert bad.answer is None and bad.events == []

        # A good first page, then a malformed one: what is shown stays.
        pages = {"case.history": HISTORY, "case.related": {**related, "nearby": 3}}
        story = CaseStory("WC-1", answering(pages), page_size=1)
        await story.load()
        assert story.error == "" and [e.kind for e in story.events] == ["reported"]
        assert story.related is None and story.related_error.startswith("case.related")
        pages["case.history"] = {**HISTORY, "events": [{"kind": 1}]}
        assert not await story.load_more()
        assert story.error_code == "malformed_answer" and len(story.events) == 1

        merchant = MerchantStory("M-1", answering({"merchant.profile": {"merchant": []}}))
        await merchant.load()
        assert merchant.error_code == "malformed_answer" and merchant.answer is None

        officer = OfficerStory(
            "U001",
            answering({"unit.track": {"unit_id": "U001", "points": [["x"]]}}),
            start=0.0,
            end=60.0,
        )
        await officer.load()
        assert officer.error_code == "malformed_answer" and officer.replay.points == []

        async def odd_register(op: str, args: dict[str, Any]) -> dict[str, Any]:
            return {"merchants": {"M-1": {}}}

        register = MerchantRegister(odd_register)
        seen: list[str] = []
        register.changed.connect(seen.append)
        await register.load()
        assert seen == [FAILED] and not register.loaded and register.error

    asyncio.run(scenario())


def test_the_stories_send_the_arguments_they_always_sent() -> None:
    sent: list[tuple[str, dict[str, Any]]] = []

    async def fetch(op: str, args: dict[str, Any]) -> Fetched:
        sent.append((op, args))
        raise RequestFailed("offline", "away")

    async def scenario() -> None:
        await CaseStory("WC-1", fetch, page_size=7).load()
        await MerchantStory("M-1", fetch, page_size=3).load()

    asyncio.run(scenario())
    # The answer cache keys answers by these: a change would orphan every cached answer.
    assert sorted(sent) == [
        ("case.history", {"case_id": "WC-1", "offset": 0, "limit": 7}),
        ("case.related", {"case_id": "WC-1"}),
        ("merchant.profile", {"merchant_id": "M-1", "offset": 0, "limit": 3}),
    ]
    assert msgspec.to_builtins(CaseHistoryArgs("WC-1")) == {
        "case_id": "WC-1",
        "offset": 0,
        "limit": 500,
    }


def test_no_write_op_is_ever_answered_from_the_cache() -> None:
    from backend_client.cache import CACHEABLE_OPS

    # HubApi sends writes through the answer cache too, trusting that it keys none of them.
    writes = {name for name, op in OPS.items() if op.writes}
    assert writes == {
        "dispatch",
        "case.step",
        "alert.ack",
        "wall.push",
        "case.decide",
        "case.merge",
        "case.visit",
    }
    assert not writes & set(CACHEABLE_OPS)
    assert set(CACHEABLE_OPS) <= set(OPS)
