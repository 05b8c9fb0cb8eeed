"""The moving part of the Wucheng simulator: patrols, reports and the officers' side of 1-3-15.

Pure: no clock, no I/O, no threads. The caller passes time in (``step(now, dt)``) and
applies what comes out (fixes, reports, case actions, status changes). Officers move as
numpy arrays, so 20,000 of them cost a few milliseconds a step; incidents are few and
kept as small Python objects.

Three independent random streams (movement, reports, case handling) keep the report
stream identical whatever the hub does with the cases, so a benchmark can replay it.
"""

from __future__ import annotations

import base64
import datetime
import math
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from backend_client.geo import wgs84_to_gcj02
from hub.simulator import catalogue, geo, names
from hub.simulator.world import MODES, SPEED_RANGES, Merchant, WuchengWorld

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.str_]

ActionName = Literal["accept", "dispatch", "arrive", "handle", "close"]
UnitStatus = Literal["available", "busy", "en_route", "on_scene", "off_duty"]
Source = Literal["hotline", "snap", "grid", "patrol"]

BEIJING = datetime.timezone(datetime.timedelta(hours=8))

# Officer states (int8 codes so the hot loop stays in numpy).
OFF, PATROL, DWELL, TURNOUT, TO_SCENE, ON_SCENE, RETURN = range(7)
_AVAILABLE_STATES = (PATROL, DWELL, RETURN)
_MOVING_STATES = (PATROL, TO_SCENE, RETURN)

ARRIVE_RADIUS_M = 15.0
# Foot patrols sent further than this take a team e-bike: nobody walks 2 km to a case.
WALK_DISPATCH_LIMIT_M = 600.0


@dataclass(frozen=True)
class Fixes:
    """Latest fix of every officer whose device is on (off-duty devices are silent)."""

    ts: float
    index: IntArray  # into ``world.officers``
    ids: StrArray
    lat: FloatArray
    lon: FloatArray
    speed: FloatArray  # m/s
    heading: FloatArray  # degrees clockwise from north

    def __len__(self) -> int:
        return len(self.index)


@dataclass(frozen=True)
class Action:
    """One step of the officers' side of a case, for the hub to apply to its record."""

    incident_id: str
    action: ActionName
    officer_ids: tuple[str, ...]
    ts: float


@dataclass(frozen=True)
class StatusChange:
    officer_id: str
    status: UnitStatus
    ts: float
    incident_id: str | None = None  # set while the officer works a case


@dataclass(frozen=True)
class SimStep:
    now: float
    fixes: Fixes
    reports: list[dict[str, Any]]
    actions: list[Action]
    status_changes: list[StatusChange]


@dataclass
class _Case:
    id: str
    x: float
    y: float
    reported_at: float
    township_team: int
    specialist_team: int | None
    accept_at: float
    dispatch_delay: float
    on_scene_s: float
    close_delay: float
    accepted: bool = False
    dispatched: bool = False
    dispatch_at: float | None = None
    officers: list[int] = field(default_factory=list)
    arrived: set[int] = field(default_factory=set)
    first_arrival: float | None = None
    handle_at: float | None = None
    handled: bool = False
    close_at: float | None = None


