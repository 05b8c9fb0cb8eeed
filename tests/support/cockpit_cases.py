"""Cases for the cockpit's tests, made through a real hub: reported over HTTP, then taken
through the lifecycle with ``apply_case_action`` (stamped seconds after each report, as
an officer's terminal would), and the figures the cockpit must show, counted here from
the cases the hub holds, without SQL (the definitions of ``stats.query``'s docs)."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from tests.support.hubs import LiveHub, report

DAY = 86400.0
LOCAL = 8 * 3600.0


@dataclass(frozen=True)
class CaseSeed:
    name: str
    source: str
    category: str
    steps: tuple[tuple[str, float, tuple[str, ...]], ...] = ()


def _done(officer: str, handle_after: float) -> tuple[tuple[str, float, tuple[str, ...]], ...]:
    return (
        ("dispatch", 30, (officer,)),
        ("moving", 60, (officer,)),
        ("arrive", 200, (officer,)),
        ("handle", handle_after, ()),
        ("check", handle_after + 30, ()),  # issue 18: no close without a passed 核查
        ("close", handle_after + 60, ()),
    )


#: U000/U002 are 城东中队 (T-CD), U001 市场监管 (T-SJ) in tests.support.hubs.
SEEDS = (
    CaseSeed("a", "hotline", "占道经营", _done("U000", 600)),  # closed on time
    CaseSeed("b", "snap", "占道经营", _done("U001", 1000)),  # closed, handled late
    CaseSeed("c", "hotline", "违章停车", _done("U002", 500)),  # closed on time
    CaseSeed("d", "grid", "露天烧烤", (("accept", 20, ()),)),  # open, nobody sent
    CaseSeed("e", "hotline", "违章停车"),  # untouched
)


def seed_cases(hub: LiveHub, tag: str = "cockpit") -> dict[str, str]:
    ids: dict[str, str] = {}
    for seed in SEEDS:
        body = report(f"{tag}-{seed.name}", source=seed.source, category=seed.category)
        status, answer = hub.post("/api/v1/reports", body)
        assert status == 201, answer
        case_id = str(answer["id"])
        ids[seed.name] = case_id
        reported = hub.hub.state.incidents[case_id].reported_at
        for action, after, units in seed.steps:
            result = "passed" if action == "check" else ""
            hub.run(
                hub.hub.apply_case_action(
                    case_id, action, "调度员", reported + after, units, result=result
                )
            )
    return ids


def clear_of_midnight() -> Callable[[], float]:
    """A clock for the panels under test: the real one, or an hour ahead when fewer than
    20 minutes of the local day are left. A case reported then is due (15 minutes later)
    tomorrow, outside a period that ends tonight, and the figures the tests expect of the
    seeds would read as nothing due; an hour ahead, the period ends tomorrow night."""
    left = DAY - (time.time() + LOCAL) % DAY
    shift = 3600.0 if left < 20 * 60 else 0.0
    return lambda: time.time() + shift


def local_period(now: float, days: int) -> tuple[float, float]:
    today = math.floor((now + LOCAL) / DAY)
    return (today - days + 1) * DAY - LOCAL, (today + 1) * DAY - LOCAL


@dataclass(frozen=True)
class Counted:
    received: Counter[str]
    by_category: Counter[str]
    due: int
    closed: int
    on_time: int
    team_due: Counter[str]
    team_closed: Counter[str]
    team_on_time: Counter[str]


def count(hub: LiveHub, ids: dict[str, str], start: float, end: float) -> Counted:
    """The figures of the seeded cases, from the hub's state, one case at a time."""
    team_of = {"U000": "T-CD", "U002": "T-CD", "U001": "T-SJ"}
    received: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    due = closed = on_time = 0
    team_due: Counter[str] = Counter()
    team_closed: Counter[str] = Counter()
    team_on_time: Counter[str] = Counter()
    for case_id in ids.values():
        case = hub.hub.state.incidents[case_id]
        sla = case.sla
        assert sla is not None
        if start <= case.reported_at < end:
            received[case.source] += 1
            by_category[case.category] += 1
        if start <= sla.handle_by < end:
            due += 1
            team = team_of.get(case.units[0], "") if case.units else ""
            team_due[team] += 1
            if case.status == "closed":
                closed += 1
                team_closed[team] += 1
                in_time = sla.handled_at is not None and sla.handled_at <= sla.handle_by
                if in_time and "handle" not in sla.missed:
                    on_time += 1
                    team_on_time[team] += 1
    return Counted(received, by_category, due, closed, on_time, team_due, team_closed, team_on_time)
