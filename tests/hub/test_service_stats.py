"""stats.service on a real hub over loopback, SQLite and PostgreSQL: 受理, 并案件 and
重复派单率 over the cases reported in ``[start, end)``, the 回访 of the period by result and
满意率 = satisfied / rated (unreached is no rating), equal to the counts the test makes
itself from what it stored; a wall may read them; a bad period names its field."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy.orm import Session

from backend_client.api import HubApi
from backend_client.protocol.ops import ServiceStatsAnswer
from backend_client.transport import FeedClient, RequestFailed
from hub.store.models import CaseVisitRow
from hub.store.models import Incident as IncidentRow
from tests.support.hubs import LiveHub, as_role, report

DAY = 86400.0
RESULTS = ("satisfied", "basic", "dissatisfied", "unreached")


def _service(hub: LiveHub, start: float, end: float, role: str = "wall") -> ServiceStatsAnswer:
    found: list[ServiceStatsAnswer] = []

    async def ask(client: FeedClient) -> None:
        found.append((await HubApi.over(client.request).stats_service(start, end)).answer)

    as_role(hub, role, ask)
    return found[0]


def test_service_figures_equal_the_counts_made_from_what_was_stored(hub: LiveHub) -> None:
    rng = random.Random(18)
    ids = []
    for n in range(24):
        status, body = hub.post("/api/v1/reports", report(f"svc-{n}", lat=29.08 + n * 0.001))
        assert status == 201, body
        ids.append(str(body["id"]))
    start = 1_780_000_000.0
    end = start + 7 * DAY
    # Report times spread over the period and around it, the edges included: start is
    # in, end is out.
    times = [start, end, start - 1, end - 1] + [
        start + rng.uniform(-2 * DAY, 9 * DAY) for _ in ids[4:]
    ]
    reported = dict(zip(ids, times, strict=True))
    # Every third case merged into the first (a merge is as the store is now).
    merged = {case_id for n, case_id in enumerate(ids) if n % 3 == 1}
    visits: list[tuple[str, float, str]] = []
    for n, case_id in enumerate(ids):
        for k in range(n % 3):
            ts = start + rng.uniform(-DAY, 8 * DAY) if k else [start, end][n % 2]
            visits.append((case_id, ts, rng.choice(RESULTS)))
    with Session(hub.hub.engine) as session:
        for case_id in ids:
            row = session.get(IncidentRow, case_id)
            assert row is not None
            row.reported_at = reported[case_id]
            if case_id in merged:
                row.parent_id = ids[0]
        session.get(IncidentRow, ids[0]).merged = len(merged)  # type: ignore[union-attr]
        for case_id, ts, result in visits:
            session.add(
                CaseVisitRow(
                    incident_id=case_id, ts=ts, channel="phone", result=result, note="", actor="t"
                )
            )
        session.commit()

    answer = _service(hub, start, end)

    # The same figures, counted here from what was stored.
    received = [c for c in ids if start <= reported[c] < end]
    merged_in = [c for c in received if c in merged]
    in_period = [r for _c, ts, r in visits if start <= ts < end]
    counts = {r: in_period.count(r) for r in RESULTS}
    rated = counts["satisfied"] + counts["basic"] + counts["dissatisfied"]
    assert answer.received == len(received) and 0 < len(received) < len(ids)
    assert answer.merged == len(merged_in) > 0
    assert answer.duplicate_rate == pytest.approx(len(merged_in) / len(received))
    assert answer.visits == len(in_period) and len(in_period) < len(visits)
    assert (answer.satisfied, answer.basic, answer.dissatisfied, answer.unreached) == (
        counts["satisfied"],
        counts["basic"],
        counts["dissatisfied"],
        counts["unreached"],
    )
    assert answer.rated == rated > 0
    assert answer.satisfaction_rate == pytest.approx(counts["satisfied"] / rated)
    assert answer.formulas.satisfaction_rate.startswith("满意率 = 满意 / 已评价回访")
    assert answer.formulas.duplicate_rate == "重复派单率 = 并案件 / 受理"

    # A period with nothing in it: counts zero, no rate (not 0 %, not 100 %).
    empty = _service(hub, end + 30 * DAY, end + 31 * DAY)
    assert (empty.received, empty.visits, empty.duplicate_rate, empty.satisfaction_rate) == (
        0,
        0,
        None,
        None,
    )


def test_a_bad_period_is_invalid_naming_the_field(hub: LiveHub) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"start": 100.0, "end": 100.0}, "end"),
        ({"start": -5.0, "end": 100.0}, "start"),
        ({"start": 0.0, "end": 500 * DAY}, "end"),
        ({"start": "today", "end": 100.0}, "start"),
    ]
    caught: list[RequestFailed] = []

    async def ask(client: FeedClient) -> None:
        for args, _field in cases:
            with pytest.raises(RequestFailed) as refused:
                await client.request("stats.service", args)
            caught.append(refused.value)

    as_role(hub, "wall", ask)
    assert [(c.code, c.field) for c in caught] == [("invalid", f) for _a, f in cases]
