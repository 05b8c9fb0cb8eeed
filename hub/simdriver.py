"""Drives the Wucheng simulator inside a running hub (``--simulate``, ``watchfloor demo``).

The simulator is pure; this driver gives it the clock, feeds its fixes and reports through
the same paths real devices and hotlines use (so the demo exercises the real ingest,
store and stream), applies the officers' side of each case, and tells the simulator about
operators' dispatches.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import msgspec
import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from backend_client.protocol.messages import (
    Fix,
    IncidentNew,
    IncidentUpdate,
    StoredEvent,
)
from backend_client.resources import resources_dir
from hub.auth import Principal
from hub.cases import (
    LIFECYCLE_KINDS,
    SLA_OPEN_STATUSES,
    StepArgs,
    apply_step,
    clock_of,
    parse_action,
)
from hub.domain import lifecycle
from hub.domain.classes import shipped_catalogue
from hub.domain.lifecycle import CaseEventKind
from hub.ingest import IngestServer, ReportIn
from hub.roster import MerchantRecord, OfficerRecord, TeamRecord
from hub.service import Hub
from hub.simulator import SimStep, Simulator, WuchengWorld
from hub.simulator.history import History, case_rows, rest_of_case
from hub.simulator.inspections import InspectionRecord, make_inspections
from hub.store.db import make_engine, upgrade_schema
from hub.store.models import CaseEvent as CaseEventRow
from hub.store.models import (
    CaseVisitRow,
    Inspection,
    Officer,
    Position,
    StoredEventRow,
    local_day,
    mark_days_changed,
)
from hub.store.models import Incident as IncidentRow
from hub.writer import Emitter, StoreWriter

log = logging.getLogger(__name__)

SIMULATOR = Principal(name="模拟终端", role="source")
TICK_SECONDS = 1.0


class SimulatorDriver:
    def __init__(self, hub: Hub, simulator: Simulator, tick: float = TICK_SECONDS) -> None:
        self.hub = hub
        self.sim = simulator
        self.tick = tick
        self.ingest = IngestServer(hub)
        self._task: asyncio.Task[None] | None = None
        self._own_dispatches: set[str] = set()
        self._inbox: collections.deque[Callable[[], object]] = collections.deque()
        self._thread = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="simulator")
        hub.listeners.append(self._on_event)

    async def seed(self) -> None:
        world = self.sim.world
        await self.hub.seed(
            [
                TeamRecord(t.id, t.name, t.kind, t.colour, [list(p) for p in t.zone])
                for t in world.teams
            ],
            [
                OfficerRecord(
                    o.id, o.name, o.badge, o.team_id, o.device, kind=o.kind, plate=o.plate
                )
                for o in world.officers
            ],
            [
                MerchantRecord(
                    m.id, m.name, m.credit_code, m.address, m.category, m.risk, m.lat, m.lon
                )
                for m in world.merchants
            ],
        )
        # Officers the simulator starts off duty send no fixes: say so, or the hub would
        # rightly call their devices silent.
        for officer in world.officers:
            status = self.sim.officer_status(officer.id)
            unit = self.hub.state.units.get(officer.id)
            if unit is not None and unit.status != status:
                await self.hub.set_unit_status(officer.id, status)
        # Cases left open by an earlier run are the simulator's to finish too, from now
        # on: their steps are never stamped back into the time the demo was stopped
        # (those finished while it was off were closed by prepare_store already).
        now = time.time()
        for incident in list(self.hub.state.incidents.values()):
            if (
                # Not a case waiting for a rectification: nobody is sent to it now.
                incident.status in SLA_OPEN_STATUSES
                and incident.parent_id is None  # a merged duplicate is its parent's work
                and incident.lat is not None
                and incident.lon is not None
            ):
                self.sim.on_incident(
                    incident.id,
                    incident.lat,
                    incident.lon,
                    incident.reported_at,
                    incident.category,
                    resume_at=now,
                )

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="simulator")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(ValueError):
            self.hub.listeners.remove(self._on_event)
        self._thread.shutdown(wait=True)

    def _advance(self, now: float, dt: float) -> tuple[SimStep, list[Fix]]:
        """One simulator step and its fixes, on the driver's own thread.

        At thousands of officers a step and its Fix objects take tens of milliseconds;
        on the hub's loop that would delay every client's stream by as much.
        """
        while self._inbox:
            self._inbox.popleft()()
        step = self.sim.step(now, dt)
        return step, _fixes_of(step)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last = time.time()
        while True:
            await asyncio.sleep(self.tick)
            now = time.time()
            try:
                step, fixes = await loop.run_in_executor(
                    self._thread, self._advance, now, now - last
                )
                await self.apply(step, fixes)
            except Exception:
                # The demo must keep moving even if one step fails (a full disk, say);
                # the hub reports its own store errors.
                log.exception("simulator step failed")
            last = now

    async def apply(self, step: SimStep, fixes: list[Fix] | None = None) -> None:
        self.hub.offer_fixes(_fixes_of(step) if fixes is None else fixes)
        for raw in step.reports:
            await self._report(raw)
        for change in step.status_changes:
            try:
                # Through the hub, so an officer turning out toward a case counts as the
                # "moving" mark of the 1-3-15 clock.
                await self.hub.set_unit_status(
                    change.officer_id, change.status, None, change.incident_id
                )
            except KeyError:
                log.info("simulated status for unknown officer %s", change.officer_id)
        for action in step.actions:
            if action.action == "dispatch":
                self._own_dispatches.add(action.incident_id)
            try:
                await self.hub.apply_case_action(
                    action.incident_id,
                    action.action,
                    SIMULATOR.name,
                    action.ts,
                    list(action.officer_ids),
                    # The simulated officers' 核查 finds the work done.
                    result="passed" if action.action == "check" else "",
                )
            except Exception as exc:  # a case closed by an operator meanwhile, say
                log.info(
                    "simulated %s on %s not applied: %s", action.action, action.incident_id, exc
                )

    async def _report(self, raw: dict[str, Any]) -> None:
        try:
            report = msgspec.convert(raw, ReportIn)
        except msgspec.ValidationError as exc:
            log.warning("simulated report rejected: %s", exc)
            return
        await self.ingest.store_report(report, SIMULATOR)

    def _on_event(self, event: StoredEvent) -> None:
        match event:
            case IncidentNew(incident=incident) if (
                incident.lat is not None and incident.lon is not None
            ):
                # Queued for the driver's thread, which alone touches the simulator.
                self._inbox.append(
                    partial(
                        self.sim.on_incident,
                        incident.id,
                        incident.lat,
                        incident.lon,
                        incident.reported_at,
                        incident.category,
                    )
                )
            case IncidentUpdate(incident=incident, change="dispatched"):
                if incident.id in self._own_dispatches:
                    self._own_dispatches.discard(incident.id)
                else:
                    self._inbox.append(
                        partial(self.sim.on_dispatch, incident.id, list(incident.units), event.ts)
                    )


def _fixes_of(step: SimStep) -> list[Fix]:
    fixes = step.fixes
    return [
        Fix(id=str(i), lat=float(la), lon=float(lo), ts=fixes.ts, speed=float(s), heading=float(h))
        for i, la, lo, s, h in zip(
            fixes.ids.tolist(),
            fixes.lat.tolist(),
            fixes.lon.tolist(),
            fixes.speed.tolist(),
            fixes.heading.tolist(),
            strict=True,
        )
    ]


def store_inspections(session: Session, _emitter: Emitter, records: list[InspectionRecord]) -> int:
    """Store the inspections not stored yet (a restarted demo seeds again); returns them."""
    known = set(session.scalars(select(Inspection.id)))
    rows = [
        {
            "id": r.id,
            "merchant_id": r.merchant_id,
            "ts": r.ts,
            "teams": list(r.teams),
            "departments": list(r.departments),
            "items": list(r.items),
            "result": r.result,
            "note": r.note,
            "officers": list(r.officers),
        }
        for r in records
        if r.id not in known
    ]
    if rows:
        session.execute(insert(Inspection), rows)
    return len(rows)


#: Wucheng's fleet: 114 enforcement vehicles with JT/T 808 terminals, per 300 officers.
VEHICLES_PER_OFFICER = 114 / 300


def vehicles_for(officers: int) -> int:
    return round(officers * VEHICLES_PER_OFFICER)


#: The district's roster, shops and streets: one world whatever the run's seed, so a
#: kept store meets the same officers again (the seed varies what happens in it).
WORLD_SEED = 20240601


def load_world(
    officers: int,
    merchants: int | None = None,
    vehicles: int | None = None,
    seed: int = WORLD_SEED,
) -> WuchengWorld:
    """The simulated district: ``merchants`` defaults to ten per officer (200..3000),
    ``vehicles`` to Wucheng's ratio (114 enforcement vehicles for 300 officers)."""
    shops = merchants if merchants is not None else max(200, min(3000, officers * 10))
    cars = vehicles if vehicles is not None else vehicles_for(officers)
    return WuchengWorld.load(
        resources_dir(), seed=seed, officers=officers, merchants=shops, vehicles=cars
    )


