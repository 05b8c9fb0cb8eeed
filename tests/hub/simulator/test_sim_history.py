"""The demo's store at start: months of past cases, and what an earlier run left open.

History is drawn by the simulator (hub/simulator/history.py) and written in bulk by
``prepare_store`` (hub/simdriver.py); these tests read it back through the hub's own ops
(``stats.query``, ``case.history``) on a real hub over loopback, and restart a real
simulated hub on a kept store to see what its wall shows.
"""

from __future__ import annotations

import asyncio
import collections
import datetime
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend_client.protocol.messages import SlaMarks
from backend_client.transport import FeedClient
from hub.auth import TokenRegistry
from hub.domain.lifecycle import CaseEvent as DomainEvent
from hub.domain.lifecycle import CaseEventKind, case_from_events
from hub.runtime import EmbeddedHub, HubRuntime
from hub.service import HubConfig
from hub.simdriver import WORLD_SEED, load_world, prepare_store, simulator_extra
from hub.simulator import Simulator, WuchengWorld
from hub.simulator.catalogue import SOURCE_MIX
from hub.simulator.history import SETTLE_S, History, PastCase
from hub.store.db import make_engine
from hub.store.models import CaseEvent, Incident, Position, StoredEventRow

DAY = 86400.0
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
GROUPS = ("source", "category", "team", "day", "stage")
STAGE_MARKS = (("accept", "accept_by", "accepted_at"), ("move", "move_by", "moving_at"),
               ("handle", "handle_by", "handled_at"))  # fmt: skip


@pytest.fixture(scope="module")
def world() -> WuchengWorld:
    # The demo's world for 30 officers, as simulator_extra(officers=30) loads it.
    return load_world(30)


def _midnight(ts: float) -> float:
    day = datetime.datetime.fromtimestamp(ts, BEIJING)
    return day.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def test_history_has_a_district_volume_a_day_the_source_mix_and_closes_every_case(
    world: WuchengWorld,
) -> None:
    end = _midnight(time.time())
    start = end - 14 * DAY
    past = list(History(world, seed=5).cases(start, end + SETTLE_S))
    per_day = collections.Counter(
        datetime.datetime.fromtimestamp(p.reported_at, BEIJING).date() for p in past
    )
    assert len(per_day) == 14
    # A few hundred a day (300 on a weekday, fewer at weekends), never a trickle or a flood.
    assert all(150 <= n <= 450 for n in per_day.values()), per_day
    sources = collections.Counter(p.report["source"] for p in past)
    for source, share in SOURCE_MIX.items():
        assert abs(sources[source] / len(past) - share) < 0.04, sources
    assert len({p.report["category"] for p in past}) >= 10
    assert len({p.id for p in past}) == len(past)
    late = duplicates = visits = 0
    parents: dict[str, PastCase] = {}
    for p in past:
        # Every timeline is one the lifecycle accepts, and ends closed within the period
        # (or, of the last days, waits for a shop's rectification: a centre's cases in
        # hand, with the 1-3-15 clock done).
        assert case_from_events(p.id, p.events).status == p.case.status
        if p.parent is not None:
            # A duplicate the desk merged: reported, then no separate work (its parent's).
            assert p.case.status == "reported" and p.parent in parents
            assert p.merged_at is not None and p.reported_at < p.merged_at <= end + SETTLE_S
            duplicates += 1
            continue
        parents[p.id] = p
        if p.case.status == "rectifying":
            assert p.case.rectify_by is not None and p.case.rectify_by > end - 6 * DAY
        else:
            # Closed, and after the last close only call-backs that left it closed.
            assert p.case.status == "closed"
            kinds = [e.kind for e in p.events]
            last_close = len(kinds) - 1 - kinds[::-1].index(CaseEventKind.CLOSED)
            assert set(kinds[last_close + 1 :]) <= {CaseEventKind.VISITED}
            visits += kinds.count(CaseEventKind.VISITED)
        assert p.events[-1].ts <= end + SETTLE_S
        handled = next(e.ts for e in p.events if e.kind == CaseEventKind.HANDLED)
        late += handled > p.reported_at + 900
    # Most handled within 15 minutes (按期), a real share not.
    assert 0.05 < late / len(past) < 0.35, late / len(past)
    in_hand = sum(p.case.status == "rectifying" for p in past)
    assert 0 < in_hand < 80
    # A few per cent repeated and merged (重复派单率); most closed cases called back.
    assert 0.01 < duplicates / len(past) < 0.06, duplicates
    assert 0.4 < visits / len(parents) < 0.9, visits


def _ask(url: str, token: str, op: str, args: dict[str, Any]) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        client = FeedClient(url, token)
        task = asyncio.create_task(client.run())
        try:
            await client.wait_synced()
            return await client.request(op, args)
        finally:
            await client.stop()
            await task

    return asyncio.run(run())


