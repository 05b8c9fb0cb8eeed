"""The writer node of a cluster: the one hub that commits to the store and mirrors its
event log into JetStream (hub/cluster/mirror.py).

Only one node may write at a time: it holds a PostgreSQL advisory lock on a connection of
its own for as long as it lives. A node killed with ``kill -9`` loses the connection, and
with it the lock, so another can take over without an operator; until standby nodes are
built, a second hub started on the same store refuses to start (:class:`WriterBusy`)
instead of writing beside the first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from sqlalchemy import Connection, Engine, text

from hub.cluster import NotDurable
from hub.cluster.eventlog import ClusterLog, LogDiverged, LogUnavailable
from hub.cluster.mirror import Committed, LogMirror, store_reader

log = logging.getLogger(__name__)

#: The advisory lock's key: "wf writer" as two 32-bit halves, fixed for every node.
WRITER_LOCK = 0x77665F77726974


class WriterBusy(Exception):
    """Another hub node holds the store's writer lock."""


class ClusterWriter:
    def __init__(
        self,
        engine: Engine,
        servers: Sequence[str],
        *,
        node: str,
        replicas: int = 3,
        ack_seconds: float = 5.0,
    ) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError(
                "cluster mode (--nats) needs a PostgreSQL store (--db postgresql+psycopg://…)"
            )
        self.engine = engine
        self.log = ClusterLog(servers, replicas=replicas, name=f"watchfloor-hub {node}")
        self._lock: Connection | None = None
        self.mirror: LogMirror | None = None
        self._task: asyncio.Task[None] | None = None
        self.ack_seconds = ack_seconds

    async def start(self, store_epoch: str, store_last: int) -> str:
        """Take the writer lock, connect, append what the stream lacks; returns the log's
        epoch. Raises :class:`WriterBusy`, or the log's errors (nothing is served then)."""
        loop = asyncio.get_running_loop()
        self._lock = await loop.run_in_executor(None, self._take_lock)
        await self.log.connect()
        self.mirror = LogMirror(self.log, store_reader(self.engine), store_epoch)
        appended = await self.mirror.catch_up(store_last)
        if appended:
            log.warning("appended %d committed events the stream lacked", appended)
        self._task = asyncio.create_task(self.mirror.run(), name="hub-log-mirror")
        return self.log.epoch

    def _take_lock(self) -> Connection:
        connection = self.engine.connect()
        taken = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": WRITER_LOCK})
        if not taken.scalar():
            connection.close()
            raise WriterBusy("another hub node is this store's writer")
        connection.commit()  # the lock is the session's, not the transaction's
        return connection

    def offer(self, committed: list[Committed]) -> None:
        if self.mirror is not None:
            self.mirror.offer(committed)

    async def durable(self, seq: int) -> None:
        if self.mirror is None:
            raise NotDurable("the event log is not connected")
        try:
            await asyncio.wait_for(self.mirror.durable(seq), self.ack_seconds)
        except (LogUnavailable, LogDiverged, TimeoutError) as exc:
            raise NotDurable(str(exc) or "no quorum") from exc

    async def stop(self) -> None:
        try:
            if self._task is not None:
                self._task.cancel()
                await asyncio.gather(self._task, return_exceptions=True)
            await self.log.close()
        finally:
            # Whatever the log did on the way out, the lock's connection goes back: a
            # leaked one would hold the writer lock for as long as this process lives.
            if self._lock is not None:
                lock = self._lock
                self._lock = None
                await asyncio.get_running_loop().run_in_executor(None, lock.close)