def simulator_extra(
    officers: int = 300,
    merchants: int | None = None,
    seed: int = WORLD_SEED,
    incident_rate_per_hour: float = 180.0,
    diurnal: bool = True,
    vehicles: int | None = None,
    world_seed: int | None = None,
) -> Callable[[Hub], Awaitable[Callable[[], Awaitable[None]]]]:
    """A :class:`hub.runtime.HubRuntime` extra that runs the simulator on the hub's loop.

    ``seed`` drives the reports and the officers; ``world_seed`` (default: ``seed``) the
    district's roster and shops. ``vehicles`` defaults to Wucheng's ratio: 114
    enforcement vehicles for 300 officers.
    """

    wseed = seed if world_seed is None else world_seed

    async def start(hub: Hub) -> Callable[[], Awaitable[None]]:
        world = await asyncio.get_running_loop().run_in_executor(
            None, partial(load_world, officers, merchants, vehicles, wseed)
        )
        driver = SimulatorDriver(
            hub,
            Simulator(
                world, seed=seed, incident_rate_per_hour=incident_rate_per_hour, diurnal=diurnal
            ),
        )
        await driver.seed()
        inspections = await asyncio.get_running_loop().run_in_executor(
            # The world's: a kept store meets the same inspections whatever the run's seed.
            None,
            make_inspections,
            world,
            wseed,
            time.time(),
        )
        await hub.writer.submit(partial(store_inspections, records=inspections))
        driver.start()
        return driver.stop

    return start