def _demo_hub(db_url: str, seed: int, rate: float = 0.0) -> tuple[EmbeddedHub, dict[str, str]]:
    """The demo's hub: the simulator of 30 officers on the demo's world, run ``seed``."""
    tokens, values = TokenRegistry.generate()
    config = HubConfig(db_url=db_url, port=0, api_port=0)
    extra = simulator_extra(
        officers=30, incident_rate_per_hour=rate, diurnal=False, seed=seed, world_seed=WORLD_SEED
    )
    embedded = EmbeddedHub(HubRuntime(config, tokens, extras=[extra]))
    embedded.start(timeout=120)
    return embedded, values


@pytest.fixture
def history_hub(db_url: str, world: WuchengWorld) -> Iterator[tuple[EmbeddedHub, dict[str, str]]]:
    prep = prepare_store(db_url, world, seed=11, history_days=21)
    assert prep.history_cases > 21 * 150 and prep.history_events > 6 * prep.history_cases
    embedded, values = _demo_hub(db_url, seed=12)
    try:
        yield embedded, values
    finally:
        embedded.stop()


def test_stats_over_the_back_filled_weeks_have_figures_in_every_group(
    history_hub: tuple[EmbeddedHub, dict[str, str]],
) -> None:
    embedded, token = history_hub
    url = embedded.runtime.stream_url
    end = _midnight(time.time())
    start = end - 14 * DAY
    hub = embedded.runtime.hub
    assert hub is not None
    team_ids = {t.id for t in hub.state.teams.values()}
    merged = [0]
    for group in GROUPS:
        answer = _ask(
            url, token["wall"], "stats.query", {"start": start, "end": end, "group": group}
        )
        total = answer["total"]
        assert total["received"] > 14 * 150, (group, total)
        assert 0 < total["closed_on_time"] < total["closed"] <= total["due"], (group, total)
        assert total["closed"] > 0.97 * total["due"], (group, total)
        for stage in total["stages"]:
            assert stage["met"] > 0 and stage["missed"] > 0, (group, stage)
            assert 0.6 < stage["rate"] < 1.0 and stage["median_s"] > 0, (group, stage)
        rows = answer["rows"]
        assert rows and all(r["received"] > 0 for r in rows), (group, rows)
        if group == "day":
            assert len(rows) == 14
        if group == "team":
            # Every case went to an officer of the roster the demo seeds, but the merged
            # duplicates, which went to nobody (their parent's officers did the work).
            teams = {r["key"]: r for r in rows}
            assert set(teams) - {""} <= team_ids and len(teams) >= 7
            merged[0] = teams[""]["received"]
        if group == "stage":
            # Merged duplicates stay as reported (their parent's work).
            assert {r["key"] for r in rows} <= {"closed", "rectifying", "reported"}
            assert max(rows, key=lambda r: r["received"])["key"] == "closed"
    # The service figures have a history too: call-backs and merged duplicates.
    service = _ask(url, token["wall"], "stats.service", {"start": start, "end": end})
    assert service["received"] > 14 * 150
    assert 0.01 < service["merged"] / service["received"] < 0.06, service
    assert service["merged"] == merged[0]
    rated = service["satisfied"] + service["basic"] + service["dissatisfied"]
    assert rated > 0.4 * service["received"] and service["unreached"] > 0, service
    assert 0.85 < service["satisfaction_rate"] < 0.97, service


def test_a_past_case_opens_with_its_timeline_and_history_stays_off_the_live_picture(
    history_hub: tuple[EmbeddedHub, dict[str, str]],
) -> None:
    embedded, token = history_hub
    hub = embedded.runtime.hub
    assert hub is not None
    # Closed history leaves the live picture a day after its report, as live cases do;
    # open on a wall are only the few waiting for a rectification, and the log has no
    # events of history. (A merged duplicate stays as reported, its parent's work; it
    # leaves the picture as a closed case does.)
    in_hand = [
        i for i in hub.state.incidents.values() if i.status != "closed" and i.parent_id is None
    ]
    assert 0 < len(in_hand) < 80 and {i.status for i in in_hand} == {"rectifying"}
    assert len(hub.state.incidents) < 500
    with Session(hub.engine) as session:
        old = session.scalars(
            select(Incident)
            .where(Incident.reported_at < time.time() - 10 * DAY, Incident.parent_id.is_(None))
            .limit(1)
        ).one()
        assert session.scalar(select(StoredEventRow.seq).limit(1)) is None or all(
            old.id.encode() not in frame for frame in session.scalars(select(StoredEventRow.frame))
        )
    answer = _ask(
        embedded.runtime.stream_url, token["supervisor"], "case.history", {"case_id": old.id}
    )
    kinds = [e["kind"] for e in answer["events"]]
    # Closed, then only call-backs (回访) that left it closed.
    last_close = len(kinds) - 1 - kinds[::-1].index("closed")
    assert kinds[0] == "reported" and set(kinds[last_close + 1 :]) <= {"visited"}
    assert {"accepted", "dispatched", "moving", "arrived", "handled", "checked"} <= set(kinds)


