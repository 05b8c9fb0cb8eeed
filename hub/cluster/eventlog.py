"""The event log as a NATS JetStream stream: its sequence is the walls' ``seq``.

Every hub node of a cluster appends here and reads from here, so every node serves the
same numbers and a wall that moves to another node resumes with no gap and no duplicate.
No node counts: the stream's leader assigns the sequence, and a writer learns it from the
publish acknowledgement, which JetStream sends only once a quorum of replicas stored the
message (with the servers' ``sync_interval: always``, on disk).

- **Idempotent appends.** Each append carries a message id (``Nats-Msg-Id``, for a report
  its source and external id): inside the stream's duplicate window the same id is stored
  once, and a retry, from any node, is answered with the first append's ``seq``. An append
  that times out (a leader election after a node died) is retried with the same id until
  its deadline, so a lost acknowledgement never makes a second event.
- **No lost update on a case.** An append may name the sequence of the last message on its
  subject it was decided against (``Nats-Expected-Last-Subject-Sequence``); a stale one is
  refused with :class:`StaleWrite`, the caller's "conflict".
- **Epoch.** The stream's creation time (and name) names the log: a stream deleted and
  made again, or restored from a backup as a new stream, has another epoch, and a wall
  that counted its ``since`` in the old one is given a snapshot.

This module is I/O at the edge only (nats-py); what is appended is opaque bytes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import (
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RawStreamMsg,
    StorageType,
    StreamConfig,
    StreamInfo,
)
from nats.js.errors import APIError, NoStreamResponseError, NotFoundError

log = logging.getLogger(__name__)

STREAM = "WATCHFLOOR_EVENTS"
SUBJECTS = "wf.ev.>"
#: JetStream's own default: a retry within it is recognised by its message id.
DUPLICATE_WINDOW_S = 120.0
#: "wrong last sequence": the subject moved on since the writer read it.
ERR_WRONG_LAST_SEQUENCE = 10071
#: "duplicate message id is in process": an earlier attempt of this append is still being
#: replicated (no quorum yet). Not a refusal: ask again, and learn how it ended.
ERR_DUPLICATE_IN_PROCESS = 10158
#: An append is retried (same message id) this long before it is given up.
APPEND_DEADLINE_S = 10.0
EXPECTED_LAST_SUBJECT_SEQUENCE = "Nats-Expected-Last-Subject-Sequence"
EXPECTED_LAST_SEQUENCE = "Nats-Expected-Last-Sequence"
MSG_ID = "Nats-Msg-Id"


class StaleWrite(Exception):
    """The subject (a case) changed since the writer read it: re-read and decide again."""

    def __init__(self, subject: str, expected: int) -> None:
        super().__init__(f"{subject} moved past seq {expected}")
        self.subject = subject
        self.expected = expected


class LogDiverged(Exception):
    """The stream holds, at a seq, another message than the store's event of that seq:
    this store and this log are not one history (a store restored without its log, or
    the other way round). Nothing is written; an operator must choose."""


class NoResponder(Exception):
    """Nobody listens on the subject asked: the request reached no one."""


class LogUnavailable(Exception):
    """No quorum answered within the deadline: the append may or may not be stored (a
    retry with the same message id is safe), and the report must not be acknowledged."""


@dataclass(frozen=True, slots=True)
class Appended:
    seq: int
    #: The same message id was already in the log: ``seq`` is the first append's.
    duplicate: bool


@dataclass(frozen=True, slots=True)
class LogEntry:
    seq: int
    subject: str
    data: bytes


def subject_for(kind: str, key: str = "") -> str:
    """``wf.ev.<kind>[.<key>]``: a case's events share a subject, so a write can be
    checked against the last one (tokens may not hold dots or spaces)."""
    safe = key.replace(".", "_").replace(" ", "_").replace("*", "_").replace(">", "_")
    return f"wf.ev.{kind}.{safe}" if safe else f"wf.ev.{kind}"


class ClusterLog:
    """One node's handle on the shared event log."""

    def __init__(
        self,
        servers: Sequence[str],
        *,
        stream: str = STREAM,
        replicas: int = 3,
        name: str = "watchfloor-hub",
    ) -> None:
        self.servers = list(servers)
        self.stream = stream
        self.replicas = replicas
        self.name = name
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self.info: StreamInfo | None = None

    # ---- connection and stream ---------------------------------------------------------

    async def connect(self, timeout: float = 30.0) -> None:
        """Connect to any reachable server (nats-py moves to another when one dies) and
        make sure the stream exists with its replicas; waits for a quorum up to
        ``timeout`` (a cluster that is still electing its leaders)."""
        self._nc = await nats.connect(
            servers=self.servers,
            name=self.name,
            connect_timeout=2,
            reconnect_time_wait=0.25,
            max_reconnect_attempts=-1,
            allow_reconnect=True,
        )
        self._js = self._nc.jetstream(timeout=2.0)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                self.info = await self._ensure_stream()
                return
            except (NatsTimeout, NoRespondersError, APIError) as exc:
                if asyncio.get_running_loop().time() > deadline:
                    raise LogUnavailable(f"stream {self.stream}: {exc!r}") from exc
                await asyncio.sleep(0.2)

    async def _ensure_stream(self) -> StreamInfo:
        js = self._jetstream()
        try:
            return await js.stream_info(self.stream)
        except NotFoundError:
            pass
        config = StreamConfig(
            name=self.stream,
            subjects=[SUBJECTS],
            storage=StorageType.FILE,
            num_replicas=self.replicas,
            duplicate_window=DUPLICATE_WINDOW_S,
            # The log is the record of what walls were told: never dropped for room.
            discard=DiscardPolicy.NEW,
            allow_direct=True,
        )
        return await js.add_stream(config)

    async def close(self) -> None:
        nc, self._nc, self._js = self._nc, None, None
        if nc is None:
            return
        try:
            await asyncio.wait_for(nc.drain(), 5.0)
        except Exception as exc:  # servers gone or no quorum: drop the connection anyway
            log.info("NATS drain on close failed (%r): closing", exc)
            await nc.close()

    async def reload(self) -> None:
        """Read the stream's description again (made anew if it is gone): after an
        operator re-created or restored the log, :attr:`epoch` names the new one."""
        self.info = await self._ensure_stream()

    @property
    def connected_url(self) -> str | None:
        """The NATS server this node is connected to now (``nats://host:port``)."""
        url = self._nc.connected_url if self._nc is not None else None
        return f"nats://{url.netloc}" if url is not None else None

    def _jetstream(self) -> JetStreamContext:
        if self._js is None:
            raise LogUnavailable("not connected")
        return self._js

    @property
    def epoch(self) -> str:
        """Names this log: the stream's name and creation time (see the module doc)."""
        if self.info is None or self.info.created is None:
            raise LogUnavailable("stream not loaded")
        return f"{self.stream}@{self.info.created.isoformat()}"

    # ---- writing ------------------------------------------------------------------------

    async def append(
        self,
        subject: str,
        data: bytes,
        msg_id: str,
        *,
        expected_subject_seq: int | None = None,
        deadline: float = APPEND_DEADLINE_S,
        headers: dict[str, str] | None = None,
    ) -> Appended:
        """Store ``data`` once under ``msg_id``; returns its seq once a quorum stored it.

        Raises :class:`StaleWrite` when ``expected_subject_seq`` is not the subject's last
        (0: the subject must be new), :class:`LogUnavailable` past ``deadline``.
        """
        headers = {**(headers or {}), MSG_ID: msg_id}
        if expected_subject_seq is not None:
            headers[EXPECTED_LAST_SUBJECT_SEQUENCE] = str(expected_subject_seq)
        loop = asyncio.get_running_loop()
        give_up = loop.time() + deadline
        while True:
            try:
                ack = await self._jetstream().publish(
                    subject, data, timeout=2.0, stream=self.stream, headers=dict(headers)
                )
                return Appended(seq=int(ack.seq), duplicate=bool(ack.duplicate))
            except APIError as exc:
                if exc.err_code == ERR_WRONG_LAST_SEQUENCE:
                    raise StaleWrite(subject, expected_subject_seq or 0) from None
                retryable = exc.err_code == ERR_DUPLICATE_IN_PROCESS or (exc.code or 0) >= 500
                if not retryable:
                    raise
                error: Exception = exc
            except (NatsTimeout, NoRespondersError, NoStreamResponseError) as exc:
                error = exc
            # A leader election or a reconnect: the same id again is safe (deduplicated).
            if loop.time() > give_up:
                raise LogUnavailable(f"append {msg_id}: {error!r}") from error
            log.info("append %s not acknowledged (%r): retrying", msg_id, error)
            await asyncio.sleep(0.1)

    async def append_at(
        self,
        seq: int,
        subject: str,
        data: bytes,
        msg_id: str,
        *,
        deadline: float = APPEND_DEADLINE_S,
    ) -> bool:
        """Store ``data`` as message ``seq`` of the stream, exactly: it must follow
        ``seq - 1`` (``Nats-Expected-Last-Sequence``), so the stream's numbering is the
        store's. Returns False when ``seq`` was already there with this content (an earlier
        writer published it before it died). Raises :class:`LogDiverged` when the stream
        has something else there or is ahead of ``seq - 1`` without it,
        :class:`LogUnavailable` past ``deadline``.
        """
        try:
            done = await self.append(
                subject,
                data,
                msg_id,
                deadline=deadline,
                headers={EXPECTED_LAST_SEQUENCE: str(seq - 1)},
            )
            if done.seq == seq:
                return not done.duplicate
        except StaleWrite:
            pass
        # Not the next one: either already published (by us or an earlier writer) or not
        # ours at all. Only an identical message at seq means the first.
        existing = await self._message(seq)
        if existing is not None and existing.data == data:
            return False
        last = await self.last_seq()
        raise LogDiverged(f"stream {self.stream} at seq {seq} (last {last}) differs from the store")

    async def _message(self, seq: int) -> RawStreamMsg | None:
        try:
            return await self._jetstream().get_msg(self.stream, seq)
        except NotFoundError:
            return None

    # ---- reading ------------------------------------------------------------------------

    async def last_seq(self) -> int:
        info = await self._jetstream().stream_info(self.stream)
        return int(info.state.last_seq)

    async def read(self, since: int, until: int, *, timeout: float = 10.0) -> list[LogEntry]:
        """Every entry with ``since < seq <= until``, in order (an ordered consumer: it
        restarts by itself at the last seq it delivered when its server goes away)."""
        if until <= since:
            return []
        entries: list[LogEntry] = []
        done = asyncio.get_running_loop().create_future()

        async def take(msg: Msg) -> None:
            seq = int(msg.metadata.sequence.stream)
            if seq > until:
                if not done.done():
                    done.set_result(None)
                return
            entries.append(LogEntry(seq=seq, subject=msg.subject, data=msg.data))
            if seq >= until and not done.done():
                done.set_result(None)

        loop = asyncio.get_running_loop()
        give_up = loop.time() + timeout
        while True:
            try:
                subscription = await self._jetstream().subscribe(
                    SUBJECTS,
                    stream=self.stream,
                    cb=take,
                    ordered_consumer=True,
                    config=ConsumerConfig(
                        deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=since + 1
                    ),
                )
                break
            except (NatsTimeout, NoRespondersError, APIError) as exc:
                # Making the consumer needs the cluster's meta leader: none for a moment
                # after a server came back.
                if isinstance(exc, APIError) and (exc.code or 0) < 500:
                    raise
                if loop.time() > give_up:
                    raise TimeoutError(f"read from {since}: {exc!r}") from exc
                await asyncio.sleep(0.2)
        try:
            await asyncio.wait_for(done, max(0.1, give_up - loop.time()))
        finally:
            await subscription.unsubscribe()
        return entries

    async def tail(
        self, since: int, on_entry: Callable[[LogEntry], Awaitable[None]]
    ) -> Subscription:
        """Deliver every entry after ``since`` to ``on_entry``, in order, as it is appended,
        until the returned subscription is unsubscribed: how a standby node follows the
        writer. An ordered consumer: when its server goes away it is made again at the
        last seq it delivered, so nothing is skipped or delivered twice."""

        async def take(msg: Msg) -> None:
            seq = int(msg.metadata.sequence.stream)
            await on_entry(LogEntry(seq=seq, subject=msg.subject, data=msg.data))

        loop = asyncio.get_running_loop()
        give_up = loop.time() + APPEND_DEADLINE_S
        while True:
            try:
                return await self._jetstream().subscribe(
                    SUBJECTS,
                    stream=self.stream,
                    cb=take,
                    ordered_consumer=True,
                    config=ConsumerConfig(
                        deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=since + 1
                    ),
                )
            except (NatsTimeout, NoRespondersError, APIError) as exc:
                if isinstance(exc, APIError) and (exc.code or 0) < 500:
                    raise
                if loop.time() > give_up:
                    raise LogUnavailable(f"tail from {since}: {exc!r}") from exc
                await asyncio.sleep(0.2)

    # ---- the nodes' own messages (core NATS: not in the log) ---------------------------

    def _client(self) -> Client:
        if self._nc is None:
            raise LogUnavailable("not connected")
        return self._nc

    async def publish(self, subject: str, data: bytes) -> None:
        """Send to whichever nodes listen now; nothing is kept (live positions)."""
        await self._client().publish(subject, data)

    async def subscribe(
        self, subject: str, handler: Callable[[Msg], Awaitable[None]]
    ) -> Subscription:
        subscription = await self._client().subscribe(subject, cb=handler)
        # Once this returns the server has the interest (the other servers of the cluster
        # learn it over their routes a moment later).
        await self._client().flush(timeout=5)
        return subscription

    async def request(self, subject: str, data: bytes, timeout: float) -> bytes:
        """Ask the one node that answers ``subject``. Raises :class:`NoResponder` when
        none listens (the request reached nobody), :class:`LogUnavailable` when the answer
        does not come within ``timeout`` (it may have been done)."""
        try:
            answer = await self._client().request(subject, data, timeout=timeout)
        except NoRespondersError as exc:
            raise NoResponder(subject) from exc
        except NatsTimeout as exc:
            raise LogUnavailable(f"{subject}: no answer in {timeout} s") from exc
        return bytes(answer.data)
