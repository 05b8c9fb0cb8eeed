"""The moving part of the Wucheng simulator: patrols, reports and the officers' side of 1-3-15.

Pure: no clock, no I/O, no threads. The caller passes time in (``step(now, dt)``) and
applies what comes out (fixes, reports, case actions, status changes). Officers move as
numpy arrays, so 20,000 of them cost a few milliseconds a step; incidents are few and
kept as small Python objects.

Three independent random streams (movement, reports, case handling) keep the report
stream identical whatever the hub does with the cases, so a benchmark can replay it.

The parts live by job: :mod:`~hub.simulator.movement` (duty, patrols, travel),
:mod:`~hub.simulator.handling` (the officers' side of cases), :mod:`~hub.simulator.reports`
(citizens' and officers' reports); :mod:`~hub.simulator.state` holds what they share and
:mod:`~hub.simulator.steps` what a step returns. This module ties them together.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from hub.simulator import catalogue, geo, names
from hub.simulator.handling import Handling
from hub.simulator.movement import Movement
from hub.simulator.reports import Reporting
from hub.simulator.state import OFF, PATROL, STATUS_OF, CasePlan
from hub.simulator.steps import (
    Action,
    Fixes,
    SimStep,
    StatusChange,
    UnitStatus,
)
from hub.simulator.world import WuchengWorld

__all__ = ["Action", "Fixes", "SimStep", "Simulator", "StatusChange"]


class Simulator(Movement, Handling, Reporting):
    """Officers, citizens and grid workers of Wucheng, advanced by ``step``."""

    def __init__(
        self,
        world: WuchengWorld,
        seed: int = 0,
        incident_rate_per_hour: float = 40.0,
        *,
        off_duty_share: float = 0.1,
        diurnal: bool = True,
        source_mix: dict[str, float] | None = None,
        snap_datum: Literal["wgs84", "gcj02"] = "gcj02",
    ) -> None:
        """``incident_rate_per_hour`` is the daily mean; ``diurnal`` shapes it by hour.

        ``snap_datum`` defaults to GCJ-02 because WeChat mini-programs (随手拍) report
        their location in it; the hub converts at the edge.
        """
        self.world = world
        self.rate = float(incident_rate_per_hour)
        self.diurnal = diurnal
        self.snap_datum = snap_datum
        mix = source_mix or catalogue.SOURCE_MIX
        self._sources = [s for s in ("hotline", "snap", "grid", "patrol") if mix.get(s)]
        p = np.array([mix[s] for s in self._sources], dtype=np.float64)
        self._source_p = p / p.sum()
        ss = np.random.SeedSequence([seed, 0x51A])
        move_ss, report_ss, case_ss = ss.spawn(3)
        self._rng = np.random.default_rng(move_ss)
        self._rrng = np.random.default_rng(report_ss)
        self._crng = np.random.default_rng(case_ss)

        g = world.graph
        n = len(world.officers)
        self._ids = np.array([o.id for o in world.officers], dtype=np.str_)
        self._index = {o.id: i for i, o in enumerate(world.officers)}
        # People, not vehicles: only they are chosen for a case or file a patrol report
        # (a vehicle patrols and may be dispatched by an operator, by its id).
        self._person = np.array([o.kind != "vehicle" for o in world.officers], dtype=np.bool_)
        team = world.officer_team
        # Start each officer at a random waypoint of its zone, heading for a neighbour.
        start = np.empty(n, dtype=np.int64)
        for t, nodes in enumerate(g.zone_nodes):
            members = np.flatnonzero(team == t)
            start[members] = nodes[self._rng.integers(0, len(nodes), len(members))]
        nxt = g.neighbours[start, self._rng.integers(0, 1 << 30, n) % g.degree[start]]
        frac = self._rng.random(n)
        self.x = g.x[start] + (g.x[nxt] - g.x[start]) * frac
        self.y = g.y[start] + (g.y[nxt] - g.y[start]) * frac
        self.node = nxt
        self.tx = g.x[nxt].copy()
        self.ty = g.y[nxt].copy()
        self.cruise = world.officer_speed.copy()
        self.speed = self.cruise.copy()
        self.heading = np.degrees(np.arctan2(self.tx - self.x, self.ty - self.y)) % 360.0
        self.state = np.full(n, PATROL, dtype=np.int8)
        self.until = np.zeros(n)
        self.case_of = np.full(n, -1, dtype=np.int64)

        # Duty: on-duty spells average four hours; off spells are sized so that the
        # stationary share off duty is ``off_duty_share``.
        self._off_share = min(max(off_duty_share, 0.0), 0.9)
        self._on_mean = 4 * 3600.0
        self._off_mean = self._on_mean * self._off_share / (1 - self._off_share)
        off = self._rng.random(n) < self._off_share
        self.state[off] = OFF
        self.duty_at = np.full(n, np.inf)
        self._duty_started = False

        self._cases = {}
        self._case_list = []  # index -> id, for ``case_of``
        self._t = None
        self._t0 = 0.0
        self._pending_status = []
        self._speed_out = np.zeros(n)
        self._seq = {s: 0 for s in ("hotline", "snap", "grid", "patrol")}
        self._run_start = None
        self._grid_workers = {}
        self._photos = {}
        cats = catalogue.CATEGORIES
        w = np.array([c.weight for c in cats], dtype=np.float64)
        self._cat_p = w / w.sum()
        self._shops_by_kind = {}
        kinds = np.array([m.category for m in world.merchants])
        for kind, *_ in names.SHOP_CATEGORIES:
            self._shops_by_kind[kind] = np.flatnonzero(kinds == kind)
        self._mx, self._my = geo.to_xy(world.merchant_lon, world.merchant_lat)

    # ----------------------------------------------------------------- public API

    @property
    def open_incidents(self) -> list[str]:
        """Incidents told to ``on_incident`` and not yet closed."""
        return list(self._cases)

    def officer_status(self, officer_id: str) -> UnitStatus:
        return STATUS_OF[int(self.state[self._index[officer_id]])]

    def on_incident(
        self,
        incident_id: str,
        lat: float,
        lon: float,
        reported_at: float,
        category: str | None = None,
        resume_at: float | None = None,
    ) -> None:
        """The hub stored an incident: plan how the officers' side will answer it.

        ``resume_at``: a case left open by an earlier run, taken up at that time (its
        steps are planned from then, never stamped back into a time the simulator did not
        run). Idempotent: the same id again is ignored, as a retried ingest is.
        """
        if incident_id in self._cases:
            return
        r = self._crng
        x, y = geo.to_xy(np.array([lon], dtype=np.float64), np.array([lat], dtype=np.float64))
        township = self._township_team_at(float(x[0]), float(y[0]))
        cat = catalogue.CATEGORY_BY_NAME.get(category or "")
        specialist = (
            self.world.team_index(cat.specialist) if cat is not None and cat.specialist else None
        )
        u = r.random()
        # Most operators take a case within the minute; some are busy, a few far late.
        accept = (
            r.uniform(5, 55)
            if u < 0.88
            else r.uniform(60, 150)
            if u < 0.97
            else r.uniform(150, 400)
        )
        v = r.random()
        on_scene = r.uniform(90, 360) if v < 0.85 else r.uniform(360, 1000)
        self._cases[incident_id] = CasePlan(
            id=incident_id,
            x=float(x[0]),
            y=float(y[0]),
            reported_at=reported_at,
            township_team=township,
            specialist_team=specialist,
            accept_at=(reported_at if resume_at is None else max(reported_at, resume_at)) + accept,
            dispatch_delay=float(r.uniform(3, 30)),
            on_scene_s=float(on_scene),
            close_delay=float(r.uniform(60, 600)),
        )

    def on_dispatch(
        self, incident_id: str, officer_ids: list[str], at: float | None = None
    ) -> bool:
        """An operator dispatched ``officer_ids``: they turn out and head for the scene.

        The operator's dispatch also stands for acceptance, so the simulator emits no
        accept or dispatch of its own for this case. Officers taken off another case
        leave it; a case left with nobody is dispatched again. Off-duty and unknown
        officers are ignored. Returns False for an incident it was never told about.
        """
        case = self._cases.get(incident_id)
        if case is None or case.handled:
            return False
        now = at if at is not None else (self._t if self._t is not None else case.reported_at)
        case.accepted = True
        case.dispatched = True
        case.dispatch_at = now
        pending: list[StatusChange] = []
        for oid in officer_ids:
            i = self._index.get(oid)
            if i is None or self.state[i] == OFF or i in case.officers:
                continue
            self._release_from_case(i)
            self._assign(case, i, now, pending)
        self._pending_status.extend(pending)
        return True

    def step(self, now: float, dt: float = 1.0) -> SimStep:
        """Advance from ``now - dt`` to ``now`` and return what happened in between."""
        t0 = now - dt
        if self._t is None:
            self._start_duty(t0)
            self._run_start = t0
        self._t = now
        self._t0 = t0
        status: list[StatusChange] = self._pending_status
        self._pending_status = []
        actions: list[Action] = []
        self._duty(now, status)
        self._timers(now, status)
        arrived_at = self._move(now, dt)
        self._patrol_arrivals(now, arrived_at)
        self._cases_step(now, arrived_at, actions, status)
        reports = self._reports(t0, now)
        on = np.flatnonzero(self.state != OFF)
        lon, lat = geo.to_lonlat(self.x[on], self.y[on])
        fixes = Fixes(
            ts=now,
            index=on,
            ids=self._ids[on],
            lat=lat,
            lon=lon,
            speed=self._speed_out[on],
            heading=self.heading[on],
        )
        actions.sort(key=lambda a: a.ts)
        status.sort(key=lambda s: s.ts)
        return SimStep(
            now=now, fixes=fixes, reports=reports, actions=actions, status_changes=status
        )