def test_a_90_day_back_fill_takes_seconds(tmp_path: Path, world: WuchengWorld) -> None:
    prep = prepare_store(f"sqlite:///{tmp_path / 'demo.db'}", world, seed=3, history_days=90)
    print(
        f"\n90-day back-fill on SQLite: {prep.history_cases} cases, "
        f"{prep.history_events} timeline rows in {prep.seconds:.1f} s"
    )
    assert 90 * 200 < prep.history_cases < 90 * 400
    assert prep.seconds < 120  # seconds, not minutes (loose: the CI machine is shared)


# ---- a second start on a kept store ---------------------------------------------------------


def _shift(session: Session, incident_id: str, by: float) -> None:
    """Move one case's whole record ``by`` seconds (report, marks, timeline)."""
    row = session.get(Incident, incident_id)
    assert row is not None and row.sla is not None
    marks = msgspec.convert(row.sla, SlaMarks)
    for name in ("accept_by", "move_by", "handle_by", "accepted_at", "moving_at", "handled_at"):
        value = getattr(marks, name)
        if value is not None:
            setattr(marks, name, value + by)
    row.reported_at += by
    row.sla = msgspec.to_builtins(marks)
    session.execute(
        update(CaseEvent).where(CaseEvent.incident_id == incident_id).values(ts=CaseEvent.ts + by)
    )


def _really_missed(sla: dict[str, Any], now: float) -> set[str]:
    missed = set()
    for stage, by, at in STAGE_MARKS:
        done = sla.get(at)
        if (done is not None and done > sla[by]) or (done is None and now > sla[by]):
            missed.add(stage)
    return missed


def test_a_second_start_on_a_kept_store_shows_overdue_only_what_really_is(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    # The first run: reports coming in fast, stopped while they are still open.
    first, _ = _demo_hub(url, seed=21, rate=3600.0 * 2)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            hub = first.runtime.hub
            assert hub is not None
            if sum(i.status != "closed" for i in hub.state.incidents.values()) >= 6:
                break
            time.sleep(0.2)
    finally:
        first.stop()
    engine = make_engine(url)
    with Session(engine) as session:
        left = list(session.scalars(select(Incident.id).where(Incident.status != "closed")))
        assert len(left) >= 6
        # The whole first run happened two hours ago: the demo was off since.
        for incident_id in left:
            _shift(session, incident_id, -7200.0)
        session.execute(update(StoredEventRow).values(ts=StoredEventRow.ts - 7200.0))
        session.execute(update(Position).values(ts=Position.ts - 7200.0))
        closed = session.scalars(select(Incident.id).where(Incident.status == "closed")).all()
        for incident_id in closed:
            _shift(session, incident_id, -7200.0)
        # One case had been left unanswered for an hour when that run stopped: really
        # overdue, whatever happened after.
        stale = left[0]
        _shift(session, stale, -3600.0)
        session.commit()
    engine.dispose()

    prep = prepare_store(url, load_world(30), seed=22, history_days=0)
    assert prep.left_open == (stale,)
    assert set(prep.finished) == set(left) - {stale}

    second, _ = _demo_hub(url, seed=23)
    try:
        hub = second.runtime.hub
        assert hub is not None
        time.sleep(2.5)  # the 1-3-15 sweep runs every second
        now = time.time()
        open_now = {i.id: i for i in hub.state.incidents.values() if i.status != "closed"}
        assert set(open_now) == {stale}
        # The stale case shows the stages it missed (the 15 minutes at least).
        sla = open_now[stale].sla
        assert sla is not None and "handle" in sla.missed
        with Session(hub.engine) as session:
            for row in session.scalars(select(Incident)):
                assert row.sla is not None
                # Every recorded miss is a real one, and every real one is recorded.
                assert set(row.sla.get("missed", [])) == _really_missed(row.sla, now), row.id
                timeline = [
                    DomainEvent(CaseEventKind(e.kind), e.ts, e.actor, dict(e.detail or {}))
                    for e in session.scalars(
                        select(CaseEvent)
                        .where(CaseEvent.incident_id == row.id)
                        .order_by(CaseEvent.ts, CaseEvent.id)
                    )
                    if e.kind != "sla_missed"
                ]
                assert case_from_events(row.id, timeline).status == row.status
    finally:
        second.stop()


def test_a_case_taken_up_again_is_never_stamped_back_into_the_stop(world: WuchengWorld) -> None:
    # A case reported an hour before this run began (an earlier run left it overdue):
    # the officers take it up from now, not as if they had answered it back then.
    now = time.time()
    sim = Simulator(world, seed=4, incident_rate_per_hour=0, off_duty_share=0.0)
    sim.step(now, 1.0)
    sim.on_incident("OLD", 29.0950, 119.6450, now - 3600.0, "占道经营", resume_at=now)
    actions = []
    for k in range(1, 600):
        actions += [a for a in sim.step(now + k, 1.0).actions if a.incident_id == "OLD"]
        if len(actions) >= 2:
            break
    assert [a.action for a in actions[:2]] == ["accept", "dispatch"]
    assert all(a.ts >= now for a in actions)
