"""``units.at {ts}``: who was where at a past moment, on a real hub over loopback, on
SQLite and PostgreSQL: the last fix at or before the moment, nothing older than 10
minutes, not-a-fix reports left out, equal to a plain query over the fixes whichever of
the handler's two steps finds a unit, the status then, roles and the audit row; and the
status rule (:func:`hub.requests.units_at.statuses_at`) on its own."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from backend_client.api import HubApi
from backend_client.protocol.ops import UnitsAtAnswer
from backend_client.transport import FeedClient, RequestFailed
from hub.requests.units_at import (
    FIXES_POSTGRESQL,
    FIXES_SQLITE,
    STATUS_LOOKBACK_S,
    STOP_POSTGRESQL,
    STOP_SQLITE,
    read_fixes,
    statuses_at,
)
from hub.store.models import Position
from tests.support.hubs import OFFICERS, LiveHub


@asynccontextmanager
async def _client(hub: LiveHub, role: str) -> AsyncIterator[FeedClient]:
    client = FeedClient(hub.stream_url, hub.token[role])
    task = asyncio.create_task(client.run())
    try:
        await client.wait_synced()
        yield client
    finally:
        await client.stop()
        await task


def _scenario(
    hub: LiveHub, role: str, body: Callable[[FeedClient], Coroutine[Any, Any, None]]
) -> None:
    async def run() -> None:
        async with _client(hub, role) as client:
            await body(client)

    asyncio.run(run())


def _fix(officer: str, ts: float, lat: float, *, fixed: bool = True) -> dict[str, Any]:
    return {
        "officer_id": officer,
        "ts": ts,
        "lat": lat,
        "lon": 119.65,
        "speed": 3.5,
        "heading": 90.0,
        "accuracy": 5.0,
        "fixed": fixed,
    }


def _store_fixes(hub: LiveHub, rows: list[dict[str, Any]]) -> None:
    with Session(hub.hub.engine) as session, session.begin():
        session.execute(insert(Position), rows)


def _ask(hub: LiveHub, role: str, ts: float) -> UnitsAtAnswer:
    answers: list[UnitsAtAnswer] = []

    async def body(client: FeedClient) -> None:
        answers.append((await HubApi.over(client.request).units_at(ts)).answer)

    _scenario(hub, role, body)
    return answers[0]


def test_each_unit_is_at_its_last_fix_at_or_before_the_moment_within_ten_minutes(
    hub: LiveHub,
) -> None:
    t = time.time() - 3600.0
    _store_fixes(
        hub,
        [
            # U000: fixes before, just before and after the moment: the one just before.
            _fix("U000", t - 900, 29.01),
            _fix("U000", t - 300, 29.02),
            _fix("U000", t - 10, 29.03),
            _fix("U000", t + 5, 29.04),
            # U001: a fix at the very moment counts.
            _fix("U001", t, 29.11),
            _fix("U001", t + 1, 29.12),
            # U002: the last fix before is 601 s old: no fix (the next one is after T).
            _fix("U002", t - 601, 29.21),
            _fix("U002", t + 30, 29.22),
            # U003: exactly 600 s old counts; a newer report that was no fix is left out.
            _fix("U003", t - 600, 29.31),
            _fix("U003", t - 5, 0.0, fixed=False),
        ],
    )
    answer = _ask(hub, "supervisor", t)
    assert answer.ts == t and answer.window == 600.0
    assert [u.id for u in answer.units] == sorted(o.id for o in OFFICERS)
    fixes = {u.id: u.fix for u in answer.units}
    assert fixes["U000"] == (t - 10, 29.03, 119.65, 3.5, 90.0)
    assert fixes["U001"] is not None and fixes["U001"][:2] == (t, 29.11)
    assert fixes["U002"] is None
    assert fixes["U003"] is not None and fixes["U003"][:2] == (t - 600, 29.31)
    # Officers with no fix at all are listed, with no fix.
    assert all(fixes[o.id] is None for o in OFFICERS[4:])
    assert {u.kind for u in answer.units} == {"officer"}


def test_the_status_at_the_moment_is_the_last_change_before_it(hub: LiveHub) -> None:
    # The hub announced every unit (a status change) when it was seeded, just now; the
    # moment asked is after that, and the changes are stored with their own times.
    t = time.time() + 20.0
    hub.run(hub.hub.set_unit_status("U004", "busy", ts=t - 10))
    hub.run(hub.hub.set_unit_status("U004", "en_route", ts=t + 5))  # after the moment
    hub.run(hub.hub.set_unit_status("U005", "off_duty", ts=t))  # at the moment counts
    status = {u.id: u.status for u in _ask(hub, "supervisor", t).units}
    assert status["U004"] == "busy"
    assert status["U005"] == "off_duty"
    assert status["U006"] == "available"  # as seeded, unchanged since


def test_before_the_units_were_announced_their_status_is_unknown(hub: LiveHub) -> None:
    # Only the seeding's announcements (after the moment) are stored: the log does not say
    # what the status was before them, and the answer does not guess.
    answer = _ask(hub, "supervisor", time.time() - 120.0)
    assert {u.status for u in answer.units} == {None}


def test_operators_and_walls_may_not_ask_and_a_future_moment_is_invalid(hub: LiveHub) -> None:
    async def refused(client: FeedClient) -> None:
        with pytest.raises(RequestFailed) as caught:
            await client.request("units.at", {"ts": time.time()})
        assert caught.value.code == "forbidden"

    _scenario(hub, "operator", refused)
    _scenario(hub, "wall", refused)

    async def future(client: FeedClient) -> None:
        with pytest.raises(RequestFailed) as caught:
            await client.request("units.at", {"ts": time.time() + 3600})
        assert (caught.value.code, caught.value.field) == ("invalid", "ts")
        with pytest.raises(RequestFailed) as caught:
            await client.request("units.at", {"ts": "noon"})
        assert (caught.value.code, caught.value.field) == ("invalid", "ts")

    _scenario(hub, "supervisor", future)
    assert _ask(hub, "admin", time.time()).units


def test_every_answer_is_audited_with_the_moment_asked(hub: LiveHub) -> None:
    t = time.time() - 600.0
    _ask(hub, "supervisor", t)
    entries: list[dict[str, Any]] = []

    async def query(client: FeedClient) -> None:
        entries.extend((await client.request("audit.query", {"limit": 100}))["entries"])

    _scenario(hub, "supervisor", query)
    rows = [e for e in entries if e["action"] == "view.units_at"]
    assert len(rows) == 1
    assert rows[0]["actor"] == "demo-supervisor" and rows[0]["role"] == "supervisor"
    assert rows[0]["detail"] == {"ts": t}


def _independent_last_fixes(hub: LiveHub, ts: float) -> dict[str, tuple[float, ...] | None]:
    """Each roster unit's last fix at or before ``ts`` and at most 600 s old, by a plain
    query over every fix (no index or step of the handler's), picked in Python."""
    with hub.hub.engine.connect() as connection:
        roster = [row[0] for row in connection.execute(text("SELECT id FROM officers"))]
        fixes = connection.execute(
            text(
                "SELECT officer_id, ts, lat, lon, speed, heading, fixed FROM positions "
                "WHERE ts <= :t AND ts >= :since"
            ),
            {"t": ts, "since": ts - 600.0},
        ).all()
    last: dict[str, tuple[float, ...] | None] = dict.fromkeys(roster)
    for officer, when, lat, lon, speed, heading, fixed in fixes:
        best = last.get(officer)
        if officer in last and fixed and (best is None or when > best[0]):
            last[officer] = (when, lat, lon, speed, heading)
    return last


def test_the_answer_equals_a_plain_query_over_the_fixes_whichever_step_finds_a_unit(
    hub: LiveHub,
) -> None:
    """Units reporting every 5 to 60 s, some silent for minutes, some not-a-fix reports: the
    scan back from T finds the frequent ones, the per-unit seek the rest. Scanning a
    tenth of a fix per unit back, the seeks carry most units; 1.2 (the handler's), some;
    a thousand, the scan reads the whole window. The same answer every way, equal to the
    plain query's."""
    rng = random.Random(18)
    t0 = time.time() - 7200.0
    rows: list[dict[str, Any]] = []
    for k, officer in enumerate(o.id for o in OFFICERS):
        every = [5.0, 10.0, 30.0, 60.0][k % 4]
        silent = (t0 + 1800.0 + 300.0 * k, t0 + 2700.0 + 300.0 * k) if k % 3 == 0 else None
        when = t0 + rng.uniform(0.0, every)
        while when < t0 + 5400.0:
            if silent is None or not silent[0] <= when <= silent[1]:
                fixed = rng.random() > 0.1
                rows.append(_fix(officer, round(when, 3), 29.0 + rng.random() / 10, fixed=fixed))
            when += every + rng.uniform(-1.0, 1.0)
    _store_fixes(hub, rows)
    moments = [t0 + 600.0 + rng.uniform(0.0, 4800.0) for _ in range(12)]
    moments.append(t0 + 5400.0 + 700.0)  # after the last fix of all: nobody
    with hub.hub.engine.connect() as connection:
        for ts in moments:
            expected = _independent_last_fixes(hub, ts)
            for per_unit in (0.1, 1.2, 1000.0):
                got = {
                    row[0]: None if row[3] is None else row[3:]
                    for row in read_fixes(connection, ts, per_unit)
                }
                assert got == expected, (ts, per_unit)
    # And over the socket: the op's answer is the same.
    ts = moments[0]
    answer = _ask(hub, "supervisor", ts)
    assert {u.id: u.fix for u in answer.units} == _independent_last_fixes(hub, ts)


def test_the_scan_back_from_the_moment_and_the_seeks_use_their_indexes(hub: LiveHub) -> None:
    """Where the scan stops and the scan itself read ``ix_positions_fix_time`` (the fixes
    of a moment side by side, every column they need in the index); a unit still missing
    is one descent of (officer, ts). Nothing scans the positions table."""
    engine = hub.hub.engine
    window = {"t": 1.0, "since": 0.0, "stop": 0.5, "per_unit": 1.2}
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            plans = [
                " | ".join(
                    str(row[-1])
                    for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql.text}"), window)
                )
                for sql in (STOP_SQLITE, FIXES_SQLITE)
            ]
            assert "USING COVERING INDEX ix_positions_fix_time" in plans[0], plans[0]
            assert "USING COVERING INDEX ix_positions_fix_time" in plans[1], plans[1]
            assert "SEARCH q USING INDEX uq_positions_officer_ts" in plans[1], plans[1]
        else:
            # A fresh table has no statistics; a loaded store's planner takes the indexes
            # by cost (bench/units_at.py). Here: the indexes can serve the reads at all.
            connection.execute(text("SET enable_seqscan = off"))
            plans = [
                " | ".join(
                    str(row[0]) for row in connection.execute(text(f"EXPLAIN {sql.text}"), window)
                )
                for sql in (STOP_POSTGRESQL, FIXES_POSTGRESQL)
            ]
            assert "Index Only Scan Backward using ix_positions_fix_time" in plans[0], plans[0]
            assert "ix_positions_fix_time" in plans[1], plans[1]
            assert "uq_positions_officer_ts" in plans[1], plans[1]
        for plan in plans:
            assert "SCAN positions" not in plan and "Seq Scan on positions" not in plan, plan


# ---- the status rule, alone ---------------------------------------------------------------

T = 1_000_000.0


def test_the_last_change_at_or_before_the_moment_wins() -> None:
    changes = [(T - 900, "a", "busy"), (T - 60, "a", "en_route"), (T, "b", "off_duty")]
    assert statuses_at(changes, {}, T, now=T + 86400) == {"a": "en_route", "b": "off_duty"}


def test_a_unit_that_changed_only_after_the_moment_is_unknown() -> None:
    changes = [(T + 1, "a", "busy")]
    assert statuses_at(changes, {"a": "busy", "b": "available"}, T, now=T + 10) == {
        "b": "available"
    }


def test_no_change_in_a_window_that_reaches_now_means_todays_status() -> None:
    current = {"a": "busy"}
    assert statuses_at([], current, T, now=T + STATUS_LOOKBACK_S) == {"a": "busy"}
    # The window stops short of now: a change after it may have happened; not known.
    assert statuses_at([], current, T, now=T + STATUS_LOOKBACK_S + 1) == {}
