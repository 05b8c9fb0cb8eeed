"""The officers' side of a case: who is sent, turnout, arrival, handling and closing.

Draws come from the case-handling stream only (``_crng``), so what the hub does with
the cases never shifts the report stream.
"""

from __future__ import annotations

import math

import numpy as np

from hub.simulator.state import (
    AVAILABLE_STATES,
    ON_SCENE,
    RETURN,
    TO_SCENE,
    TURNOUT,
    WALK_DISPATCH_LIMIT_M,
    CasePlan,
    SimState,
)
from hub.simulator.steps import Action, FloatArray, StatusChange
from hub.simulator.world import MODES, SPEED_RANGES


class Handling(SimState):
    def _case_index(self, cid: str) -> int:
        self._case_list.append(cid)
        return len(self._case_list) - 1

    def _assign(self, case: CasePlan, i: int, now: float, status: list[StatusChange]) -> None:
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
        avail = np.isin(self.state, AVAILABLE_STATES) & self._person
        if team is not None:
            avail &= self.world.officer_team == team
        if exclude:
            avail[exclude] = False
        idx = np.flatnonzero(avail)
        if len(idx) == 0:
            return None
        d = np.hypot(self.x[idx] - x, self.y[idx] - y)
        return int(idx[int(np.argmin(d))])

    def _choose(self, case: CasePlan) -> list[int]:
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
                # The 核查 on site comes first (no close without one that passed): halfway
                # between the handling and the close.
                checked_at = (case.close_at + (case.handle_at or case.close_at)) / 2
                actions.append(Action(case.id, "check", self._officer_ids(case), checked_at))
                actions.append(Action(case.id, "close", self._officer_ids(case), case.close_at))
                done.append(case.id)
        for cid in done:
            del self._cases[cid]

    def _advance_case(
        self, case: CasePlan, now: float, actions: list[Action], status: list[StatusChange]
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

    def _officer_ids(self, case: CasePlan) -> tuple[str, ...]:
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
