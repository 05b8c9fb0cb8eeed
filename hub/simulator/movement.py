"""Officers moving: duty spells, patrol walks between waypoints, turnouts and travel.

Every officer moves at once as numpy arrays, so 20,000 of them cost a few milliseconds
a step. Draws come from the movement stream only (``_rng``).
"""

from __future__ import annotations

import math

import numpy as np

from hub.simulator import geo
from hub.simulator.state import (
    AVAILABLE_STATES,
    DWELL,
    MOVING_STATES,
    OFF,
    PATROL,
    RETURN,
    TO_SCENE,
    TURNOUT,
    SimState,
)
from hub.simulator.steps import FloatArray, StatusChange


class Movement(SimState):
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
        idle = np.isin(self.state, AVAILABLE_STATES)
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
        moving = np.isin(self.state, MOVING_STATES)
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
