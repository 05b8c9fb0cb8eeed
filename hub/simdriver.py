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
from functools import partial
from typing import Any

import msgspec
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from backend_client.protocol.messages import (
    Fix,
    IncidentNew,
    IncidentUpdate,
    StoredEvent,
)
from backend_client.resources import resources_dir
from hub.auth import Principal
from hub.ingest import IngestServer, ReportIn
from hub.roster import MerchantRecord, OfficerRecord, TeamRecord
from hub.service import Hub
from hub.simulator import SimStep, Simulator, WuchengWorld
from hub.simulator.inspections import InspectionRecord, make_inspections
from hub.store.models import Inspection
from hub.writer import Emitter

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
        # Cases left open by an earlier run are the simulator's to finish too.
        for incident in list(self.hub.state.incidents.values()):
            if (
                incident.status != "closed"
                and incident.lat is not None
                and incident.lon is not None
            ):
                self.sim.on_incident(
                    incident.id, incident.lat, incident.lon, incident.reported_at, incident.category
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


def simulator_extra(
    officers: int = 300,
    merchants: int | None = None,
    seed: int = 20240601,
    incident_rate_per_hour: float = 180.0,
    diurnal: bool = True,
    vehicles: int | None = None,
) -> Callable[[Hub], Awaitable[Callable[[], Awaitable[None]]]]:
    """A :class:`hub.runtime.HubRuntime` extra that runs the simulator on the hub's loop.

    ``vehicles`` defaults to Wucheng's ratio: 114 enforcement vehicles for 300 officers.
    """
    cars = vehicles if vehicles is not None else vehicles_for(officers)

    async def start(hub: Hub) -> Callable[[], Awaitable[None]]:
        shops = merchants if merchants is not None else max(200, min(3000, officers * 10))
        world = await asyncio.get_running_loop().run_in_executor(
            None,
            lambda: WuchengWorld.load(
                resources_dir(), seed=seed, officers=officers, merchants=shops, vehicles=cars
            ),
        )
        driver = SimulatorDriver(
            hub,
            Simulator(
                world, seed=seed, incident_rate_per_hour=incident_rate_per_hour, diurnal=diurnal
            ),
        )
        await driver.seed()
        inspections = await asyncio.get_running_loop().run_in_executor(
            None, make_inspections, world, seed, time.time()
        )
        await hub.writer.submit(partial(store_inspections, records=inspections))
        driver.start()
        return driver.stop

    return start
