"""Discretion (智能裁量) on a real hub over loopback, on SQLite and PostgreSQL: the shipped
benchmark files, discretion.suggest reading first offence from the merchant's earlier
decisions and harm and correction from the case, and case.decide as an audited step of
the case's timeline. The suggestion is advice: the officer's decision is stored as made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend_client.api import HubApi
from backend_client.config import ConfigError
from backend_client.protocol.ops import DiscretionAnswer
from backend_client.transport import FeedClient, RequestFailed
from hub.discretion import load_benchmarks, match
from tests.support.hubs import OFFICERS, LiveHub, as_role, report


def _report(hub: LiveHub, external_id: str, **overrides: Any) -> str:
    body = report(external_id, category="店外经营", merchant_id="M1", priority=4) | overrides
    status, answer = hub.post("/api/v1/reports", body)
    assert status == 201, answer
    return str(answer["id"])


async def _handle(client: FeedClient, case_id: str) -> None:
    unit = OFFICERS[0].id
    for action, extra in (
        ("accept", {}),
        ("dispatch", {"units": [unit]}),
        ("arrive", {"units": [unit]}),
        ("handle", {"outcome": "当场改正，桌椅已收回店内"}),
    ):
        await client.request("case.step", {"case_id": case_id, "action": action, **extra})


def _suggest(hub: LiveHub, case_id: str, role: str = "operator") -> DiscretionAnswer:
    found: list[DiscretionAnswer] = []

    async def ask(client: FeedClient) -> None:
        found.append((await HubApi.over(client.request).discretion_suggest(case_id)).answer)

    as_role(hub, role, ask)
    return found[0]


def test_the_shipped_benchmarks_are_samples_with_four_tiers_each() -> None:
    benchmarks = load_benchmarks()
    assert {"09005", "06014", "06027", "06029", "07003"} <= set(benchmarks)
    for benchmark in benchmarks.values():
        assert benchmark.sample, benchmark.code  # the customer replaces them
        assert [t.tier for t in benchmark.tiers] == ["minor", "general", "serious", "severe"]
        assert [t.label for t in benchmark.tiers] == ["轻微", "一般", "较重", "严重"]
        assert benchmark.legal_basis and benchmark.source
        lows = [t.fine_min for t in benchmark.tiers]
        assert lows == sorted(lows)
    # The published ranges of the notes.
    assert benchmarks["09005"].tiers[-1].fine_max == 1000
    assert benchmarks["06027"].tiers[0].fine_min == 5000
    assert benchmarks["06029"].tiers[-1].fine_max == 20000
    assert benchmarks["07003"].first_offence_waiver
    # A case's category may be the name, an alias, an old code or a full matter code.
    for category in ("店外经营", "出店经营", "05.04", "04-05", "09005", "33070209005"):
        found = match(benchmarks, category)
        assert found is not None and found.code == "09005", category
    assert match(benchmarks, "噪声扰民") is None


def test_a_bad_benchmark_file_names_its_line_and_field(tmp_path: Path) -> None:
    (tmp_path / "x.toml").write_text(
        '[[matter]]\ncode = "09005"\nname = "店外经营"\nlegal_basis = "条例"\nsource = "s"\n'
        '[[matter.tier]]\ntier = "minor"\nlabel = "轻微"\nconditions = []\n'
        "fine_min = 300\nfine_max = 100\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_benchmarks(tmp_path)
    assert caught.value.line == 11 and caught.value.field == "matter[0].tier[0].fine_max"


def test_first_offence_is_waived_until_the_merchant_has_an_earlier_penalty(hub: LiveHub) -> None:
    earlier = _report(hub, "8890-disc-earlier")
    other_matter = _report(hub, "8890-disc-smoke", category="油烟污染")
    case_id = _report(hub, "8890-disc-now")

    async def handle(client: FeedClient) -> None:
        await _handle(client, case_id)

    as_role(hub, "operator", handle)

    first = _suggest(hub, case_id)
    assert first.matter == "09005" and first.benchmark is not None
    assert first.benchmark.name == "店外经营"
    assert first.facts.first_offence and first.facts.earlier_penalties == []
    assert first.facts.corrected and first.facts.harm == "minor"
    assert first.suggested_tier == "none" and first.waiver_suggested
    assert any("首违不罚" in reason for reason in first.reasons)
    assert first.decisions == []

    async def decide_others(client: FeedClient) -> None:
        api = HubApi.over(client.request)
        # A penalty for another matter, and no penalty for this one: still a first offence.
        await api.case_decide(other_matter, "general", 12000, "油烟净化设施未正常使用")
        await api.case_decide(earlier, "none", 0, "劝导后当场改正", waived=True)

    as_role(hub, "operator", decide_others)
    still = _suggest(hub, case_id)
    assert still.facts.first_offence and still.suggested_tier == "none"

    async def penalise(client: FeedClient) -> None:
        answer = await HubApi.over(client.request).case_decide(
            earlier, "general", 200, "复查时仍在店外经营，责令改正并处罚款"
        )
        assert answer.tier == "general" and answer.amount == 200

    as_role(hub, "operator", penalise)

    second = _suggest(hub, case_id)
    assert not second.facts.first_offence
    assert second.facts.earlier_penalties == [earlier]
    assert second.suggested_tier == "general" and not second.waiver_suggested
    assert (second.fine_min, second.fine_max) == (100, 300)
    assert any("再次违法" in reason and earlier in reason for reason in second.reasons)


def test_the_decision_is_an_audited_step_of_the_timeline_beside_the_suggestion(
    hub: LiveHub,
) -> None:
    case_id = _report(hub, "8890-disc-decide", priority=2)
    events: list[dict[str, Any]] = []

    async def decide(client: FeedClient) -> None:
        api = HubApi.over(client.request)
        # Not handled yet, serious harm: the suggestion is heavier than the officer's call.
        suggestion = (await api.discretion_suggest(case_id)).answer
        assert not suggestion.facts.corrected and suggestion.facts.harm == "serious"
        assert suggestion.suggested_tier == "serious"
        for args, field in (
            ({"tier": "general", "amount": 200, "reason": "  "}, "reason"),
            ({"tier": "none", "amount": 50, "reason": "劝导"}, "amount"),
            ({"tier": "general", "amount": -1, "reason": "x"}, "amount"),
            ({"tier": "general", "amount": 10, "reason": "x", "waived": True}, "tier"),
            ({"tier": "harsh", "amount": 10, "reason": "x"}, "tier"),
        ):
            with pytest.raises(RequestFailed) as caught:
                await client.request("case.decide", {"case_id": case_id, **args})
            assert caught.value.code == "invalid" and caught.value.field == field, args
        with pytest.raises(RequestFailed) as caught:
            await api.case_decide("WC-none", "general", 200, "x")
        assert caught.value.code == "not_found" and caught.value.field == "case_id"

        answer = await api.case_decide(case_id, "general", 300, "当事人积极配合，已当场改正")
        assert answer.suggested_tier == "serious" and not answer.follows_suggestion
        events.extend((await client.request("case.history", {"case_id": case_id}))["events"])
        after = (await api.discretion_suggest(case_id)).answer
        (decision,) = after.decisions
        assert decision.tier == "general" and decision.amount == 300
        assert decision.suggested_tier == "serious" and decision.actor == "demo-operator"

    as_role(hub, "operator", decide)
    (step,) = [e for e in events if e["kind"] == "decision"]
    assert step["actor"] == "demo-operator"
    assert step["detail"]["tier"] == "general" and step["detail"]["amount"] == 300
    assert step["detail"]["reason"] == "当事人积极配合，已当场改正"
    assert step["detail"]["matter"] == "09005" and step["detail"]["suggested_tier"] == "serious"
    assert step["detail"]["suggestion_reasons"]

    audit: list[dict[str, Any]] = []

    async def read_audit(client: FeedClient) -> None:
        audit.extend((await client.request("audit.query", {"limit": 1000}))["entries"])

    as_role(hub, "supervisor", read_audit)
    (decided,) = [e for e in audit if e["action"] == "case.decide"]
    assert decided["subject"] == case_id and decided["actor"] == "demo-operator"
    assert decided["detail"] == {"tier": "general", "amount": 300, "suggested_tier": "serious"}
    assert any(e["action"] == "view.discretion" and e["subject"] == case_id for e in audit)


def test_a_wall_may_read_the_suggestion_but_not_decide(hub: LiveHub) -> None:
    case_id = _report(hub, "8890-disc-wall")

    async def wall(client: FeedClient) -> None:
        answer = await client.request("discretion.suggest", {"case_id": case_id})
        assert answer["matter"] == "09005"
        with pytest.raises(RequestFailed) as caught:
            await client.request(
                "case.decide", {"case_id": case_id, "tier": "minor", "amount": 0, "reason": "x"}
            )
        assert caught.value.code == "forbidden"

    as_role(hub, "wall", wall)


def test_a_case_whose_category_has_no_benchmark_gets_no_suggestion(hub: LiveHub) -> None:
    case_id = _report(hub, "8890-disc-none", category="噪声扰民")
    answer = _suggest(hub, case_id)
    assert answer.matter is None and answer.suggested_tier is None and answer.benchmark is None
    assert "噪声扰民" in answer.reasons[0]