# ---- the demo's store at start: what happened while it was off, and its history -----

DAY_S = 86400.0


@dataclass(frozen=True, slots=True)
class StorePrep:
    """What :func:`prepare_store` did: cases finished while the demo was off, cases left
    to the live officers, past cases written (and their timeline rows), and how long."""

    finished: tuple[str, ...]
    left_open: tuple[str, ...]
    history_cases: int
    history_events: int
    seconds: float


def stopped_at(session: Session) -> float | None:
    """When the store last saw anything happen (its last event, step or fix): when an
    earlier run stopped."""
    times = [
        session.scalar(select(func.max(StoredEventRow.ts))),
        session.scalar(select(func.max(CaseEventRow.ts))),
        session.scalar(select(func.max(Position.ts))),
    ]
    known = [float(t) for t in times if t is not None]
    return max(known, default=None)


def finish_left_open(
    session: Session, emitter: Emitter, now: float, seed: int
) -> tuple[list[str], list[str]]:
    """Finish the cases an earlier run left open, as its officers would have while the
    demo was off; returns (finished, left to the live officers).

    The demo's world does not stop when its window closes: a case that was on time when
    the run stopped is taken on with the simulator's delays from its last step, each
    step written as the hub writes it (:func:`hub.cases.apply_step`: status, units,
    marks) and judged by the 1-3-15 clock as it is (a step that comes late is a miss,
    recorded). Left to the live officers instead (taken up from now on, still open on
    the wall): a case already overdue when the run stopped (it really is overdue), and
    one whose rest would end after ``now`` (a quick restart: it is still under way).
    A handled case only waiting for the desk's close is closed, by ``now`` at the
    latest (the live simulator closes only cases it handled). Cases waiting for a
    rectification keep waiting.

    Why finish rather than resume: the deadlines are the case's own, fixed at its report
    (hub/ingest_store.py ``sla_for``), and moving them would falsify the record; left
    alone, every case open at the stop read as overdue on the next start (the issue's
    4 % compliance and a queue of stale misses), though nothing was late in the demo's
    own story.
    """
    stop = stopped_at(session)
    if stop is None:
        return [], []
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x1EF7]))
    people = list(session.scalars(select(Officer.id).where(Officer.kind != "vehicle")))
    finished: list[str] = []
    left: list[str] = []
    open_rows = session.scalars(
        select(IncidentRow)
        .where(IncidentRow.status.in_(sorted(SLA_OPEN_STATUSES | {"handled", "checked"})))
        # A merged duplicate stays as reported: its parent's work, not a case to finish.
        .where(IncidentRow.parent_id.is_(None))
        .order_by(IncidentRow.reported_at)
    ).all()
    for row in open_rows:
        clock = clock_of(row)
        overdue = clock is not None and (
            bool((row.sla or {}).get("missed")) or bool(clock.missed(stop))
        )
        if overdue and row.status not in ("handled", "checked"):
            left.append(row.id)
            continue
        timeline = [
            lifecycle.CaseEvent(CaseEventKind(r.kind), r.ts, r.actor, dict(r.detail or {}))
            for r in session.scalars(
                select(CaseEventRow)
                .where(CaseEventRow.incident_id == row.id)
                .order_by(CaseEventRow.ts, CaseEventRow.id)
            )
            if r.kind in LIFECYCLE_KINDS
        ]
        case = lifecycle.case_from_events(row.id, timeline)
        moving = any(e.kind == CaseEventKind.MOVING for e in timeline)
        plan = rest_of_case(case, moving, people, rng)
        if case.status in ("handled", "checked") and plan:
            # Only the 核查 and the desk's close were missing, never left to a later run.
            plan = [replace(s, ts=min(s.ts, now)) for s in plan]
        if not plan or plan[-1].ts > now:
            left.append(row.id)
            continue
        for step in plan:
            apply_step(
                session,
                emitter,
                row.id,
                parse_action(step.action),
                step.actor,
                step.ts,
                StepArgs(units=step.units, result=step.result),
                # Judged as of the step, as the hub would have judged it then: as of now,
                # the stages after it would read as missed.
                step.ts,
            )
        finished.append(row.id)
    return finished, left


