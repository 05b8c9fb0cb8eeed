"""The hub as one object: store, sequenced log, live state, stream and ingest servers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from backend_client.protocol import Heartbeat, encode
from backend_client.protocol.messages import Fix, StoredEvent, Team, UnitPositions
from backend_client.state import FeedState
from hub.auth import TokenRegistry
from hub.roster import MerchantRecord, OfficerRecord, TeamRecord, seed_roster
from hub.snapshot_load import load_state
from hub.store.db import create_schema, make_engine
from hub.store.models import Officer, Position, StoredEventRow
from hub.writer import Emitter, Published, StoreWriter

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
POSITION_BATCH_SECONDS = 0.05
CLIENT_QUEUE_FRAMES = 4096


@dataclass
class HubConfig:
    db_url: str = "sqlite:///watchfloor-hub.db"
    host: str = "127.0.0.1"
    port: int = 8765
    api_port: int = 8766
    auth_file: Path | None = None
    heartbeat_seconds: float = HEARTBEAT_SECONDS
    position_batch_seconds: float = POSITION_BATCH_SECONDS
    client_queue_frames: int = CLIENT_QUEUE_FRAMES


@dataclass(eq=False)
class Subscriber:
    """One stream client's outbox. Bounded: overflow means 'send a fresh snapshot'."""

    limit: int
    queue: asyncio.Queue[tuple[int, bytes] | None] = field(default_factory=asyncio.Queue)
    needs_snapshot: bool = False
    dropped: int = 0

    def offer(self, seq: int, frame: bytes) -> None:
        if self.needs_snapshot:
            return
        if self.queue.qsize() >= self.limit:
            # A slow client must not hold memory or slow the others: forget what it has
            # not read and give it the current picture instead, when it next reads.
            self.dropped += self.queue.qsize()
            while not self.queue.empty():
                self.queue.get_nowait()
            self.needs_snapshot = True
            self.queue.put_nowait(None)
            return
        self.queue.put_nowait((seq, frame))


class Hub:
    """Owns the store writer and the live state; servers and the simulator drive it."""

    def __init__(self, config: HubConfig, tokens: TokenRegistry) -> None:
        self.config = config
        self.tokens = tokens
        self.engine: Engine = make_engine(config.db_url)
        create_schema(self.engine)
        self.writer = StoreWriter(self.engine, self._publish)
        with Session(self.engine) as session:
            self.state: FeedState = load_state(session, self.writer.last_seq)
            self.devices: dict[str, str] = {
                officer.device: officer.id for officer in session.scalars(select(Officer))
            }
        self.subscribers: set[Subscriber] = set()
        self.published_seq = self.writer.last_seq
        self._pending_fixes: dict[str, Fix] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.listeners: list[Callable[[StoredEvent], None]] = []
        self.started_at = time.time()

    # ---- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        self.writer.bind(asyncio.get_running_loop())
        self._tasks = [
            asyncio.create_task(self._heartbeat_loop(), name="hub-heartbeat"),
            asyncio.create_task(self._position_loop(), name="hub-positions"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.flush_positions()
        for subscriber in self.subscribers:
            subscriber.queue.put_nowait(None)
        await asyncio.get_running_loop().run_in_executor(None, self.writer.close)
        self.engine.dispose()

    # ---- publication -----------------------------------------------------------------

    def _publish(self, events: Published) -> None:
        for event, frame in events:
            self.state.apply(event)
            self.published_seq = event.seq
            for subscriber in self.subscribers:
                subscriber.offer(event.seq, frame)
            for listener in self.listeners:
                listener(event)

    def subscribe(self) -> Subscriber:
        subscriber = Subscriber(limit=self.config.client_queue_frames)
        self.subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    def snapshot_frame(self) -> tuple[int, bytes]:
        snapshot = self.state.snapshot(time.time())
        return snapshot.seq, encode(snapshot)

    async def frames_since(self, since: int, until: int) -> list[tuple[int, bytes]] | None:
        """Stored frames with ``since < seq <= until``, or None when they are gone."""

        def read() -> list[tuple[int, bytes]] | None:
            with Session(self.engine) as session:
                rows = session.execute(
                    select(StoredEventRow.seq, StoredEventRow.frame)
                    .where(StoredEventRow.seq > since, StoredEventRow.seq <= until)
                    .order_by(StoredEventRow.seq)
                ).all()
            frames = [(int(seq), bytes(frame)) for seq, frame in rows]
            if len(frames) != until - since:
                return None
            return frames

        return await asyncio.get_running_loop().run_in_executor(None, read)

    # ---- roster ------------------------------------------------------------------------

    async def seed(
        self,
        teams: Sequence[TeamRecord],
        officers: Sequence[OfficerRecord],
        merchants: Sequence[MerchantRecord] = (),
    ) -> int:
        """Store the roster entries not stored yet and announce new officers."""
        added = await self.writer.submit(lambda s, e: seed_roster(s, e, teams, officers, merchants))
        for team in teams:
            self.state.teams.setdefault(
                team.id, Team(id=team.id, name=team.name, colour=team.colour, kind=team.kind)
            )
        self.devices.update({officer.device: officer.id for officer in officers})
        return added

    # ---- positions -------------------------------------------------------------------

    def offer_fix(self, fix: Fix) -> None:
        """Queue an officer's fix; the latest per officer goes out in the next batch."""
        self._pending_fixes[fix.id] = fix

    def offer_fixes(self, fixes: Iterable[Fix]) -> None:
        pending = self._pending_fixes
        for fix in fixes:
            pending[fix.id] = fix

    async def flush_positions(self) -> None:
        if not self._pending_fixes:
            return
        fixes = list(self._pending_fixes.values())
        self._pending_fixes = {}

        def work(session: Session, emitter: Emitter) -> None:
            session.execute(
                insert(Position),
                [
                    {
                        "officer_id": f.id,
                        "ts": f.ts,
                        "lat": f.lat,
                        "lon": f.lon,
                        "speed": f.speed,
                        "heading": f.heading,
                    }
                    for f in fixes
                ],
            )
            emitter.emit(lambda seq, ts: UnitPositions(seq=seq, ts=ts, fixes=fixes))

        await self.writer.submit(work)

    async def _position_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.position_batch_seconds)
            try:
                await self.flush_positions()
            except Exception:
                # A failed batch (disk full, database gone) must not stop the loop; the
                # fixes of that batch are superseded by the next ones from each device.
                log.exception("position batch not stored")

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.heartbeat_seconds)
            self.send_heartbeat()

    def send_heartbeat(self) -> None:
        frame = encode(Heartbeat(seq=self.published_seq, ts=time.time()))
        for subscriber in self.subscribers:
            if not subscriber.needs_snapshot:
                subscriber.queue.put_nowait((-1, frame))