class Simulator:
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
        self._sources: list[Source] = [
            s for s in ("hotline", "snap", "grid", "patrol") if mix.get(s)
        ]
        p = np.array([mix[s] for s in self._sources], dtype=np.float64)
        self._source_p = p / p.sum()
        ss = np.random.SeedSequence([seed, 0x51A])
        move_ss, report_ss, case_ss = ss.spawn(3)
        self._rng = np.random.default_rng(move_ss)
        self._rrng = np.random.default_rng(report_ss)
        self._crng = np.random.default_rng(case_ss)

        g = world.graph
        n = len(world.officers)
        self._ids: StrArray = np.array([o.id for o in world.officers], dtype=np.str_)
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

        self._cases: dict[str, _Case] = {}
        self._case_list: list[str] = []  # index -> id, for ``case_of``
        self._t: float | None = None
        self._t0 = 0.0
        self._pending_status: list[StatusChange] = []
        self._speed_out = np.zeros(n)
        self._seq: dict[str, int] = {s: 0 for s in ("hotline", "snap", "grid", "patrol")}
        self._grid_workers: dict[str, list[tuple[str, str]]] = {}
        self._photos: dict[str, list[str]] = {}
        cats = catalogue.CATEGORIES
        w = np.array([c.weight for c in cats], dtype=np.float64)
        self._cat_p = w / w.sum()
        self._shops_by_kind: dict[str, IntArray] = {}
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
        return _STATUS_OF[int(self.state[self._index[officer_id]])]

    def on_incident(
        self,
        incident_id: str,
        lat: float,
        lon: float,
        reported_at: float,
        category: str | None = None,
    ) -> None:
        """The hub stored an incident: plan how the officers' side will answer it.

        Idempotent: the same id again is ignored, as a retried ingest is.
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
        self._cases[incident_id] = _Case(
            id=incident_id,
            x=float(x[0]),
            y=float(y[0]),
            reported_at=reported_at,
            township_team=township,
            specialist_team=specialist,
            accept_at=reported_at + accept,
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

    # ------------------------------------------------------------- officers

    def _start_duty(self, t0: float) -> None:
        n = len(self.state)
        if self._off_share <= 0:
            return
        on = self.state != OFF
        spell = np.where(on, self._on_mean, self._off_mean)
        self.duty_at = t0 + self._rng.exponential(1.0, n) * spell

    def _duty(self, now: float, status: list[StatusChange]) -> None:
        due = self.duty_at <= now
        if not due.any():
            return
        idle = np.isin(self.state, _AVAILABLE_STATES)
        going_off = due & idle
        coming_on = due & (self.state == OFF)
        # Busy officers finish their case first; their change stays due until then.
        for i in np.flatnonzero(going_off).tolist():
            status.append(StatusChange(str(self._ids[i]), "off_duty", float(self.duty_at[i])))
        for i in np.flatnonzero(coming_on).tolist():
            status.append(StatusChange(str(self._ids[i]), "available", float(self.duty_at[i])))
        self.state[going_off] = OFF
        self.state[coming_on] = PATROL
        changed = going_off | coming_on
        k = int(changed.sum())
        spell = np.where(going_off[changed], self._off_mean, self._on_mean)
        self.duty_at[changed] = now + self._rng.exponential(1.0, k) * spell
        # Back on duty, an officer resumes the patrol it left, at its own pace.
        back = np.flatnonzero(coming_on)
        self.speed[back] = self.cruise[back]

    def _timers(self, now: float, status: list[StatusChange]) -> None:
        dwell_done = (self.state == DWELL) & (self.until <= now)
        self.state[dwell_done] = PATROL
        turned_out = np.flatnonzero((self.state == TURNOUT) & (self.until <= now))
        for i in turned_out.tolist():
            self.state[i] = TO_SCENE
            cid = self._case_list[int(self.case_of[i])]
            status.append(StatusChange(str(self._ids[i]), "en_route", float(self.until[i]), cid))

    def _move(self, now: float, dt: float) -> FloatArray:
        """Advance every moving officer; returns each one's arrival time (NaN if none)."""
        n = len(self.state)
        moving = np.isin(self.state, _MOVING_STATES)
        # Traffic and pace vary from second to second; the jitter keeps tracks lifelike.
        jitter = 0.85 + 0.3 * self._rng.random(n)
        reach = np.where(moving, self.speed * jitter * dt, 0.0)
        dx = self.tx - self.x
        dy = self.ty - self.y
        dist = np.hypot(dx, dy)
        arrive = moving & (dist <= reach)
        frac = np.divide(reach, dist, out=np.ones(n), where=dist > 0)
        frac = np.minimum(frac, 1.0)
        self.x = np.where(moving, self.x + dx * frac, self.x)
        self.y = np.where(moving, self.y + dy * frac, self.y)
        turning = moving & (dist > 0.5)
        self.heading = np.where(turning, np.degrees(np.arctan2(dx, dy)) % 360.0, self.heading)
        travelled = np.minimum(reach, dist)
        self._speed_out = np.where(moving, travelled / max(dt, 1e-9), 0.0)
        arrived_at = np.full(n, np.nan)
        hit = np.flatnonzero(arrive)
        arrived_at[hit] = (
            now
            - dt
            + dt * np.divide(dist[hit], reach[hit], out=np.zeros(len(hit)), where=reach[hit] > 0)
        )
        return arrived_at

    def _patrol_arrivals(self, now: float, arrived_at: FloatArray) -> None:
        g = self.world.graph
        hit = ~np.isnan(arrived_at)
        back = hit & (self.state == RETURN)
        self.state[back] = PATROL
        self.speed[np.flatnonzero(back)] = self.cruise[np.flatnonzero(back)]
        at_node = np.flatnonzero(hit & (self.state == PATROL))
        if len(at_node) == 0:
            return
        cur = self.node[at_node]
        pick = self._rng.integers(0, 1 << 30, len(at_node)) % g.degree[cur]
        nxt = g.neighbours[cur, pick]
        self.node[at_node] = nxt
        self.tx[at_node] = g.x[nxt]
        self.ty[at_node] = g.y[nxt]
        # About one stop in five is a pause: talking to a shopkeeper, a check, a break.
        pause = self._rng.random(len(at_node)) < 0.2
        stay = at_node[pause]
        self.state[stay] = DWELL
        self.until[stay] = now + self._rng.uniform(60, 600, len(stay))

    def _township_team_at(self, x: float, y: float) -> int:
        best, best_d = 0, math.inf
        for t, team in enumerate(self.world.teams):
            if team.kind != "township":
                continue
            ring = self.world.zone_rings_xy[t]
            if geo.contains(ring, np.array([x]), np.array([y]))[0]:
                return t
            d = float(np.min(np.hypot(ring[:, 0] - x, ring[:, 1] - y)))
            if d < best_d:
                best, best_d = t, d
        return best

    # ---------------------------------------------------------------- cases

    def _case_index(self, cid: str) -> int:
        self._case_list.append(cid)
        return len(self._case_list) - 1

    def _assign(self, case: _Case, i: int, now: float, status: list[StatusChange]) -> None:
        r = self._crng
        u = r.random()
        # "Moving within 3 minutes": usually well inside it, sometimes not.
        turnout = (
            r.uniform(15, 120)
            if u < 0.85
            else r.uniform(120, 240)
            if u < 0.95
            else r.uniform(240, 480)
        )
        self.case_of[i] = self._case_index(case.id)
        self.state[i] = TURNOUT
        self.until[i] = now + turnout
        self.tx[i], self.ty[i] = case.x, case.y
        far = math.hypot(case.x - self.x[i], case.y - self.y[i])
        speed = self.cruise[i] * 1.15
        if MODES[int(self.world.officer_mode[i])] == "walk" and far > WALK_DISPATCH_LIMIT_M:
            speed = float(np.mean(SPEED_RANGES["ebike"]))
        self.speed[i] = min(speed, 16.0)
        case.officers.append(i)
        status.append(StatusChange(str(self._ids[i]), "busy", now, case.id))

    def _release_from_case(self, i: int) -> None:
        k = int(self.case_of[i])
        if k < 0:
            return
        other = self._cases.get(self._case_list[k])
        self.case_of[i] = -1
        if other is None or i not in other.officers:
            return
        other.officers.remove(i)
        other.arrived.discard(i)
        if not other.officers and other.first_arrival is None:
            other.dispatched = False
            other.dispatch_at = None
        elif (
            other.first_arrival is not None
            and other.handle_at is None
            and other.arrived >= set(other.officers)
        ):
            # The one still on the way was taken off: those on scene finish without them.
            now = self._t if self._t is not None else other.first_arrival
            other.handle_at = max(other.first_arrival + other.on_scene_s, now + 60.0)

    def _nearest_available(
        self, x: float, y: float, team: int | None, exclude: list[int]
    ) -> int | None:
        avail = np.isin(self.state, _AVAILABLE_STATES) & self._person
        if team is not None:
            avail &= self.world.officer_team == team
        if exclude:
            avail[exclude] = False
        idx = np.flatnonzero(avail)
        if len(idx) == 0:
            return None
        d = np.hypot(self.x[idx] - x, self.y[idx] - y)
        return int(idx[int(np.argmin(d))])

    def _choose(self, case: _Case) -> list[int]:
        chosen: list[int] = []
        first = self._nearest_available(case.x, case.y, case.township_team, chosen)
        if first is None:
            # The zone's own team is all out: the nearest free officer of any team.
            first = self._nearest_available(case.x, case.y, None, chosen)
        if first is not None:
            chosen.append(first)
        if case.specialist_team is not None:
            # Joint inspection ("综合查一次"): the specialist team goes along, once.
            second = self._nearest_available(case.x, case.y, case.specialist_team, chosen)
            if second is not None:
                chosen.append(second)
        return chosen

    def _cases_step(
        self, now: float, arrived_at: FloatArray, actions: list[Action], status: list[StatusChange]
    ) -> None:
        # Arrivals first: they were measured during this step's movement.
        for i in np.flatnonzero(~np.isnan(arrived_at) & (self.state == TO_SCENE)).tolist():
            case = self._cases[self._case_list[int(self.case_of[i])]]
            ts = float(arrived_at[i])
            self.state[i] = ON_SCENE
            self.speed[i] = self.cruise[i]
            case.arrived.add(i)
            status.append(StatusChange(str(self._ids[i]), "on_scene", ts, case.id))
            if case.first_arrival is None:
                case.first_arrival = ts
                actions.append(Action(case.id, "arrive", (str(self._ids[i]),), ts))
            if case.arrived >= set(case.officers):
                case.handle_at = max(case.first_arrival + case.on_scene_s, ts + 60.0)
        done: list[str] = []
        for case in self._cases.values():
            self._advance_case(case, now, actions, status)
            if case.close_at is not None and case.handled and case.close_at <= now:
                actions.append(Action(case.id, "close", self._officer_ids(case), case.close_at))
                done.append(case.id)
        for cid in done:
            del self._cases[cid]

    def _advance_case(
        self, case: _Case, now: float, actions: list[Action], status: list[StatusChange]
    ) -> None:
        if not case.accepted and case.accept_at <= now:
            case.accepted = True
            actions.append(Action(case.id, "accept", (), case.accept_at))
            case.dispatch_at = case.accept_at + case.dispatch_delay
        if case.accepted and not case.dispatched:
            if case.dispatch_at is None:
                case.dispatch_at = now
            if case.dispatch_at <= now:
                chosen = self._choose(case)
                if chosen:
                    # A dispatch that had to wait for a free officer happens in this step,
                    # not back when it was first due.
                    ts = max(case.dispatch_at, self._t0)
                    case.dispatched = True
                    for i in chosen:
                        self._assign(case, i, ts, status)
                    actions.append(
                        Action(case.id, "dispatch", tuple(str(self._ids[i]) for i in chosen), ts)
                    )
        if not case.handled and case.handle_at is not None and case.handle_at <= now:
            case.handled = True
            actions.append(Action(case.id, "handle", self._officer_ids(case), case.handle_at))
            for i in case.officers:
                self._free(i, case.handle_at, status)
            case.close_at = case.handle_at + case.close_delay

    def _officer_ids(self, case: _Case) -> tuple[str, ...]:
        return tuple(str(self._ids[i]) for i in case.officers)

    def _free(self, i: int, ts: float, status: list[StatusChange]) -> None:
        """Back to patrol: head for the nearest waypoint of the officer's own zone."""
        g = self.world.graph
        self.case_of[i] = -1
        nodes = g.zone_nodes[int(self.world.officer_team[i])]
        j = int(nodes[int(np.argmin(np.hypot(g.x[nodes] - self.x[i], g.y[nodes] - self.y[i])))])
        self.node[i] = j
        self.tx[i], self.ty[i] = g.x[j], g.y[j]
        self.speed[i] = self.cruise[i]
        self.state[i] = RETURN
        status.append(StatusChange(str(self._ids[i]), "available", ts))

    # -------------------------------------------------------------- reports

    def _reports(self, t0: float, now: float) -> list[dict[str, Any]]:
        if self.rate <= 0 or now <= t0:
            return []
        r = self._rrng
        mean = self.rate * (now - t0) / 3600.0
        if self.diurnal:
            hour = datetime.datetime.fromtimestamp((t0 + now) / 2, BEIJING).hour
            mean *= catalogue.HOURLY_FACTOR[hour]
        n = int(r.poisson(mean))
        if n == 0:
            return []
        times = np.sort(r.uniform(t0, now, n))
        # One child stream per report: what a report says never shifts the draws of the
        # next, so the stream is the same whatever officers (and so patrol reports) do.
        seeds = r.integers(0, 2**63, n)
        return [
            self._report(float(ts), np.random.default_rng(int(sd)))
            for ts, sd in zip(times, seeds, strict=True)
        ]

    def _report(self, ts: float, r: np.random.Generator) -> dict[str, Any]:
        w = self.world
        source: Source = self._sources[int(r.choice(len(self._sources), p=self._source_p))]
        cat = catalogue.CATEGORIES[int(r.choice(len(catalogue.CATEGORIES), p=self._cat_p))]
        officer: int | None = None
        if source == "patrol":
            on = np.flatnonzero(np.isin(self.state, _AVAILABLE_STATES) & self._person)
            if len(on) == 0:
                source = "grid"
            else:
                officer = int(on[int(r.integers(0, len(on)))])
        merchant = None
        if cat.shop_kinds and r.random() < cat.merchant_share:
            kind = cat.shop_kinds[int(r.integers(0, len(cat.shop_kinds)))]
            pool = self._shops_by_kind.get(kind)
            if pool is not None and len(pool):
                if officer is not None:
                    # An officer reports what is in front of him: the nearest such shop.
                    d = np.hypot(self._mx[pool] - self.x[officer], self._my[pool] - self.y[officer])
                    merchant = w.merchants[int(pool[int(np.argmin(d))])]
                else:
                    merchant = w.merchants[int(pool[int(r.integers(0, len(pool)))])]
        lon, lat = self._place(r, merchant, officer)
        if merchant is not None:
            address, town = merchant.address, merchant.township
        else:
            address, town = w.address(r, lon, lat)
        place = address.removeprefix("金华市婺城区")
        if merchant is None and r.random() < 0.5:
            place += "附近"
        template = cat.texts[int(r.integers(0, len(cat.texts)))]
        text = template.format(
            place=place,
            shop=merchant.name if merchant is not None else _unnamed_shop(template, place),
            when=catalogue.WHEN[int(r.integers(0, len(catalogue.WHEN)))],
        )
        text = catalogue.SOURCE_PREFIX[source] + text
        reporter = self._reporter(r, source, town, officer)
        datum = "wgs84"
        if source == "snap" and self.snap_datum == "gcj02":
            lat, lon = wgs84_to_gcj02(lat, lon)
            datum = "gcj02"
        report: dict[str, Any] = {
            "source": source,
            "external_id": self._external_id(source, ts, town, officer),
            "category": cat.name,
            "text": text,
            "lat": round(lat, 6),
            "lon": round(lon, 6),
            "datum": datum,
            "address": address,
            "reporter": reporter,
            "photos": self._photo_list(r, source, cat.name),
            "priority": cat.priority,
            "reported_at": round(ts, 3),
        }
        if merchant is not None:
            report["merchant_id"] = merchant.id
        return report

    def _place(
        self, r: np.random.Generator, merchant: Merchant | None, officer: int | None
    ) -> tuple[float, float]:
        """WGS-84 (lon, lat) of a report: at the shop's door, the officer, or a street."""
        w = self.world
        for _ in range(8):
            if merchant is not None:
                lon, lat, spread = merchant.lon, merchant.lat, 8.0
            elif officer is not None:
                lo, la = geo.to_lonlat(self.x[officer : officer + 1], self.y[officer : officer + 1])
                lon, lat, spread = float(lo[0]), float(la[0]), 15.0
            elif r.random() < 0.7 and len(w.merchants):
                # Street problems happen where people and shops are.
                m = w.merchants[int(r.integers(0, len(w.merchants)))]
                lon, lat, spread = m.lon, m.lat, 80.0
            else:
                g = w.graph
                j = int(r.integers(0, len(g.x)))
                lo, la = geo.to_lonlat(g.x[j : j + 1], g.y[j : j + 1])
                lon, lat, spread = float(lo[0]), float(la[0]), 40.0
            lon += float(r.normal()) * spread / geo.M_PER_DEG_LON
            lat += float(r.normal()) * spread / geo.M_PER_DEG_LAT
            lon, lat = round(lon, 6), round(lat, 6)
            if w.contains(np.array([lon]), np.array([lat]))[0]:
                return lon, lat
        if merchant is not None:
            return float(merchant.lon), float(merchant.lat)
        return 119.648, 29.083  # the urban core: always inside

    def _reporter(
        self, r: np.random.Generator, source: Source, town: str, officer: int | None
    ) -> dict[str, str]:
        if source == "patrol" and officer is not None:
            o = self.world.officers[officer]
            return {"name": o.name, "phone": o.phone}
        if source == "grid":
            pool = self._grid_workers.get(town)
            if pool is None:
                # Each township has a handful of grid workers who file again and again.
                seed = sum(ord(c) for c in town)
                gr = np.random.default_rng([seed, 0x6D1D])
                pool = list(zip(names.person_names(gr, 6), names.phones(gr, 6), strict=True))
                self._grid_workers[town] = pool
            name, phone = pool[int(r.integers(0, len(pool)))]
            return {"name": name, "phone": phone}
        name = (
            names.polite_name(r)
            if source == "hotline" and r.random() < 0.6
            else names.person_names(r, 1)[0]
        )
        return {"name": name, "phone": names.phones(r, 1)[0]}

    def _external_id(self, source: Source, ts: float, town: str, officer: int | None) -> str:
        self._seq[source] += 1
        seq = self._seq[source]
        t = datetime.datetime.fromtimestamp(ts, BEIJING)
        if source == "hotline":
            return f"8890-{t:%Y%m%d}-{seq:06d}"
        if source == "snap":
            return f"SSP{t:%Y%m%d%H%M%S}{seq:05d}"
        if source == "grid":
            code = next((t_.code for t_ in self.world.townships if t_.name == town), "330702000")
            return f"WG{code}{t:%Y%m%d}{seq:05d}"
        badge = self.world.officers[officer].badge if officer is not None else "0"
        return f"XC{badge}-{seq:06d}"

    def _photo_list(self, r: np.random.Generator, source: Source, category: str) -> list[str]:
        if source == "hotline":
            return []
        count = int(r.integers(1, 4)) if source == "snap" else int(r.random() < 0.8)
        photos = self._photos.get(category)
        if photos is None:
            photos = [_tiny_png(category, k) for k in range(3)]
            self._photos[category] = photos
        return photos[:count]


