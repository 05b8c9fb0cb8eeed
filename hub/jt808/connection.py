"""One JT/T 808 terminal's connection: a protocol object the loop drives by callbacks.

Messages are handled in order, one at a time: while a report waits for its commit, what
is read next waits in a queue, and past ``READ_AHEAD`` messages the socket is not read,
so a terminal sending faster than it is answered buffers in the kernel, not in the hub.
A terminal that does not read its answers is not read either, and is closed after the
owner's ``write_seconds``; one that sends nothing for ``idle_seconds`` is closed too.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from hub.jt808.codec import PlatformAnswers
from hub.jt808.deframer import Deframer, Event

log = logging.getLogger("hub.jt808.gateway")

#: Messages read but not handled yet beyond which the socket is no longer read. A terminal
#: waits for each answer, so it never gets here; one that floods is held to about this
#: many (and the kernel's buffer). Not pausing for every wait saves two epoll_ctl calls a
#: message (measured: 1.5 s of the loop's 80 s at 10,000 terminals).
READ_AHEAD = 32
#: A read of at most this many bytes is handled at once: a live 0x0200 (about 40-200
#: bytes), a heartbeat, a login. A bigger one (a 0x0704 backlog, a terminal emptying its
#: buffer, a flood) is deferred to the gateway's bulk lane, one read per loop pass, so
#: that live reports are not queued behind a reconnect storm's backlogs: the loop's own
#: FIFO would otherwise make a 0x0200 wait for every backlog read in the same poll.
SMALL_READ = 512
#: Deferred bytes beyond which the socket is not read until the lane catches up.
DEFERRED_LIMIT = 64 * 1024


class Owner(Protocol):
    """What a connection needs of its gateway."""

    counts: Counter[str]
    idle_seconds: float
    write_seconds: float

    def connection_opened(self, connection: Connection) -> None: ...
    def defer(self, connection: Connection) -> None: ...
    def connection_ended(self, connection: Connection) -> None: ...
    def on_event(self, link: Link, event: Event, answers: PlatformAnswers) -> Outcome: ...


@dataclass
class Link:
    """One connection's state: who authenticated on it."""

    peer: str
    terminal: str | None = None
    officer: str | None = None


#: What handling a message gives: an answer now, none, or a commit to wait for (and how
#: to turn its outcome into the answer).
Pending = tuple["asyncio.Future[Any]", Callable[["asyncio.Future[Any]"], bytes]]
Outcome = bytes | None | Pending


