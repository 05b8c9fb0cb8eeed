"""One hub node of a cluster: the writer, or a standby that follows it and takes over.

Only one node writes at a time: it holds a PostgreSQL advisory lock on a connection of
its own for as long as it lives, commits to the store as the single-process hub does, and
mirrors its event log into JetStream (hub/cluster/mirror.py). Every other node is a
**standby**: it tails the stream into its own live state and serves walls from it with the
same numbers, takes ingest (a report or a desk's write is asked of the writer over NATS,
:meth:`ClusterNode.forward`; fixes it stores itself, since a fix is a track row and no
event), and tries the lock twice a second. A writer killed with ``kill -9`` loses its
connection and with it the lock; the first standby to take it appends what the stream
lacks (the dead writer's last commits) and becomes the writer, with no operator.

Live positions are not in the log: each node sends the newest fixes it stored to the
others on core NATS (``wf.pos.<node>``), so every node's walls see every device.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from sqlalchemy import Connection, Engine, text

from hub.cluster import NotDurable, NoWriter
from hub.cluster.eventlog import (
    ClusterLog,
    LogDiverged,
    LogEntry,
    LogUnavailable,
    NoResponder,
)
from hub.cluster.mirror import Committed, LogMirror, store_reader

log = logging.getLogger(__name__)

#: The advisory lock's key: "wf writer" as two 32-bit halves, fixed for every node.
WRITER_LOCK = 0x77665F77726974
#: Requests forwarded to the writer: ``wf.rpc.<name>`` (report, op).
RPC_PREFIX = "wf.rpc."
POSITIONS_PREFIX = "wf.pos."

#: Answers a forwarded request on the writer: its payload in, the answer's bytes out.
RpcHandler = Callable[[bytes], Awaitable[bytes]]


def _token(node: str) -> str:
    # A subject token holds no dots, spaces or wildcards; node names may ("h1:8765").
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in node) or "node"


async def _finish(task: asyncio.Task[None], mirror: LogMirror | None) -> None:
    """Stop the mirror's task: told to end, and cancelled until it has (a cancel that
    nats-py swallowed inside a publish is asked again)."""
    if mirror is not None:
        mirror.close()
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=1.0)
    if not task.cancelled() and task.exception() is not None:
        log.info("the log mirror ended with %r", task.exception())


class ClusterNode:
    #: The log has no quorum (or no server) for now: worth trying again.
    Unavailable = LogUnavailable

    def __init__(
        self,
        engine: Engine,
        servers: Sequence[str],
        *,
        node: str,
        replicas: int = 3,
        ack_seconds: float = 5.0,
        forward_seconds: float = 10.0,
    ) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError(
                "cluster mode (--nats) needs a PostgreSQL store (--db postgresql+psycopg://…)"
            )
        self.engine = engine
        self.node = node
        self.log = ClusterLog(servers, replicas=replicas, name=f"watchfloor-hub {node}")
        self._lock: Connection | None = None
        self.mirror: LogMirror | None = None
        self._mirror_task: asyncio.Task[None] | None = None
        self._tail: Subscription | None = None
        self._subscriptions: list[Subscription] = []
        self.ack_seconds = ack_seconds
        self.forward_seconds = forward_seconds

    @property
    def is_writer(self) -> bool:
        return self._lock is not None

    async def connect(self) -> str:
        """Connect to the log (made if new); returns its epoch."""
        await self.log.connect()
        return self.log.epoch

    # ---- the writer lock ---------------------------------------------------------------

    async def try_lock(self) -> bool:
        """Take the writer lock if no node holds it; True once this node holds it."""
        if self._lock is None:
            self._lock = await asyncio.get_running_loop().run_in_executor(None, self._take_lock)
        return self._lock is not None

    def _take_lock(self) -> Connection | None:
        connection = self.engine.connect()
        try:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": WRITER_LOCK}
            ).scalar()
            connection.commit()  # the lock is the session's, not the transaction's
        except BaseException:
            connection.close()
            raise
        if not taken:
            connection.close()
            return None
        return connection

    async def release_lock(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            await asyncio.get_running_loop().run_in_executor(None, lock.close)

    # ---- as the writer -----------------------------------------------------------------

    def prepare_mirror(self, store_epoch: str) -> None:
        """Make the mirror, so that what is committed from now on queues for it."""
        self.mirror = LogMirror(self.log, store_reader(self.engine), store_epoch)

    async def start_mirror(self, store_last: int) -> int:
        """Append what the stream lacks up to ``store_last`` and go on mirroring what is
        committed after it; returns how many events were caught up. Raises the log's
        errors (:class:`LogDiverged`: not one history; nothing is served then)."""
        assert self.mirror is not None, "prepare_mirror() first"
        appended = await self.mirror.catch_up(store_last)
        if appended:
            log.warning("appended %d committed events the stream lacked", appended)
        self._mirror_task = asyncio.create_task(self.mirror.run(), name="hub-log-mirror")
        return appended

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

    async def serve(self, handlers: dict[str, RpcHandler]) -> None:
        """Answer the standbys' forwarded requests (only the writer listens)."""
        for name, handler in handlers.items():
            self._subscriptions.append(
                await self.log.subscribe(RPC_PREFIX + name, self._answerer(name, handler))
            )

    @staticmethod
    def _answerer(name: str, handler: RpcHandler) -> Callable[[Msg], Awaitable[None]]:
        async def answer(msg: Msg) -> None:
            # Each in its own task: a report waiting for the log's acknowledgement must
            # not hold up the next one (nats-py runs a subscription's callbacks in turn).
            async def run() -> None:
                try:
                    reply = await handler(msg.data)
                except Exception:
                    log.exception("forwarded %s failed", name)
                    return  # no answer: the standby's request times out, the source retries
                await msg.respond(reply)

            asyncio.get_running_loop().create_task(run(), name=f"rpc-{name}")

        return answer

    # ---- as a standby ------------------------------------------------------------------

    async def follow(self, since: int, on_entry: Callable[[LogEntry], Awaitable[None]]) -> None:
        """Tail the log from ``since`` (a standby's walls are served from it)."""
        self._tail = await self.log.tail(since, on_entry)

    async def unfollow(self) -> None:
        tail, self._tail = self._tail, None
        if tail is not None:
            try:
                await tail.unsubscribe()
            except Exception as exc:  # the connection may be gone: nothing more comes then
                log.info("tail unsubscribe failed: %r", exc)

    async def forward(self, name: str, payload: bytes) -> bytes:
        """Ask the writer to do ``name`` (its answer's bytes); raises :class:`NoWriter`.

        While no node listens (a takeover under way, or the writer's interest not yet
        known to this node's NATS server) the request reached nobody, so it is asked
        again until ``forward_seconds``; one that was delivered is never asked twice."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.forward_seconds
        while True:
            left = give_up - loop.time()
            try:
                return await self.log.request(RPC_PREFIX + name, payload, max(0.5, left))
            except NoResponder as exc:
                if loop.time() + 0.1 >= give_up:
                    raise NoWriter("no writer node is listening") from exc
                await asyncio.sleep(0.1)
            except LogUnavailable as exc:
                raise NoWriter(f"no writer node answered: {exc}") from exc

    # ---- live positions ----------------------------------------------------------------

    async def share_positions(self, frame: bytes) -> None:
        try:
            await self.log.publish(POSITIONS_PREFIX + _token(self.node), frame)
        except Exception as exc:  # live only: the next frame is along in a moment
            log.debug("positions not shared: %r", exc)

    async def receive_positions(self, on_frame: Callable[[bytes], None]) -> None:
        own = POSITIONS_PREFIX + _token(self.node)

        async def take(msg: Msg) -> None:
            if msg.subject != own:
                on_frame(msg.data)

        self._subscriptions.append(await self.log.subscribe(POSITIONS_PREFIX + "*", take))

    # ---- stopping ----------------------------------------------------------------------

    async def stop(self) -> None:
        try:
            await self.unfollow()
            if self._mirror_task is not None:
                await _finish(self._mirror_task, self.mirror)
            await self.log.close()
        finally:
            # Whatever the log did on the way out, the lock's connection goes back: a
            # leaked one would hold the writer lock for as long as this process lives.
            if self._lock is not None:
                lock = self._lock
                self._lock = None
                await asyncio.get_running_loop().run_in_executor(None, lock.close)
