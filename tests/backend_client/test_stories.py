"""The drill-downs' stories without Qt: paging, error state and defaults, against a real hub
on loopback (and the answer cache), plus the map's merchant register."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec
import pytest

from backend_client.api import HubApi
from backend_client.cache import AnswerCache, CachedRequests
from backend_client.protocol.messages import Incident, SlaMarks, Team, Unit
from backend_client.protocol.ops import (
    CaseFile,
    CaseHistoryAnswer,
    CaseHistoryArgs,
    InspectionRecord,
    MerchantAnswer,
    MerchantInfo,
    ReporterInfo,
    TimelineEvent,
    TrackAnswer,
)
from backend_client.state import FeedState
from backend_client.stories import (
    ANSWER,
    FAILED,
    PAGE,
    PAGING,
    RELATED,
    CaseStory,
    Emitter,
    Fetched,
    MerchantRegister,
    MerchantStory,
    OfficerStory,
    RelatedCases,
    parse_history,
    parse_related,
)
from backend_client.stories.opening import OFFICER_WINDOW_S, open_story
from backend_client.transport import FeedClient, RequestFailed
from hub.roster import MerchantRecord
from tests.support.hubs import LiveHub, report

MERCHANT = MerchantRecord(
    "M-001", "婺城小吃店", "91330702MA2E000001", "城中街道八一北街12号", "餐饮", 3, 29.085, 119.652
)
OTHER = MerchantRecord(
    "M-002", "城东五金店", "91330702MA2E000002", "城东街道", "五金", 1, 29.09, 119.66
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


def fetch_of(client: FeedClient) -> Callable[[str, dict[str, Any]], Any]:
    async def fetch(op: str, args: dict[str, Any]) -> Fetched:
        return await client.request(op, args), False, None

    return fetch


async def never(op: str, args: dict[str, Any]) -> Fetched:
    raise AssertionError(f"{op} was not to be asked in this test")


async def post(hub: LiveHub, external_id: str, **fields: Any) -> str:
    status, body = await asyncio.to_thread(
        hub.post, "/api/v1/reports", report(external_id, **fields)
    )
    assert status == 201, body
    await asyncio.sleep(0.01)  # distinct reported_at
    return str(body["id"])


def test_the_case_story_pages_in_order_until_the_total(hub: LiveHub, tmp_path: Path) -> None:
    hub.run(hub.hub.seed([], [], [MERCHANT]))
    cache = AnswerCache(tmp_path / "answers.db")

    async def scenario() -> None:
        async with connected(hub) as client:
            sibling = await post(hub, "8890-sib", merchant_id="M-001", lat=29.0851)
            case_id = await post(hub, "8890-main", merchant_id="M-001")
            await client.request("dispatch", {"incident_id": case_id, "unit_ids": ["U001"]})
            for action in ("moving", "arrive"):
                await client.request(
                    "case.step", {"case_id": case_id, "action": action, "units": ["U001"]}
                )
            await client.request(
                "case.step", {"case_id": case_id, "action": "handle", "outcome": "当场劝离"}
            )
            whole = await client.request("case.history", {"case_id": case_id, "limit": 100})
            total = whole["total_events"]
            assert total >= 6 and whole["next_offset"] is None

            story = CaseStory(case_id, CachedRequests(client, cache), page_size=2)
            topics: list[str] = []
            story.changed.connect(topics.append)
            await story.load()
            assert topics == [ANSWER, RELATED]
            assert [e.kind for e in story.events] == ["reported", "accepted"]
            assert story.paging.more and story.paging.total == total
            assert not story.cached and story.error == ""
            # Parsed once, typed: the views read fields, not the dict.
            case = story.case
            assert (case.id, case.source, case.status) == (case_id, "hotline", "handled")
            assert case.merchant_id == "M-001" and case.lat == pytest.approx(29.085)
            assert case.sla is not None and case.sla.accepted_at is not None
            assert story.related is not None
            assert [c.id for c in story.related.same_merchant] == [sibling]

            # "Load more" appends in order and stops at the total.
            topics.clear()
            while await story.load_more():
                pass
            assert topics == [PAGING, PAGE] * ((total - 1) // 2)
            assert [e.kind for e in story.events] == [e["kind"] for e in whole["events"]]
            assert len(story.events) == total and not story.paging.more
            assert not await story.load_more()  # nothing more to ask for
            assert story.answer is not None and len(story.answer["events"]) == total
            handled = story.events[-1]
            assert handled.kind == "handled" and handled.detail.outcome == "当场劝离"

            # A reload (a step on the case) keeps every page the reader had.
            await story.load()
            assert len(story.events) == total

            # The hub away: a case never opened is the story's error state; the one
            # read before comes from the cache, marked.
            await asyncio.to_thread(hub.stop)
            while client.status.link.value != "offline":
                await asyncio.sleep(0.02)
            unknown = CaseStory("WC-never", CachedRequests(client, cache))
            topics.clear()
            unknown.changed.connect(topics.append)
            await unknown.load()
            assert topics == [FAILED]
            assert unknown.error_code == "offline" and unknown.error
            assert unknown.answer is None and unknown.events == []
            cached = CaseStory(case_id, CachedRequests(client, cache), page_size=2)
            await cached.load()
            assert cached.cached and cached.age_s is not None
            assert [e.kind for e in cached.events] == ["reported", "accepted"]
            assert cached.related is not None  # cached too
            assert [c.id for c in cached.related.same_merchant] == [sibling]

    asyncio.run(scenario())
    cache.close()


def test_the_merchant_story_pages_and_a_refusal_is_its_error(hub: LiveHub) -> None:
    hub.run(hub.hub.seed([], [], [MERCHANT, OTHER]))

    async def scenario() -> None:
        async with connected(hub) as client:
            categories = ["占道经营", "店外经营", "占道经营", "油烟污染", "占道经营"]
            posted = [
                await post(hub, f"8890-p{n}", merchant_id="M-001", category=c)
                for n, c in enumerate(categories)
            ]
            await post(hub, "8890-other", merchant_id="M-002")
            story = MerchantStory("M-001", fetch_of(client), page_size=2)
            await story.load()
            assert story.profile.name == "婺城小吃店" and story.profile.risk == 3
            assert story.profile.lat == pytest.approx(29.085)
            # Counts cover every case, not just the first page.
            assert story.counts == [("占道经营", 3), ("店外经营", 1), ("油烟污染", 1)]
            assert len(story.cases) == 2 and story.paging.total == 5
            pages = 1
            while await story.load_more():
                pages += 1
            assert pages == 3 and not story.paging.more
            assert sorted(c.id for c in story.cases) == sorted(posted)
            # Pages come newest first from the hub and are appended in that order.
            times = [c.reported_at for c in story.cases]
            assert times == sorted(times, reverse=True)

            refused = MerchantStory("M-none", fetch_of(client))
            topics: list[str] = []
            refused.changed.connect(topics.append)
            await refused.load()
            assert topics == [FAILED] and refused.error_code == "not_found"
            assert refused.answer is None and refused.cases == []

    asyncio.run(scenario())


def test_missing_keys_become_defaults_not_crashes() -> None:
    case = CaseStory("WC-1", never)
    case.set_answer({})
    assert case.case.id == "WC-1" and case.case.reporter is None and case.events == []
    case.set_answer(
        {
            "case": {"id": "WC-1", "sla": {"accept_by": 10.0}, "address": None, "lat": "x"},
            "events": [{}, "not an event", {"kind": "reported", "ts": 5, "detail": "text"}],
            "next_offset": "3",
        }
    )
    assert case.case.sla is None  # a deadline missing: nothing to judge
    assert case.case.address == "" and case.case.lat is None
    assert [(e.kind, e.ts, e.actor) for e in case.events] == [("", 0.0, ""), ("reported", 5.0, "")]
    assert case.events[1].detail.units == () and case.events[1].detail.deadline is None
    assert not case.paging.more
    assert parse_related({"nearby": [{}], "same_category": None}) == RelatedCases(
        nearby=(parse_related({"nearby": [{}]}).nearby[0],)
    )
    assert parse_related({}).counts() == {"same_merchant": 0, "nearby": 0, "same_category": 0}

    merchant = MerchantStory("M-1", never)
    merchant.set_answer({"merchant": None, "cases": [{}], "inspections": [{"result": "pass"}]})
    assert merchant.profile.name == "" and merchant.profile.risk is None
    assert merchant.counts == [("", 1)]  # an older hub: counted from the cases that came
    assert merchant.inspections[0].departments == () and merchant.inspections[0].ts == 0.0

    officer = OfficerStory("U001", never, start=0.0, end=60.0, profile={"name": "张三"})
    assert officer.request() == ("unit.track", {"unit_id": "U001", "start": 0.0, "end": 60.0})
    officer.replay.set_speed(10)
    officer.set_answer({"points": [[10.0, 29.0, 119.0], [20.0, None, 1.0]]})
    assert [p.ts for p in officer.replay.points] == [10.0]
    assert officer.replay.speed == 10.0  # a reload keeps the chosen speed
    officer.set_answer({})
    assert officer.replay.points == [] and officer.profile.plate == "U001"


def wire(answer: msgspec.Struct) -> dict[str, Any]:
    """``answer`` as the hub sends it (defaults left out, as on the wire)."""
    result: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(answer))
    return result


def test_an_answer_is_read_through_its_struct_loaded_or_handed_in() -> None:
    reported = Incident(
        id="WC-9",
        source="grid",
        category="占道经营",
        reported_at=100.0,
        lat=29.08,
        lon=119.65,
        merchant_id="M-1",
        sla=SlaMarks(accept_by=160.0, move_by=280.0, handle_by=1000.0),
    )
    events = [
        TimelineEvent("reported", 100.0, "网格员", {}),
        TimelineEvent("sla_missed", 161.0, "hub", {"stage": "accept", "units": ["U001"]}),
        TimelineEvent(
            "inspected", 900.0, "U001", {"unit": "U001", "inspection": "passed", "deadline": 5}
        ),
    ]
    history = wire(
        CaseHistoryAnswer(
            CaseFile(**msgspec.structs.asdict(reported), reporter=ReporterInfo("张**", "138")),
            ["p1", ""],
            events,
            3,
            None,
        )
    )
    # A reported case's status is the default, left off the wire: the Struct restores it.
    assert "status" not in history["case"]

    async def fetch(op: str, args: dict[str, Any]) -> Fetched:
        assert op == "case.history"
        return history, False, None

    loaded = CaseStory("WC-9", fetch)
    asyncio.run(loaded.load_answer())
    handed = CaseStory("WC-9", never)
    handed.set_answer(history)
    assert loaded.history == handed.history == parse_history(history)
    assert loaded.history is not None and loaded.answer == history
    case = loaded.history.case
    assert (case.status, case.reported_at, case.merchant_id) == ("reported", 100.0, "M-1")
    assert case.reporter is not None and case.reporter.name == "张**"
    assert case.sla == reported.sla and loaded.history.photos == ("p1",)
    stage, inspected = loaded.events[1].detail, loaded.events[2].detail
    assert (stage.stage, stage.units, stage.unit) == ("accept", ("U001",), "")
    assert (inspected.unit, inspected.inspection, inspected.deadline) == ("U001", "passed", 5.0)
    assert loaded.events[0].detail.stage is None

    profile = wire(
        MerchantAnswer(
            MerchantInfo("M-1", "婺城小吃店", "913", "八一北街", "餐饮", 2, 29.0, 119.0),
            [reported],
            7,
            1,
            {"占道经营": 4, "油烟污染": 3},
            [InspectionRecord("I-1", 50.0, ["市场监管"], ["证照"], "pass", "", [], ["U001"])],
        )
    )
    merchant = MerchantStory("M-1", never)
    merchant.set_answer(profile)
    assert merchant.profile.risk == 2 and merchant.profile.risk_text == "2"
    assert [(c.id, c.status) for c in merchant.cases] == [("WC-9", "reported")]
    assert merchant.counts == [("占道经营", 4), ("油烟污染", 3)]
    assert merchant.paging.next_offset == 1 and merchant.paging.total == 7
    assert merchant.inspections[0].departments == ("市场监管",)
    assert merchant.inspections[0].officers == ("U001",)

    # The feed's incidents mark the replay as their wire dicts did.
    sent = msgspec.structs.replace(reported, units=["U001"], reported_at=30.0)
    for cases in ([sent, reported], [msgspec.to_builtins(sent), msgspec.to_builtins(reported)]):
        officer = OfficerStory("U001", never, start=0.0, end=60.0, cases=cases)
        officer.set_answer(wire(TrackAnswer("U001", [(20.0, 29.0, 119.0, None, 90.0)])))
        assert [(p.ts, p.heading) for p in officer.replay.points] == [(20.0, 90.0)]
        assert [(m.case_id, m.ts, m.lat) for m in officer.replay.cases] == [("WC-9", 30.0, 29.0)]


def test_the_api_names_the_answer_struct_of_the_op_asked() -> None:
    api = HubApi(never)
    with pytest.raises(
        TypeError, match=r"case\.history answers CaseHistoryAnswer, not MerchantAnswer"
    ):
        asyncio.run(api.ask_as(CaseHistoryArgs("WC-1"), MerchantAnswer))


def test_the_merchant_register_loads_once_and_reports_a_failure(hub: LiveHub) -> None:
    hub.run(hub.hub.seed([], [], [MERCHANT, OTHER]))

    async def failing(op: str, args: dict[str, Any]) -> dict[str, Any]:
        raise RequestFailed("offline", "not connected to the hub")

    async def scenario() -> None:
        broken = MerchantRegister(failing)
        topics: list[str] = []
        broken.changed.connect(topics.append)
        await broken.load()
        assert topics == [FAILED] and not broken.loaded and broken.error
        async with connected(hub, "wall") as client:
            register = MerchantRegister(client.request)
            register.changed.connect(topics.append)
            register.ensure_loading()
            assert register.loading
            register.ensure_loading()  # already on its way: not asked twice
            while not register.loaded:
                await asyncio.sleep(0.01)
            assert topics[-1] == ANSWER and not register.loading
            assert sorted(row["id"] for row in register.rows) == ["M-001", "M-002"]

    register = MerchantRegister(failing)
    register.ensure_loading()  # no loop running (a panel built offline): nothing starts
    assert not register.loading
    asyncio.run(scenario())


def test_a_kind_and_an_id_open_the_story_with_what_the_feed_knows() -> None:
    state = FeedState()
    state.teams["T-CD"] = Team(id="T-CD", name="城东中队")
    state.units["V001"] = Unit(
        id="V001", name="执法车01", team="T-CD", kind="vehicle", plate="浙G1"
    )
    vehicle = open_story("unit", "V001", never, state, now=5000.0)
    assert isinstance(vehicle, OfficerStory)
    assert (vehicle.start, vehicle.end) == (5000.0 - OFFICER_WINDOW_S, 5000.0)
    assert vehicle.profile.is_vehicle and vehicle.profile.plate == "浙G1"
    assert vehicle.profile.team == "城东中队"
    stranger = open_story("officer", "U404", never, state, now=5000.0)
    assert isinstance(stranger, OfficerStory) and stranger.profile.name == "U404"
    assert isinstance(open_story("case", "WC-1", never, state, now=0.0), CaseStory)
    assert isinstance(open_story("merchant", "M-1", never, state, now=0.0), MerchantStory)
    assert open_story("poster", "x", never, state, now=0.0) is None


def test_the_emitter_calls_in_order_and_survives_a_disconnect_while_emitting() -> None:
    emitter: Emitter[str] = Emitter()
    seen: list[str] = []

    def once(value: str) -> None:
        seen.append("once:" + value)
        emitter.disconnect(once)

    emitter.connect(once)
    emitter.connect(seen.append)
    emitter.emit("a")
    emitter.emit("b")
    assert seen == ["once:a", "a", "b"] and len(emitter) == 1
    emitter.disconnect()
    emitter.emit("c")
    assert seen == ["once:a", "a", "b"]


def test_the_stories_load_without_qt() -> None:
    code = (
        "import sys, backend_client.stories; "
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt imported'; "
        "assert 'sqlalchemy' not in sys.modules, 'the cache loaded on import'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
