"""The store's event log, mirrored into the JetStream log with the same numbers.

One hub node at a time is the writer (it holds the store's writer lock): it commits rows
and their events in one database transaction, as the single-process hub does, so a case
and its events never disagree. The mirror then appends each committed event to the
JetStream stream as exactly message ``seq`` (the stream must be at ``seq - 1``), so every
node, tailing the stream, serves the walls the same numbers. A report is acknowledged once
its events are in the stream (:meth:`LogMirror.durable`): on disk in the store and
replicated on a quorum of NATS servers.

A writer that dies between its commit and the append loses nothing: the next writer, at
start, appends what the store holds beyond the stream's end (:meth:`LogMirror.catch_up`)
before anything new. An event an earlier writer did append is recognised (same message
id, same bytes at that seq) and not appended twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hub.cluster.eventlog import ClusterLog, LogDiverged, LogUnavailable
from hub.store.models import StoredEventRow

log = logging.getLogger(__name__)

#: (seq, event type, frame) as committed by the store's writer.
Committed = tuple[int, str, bytes]
#: Reads the store's committed events with since < seq <= until, in order.
ReadCommitted = Callable[[int, int], Awaitable[list[Committed]]]


def event_subject(event_type: str) -> str:
    return f"wf.ev.{event_type}"


class LogMirror:
    def __init__(self, cluster_log: ClusterLog, read: ReadCommitted, store_epoch: str) -> None:
        self.log = cluster_log
        self._read = read
        # Message ids are the store's: an event of another store at the same seq is never
        # taken for ours by the stream's de-duplication.
        self._store_epoch = store_epoch
        self.mirrored = 0
        self._pending: deque[Committed] = deque()
        self._wake = asyncio.Event()
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self.failure: Exception | None = None
        self._closed = False

    async def catch_up(self, store_last: int) -> int:
        """Append what the store holds beyond the stream's end; returns how many. Raises
        :class:`LogDiverged` when the stream is ahead of the store (not one history)."""
        stream_last = await self.log.last_seq()
        if stream_last > store_last:
            raise LogDiverged(
                f"the stream is at seq {stream_last}, the store at {store_last}: "
                "a store restored without its log, or another store's log"
            )
        missing = await self._read(stream_last, store_last)
        if len(missing) != store_last - stream_last:
            raise LogDiverged(
                f"the store lacks events between {stream_last} and {store_last} "
                "(pruned before they were mirrored)"
            )
        for seq, kind, frame in missing:
            await self._append(seq, kind, frame)
        self.mirrored = store_last
        self._settle()
        return len(missing)

    def offer(self, committed: list[Committed]) -> None:
        """Events just committed, in seq order (called on the hub's loop)."""
        self._pending.extend(committed)
        self._wake.set()

    async def durable(self, seq: int) -> None:
        """Return once the event ``seq`` is in the stream; raises what stopped the mirror."""
        if self.mirrored >= seq:
            return
        if self.failure is not None:
            raise self.failure
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((seq, future))
        await future

    async def run(self) -> None:
        """Append offered events in order, for ever; a failure is retried (the same
        message id: never twice), and waiters past their deadline get it. Returns once
        :meth:`close` is called."""
        while not self._closed:
            if not self._pending:
                self._wake.clear()
                await self._wake.wait()
                continue
            seq, kind, frame = self._pending[0]
            if seq <= self.mirrored:
                self._pending.popleft()
                continue
            try:
                await self._append(seq, kind, frame)
            except LogUnavailable as exc:
                # No quorum for now: those waiting are told (their reports were not
                # acknowledged), the event stays first in line and is tried again.
                self.failure = exc
                self._fail_waiters(exc)
                log.warning("event %d not in the stream yet: %s", seq, exc)
                await asyncio.sleep(0.5)
                continue
            except LogDiverged as exc:
                self.failure = exc
                self._fail_waiters(exc)
                log.error("the event log diverged from the store: %s", exc)
                raise
            self.failure = None
            self._pending.popleft()
            self.mirrored = seq
            self._settle()

    def close(self) -> None:
        """Make :meth:`run` return at its next turn. Cancelling it is not enough on its
        own: nats-py can swallow a CancelledError inside a publish (seen as a hub stop
        that never ended, the task "cancelling" and waiting for its next event)."""
        self._closed = True
        self._wake.set()

    async def _append(self, seq: int, kind: str, frame: bytes) -> None:
        await self.log.append_at(seq, event_subject(kind), frame, f"{self._store_epoch}:{seq}")

    def _settle(self) -> None:
        waiting = []
        for seq, future in self._waiters:
            if seq <= self.mirrored:
                if not future.done():
                    future.set_result(None)
            else:
                waiting.append((seq, future))
        self._waiters = waiting

    def _fail_waiters(self, exc: Exception) -> None:
        for _seq, future in self._waiters:
            if not future.done():
                future.set_exception(type(exc)(str(exc)))
        self._waiters = []


def store_reader(engine: Engine) -> ReadCommitted:
    """Reads committed events from the store's ``events`` table, off the loop."""

    def read(since: int, until: int) -> list[Committed]:
        with Session(engine) as session:
            rows = session.execute(
                select(StoredEventRow.seq, StoredEventRow.type, StoredEventRow.frame)
                .where(StoredEventRow.seq > since, StoredEventRow.seq <= until)
                .order_by(StoredEventRow.seq)
            ).all()
        return [(int(seq), str(kind), bytes(frame)) for seq, kind, frame in rows]

    async def read_async(since: int, until: int) -> list[Committed]:
        return await asyncio.get_running_loop().run_in_executor(None, read, since, until)

    return read_async