def _unnamed_shop(template: str, place: str) -> str:
    # A caller who does not know the shop's name says where it is instead.
    return "路边一家商铺" if "{place}" in template else f"{place}一家商铺"


_STATUS_OF: dict[int, UnitStatus] = {
    OFF: "off_duty",
    PATROL: "available",
    DWELL: "available",
    RETURN: "available",
    TURNOUT: "busy",
    TO_SCENE: "en_route",
    ON_SCENE: "on_scene",
}


def _tiny_png(label: str, variant: int, width: int = 32, height: int = 24) -> str:
    """A small base64 PNG standing in for a citizen's photo: coloured by its category,
    so that a wall or drill-down shows real image bytes, not a placeholder string."""
    h = zlib.crc32(label.encode("utf-8")) + variant * 7919
    base = ((h >> 16) & 0xFF, (h >> 8) & 0xFF, h & 0xFF)
    rows = bytearray()
    for yy in range(height):
        rows.append(0)
        for xx in range(width):
            shade = (xx * 4 + yy * 3) % 64
            rows.extend(
                ((base[0] + shade) & 0xFF, (base[1] + shade) & 0xFF, (base[2] + shade) & 0xFF)
            )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(bytes(rows)))
        + chunk(b"IEND", b"")
    )
    return base64.b64encode(png).decode("ascii")
