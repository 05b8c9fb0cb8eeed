"""Event-log retention: old positions batches leave the log, tracks stay, resume falls back."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend_client.protocol.messages import StoredEvent
from backend_client.state import FeedState
from backend_client.transport import FeedClient
from hub.store.models import Position, StoredEventRow
from tests.support.hubs import OFFICERS, LiveHub, report


class Recorder:
    def __init__(self) -> None:
        self.snapshots: list[int] = []
        self.seqs: list[int] = []

    def on_snapshot(self, state: FeedState) -> None:
        self.snapshots.append(state.seq)

    def on_event(self, event: StoredEvent) -> None:
        self.seqs.append(event.seq)

    def on_link(self, status: object) -> None:
        pass


def _count(hub: LiveHub, *where: object) -> int:
    with Session(hub.hub.engine) as session:
        query = select(func.count()).select_from(StoredEventRow)
        for clause in where:
            query = query.where(clause)  # type: ignore[arg-type]
        return int(session.scalar(query) or 0)


def _positions(hub: LiveHub) -> int:
    with Session(hub.hub.engine) as session:
        return int(session.scalar(select(func.count()).select_from(Position)) or 0)


def _resume(hub: LiveHub, since: int) -> Recorder:
    async def scenario() -> Recorder:
        recorder = Recorder()
        client = FeedClient(hub.stream_url, hub.token["wall"], recorder, since=since)
        task = asyncio.create_task(client.run())
        deadline = time.monotonic() + 10
        while client.tracker.last != hub.hub.published_seq:
            assert time.monotonic() < deadline, "client did not catch up"
            await asyncio.sleep(0.02)
        if recorder.snapshots:
            assert client.state.snapshot(0.0) == hub.hub.state.snapshot(0.0)
        await client.stop()
        await task
        return recorder

    return asyncio.run(scenario())


def test_old_positions_leave_the_log_and_resume_from_before_gets_a_snapshot(db_url: str) -> None:
    hub = LiveHub(db_url, position_retention_seconds=0.3).start()
    try:
        before = hub.hub.published_seq
        for step in range(3):
            hub.move(step)
        status, _ = hub.post("/api/v1/reports", report("8890-keep"))
        assert status == 201
        time.sleep(0.4)
        recent = hub.hub.published_seq
        hub.move(3)
        assert hub.run(hub.hub.prune_positions()) == 3
        assert _count(hub, StoredEventRow.type == "unit.positions") == 1
        # The report's events and the officers' announcements stay; tracks stay whole.
        assert _count(hub, StoredEventRow.type == "incident.new") == 1
        assert _positions(hub) == 4 * len(OFFICERS)

        old = _resume(hub, before)
        assert old.snapshots == [hub.hub.published_seq]  # too old: a fresh picture
        fresh = _resume(hub, recent)
        assert fresh.snapshots == [] and fresh.seqs == [recent + 1]
    finally:
        hub.stop()


def test_pruning_never_empties_the_log_so_seq_is_never_reused(db_url: str) -> None:
    hub = LiveHub(db_url, position_retention_seconds=0.1, prune_seconds=0.05).start()
    try:
        for step in range(2):
            hub.move(step)
        last = hub.hub.published_seq
        time.sleep(0.5)  # the prune timer has run several times by now
        assert _count(hub, StoredEventRow.type == "unit.positions") == 1
        assert _count(hub, StoredEventRow.seq == last) == 1
    finally:
        hub.stop()
    hub.start(seed=False)
    try:
        hub.move(9)
        assert hub.hub.published_seq == last + 1
    finally:
        hub.stop()
