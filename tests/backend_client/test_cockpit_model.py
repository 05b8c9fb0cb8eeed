"""The cockpit model over a real hub on loopback (SQLite): cases made through the hub, the
answers of ``stats.query`` turned into what each panel draws, against counts made in the
test from the cases themselves; new cases coalesced into one query; a dead hub keeps the
last figures and says they are stale."""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from backend_client.stories.base import ANSWER, FAILED
from backend_client.stories.cockpit import (
    OTHERS,
    CockpitStats,
    period,
    ranking,
    rates,
    shares,
    trend,
)
from backend_client.transport import FeedClient
from hub.domain.classes import shipped_catalogue
from tests.support.cockpit_cases import clear_of_midnight, count, local_period, seed_cases
from tests.support.hubs import LiveHub

T = TypeVar("T")


def with_client(hub: LiveHub, body: Callable[[FeedClient], Awaitable[T]]) -> T:
    async def run() -> T:
        client = FeedClient(hub.stream_url, hub.token["wall"])
        task = asyncio.create_task(client.run())
        try:
            await client.wait_synced()
            return await body(client)
        finally:
            await client.stop()
            await task

    return asyncio.run(run())


def test_period_is_whole_local_days_with_today_last() -> None:
    now = time.time()
    start, end = period(now, 31)
    assert end - start == 31 * 86400
    # Local midnights in Asia/Shanghai (UTC+8), and now inside the last day.
    assert (start + 8 * 3600) % 86400 == 0 and end - 86400 <= now < end


def test_every_panel_figure_matches_the_cases_made_through_the_hub(hub: LiveHub) -> None:
    ids = seed_cases(hub)
    clock = clear_of_midnight()

    async def ask(client: FeedClient) -> dict[str, CockpitStats]:
        models = {
            group: CockpitStats(client.request, group, 31, clock=clock)  # type: ignore[arg-type]
            for group in ("day", "source", "category", "team")
        }
        for model in models.values():
            await model.refresh()
        return models

    models = with_client(hub, ask)
    start, end = local_period(clock(), 31)
    counted = count(hub, ids, start, end)
    assert sum(counted.received.values()) == 5  # the seeds are all in the period

    # trend: 31 local days, today last, every seeded case on today's bar.
    day = models["day"].answer
    assert day is not None
    series = trend(day)
    today = dt.date.fromisoformat(time.strftime("%Y-%m-%d", time.gmtime(clock() + 8 * 3600)))
    assert len(series.days) == 31 and series.days[-1] == today
    assert series.days[0] == today - dt.timedelta(days=30)
    assert series.total_received == 5
    # The seeds' day (today, or yesterday when the clock is past midnight already).
    reported = min(hub.hub.state.incidents[case].reported_at for case in ids.values())
    day_of = dt.date.fromisoformat(time.strftime("%Y-%m-%d", time.gmtime(reported + 8 * 3600)))
    assert series.received[series.days.index(day_of)] == sum(counted.received.values())
    assert sum(series.closed) == counted.closed == 3

    # sources: most first, shares of the period's total.
    source = models["source"].answer
    assert source is not None
    assert [(s.key, s.count) for s in shares(source)] == [("hotline", 3), ("grid", 1), ("snap", 1)]
    assert dict(counted.received) == {"hotline": 3, "grid": 1, "snap": 1}
    assert shares(source)[0].share == pytest.approx(3 / 5)

    # categories, top 2: the rest summed into one bar, so the bars still add up.
    category = models["category"].answer
    assert category is not None
    top2 = shares(category, top=2)
    # The hub stores a report's class by its catalogue name (issue 18): 违章停车 is an
    # alias of 机动车乱停放.
    parked = shipped_catalogue().resolve("违章停车", "category").name
    assert [(s.key, s.count) for s in top2] == [("占道经营", 2), (parked, 2), (OTHERS, 1)]
    assert sum(s.count for s in top2) == sum(counted.by_category.values())

    # ranking: 结案率 ties at 100 % go to the team with more due; 按期结案率 splits them.
    team = models["team"].answer
    assert team is not None
    names = {"T-CD": "城东中队", "T-SJ": "市场监管"}
    by_closure = ranking(team, "closure_rate", names)
    assert [(r.name, r.rate, r.due) for r in by_closure] == [
        ("城东中队", counted.team_closed["T-CD"] / counted.team_due["T-CD"], 2),
        ("市场监管", 1.0, 1),
    ]
    by_on_time = ranking(team, "on_time_rate", names)
    assert [(r.key, r.rate) for r in by_on_time] == [("T-CD", 1.0), ("T-SJ", 0.0)]
    assert counted.team_on_time["T-SJ"] == 0
    # The cases nobody was sent to are not a team.
    assert all(r.key for r in by_closure)

    # rates: the period's totals and the formulas to show beside them.
    figures = rates(source)
    assert (figures.due, figures.closed, figures.closed_on_time) == (
        counted.due,
        counted.closed,
        counted.on_time,
    )
    assert figures.closure_rate == pytest.approx(counted.closed / counted.due)
    assert figures.on_time_rate == pytest.approx(counted.on_time / counted.due)
    assert figures.formulas["closure_rate"] == "结案率 = 结案 / 应结案"
    # a, b, c moved out 60 s after their report: the median of the move stage.
    assert figures.medians["move"] == pytest.approx(60.0)
    assert figures.compliance["move"] is not None and math.isfinite(figures.compliance["move"])


def test_new_cases_in_a_burst_are_one_query(hub: LiveHub) -> None:
    async def body(client: FeedClient) -> tuple[int, int, list[str]]:
        model = CockpitStats(
            client.request, "source", 7, clock=client.hub_now, interval_s=3600, settle_s=0.3
        )
        topics: list[str] = []
        model.changed.connect(topics.append)
        model.start()
        while model.queries < 1 or model.answer is None:
            await asyncio.sleep(0.02)
        first = model.queries
        for _ in range(10):
            model.poke()
            await asyncio.sleep(0.01)
        await asyncio.sleep(1.0)
        model.stop()
        return first, model.queries, topics

    first, after, topics = with_client(hub, body)
    assert first == 1
    assert after == 2  # ten pokes within the settle time: one more query, not ten
    assert topics == [ANSWER, ANSWER]


def test_a_dead_hub_keeps_the_last_figures_and_says_they_are_stale(hub: LiveHub) -> None:
    seed_cases(hub, "dead")

    async def body(client: FeedClient) -> tuple[CockpitStats, list[str]]:
        model = CockpitStats(client.request, "source", 30, clock=client.hub_now)
        topics: list[str] = []
        model.changed.connect(topics.append)
        await model.refresh()
        assert not model.stale and model.answer is not None
        await asyncio.to_thread(hub.stop)
        await model.refresh()
        return model, topics

    model, topics = with_client(hub, body)
    assert topics == [ANSWER, FAILED]
    assert model.stale and model.error
    # What was shown stays, for the panel to draw under its stale notice.
    assert model.answer is not None and model.answer.total.received == 5