def store_history(
    session: Session, _emitter: Emitter, rows: list[tuple[dict[str, Any], list[dict[str, Any]]]]
) -> int:
    """Insert past cases' rows (:func:`hub.simulator.history.case_rows`) in bulk: no
    stream events (walls never saw these cases live), no audit (nobody viewed them)."""
    catalogue = shipped_catalogue()
    for incident, _ in rows:
        # As intake stores a report (hub/ingest_store.py): the class's name and code.
        # (Every row gets the key: one executemany needs the same keys in each.)
        matter = catalogue.find(str(incident["category"]))
        incident["class_code"] = None if matter is None else matter.code
        if matter is not None:
            incident["category"] = matter.name
    if rows:
        # Core inserts (executemany, on the connection) of the rows as built: the
        # session's ORM bulk path took twice as long for nothing an ORM object would add.
        db = session.connection()
        db.execute(insert(IncidentRow), [incident for incident, _ in rows])
        db.execute(insert(CaseEventRow), [e for _, events in rows for e in events])
        # 回访 are kept as case.visit keeps them: a case_visits row beside the timeline's
        # ``visited`` row (the service statistics' 满意率 read the table).
        visits = [
            {
                "incident_id": e["incident_id"],
                "ts": e["ts"],
                "channel": e["detail"]["channel"],
                "result": e["detail"]["result"],
                "note": e["detail"].get("note", ""),
                "actor": e["actor"],
            }
            for _, events in rows
            for e in events
            if e["kind"] == "visited"
        ]
        if visits:
            db.execute(insert(CaseVisitRow), visits)
        # Past the ORM's listeners: say which days' kept stats.query figures are stale.
        days = {local_day(i["reported_at"]) for i, _ in rows}
        days |= {local_day(i["handle_by"]) for i, _ in rows if i["handle_by"] is not None}
        mark_days_changed(db, days)
    return sum(len(events) for _, events in rows)


def prepare_store(
    db_url: str,
    world: WuchengWorld,
    seed: int,
    history_days: float,
    now: float | None = None,
    chunk: int = 5000,
) -> StorePrep:
    """Make the demo's store look like a centre that has been running: finish what an
    earlier run left open (:func:`finish_left_open`), then write the cases of the days
    it has not seen, up to ``history_days`` back (all of them on a new store; since the
    last stored report on a kept one). Before the hub opens the store, so its live
    picture, and every wall's, starts from the result, and no sweep of the 1-3-15 clock
    runs in between."""
    started = time.perf_counter()
    now = time.time() if now is None else now
    engine = make_engine(db_url)
    try:
        upgrade_schema(engine)
        writer = StoreWriter(engine, lambda _events: None)
        try:
            # Read before the left-open cases are finished: their steps fall in the gap.
            stop, last = writer.run_sync(
                lambda session, _e: (
                    stopped_at(session),
                    session.scalar(select(func.max(IncidentRow.reported_at))),
                )
            )
            finished, left = writer.run_sync(partial(finish_left_open, now=now, seed=seed))
            # A kept store has its history up to when it stopped: only the gap is new.
            start = max(
                now - history_days * DAY_S,
                float(last) + 1.0 if last is not None else 0.0,
                stop if stop is not None else 0.0,
            )
            cases = events = 0
            if history_days > 0 and start < now:
                # Drawn here while the writer stores the batch before: the two overlap.
                pending: list[concurrent.futures.Future[int]] = []
                with concurrent.futures.ThreadPoolExecutor(1) as storing:
                    batch: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
                    for past in History(world, seed).cases(start, now):
                        batch.append(case_rows(past))
                        if len(batch) >= chunk:
                            pending.append(
                                storing.submit(writer.run_sync, partial(store_history, rows=batch))
                            )
                            cases += len(batch)
                            batch = []
                    pending.append(
                        storing.submit(writer.run_sync, partial(store_history, rows=batch))
                    )
                    cases += len(batch)
                    events = sum(f.result() for f in pending)
        finally:
            writer.close()
    finally:
        engine.dispose()
    return StorePrep(tuple(finished), tuple(left), cases, events, time.perf_counter() - started)