class Connection(asyncio.Protocol):
    """One terminal's connection, driven by the loop's callbacks (no task of its own).

    Messages are handled in order, one at a time (see the module's docstring). A protocol
    object instead of a stream reader and a task per connection: 10,000 terminals cost
    the loop one callback per read, not a task wake-up, two ``wait_for`` tasks and a
    drain per message (measured: a third of the loop's time went there under load).
    """

    def __init__(self, gateway: Owner) -> None:
        self.gateway = gateway
        self.loop = asyncio.get_running_loop()
        self.link = Link(peer="?")
        self.deframer = Deframer()
        self.answers = PlatformAnswers()
        self.transport: asyncio.Transport | None = None
        self._events: collections.deque[Event] = collections.deque()
        self._deferred: collections.deque[bytes] = collections.deque()
        self._deferred_bytes = 0
        self._waiting: asyncio.Future[Any] | None = None
        self._write_paused = False
        self._read_paused = False
        self._eof = False
        self._closed = False
        self._last_read = self.loop.time()
        self._idle_timer: asyncio.TimerHandle | None = None
        self._write_timer: asyncio.TimerHandle | None = None

    # ---- transport callbacks ---------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.link.peer = f"{peer[0]}:{peer[1]}" if peer else "?"
        self.gateway.connection_opened(self)
        # One timer per connection, moved on only when it fires: not a timer per read.
        self._idle_timer = self.loop.call_at(
            self._last_read + self.gateway.idle_seconds, self._check_idle
        )

    def data_received(self, data: bytes) -> None:
        self._last_read = self.loop.time()
        if self._closed:
            return
        if self._deferred or len(data) > SMALL_READ:
            # In order: once anything waits in the bulk lane, the rest follows it there.
            self._deferred.append(data)
            self._deferred_bytes += len(data)
            if self._deferred_bytes > DEFERRED_LIMIT:
                self._pause_reading()
            if len(self._deferred) == 1:
                self.gateway.defer(self)
            return
        self._take(data)

    def take_deferred(self) -> bool:
        """Handle the oldest deferred read (the gateway's bulk lane calls this); True
        while more of them wait."""
        if not self._deferred:
            return False
        data = self._deferred.popleft()
        self._deferred_bytes -= len(data)
        if not self._closed:
            self._take(data)
        return bool(self._deferred) and not self._closed

    def _take(self, data: bytes) -> None:
        self._events.extend(self.deframer.feed(data))
        if len(self._events) > READ_AHEAD:
            self._pause_reading()
        self._pump()

    def eof_received(self) -> bool:
        if self._waiting is None and not self._events and not self._deferred:
            self._end("closed.eof")
            return False
        # Half-closed after its last reports: answer them, then close.
        self._eof = True
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._closed:
            self._closed = True
            self.gateway.counts["closed.reset" if exc is not None else "closed.eof"] += 1
        self._cancel_timers()
        self._events.clear()
        self._deferred.clear()
        self._deferred_bytes = 0
        self.gateway.connection_ended(self)

    def pause_writing(self) -> None:
        # The terminal does not read its answers: stop taking its messages, and give up
        # on it if it still does not read within the limit.
        self._write_paused = True
        self._pause_reading()
        if self._write_timer is None:
            self._write_timer = self.loop.call_later(
                self.gateway.write_seconds, self._end, "closed.not_reading"
            )

    def resume_writing(self) -> None:
        self._write_paused = False
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None
        self._pump()

    # ---- the work --------------------------------------------------------------------

    def close(self) -> None:
        """Close without counting a reason (the gateway stops)."""
        self._closed = True
        self._cancel_timers()
        if self.transport is not None:
            self.transport.close()

    def _end(self, reason: str) -> None:
        if self._closed:
            return
        self.gateway.counts[reason] += 1
        self.close()

    def _cancel_timers(self) -> None:
        for timer in (self._idle_timer, self._write_timer):
            if timer is not None:
                timer.cancel()
        self._idle_timer = self._write_timer = None

    def _check_idle(self) -> None:
        deadline = self._last_read + self.gateway.idle_seconds
        if self._waiting is None and self.loop.time() >= deadline:
            log.info(
                "jt808 %s: nothing for %.0f s, closed", self.link.peer, self.gateway.idle_seconds
            )
            self._end("closed.idle")
            return
        # Read since, or waiting for a commit (not the terminal's silence): look again then.
        self._idle_timer = self.loop.call_at(
            max(deadline, self.loop.time() + 0.01), self._check_idle
        )

    def _pause_reading(self) -> None:
        if not self._read_paused and self.transport is not None and not self._closed:
            self._read_paused = True
            self.transport.pause_reading()

    def _pump(self) -> None:
        """Handle the read messages in order until one has to wait (or none is left)."""
        gateway = self.gateway
        while self._events and self._waiting is None and not self._write_paused:
            if self._closed:
                return
            event = self._events.popleft()
            try:
                outcome = gateway.on_event(self.link, event, self.answers)
            except Close as close:
                log.warning("jt808 %s: closed, %s", self.link.peer, close.detail)
                self._end(close.reason)
                return
            except Exception:  # a bug here must cost one connection, never the server
                log.exception("jt808 %s: connection failed", self.link.peer)
                self._end("closed.internal")
                return
            if isinstance(outcome, tuple):
                future, finish = outcome
                self._waiting = future
                future.add_done_callback(functools.partial(self._answered, finish=finish))
                return
            if outcome is not None:
                self._write(outcome)
        if self._closed or self._write_paused:
            return
        if self._eof and self._waiting is None and not self._events and not self._deferred:
            self._end("closed.eof")
        elif (
            self._read_paused
            and len(self._events) <= READ_AHEAD // 2
            and self._deferred_bytes <= DEFERRED_LIMIT // 2
        ):
            self._read_paused = False
            assert self.transport is not None
            self.transport.resume_reading()

    def _answered(
        self, done: asyncio.Future[Any], finish: Callable[[asyncio.Future[Any]], bytes]
    ) -> None:
        self._waiting = None
        if done.cancelled():  # the hub is stopping
            return
        try:
            answer = finish(done)
        except Exception:
            log.exception("jt808 %s: connection failed", self.link.peer)
            self._end("closed.internal")
            return
        if self._closed:
            return
        self._write(answer)
        self._pump()

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self._closed:
            self.transport.write(data)


class Close(Exception):
    """Handling an event ended the connection: ``reason`` is counted."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
