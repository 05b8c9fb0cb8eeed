"""``stats.query`` on a real hub over loopback, on SQLite and PostgreSQL: every figure of
every group against counts worked out by hand from the seeded cases, the formulas, an
empty period, bad arguments, and who may ask.

The cases go through the real lifecycle: a report over HTTP, then ``apply_case_action``
steps stamped with their own times, seconds to a day after the report. The hub stamps a
report with its own clock, so once a case's steps are taken its whole record (report,
marks, timeline) is moved by one offset to the day it is meant to be on: the relations
between its times, which are all the figures read, stay as the lifecycle recorded them.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend_client.api import HubApi
from backend_client.protocol import Request, decode_server
from backend_client.protocol.messages import Error, SlaMarks
from backend_client.protocol.ops import StatsAnswer, StatsFormulas, StatsRow
from backend_client.sla import StageState, stage_standings
from backend_client.transport import FeedClient, RequestFailed
from hub.auth import Principal
from hub.domain.classes import shipped_catalogue
from hub.requests import RequestRouter
from hub.store.models import CaseEvent, Incident
from hub.writer import Emitter
from tests.support.hubs import LiveHub, report

DAY = 86400.0
LOCAL = 8 * 3600.0  # Asia/Shanghai


def _local_midnight(days_ago: int) -> float:
    today = math.floor((time.time() + LOCAL) / DAY)
    return (today - days_ago) * DAY - LOCAL


# Day 0 of the test's period: local midnight ten days ago; the period is 14 local days.
D0 = _local_midnight(10)
START, END = D0, D0 + 14 * DAY
H = 3600.0


@dataclass(frozen=True)
class Seed:
    """One case: its report (when, where from, what) and its steps, in seconds after it."""

    name: str
    at: float
    source: str
    category: str
    steps: tuple[tuple[str, float, tuple[str, ...]], ...] = ()


SEEDS = [
    # Day 0. All three stages met; closed.
    Seed(
        "c1",
        D0 + 10 * H,
        "hotline",
        "占道经营",
        (
            ("accept", 30, ()),
            ("dispatch", 40, ("U000",)),
            ("moving", 100, ("U000",)),
            ("arrive", 300, ("U000",)),
            ("handle", 600, ()),
            ("check", 2900, ()),  # issue 18: no close without a passed 核查
            ("close", 3000, ()),
        ),
    ),
    # Accepted late, moving in time, handled late; closed (but not on time).
    Seed(
        "c2",
        D0 + 14 * H,
        "snap",
        "占道经营",
        (
            ("accept", 90, ()),
            ("dispatch", 100, ("U001",)),
            ("moving", 150, ("U001",)),
            ("arrive", 200, ("U001",)),
            ("handle", 1000, ()),
            ("check", 1900, ()),
            ("close", 2000, ()),
        ),
    ),
    # 23:55 on day 0: received on day 0, due (00:10) on day 1. Dispatching the reported
    # case accepts it; moving late; handled in time; not closed.
    Seed(
        "c3",
        D0 + 24 * H - 300,
        "hotline",
        "违章停车",
        (
            ("dispatch", 50, ("U002",)),
            ("moving", 200, ("U002",)),
            ("arrive", 400, ("U002",)),
            ("handle", 800, ()),
        ),
    ),
    # Day 1. Accepted, never dispatched: no team, move and handle missed.
    Seed("c4", D0 + DAY + 9 * H, "grid", "违章停车", (("accept", 10, ()),)),
    # Two teams sent (the specialists first); a rectification, a follow-up, closed.
    Seed(
        "c5",
        D0 + DAY + 12 * H,
        "patrol",
        "占道经营",
        (
            ("dispatch", 40, ("U003",)),
            ("dispatch", 45, ("U000",)),
            ("moving", 60, ("U003",)),
            ("arrive", 120, ("U003",)),
            ("handle", 500, ()),
            ("rectify", 600, ()),
            ("followup", 90000, ()),
            ("close", 90100, ()),
        ),
    ),
    # Day 2. Never touched: every stage missed.
    Seed("c6", D0 + 2 * DAY + 8 * H, "hotline", "违章停车"),
    # Day 12, still ahead of the hub's clock: accepted, the rest pending.
    Seed("c7", D0 + 12 * DAY + 12 * H, "snap", "占道经营", (("accept", 10, ()),)),
    # Reported 5 minutes before the period, due 10 minutes into it: due, not received.
    Seed(
        "c9",
        D0 - 300,
        "hotline",
        "占道经营",
        (
            ("dispatch", 10, ("U004",)),
            ("moving", 20, ("U004",)),
            ("arrive", 60, ("U004",)),
            ("handle", 300, ()),
            ("check", 350, ()),
            ("close", 400, ()),
        ),
    ),
    # Outside the period: before it, and on its (excluded) end.
    Seed("c8", D0 - 2 * H, "grid", "露天烧烤"),
    Seed("c10", END, "patrol", "噪声扰民"),
]


def _seed(hub: LiveHub, seeds: list[Seed] = SEEDS) -> dict[str, str]:
    ids: dict[str, str] = {}
    for seed in seeds:
        body = report(f"stats-{seed.name}", source=seed.source, category=seed.category)
        status, answer = hub.post("/api/v1/reports", body)
        assert status == 201, answer
        case_id = str(answer["id"])
        ids[seed.name] = case_id
        reported = hub.hub.state.incidents[case_id].reported_at
        for action, after, units in seed.steps:
            hub.run(
                hub.hub.apply_case_action(
                    case_id,
                    action,
                    "调度员",
                    reported + after,
                    units,
                    deadline=reported + 86400 if action == "rectify" else None,
                    result="passed" if action == "check" else "",
                )
            )
        hub.run(hub.hub.writer.submit(_move_case(case_id, seed.at - reported)))
    return ids


_TIMES = ("accept_by", "move_by", "handle_by", "accepted_at", "moving_at", "handled_at")


def _move_case(case_id: str, by: float) -> Any:
    """Every time of the case moved by ``by`` seconds (in the writer's transaction, so no
    sweep of the 1-3-15 clock reads it half-moved)."""

    def work(session: Session, _emitter: Emitter) -> None:
        row = session.get(Incident, case_id)
        assert row is not None and row.sla is not None
        row.reported_at += by
        row.sla = {k: (v + by if k in _TIMES and v is not None else v) for k, v in row.sla.items()}
        session.execute(
            update(CaseEvent).where(CaseEvent.incident_id == case_id).values(ts=CaseEvent.ts + by)
        )

    return work


@pytest.fixture
def seeded(db_url: str) -> Iterator[tuple[LiveHub, dict[str, str]]]:
    hub = LiveHub(db_url).start()
    try:
        yield hub, _seed(hub)
    finally:
        hub.stop()


def _ask(hub: LiveHub, role: str, args: dict[str, Any]) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        client = FeedClient(hub.stream_url, hub.token[role])
        task = asyncio.create_task(client.run())
        try:
            await client.wait_synced()
            return await client.request("stats.query", args)
        finally:
            await client.stop()
            await task

    return asyncio.run(run())


def _refused(hub: LiveHub, args: dict[str, Any]) -> RequestFailed:
    with pytest.raises(RequestFailed) as caught:
        _ask(hub, "wall", args)
    return caught.value


def _stored(category: str) -> str:
    """The category name the hub stores for a reported one (the catalogue's class name)."""
    found = shipped_catalogue().find(category)
    assert found is not None, category
    return found.name


# ---- the expected figures, worked out by hand from SEEDS ---------------------------------
# (received, due, closed, closed on time,
#  accept (met, missed, pending, median), move (...), handle (...))
Figures = tuple[
    int,
    int,
    int,
    int,
    tuple[int, int, int, float | None],
    tuple[int, int, int, float | None],
    tuple[int, int, int, float | None],
]

TOTAL: Figures = (7, 8, 4, 3, (5, 2, 0, 35.0), (3, 3, 1, 125.0), (3, 3, 1, 700.0))
EXPECTED: dict[str, dict[str, Figures]] = {
    "source": {
        "grid": (1, 1, 0, 0, (1, 0, 0, 10.0), (0, 1, 0, None), (0, 1, 0, None)),
        "hotline": (3, 4, 2, 2, (2, 1, 0, 40.0), (1, 2, 0, 150.0), (2, 1, 0, 700.0)),
        "patrol": (1, 1, 1, 1, (1, 0, 0, 40.0), (1, 0, 0, 60.0), (1, 0, 0, 500.0)),
        "snap": (2, 2, 1, 0, (1, 1, 0, 50.0), (1, 0, 1, 150.0), (0, 1, 1, 1000.0)),
    },
    # Keyed by the names the hub stores: the classes catalogue's (违章停车 is its alias of
    # 机动车乱停放, issue 18).
    "category": {
        _stored("占道经营"): (4, 5, 4, 3, (3, 1, 0, 35.0), (3, 0, 1, 100.0), (2, 1, 1, 600.0)),
        _stored("违章停车"): (3, 3, 0, 0, (2, 1, 0, 30.0), (0, 3, 0, 200.0), (1, 2, 0, 800.0)),
    },
    "team": {
        "": (3, 3, 0, 0, (2, 1, 0, 10.0), (0, 2, 1, None), (0, 2, 1, None)),
        "T-CD": (2, 3, 2, 2, (2, 0, 0, 40.0), (1, 1, 0, 150.0), (2, 0, 0, 700.0)),
        "T-SJ": (2, 2, 2, 1, (1, 1, 0, 65.0), (2, 0, 0, 105.0), (1, 1, 0, 750.0)),
    },
    "stage": {
        "accepted": (2, 2, 0, 0, (2, 0, 0, 10.0), (0, 1, 1, None), (0, 1, 1, None)),
        "closed": (3, 4, 4, 3, (2, 1, 0, 40.0), (3, 0, 0, 100.0), (2, 1, 0, 600.0)),
        "handled": (1, 1, 0, 0, (1, 0, 0, 50.0), (0, 1, 0, 200.0), (1, 0, 0, 800.0)),
        "reported": (1, 1, 0, 0, (0, 1, 0, None), (0, 1, 0, None), (0, 1, 0, None)),
    },
}
_NONE: Figures = (0, 0, 0, 0, (0, 0, 0, None), (0, 0, 0, None), (0, 0, 0, None))
_BY_DAY: dict[int, Figures] = {
    0: (3, 3, 3, 2, (2, 1, 0, 50.0), (2, 1, 0, 150.0), (2, 1, 0, 800.0)),
    1: (2, 3, 1, 1, (2, 0, 0, 25.0), (1, 1, 0, 60.0), (1, 1, 0, 500.0)),
    2: (1, 1, 0, 0, (0, 1, 0, None), (0, 1, 0, None), (0, 1, 0, None)),
    12: (1, 1, 0, 0, (1, 0, 0, 10.0), (0, 0, 1, None), (0, 0, 1, None)),
}


def _day_name(n: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(D0 + LOCAL + n * DAY))


EXPECTED["day"] = {_day_name(n): _BY_DAY.get(n, _NONE) for n in range(14)}


def _figures(row: StatsRow) -> Figures:
    stages = [(s.met, s.missed, s.pending, s.median_s) for s in row.stages]
    return (row.received, row.due, row.closed, row.closed_on_time, *stages)  # type: ignore[return-value]


def _check_formulas(row: StatsRow) -> None:
    """结案率 = 结案 / 应结案, 按期结案率 = 按期结案 / 应结案, rate = met / (met + missed)."""
    if row.due:
        assert row.closure_rate == pytest.approx(row.closed / row.due)
        assert row.on_time_rate == pytest.approx(row.closed_on_time / row.due)
    else:
        assert row.closure_rate is None and row.on_time_rate is None
    assert [s.stage for s in row.stages] == ["accept", "move", "handle"]
    for s in row.stages:
        decided = s.met + s.missed
        assert s.rate == (pytest.approx(s.met / decided) if decided else None)


def _approx(figures: Figures) -> Any:
    *counts, a, m, h = figures
    return (*counts, *(pytest.approx(s, abs=1e-6) for s in (a, m, h)))


@pytest.mark.parametrize("group", ["source", "category", "team", "stage", "day"])
def test_every_figure_of_every_group_matches_the_hand_count(
    seeded: tuple[LiveHub, dict[str, str]], group: str
) -> None:
    hub, _ids = seeded
    result = _ask(hub, "wall", {"start": START, "end": END, "group": group})
    answer = msgspec.convert(result, StatsAnswer)
    assert (answer.start, answer.end, answer.group) == (START, END, group)
    assert answer.as_of == pytest.approx(time.time(), abs=60)
    # One row per group value, in key order (days in date order, every day present).
    assert [r.key for r in answer.rows] == sorted(EXPECTED[group])
    for row in answer.rows:
        assert _figures(row) == _approx(EXPECTED[group][row.key]), row.key
        _check_formulas(row)
    assert answer.total.key == ""
    assert _figures(answer.total) == _approx(TOTAL)
    assert answer.total.closure_rate == 0.5 and answer.total.on_time_rate == 3 / 8
    assert answer.total.stages[0].rate == 5 / 7 and answer.total.stages[1].rate == 0.5
    _check_formulas(answer.total)
    # The formulas ride along for a wall to show.
    assert answer.formulas == StatsFormulas()
    assert "结案 / 应结案" in answer.formulas.closure_rate
    assert "按期结案 / 应结案" in answer.formulas.on_time_rate


def test_the_sql_judges_each_stage_as_the_1_3_15_rule_does(
    seeded: tuple[LiveHub, dict[str, str]],
) -> None:
    # An independent count: the stored marks of the received cases through
    # backend_client.sla (the one rule) at the answer's clock.
    hub, _ids = seeded
    answer = msgspec.convert(
        _ask(hub, "wall", {"start": START, "end": END, "group": "source"}), StatsAnswer
    )
    with Session(hub.hub.engine) as session:
        rows = session.execute(
            select(Incident.sla).where(Incident.reported_at >= START, Incident.reported_at < END)
        ).all()
    counts = {stage: dict.fromkeys(StageState, 0) for stage in ("accept", "move", "handle")}
    for (sla,) in rows:
        for standing in stage_standings(msgspec.convert(sla, SlaMarks), answer.as_of):
            counts[str(standing.stage)][standing.state] += 1
    assert [(s.met, s.missed, s.pending) for s in answer.total.stages] == [
        (c[StageState.MET], c[StageState.MISSED], c[StageState.PENDING]) for c in counts.values()
    ]


def test_an_empty_period_has_no_figures_and_no_rates(
    seeded: tuple[LiveHub, dict[str, str]],
) -> None:
    hub, _ids = seeded
    before = {"start": D0 - 30 * DAY, "end": D0 - 20 * DAY}
    answer = msgspec.convert(_ask(hub, "wall", {**before, "group": "source"}), StatsAnswer)
    assert answer.rows == []
    assert _figures(answer.total) == _NONE
    assert answer.total.closure_rate is None and answer.total.on_time_rate is None
    assert all(s.rate is None for s in answer.total.stages)
    by_day = msgspec.convert(_ask(hub, "wall", {**before, "group": "day"}), StatsAnswer)
    # A trend has no holes: ten days, ten rows of zeros.
    assert len(by_day.rows) == 10 and all(_figures(r) == _NONE for r in by_day.rows)


def test_bad_arguments_are_refused_naming_the_field(db_url: str) -> None:
    hub = LiveHub(db_url).start()
    try:
        period = {"start": START, "end": END}
        cases: list[tuple[dict[str, Any], str]] = [
            ({**period, "group": "township"}, "group"),
            ({**period, "group": 3}, "group"),
            ({"end": END, "group": "day"}, "start"),
            ({"start": START, "end": START + 400 * DAY + 1, "group": "day"}, "end"),
            ({"start": START, "end": START, "group": "day"}, "end"),
            ({"start": -5.0, "end": END, "group": "day"}, "start"),
        ]
        for args, field in cases:
            failure = _refused(hub, args)
            assert (failure.code, failure.field) == ("invalid", field), args
        # 400 days exactly is allowed.
        longest = _ask(hub, "wall", {"start": START, "end": START + 400 * DAY, "group": "day"})
        assert len(longest["rows"]) == 400
    finally:
        hub.stop()


def test_the_wall_may_ask_through_the_typed_api_and_a_source_may_not(db_url: str) -> None:
    hub = LiveHub(db_url).start()
    try:

        async def as_wall() -> StatsAnswer:
            client = FeedClient(hub.stream_url, hub.token["wall"])
            task = asyncio.create_task(client.run())
            try:
                await client.wait_synced()
                reply = await HubApi.over(client.request).stats_query(START, END, "team")
                return reply.answer
            finally:
                await client.stop()
                await task

        answer = asyncio.run(as_wall())
        assert isinstance(answer, StatsAnswer) and answer.rows == []

        # A source cannot open the stream at all; the op table refuses it too.
        router = RequestRouter(hub.hub)
        request = Request(id=7, op="stats.query", args={"start": START, "end": END, "group": "day"})
        frame = decode_server(hub.run(router.handle(Principal("网格平台", "source"), request)))
        assert isinstance(frame, Error) and frame.code == "forbidden"
    finally:
        hub.stop()


# ---- 大类 -> 小类 -----------------------------------------------------------------------

#: Cases of other 大类 than the seeds' (both 街面秩序), on days of the period: 油烟扰民 and
#: 露天烧烤 are 市容环境, 违规广告 宣传广告.
MORE_SEEDS = [
    Seed(
        "g1",
        D0 + 3 * DAY + 9 * H,
        "hotline",
        "油烟扰民",
        (
            ("accept", 20, ()),
            ("dispatch", 30, ("U000",)),
            ("moving", 70, ("U000",)),
            ("arrive", 300, ("U000",)),
            ("handle", 700, ()),
            ("check", 800, ()),
            ("close", 900, ()),
        ),
    ),
    Seed("g2", D0 + 3 * DAY + 15 * H, "snap", "露天烧烤", (("accept", 45, ()),)),
    Seed(
        "g3",
        D0 + 5 * DAY + 11 * H,
        "grid",
        "违规广告",
        (
            ("accept", 80, ()),
            ("dispatch", 90, ("U001",)),
            ("moving", 300, ("U001",)),
            ("arrive", 500, ("U001",)),
            ("handle", 850, ()),
        ),
    ),
    Seed("g4", D0 + 12 * DAY + 8 * H, "patrol", "油烟扰民"),
]


def _counted(cases: list[tuple[str, float, str, dict[str, Any] | None]], as_of: float) -> Any:
    """The figures of ``cases`` (category, reported at, status, JSON marks) by the docs'
    definitions, through backend_client.sla and statistics.median, no SQL: received,
    due, closed, closed on time, then (met, missed, pending, median) per stage."""
    received = [c for c in cases if START <= c[1] < END]
    due = [c for c in cases if c[3] is not None and START <= c[3]["handle_by"] < END]
    closed = [c for c in due if c[2] == "closed"]
    on_time = [
        c
        for c in closed
        if c[3] is not None
        and c[3].get("handled_at") is not None
        and c[3]["handled_at"] <= c[3]["handle_by"]
        and "handle" not in c[3].get("missed", [])
    ]
    stages = []
    for n, done_at in enumerate(("accepted_at", "moving_at", "handled_at")):
        states = [
            stage_standings(msgspec.convert(c[3], SlaMarks), as_of)[n].state
            for c in received
            if c[3] is not None
        ]
        seconds = [
            c[3][done_at] - c[1]
            for c in received
            if c[3] is not None and c[3].get(done_at) is not None
        ]
        stages.append(
            (
                states.count(StageState.MET),
                states.count(StageState.MISSED),
                states.count(StageState.PENDING),
                statistics.median(seconds) if seconds else None,
            )
        )
    return (len(received), len(due), len(closed), len(on_time), *stages)


def test_class_groups_hold_their_classes_and_match_an_independent_count(db_url: str) -> None:
    hub = LiveHub(db_url).start()
    try:
        _seed(hub)
        _seed(hub, MORE_SEEDS)
        answer = msgspec.convert(
            _ask(hub, "wall", {"start": START, "end": END, "group": "class_group"}), StatsAnswer
        )
        catalogue = shipped_catalogue()
        with Session(hub.hub.engine) as session:
            stored = [
                (c, at, st, sla)
                for c, at, st, sla in session.execute(
                    select(Incident.category, Incident.reported_at, Incident.status, Incident.sla)
                )
            ]

        def group_of(category: str) -> str:
            found = catalogue.find(category)
            assert found is not None, category  # every stored name resolves
            return found.group.code

        # The cases the period counts: reported in it or due in it.
        stored = [
            c
            for c in stored
            if START <= c[1] < END or (c[3] is not None and START <= c[3]["handle_by"] < END)
        ]
        assert sorted({group_of(c[0]) for c in stored}) == ["06", "07", "09"]
        # One row per 大类, by code, named; the period's total is every case's.
        assert [(r.key, r.name) for r in answer.rows] == [
            ("06", "市容环境"),
            ("07", "宣传广告"),
            ("09", "街面秩序"),
        ]
        assert _figures(answer.total) == _approx(_counted(stored, answer.as_of))
        for row in answer.rows:
            mine = [c for c in stored if group_of(c[0]) == row.key]
            assert _figures(row) == _approx(_counted(mine, answer.as_of)), row.key
            _check_formulas(row)
            # Its 小类 below it, each counted on its own, and nothing else.
            assert [child.key for child in row.children] == sorted({c[0] for c in mine})
            for child in row.children:
                theirs = [c for c in mine if c[0] == child.key]
                assert _figures(child) == _approx(_counted(theirs, answer.as_of)), child.key
                assert child.children == [] and child.name == ""
            assert row.received == sum(child.received for child in row.children)
        market = next(r for r in answer.rows if r.key == "06")
        assert [c.key for c in market.children] == sorted(
            [_stored("油烟扰民"), _stored("露天烧烤")]
        )
        # The 小类 rows are the category grouping's rows.
        by_category = msgspec.convert(
            _ask(hub, "wall", {"start": START, "end": END, "group": "category"}), StatsAnswer
        )
        assert (
            sorted((c for r in answer.rows for c in r.children), key=lambda c: c.key)
            == by_category.rows
        )
    finally:
        hub.stop()
