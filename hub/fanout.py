"""The stream's fan-out: every client's outbox, fed with the stored events as they commit,
the live position frames as they come, and heartbeats while the hub is quiet.

It also answers what a client that (re)connects needs before its outbox: a snapshot of the
live state, the stored frames it missed, and every unit's newest position.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from backend_client.protocol import Heartbeat, encode
from backend_client.protocol.messages import StoredEvent, UnitPositions
from backend_client.state import FeedState
from hub.store.models import StoredEventRow
from hub.writer import Published


@dataclass(eq=False)
class Subscriber:
    """One stream client's outbox. Bounded: overflow means 'send a fresh snapshot'."""

    limit: int
    queue: asyncio.Queue[tuple[int, bytes] | None] = field(default_factory=asyncio.Queue)
    needs_snapshot: bool = False
    dropped: int = 0

    def offer(self, seq: int, frame: bytes) -> None:
        """Queue a frame: a stored event's (``seq`` > 0) or a live one (``seq`` 0)."""
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


class Fanout:
    """Applies what is published to the live state and offers it to every subscriber.

    ``published_seq`` is the seq of the newest stored event published (what a welcome and
    a heartbeat announce); ``listeners`` are called with each stored event once it is
    applied (the hub's own drivers, such as the simulator).
    """

    def __init__(
        self,
        state: FeedState,
        engine: Engine,
        *,
        published_seq: int,
        client_queue_frames: int,
        heartbeat_seconds: float,
    ) -> None:
        self.state = state
        self.engine = engine
        self.published_seq = published_seq
        self.client_queue_frames = client_queue_frames
        self.heartbeat_seconds = heartbeat_seconds
        self.subscribers: set[Subscriber] = set()
        self.listeners: list[Callable[[StoredEvent], None]] = []

    # ---- subscribers -----------------------------------------------------------------

    def subscribe(self) -> Subscriber:
        subscriber = Subscriber(limit=self.client_queue_frames)
        self.subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    def close(self) -> None:
        """Tell every subscriber the hub is stopping (a None it reads with no snapshot
        owed ends its stream)."""
        for subscriber in self.subscribers:
            subscriber.queue.put_nowait(None)

    # ---- publication -----------------------------------------------------------------

    def publish(self, events: Published) -> None:
        """Stored events, committed: apply them, queue their frames, tell the listeners."""
        for event, frame in events:
            self.state.apply(event)
            self.published_seq = event.seq
            for subscriber in self.subscribers:
                subscriber.offer(event.seq, frame)
            for listener in self.listeners:
                listener(event)

    def publish_positions(self, frame: UnitPositions) -> bytes:
        """Live fixes, not logged: seq 0 in the outboxes (a wall that missed them is
        resynced with positions_frame() after its resume, or a snapshot). Returns the
        frame as sent (a cluster node passes it on to the others)."""
        self.state.apply_positions(frame.fixes)
        encoded = encode(frame)
        for subscriber in self.subscribers:
            subscriber.offer(0, encoded)
        return encoded

    async def heartbeats(self) -> None:
        """Send a heartbeat every ``heartbeat_seconds``, until cancelled."""
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            self.send_heartbeat()

    def send_heartbeat(self) -> None:
        frame = encode(Heartbeat(seq=self.published_seq, ts=time.time()))
        for subscriber in self.subscribers:
            # A client with unread frames waiting gains nothing from one more heartbeat,
            # and a quiet hub would otherwise grow a stuck client's outbox forever.
            if not subscriber.needs_snapshot and subscriber.queue.empty():
                subscriber.queue.put_nowait((-1, frame))

    # ---- catching a client up --------------------------------------------------------

    def snapshot_frame(self) -> tuple[int, bytes]:
        snapshot = self.state.snapshot(time.time())
        return snapshot.seq, encode(snapshot)

    def positions_frame(self) -> bytes:
        """Every unit's live position as one frame: what a resumed client missed."""
        return encode(self.state.positions(time.time()))

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
