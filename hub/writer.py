"""The single writer of the hub store.

Every change goes through one thread, in one transaction per unit of work: the work
appends events, each event gets the next ``seq``, the transaction commits, and only then
are the events handed to the publisher. So nothing is broadcast or acknowledged before it
is durable, ``seq`` order is commit order, and a failed commit gives its numbers back.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from backend_client.protocol import decode_server, encode
from backend_client.protocol.messages import StoredEvent
from hub.store.models import StoredEventRow
from hub.store.settings import seq_floor

log = logging.getLogger(__name__)

T = TypeVar("T")
Published = list[tuple[StoredEvent, bytes]]
EventFactory = Callable[[int, float], StoredEvent]


class NotWriter(Exception):
    """A change that makes events was asked of a cluster's standby node: only the writer
    node numbers events (the standby forwards such work to it, hub/cluster/node.py)."""


class Emitter:
    """Hands out ``seq`` numbers to the events of one unit of work."""

    def __init__(self, session: Session, next_seq: int, *, may_emit: bool = True) -> None:
        self._session = session
        self.next_seq = next_seq
        self.events: Published = []
        self._may_emit = may_emit

    def emit(self, make: EventFactory, ts: float | None = None) -> StoredEvent:
        if not self._may_emit:
            # Raised inside the unit of work: its transaction is rolled back whole.
            raise NotWriter("this hub node is a standby: events are numbered by the writer")
        stamp = time.time() if ts is None else ts
        event = make(self.next_seq, stamp)
        frame = encode(event)
        self.events.append((event, frame))
        self.next_seq += 1
        return event

    def flush_rows(self) -> None:
        if self.events:
            self._session.execute(
                insert(StoredEventRow),
                [
                    {"seq": event.seq, "type": event_type(event), "ts": event.ts, "frame": frame}
                    for event, frame in self.events
                ],
            )


def event_type(event: StoredEvent) -> str:
    tag = type(event).__struct_config__.tag
    return str(tag)


class StoreWriter:
    """Runs units of work on one thread and publishes their events in commit order."""

    def __init__(self, engine: Engine, publish: Callable[[Published], None]) -> None:
        self._engine = engine
        self._publish = publish
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="hub-writer")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        # Set when a unit of work failed in the database itself: a commit cut off by a
        # lost connection may have committed all the same, so the next unit of work first
        # reads back where the log really ends (see _resync).
        self._unsure = False
        #: False on a cluster's standby node: work that only stores rows (fixes) runs,
        #: work that makes events raises :class:`NotWriter` (see :meth:`promote`).
        self.may_emit = True
        self.last_seq = self._read_last_seq()

    def _read_last_seq(self) -> int:
        with Session(self._engine) as session:
            # Above the floor too: numbers once handed out stay used after their rows
            # left the log (hub/store/settings.py), so a client's since never means
            # another event.
            stored = int(session.scalar(select(func.max(StoredEventRow.seq))) or 0)
            return max(stored, seq_floor(session))

    async def promote(self, published_seq: int) -> int:
        """Become the one that numbers events (a cluster's standby took the writer lock):
        continue after the last event in the store, whoever committed it, and publish
        those past ``published_seq`` (what this node has applied) first; returns the last.
        Runs on the writer's own thread, so it is ordered before every later unit of
        work and its publication before theirs (call_soon_threadsafe is FIFO)."""

        def promote() -> int:
            with Session(self._engine) as session:
                rows = session.execute(
                    select(StoredEventRow.seq, StoredEventRow.frame)
                    .where(StoredEventRow.seq > published_seq)
                    .order_by(StoredEventRow.seq)
                ).all()
            self.last_seq = max(self._read_last_seq(), published_seq)
            self.may_emit = True
            if rows and self._loop is not None and not self._loop.is_closed():
                events: Published = [
                    (decode_server(bytes(frame)), bytes(frame))  # type: ignore[misc]
                    for _seq, frame in rows
                ]
                self._loop.call_soon_threadsafe(self._publish, events)
            return self.last_seq

        return await asyncio.wrap_future(self._pool.submit(promote))

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def submit(self, work: Callable[[Session, Emitter], T]) -> asyncio.Future[T]:
        """Run ``work`` in a transaction; the future resolves after commit and publication."""
        assert self._loop is not None, "bind() the writer to the hub's loop first"
        return asyncio.wrap_future(self._pool.submit(self._run, work), loop=self._loop)

    def run_sync(self, work: Callable[[Session, Emitter], T]) -> T:
        """The same, blocking the caller (start-up seeding, tools)."""
        return self._pool.submit(self._run, work).result()

    def _run(self, work: Callable[[Session, Emitter], T]) -> T:
        if self._unsure:
            self._resync()
        with Session(self._engine, expire_on_commit=False) as session:
            emitter = Emitter(session, self.last_seq + 1, may_emit=self.may_emit)
            try:
                result = work(session, emitter)
                emitter.flush_rows()
                session.commit()
            except DBAPIError:
                self._unsure = True
                with contextlib.suppress(SQLAlchemyError):
                    # Fails too on a dead connection, or after a commit that went through.
                    session.rollback()
                raise
            except BaseException:
                session.rollback()
                raise
        if emitter.events:
            self.last_seq = emitter.events[-1][0].seq
            if self._loop is not None and not self._loop.is_closed():
                # call_soon_threadsafe keeps FIFO order, so clients see seq order.
                self._loop.call_soon_threadsafe(self._publish, emitter.events)
        return result

    def _resync(self) -> None:
        """Continue after the events the database holds, publishing any never published.

        A commit whose answer was lost (the server went away mid-commit) raised here, so
        its report was answered with an error and its events were never published. If it
        did commit, reusing its ``seq`` numbers would fail every write that follows on the
        key; skipping them would leave the hub's state without them. Publishing them now
        keeps both the log and what the clients see whole. Raises (and stays unsure) while
        the database is still away.
        """
        with Session(self._engine) as session:
            rows = session.execute(
                select(StoredEventRow.seq, StoredEventRow.frame)
                .where(StoredEventRow.seq > self.last_seq)
                .order_by(StoredEventRow.seq)
            ).all()
        self._unsure = False
        if not rows:
            return
        events: Published = []
        for _seq, frame in rows:
            event = decode_server(bytes(frame))
            events.append((event, bytes(frame)))  # type: ignore[arg-type]
        log.warning(
            "seq %d..%d were committed although their commit reported an error; publishing",
            rows[0][0],
            rows[-1][0],
        )
        self.last_seq = int(rows[-1][0])
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._publish, events)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
