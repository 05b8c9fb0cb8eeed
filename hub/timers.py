"""The hub's own timers: the 1-3-15 sweep, the supervision patrol and the WAL checkpoint.

They act on the whole store, not on one client's request, so they are one object with a
start and a stop: the hub starts it today; a cluster will run it once, on one node.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from backend_client.state import FeedState
from hub.cases import miss_candidates, sweep_misses
from hub.deadlines import overdue_candidates, sweep_overdue
from hub.domain.supervision import SupervisionConfig
from hub.patrol import SUPERVISION_KINDS, Patrol, merchant_cases, store_changes
from hub.store.db import checkpoint
from hub.store.models import CaseEvent as CaseEventRow
from hub.store.models import Incident as IncidentRow
from hub.store.models import Team as TeamRow
from hub.writer import StoreWriter

log = logging.getLogger(__name__)

#: How often the WAL of a SQLite store is checkpointed, off the writer thread.
CHECKPOINT_SECONDS = 1.0


def load_patrol(session: Session, config: SupervisionConfig) -> Patrol:
    """The patrol as the store leaves it: team zones and open rectification deadlines."""
    patrol = Patrol(config=config)
    for team in session.scalars(select(TeamRow).where(TeamRow.zone.is_not(None))):
        if team.zone:
            patrol.zones[team.id] = [(float(x), float(y)) for x, y in team.zone]
    latest = (
        select(CaseEventRow.incident_id, func.max(CaseEventRow.id).label("id"))
        .join(IncidentRow, IncidentRow.id == CaseEventRow.incident_id)
        .where(
            IncidentRow.status == "rectifying",
            CaseEventRow.kind == "rectification_deadline",
        )
        .group_by(CaseEventRow.incident_id)
        .subquery()
    )
    for row in session.scalars(select(CaseEventRow).join(latest, CaseEventRow.id == latest.c.id)):
        deadline = (row.detail or {}).get("deadline")
        if isinstance(deadline, int | float):
            patrol.rectify_by[row.incident_id] = float(deadline)
    return patrol


class HubTimers:
    """Every ``sla_tick_seconds`` the 1-3-15 sweep, every ``supervision_seconds`` a round
    of the patrol, and on a SQLite store a WAL checkpoint every :data:`CHECKPOINT_SECONDS`.

    ``state`` is read, never written: what a round finds is submitted to ``writer`` and
    reaches the state when published. ``patrol`` is shared with the hub, which keeps its
    zones and rectification deadlines up to date.
    """

    def __init__(
        self,
        engine: Engine,
        writer: StoreWriter,
        state: FeedState,
        patrol: Patrol,
        *,
        sla_tick_seconds: float,
        supervision_seconds: float,
    ) -> None:
        self.engine = engine
        self.writer = writer
        self.state = state
        self.patrol = patrol
        self.sla_tick_seconds = sla_tick_seconds
        self.supervision_seconds = supervision_seconds
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start every timer on the running loop; their first round is one period away."""
        self._tasks = [
            asyncio.create_task(
                self._every(self.sla_tick_seconds, self.sweep_sla, "1-3-15 sweep"),
                name="hub-sla",
            ),
            asyncio.create_task(
                self._every(self.supervision_seconds, self.supervise, "supervision"),
                name="hub-supervision",
            ),
            # The 处置时限 deadlines (working time) are swept at the 1-3-15 pace.
            asyncio.create_task(
                self._every(self.sla_tick_seconds, self.sweep_deadlines, "deadline sweep"),
                name="hub-deadlines",
            ),
        ]
        if self.engine.dialect.name == "sqlite":
            self._tasks.append(
                asyncio.create_task(
                    self._every(CHECKPOINT_SECONDS, self._checkpoint, "WAL checkpoint"),
                    name="hub-checkpoint",
                )
            )

    def cancel(self) -> None:
        """Cancel every timer; :meth:`stop` waits for them to end."""
        for task in self._tasks:
            task.cancel()

    async def stop(self) -> None:
        """Cancel every timer and return once none is running (a round under way ends)."""
        self.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _every(self, seconds: float, job: Callable[[], Awaitable[Any]], what: str) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await job()
            except Exception:
                # One failed round (database gone for a moment) must not end the timer.
                log.exception("%s failed", what)

    async def _checkpoint(self) -> None:
        # Off the writer thread and off the loop: SQLite does the copying and the sync
        # without the GIL, and a PASSIVE checkpoint never makes the writer wait.
        await asyncio.get_running_loop().run_in_executor(None, checkpoint, self.engine)

    async def sweep_sla(self, now: float | None = None) -> list[tuple[str, tuple[str, ...]]]:
        """Record every 1-3-15 miss due by ``now`` (exactly once each); returns them."""
        at = time.time() if now is None else now
        candidates = miss_candidates(self.state.incidents.values(), at)
        if not candidates:
            return []
        return await self.writer.submit(lambda s, e: sweep_misses(s, e, candidates, at))

    async def sweep_deadlines(self, now: float | None = None) -> list[str]:
        """Record every overdue 处置时限 deadline due by ``now`` (once each); returns the
        cases recorded (hub/deadlines.py)."""
        at = time.time() if now is None else now
        candidates = overdue_candidates(self.state.incidents.values(), at)
        if not candidates:
            return []
        return await self.writer.submit(lambda s, e: sweep_overdue(s, e, candidates, at))

    async def supervise(self, now: float | None = None) -> tuple[int, int]:
        """One round of the AI patrol; returns (alerts raised, alerts cleared)."""
        at = time.time() if now is None else now
        config = self.patrol.config
        loop = asyncio.get_running_loop()

        def read_history() -> list[Any]:
            with Session(self.engine) as session:
                return merchant_cases(session, at, config.repeat_window_days)

        history = await loop.run_in_executor(None, read_history)
        active = [a.id for a in self.state.alerts.values() if a.kind in SUPERVISION_KINDS]
        inputs = self.patrol.gather(at, self.state.units, self.state.incidents, history, active)
        changes = await loop.run_in_executor(None, Patrol.run_rules, inputs, config)
        if changes.raised or changes.cleared:
            await self.writer.submit(lambda s, e: store_changes(s, e, changes))
        return len(changes.raised), len(changes.cleared)
