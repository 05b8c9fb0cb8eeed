"""asyncio websockets transport over the protocol core: connect, resume, repair, request.

Walls run for days: the client reconnects forever with exponential backoff and jitter,
resumes from the last applied ``seq``, drops duplicates, and on a gap reconnects at once
asking for what it missed (the hub answers with the events or a fresh snapshot).

Frames it cannot read: an unknown ``type`` without a ``seq`` (a newer hub's notice that
stores nothing) is skipped; anything else might have been a stored event, so the client
asks again from its last ``seq``. If asking again makes no progress (the hub keeps sending
the same unreadable event), the next attempt asks for a fresh snapshot instead, which is
valid past that event: never a silent skip, never a hot reconnect loop.

Live positions (``unit.positions``) carry no ``seq``: each fix is kept if it is newer than
the unit's, and an unreadable one is skipped (the next frame, or the resync after the
next resume, brings the unit's newest fix anyway).

Several hubs (``ws://a/stream,ws://b/stream``, the nodes of one cluster) are tried in
turn: when the link to one is lost, the next attempt goes to the next, and a resume
there is exact because every node numbers the log alike (the welcome's ``epoch`` says so).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import ssl
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from backend_client.errors import RequestFailed as RequestFailed  # re-exported
from backend_client.link import STALE_AFTER_SECONDS, Link, LinkStatus, classify
from backend_client.protocol import (
    Decision,
    Error,
    Fix,
    Heartbeat,
    Hello,
    ProtocolError,
    Request,
    Response,
    SequenceTracker,
    Snapshot,
    UnitPositions,
    Welcome,
    decode_server,
    encode,
)
from backend_client.protocol.messages import STORED_EVENT_TYPES, FeedEvent, StoredEvent
from backend_client.state import FeedState

if TYPE_CHECKING:
    from backend_client.tracks import TrackHistory

log = logging.getLogger(__name__)

#: The CA bundle wss:// connections trust when a client is given none (``--ca``): one
#: hub per process, so the command line sets it once. None: the system's trust store.
_default_tls: ssl.SSLContext | None = None


def trust_ca(cafile: Path | None) -> ssl.SSLContext:
    """A client TLS context trusting ``cafile`` (else the system store), made the default
    for wss:// connections of this process. Raises OSError or ssl.SSLError when the file
    cannot be read or holds no certificate."""
    global _default_tls
    context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    _default_tls = context
    return context


def _tls_failure(exc: ssl.SSLError, url: str) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        detail = exc.verify_message or exc.reason or str(exc)
        return (
            f"TLS: the certificate of {url} is not trusted ({detail}); "
            "give --ca FILE with the CA that signed it"
        )
    return f"TLS handshake with {url} failed: {exc.reason or exc}"


#: Hub-minus-local clock samples kept (welcome, then one per heartbeat: about a minute).
SKEW_SAMPLES = 12


class FeedListener(Protocol):
    def on_snapshot(self, state: FeedState) -> None: ...
    def on_event(self, event: FeedEvent) -> None: ...
    def on_link(self, status: LinkStatus) -> None: ...


class AuthRejected(Exception):
    """The hub refused the token (or the URL is unusable): retrying will not help."""

    def __init__(self, message: str, code: str = "unauthorized") -> None:
        super().__init__(message)
        self.code = code


class _Resync(Exception):
    """Leave this connection and ask the hub again from the last applied ``seq``."""


class _Envelope(msgspec.Struct):
    """What every frame has in common; read only from frames the schemas rejected."""

    type: str = ""
    seq: int | None = None


_envelope_decoder = msgspec.json.Decoder(_Envelope)
_LIVE_TYPES = frozenset({"unit.positions"})


def _carries_seq(raw: str | bytes) -> bool:
    """Whether an unreadable frame may have been a stored event (when in doubt: yes)."""
    try:
        return _envelope_decoder.decode(raw).seq is not None
    except msgspec.MsgspecError:
        return True


def _is_live(raw: str | bytes) -> bool:
    """Whether an unreadable frame was a live (unsequenced) one, safe to skip."""
    try:
        envelope = _envelope_decoder.decode(raw)
    except msgspec.MsgspecError:
        return False
    return envelope.type in _LIVE_TYPES and envelope.seq is None


def _host_of(url: str) -> str:
    return urlsplit(url).netloc or url


def hub_urls(url: str) -> list[str]:
    """The hubs of ``--hub``: one URL, or several separated by commas (a cluster)."""
    urls = [part.strip() for part in url.split(",") if part.strip()]
    return urls or [url]


class FeedClient:
    def __init__(
        self,
        url: str,
        token: str,
        listener: FeedListener | None = None,
        *,
        since: int | None = None,
        backoff_initial: float = 0.25,
        # Capped at 2 s: a wall must be back within 2 s of its hub (DESIGN.md budgets),
        # and a reconnect attempt every 1-2 s per wall is nothing for a hub.
        backoff_max: float = 2.0,
        stale_after: float = STALE_AFTER_SECONDS,
        clock: Callable[[], float] = time.time,
        tracks: TrackHistory | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        #: ``--hub`` as given: one hub, or a cluster's nodes (the answer cache's scope).
        self.url = url
        self.urls = hub_urls(url)
        self._url_index = 0
        self.token = token
        self.listener = listener
        self.state = FeedState()
        self.tracker = SequenceTracker(since)
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.stale_after = stale_after
        self.clock = clock
        self.role: str | None = None
        #: The log the tracker's seq counts in (the last welcome's); sent back with
        #: ``since`` so that a hub with another log answers with a snapshot.
        self.epoch: str | None = None
        #: The hub node of the current (or last) connection, as its welcome named it.
        self.node: str = ""
        #: The name the hub's auth file gives this client's token (walls are addressed by it).
        self.name: str | None = None
        # Hub time minus local time, in seconds; see hub_now().
        self.clock_skew = 0.0
        self._skew_samples: deque[float] = deque(maxlen=SKEW_SAMPLES)
        self.connects = 0
        self.applied = 0  # stored events
        self.live_frames = 0  # unit.positions frames
        self.last_good: float | None = None
        self._ws: ClientConnection | None = None
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._stopping = False
        self._link = Link.CONNECTING
        self._synced = asyncio.Event()
        self.tracks = tracks
        self.tls = tls
        self.fatal: str | None = None
        self.fatal_code: str | None = None
        self.resyncs = 0
        self.skipped_unknown = 0
        # Progress (a snapshot or an applied event) made by the current connection, and
        # how many resyncs in a row made none: after one, the client asks for a snapshot.
        self._progress = False
        self._fruitless_resyncs = 0

    # ---- public ------------------------------------------------------------------------

    @property
    def current_url(self) -> str:
        """The hub node this client connects (or will next connect) to."""
        return self.urls[self._url_index]

    @property
    def status(self) -> LinkStatus:
        return LinkStatus(self._link, self.last_good, self.fatal or "", self.node)

    def _tls_context(self) -> ssl.SSLContext:
        global _default_tls
        if self.tls is not None:
            return self.tls
        if _default_tls is None:
            _default_tls = ssl.create_default_context()  # the system's trust store
        return _default_tls

    def hub_now(self) -> float:
        """The hub's time now: the local clock corrected by the measured skew.

        Deadlines and ages computed from hub timestamps (1-3-15, report times) must use
        this, not the local clock: a wall PC whose clock is off by minutes would show
        every case as missed, or none. Link staleness needs no correction: it compares
        local receive times with the local clock.
        """
        return self.clock() + self.clock_skew

    def _sample_skew(self, server_ts: float, now: float) -> None:
        # A frame stamped at server_ts reaches us some delay d later, so each sample is
        # the true offset minus d: the largest recent sample is the least delayed one,
        # and one slow frame never drags the estimate. A short window still follows a
        # clock that is stepped (NTP) within a minute.
        self._skew_samples.append(server_ts - now)
        self.clock_skew = max(self._skew_samples)

    async def run(self) -> None:
        """Connect and keep connected until :meth:`stop` (or until the hub refuses us)."""
        watchdog = asyncio.create_task(self._watch_staleness())
        attempt = 0
        try:
            while not self._stopping:
                self._progress = False
                resync = False
                try:
                    await self._session()
                except AuthRejected as exc:
                    self.fatal, self.fatal_code = str(exc), exc.code
                    self._ws = None
                    self._set_link(False)
                    log.error("hub refused us: %s", exc)
                    return
                except _Resync as exc:
                    resync = True
                    self.resyncs += 1
                    log.info("%s after seq %s: asking again", exc, self.tracker.last)
                except (
                    OSError,
                    ConnectionClosed,
                    InvalidHandshake,
                    TimeoutError,
                ) as exc:
                    log.info("hub link down: %s", exc)
                finally:
                    self._ws = None
                    self._fail_pending()
                if self._progress:
                    attempt = 0
                    self._fruitless_resyncs = 0
                elif resync:
                    self._fruitless_resyncs += 1
                if resync and self._progress:
                    # A gap in a stream that was flowing: repair it at once, and without
                    # telling widgets we were offline (we were not, for them).
                    continue
                self._set_link(False)
                if self._stopping:
                    break
                if len(self.urls) > 1:
                    # The node is gone or refused us: the next one serves the same log,
                    # so go there now; the backoff grows only once every node was tried.
                    self._url_index = (self._url_index + 1) % len(self.urls)
                    if self._url_index != 0:
                        await asyncio.sleep(self.backoff_initial * random.uniform(0.5, 1.0))
                        continue
                delay = min(self.backoff_max, self.backoff_initial * 2**attempt)
                attempt = min(attempt + 1, 16)
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))
        finally:
            watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watchdog

    async def stop(self) -> None:
        self._stopping = True
        if self._ws is not None:
            await self._ws.close()

    async def wait_synced(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self._synced.wait(), timeout)

    async def request(
        self, op: str, args: dict[str, Any] | None = None, timeout: float = 10.0
    ) -> dict[str, Any]:
        ws = self._ws
        if ws is None:
            raise RequestFailed("offline", "not connected to the hub")
        request_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            await ws.send(encode(Request(id=request_id, op=op, args=args or {})).decode())
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise RequestFailed("timeout", f"{op} not answered in {timeout:g} s") from None
        except ConnectionClosed:
            raise RequestFailed("offline", "connection lost") from None
        finally:
            self._pending.pop(request_id, None)

    # ---- one connection ----------------------------------------------------------------

    async def probe(self) -> str | None:
        """One connection and no retry, for ``watchfloor check``: connect and, given a
        token, say hello and read the answer. Returns the role the hub gives the token
        (None without a token: reachable is then all there is to know).

        Raises :class:`AuthRejected` (token refused, bad URL, TLS not trusted),
        ``ProtocolError`` (the peer is no Watchfloor hub) and the errors :meth:`run`
        retries on (``OSError``, ``InvalidHandshake``, ``TimeoutError``)."""
        async with await self._open() as ws:
            if not self.token:
                return None
            await ws.send(encode(Hello(token=self.token)).decode())
            raw = await ws.recv()
            decode_server(raw)  # a ProtocolError here: whatever answered is not a hub
            self._receive(raw)
            return self.role

    async def _open(self) -> ClientConnection:
        try:
            # websockets wants an ssl context for wss:// only, and refuses None with one.
            tls: dict[str, Any] = {}
            url = self.current_url
            if url.startswith("wss:"):
                tls["ssl"] = self._tls_context()
            return await connect(url, open_timeout=5, max_size=64 << 20, max_queue=256, **tls)
        except InvalidURI as exc:
            raise AuthRejected(f"bad hub URL: {exc}", "bad_url") from None
        except ssl.SSLError as exc:
            # An untrusted or wrong certificate does not mend itself: say so once and
            # stop, rather than retry it silently for ever (exit 2 from tail).
            raise AuthRejected(_tls_failure(exc, self.current_url), "tls") from None

    async def _session(self) -> None:
        ws = await self._open()
        async with ws:
            self._ws = ws
            self.connects += 1
            # Asking again from the same seq already failed once: take a snapshot.
            since = None if self._fruitless_resyncs else self.tracker.resume_from
            epoch = self.epoch if since is not None else None
            await ws.send(encode(Hello(token=self.token, since=since, epoch=epoch)).decode())
            async for raw in ws:
                self._receive(raw)

    def _receive(self, raw: str | bytes) -> None:
        try:
            message = decode_server(raw)
        except ProtocolError as exc:
            if exc.code == "unknown_type" and not _carries_seq(raw):
                # A newer hub's message that stores nothing: safe to skip.
                self.skipped_unknown += 1
                log.debug("skipped a frame of unknown type: %s", exc)
                return
            if _is_live(raw):
                self.skipped_unknown += 1
                log.warning("unreadable live positions from hub (%s): skipped", exc)
                return
            # A frame we cannot read may have carried a stored event: resume from what we
            # have rather than skip it silently.
            log.warning("unreadable frame from hub (%s): resyncing", exc)
            raise _Resync(f"unreadable frame ({exc.code})") from None
        now = self.clock()
        match message:
            case Welcome(role=role, server_time=server_time):
                self.role = role
                self.name = message.name or None
                self.node = message.node or _host_of(self.current_url)
                if message.epoch != self.epoch:
                    if self.epoch is not None and self.tracker.last is not None:
                        # Another log: our seq means nothing there. The hub answers a
                        # mismatched epoch with a snapshot; wait for it, apply nothing else.
                        log.warning("hub log changed (epoch %s -> %s)", self.epoch, message.epoch)
                        self.tracker = SequenceTracker()
                    self.epoch = message.epoch
                # A new connection may be to a hub with another clock (a fail-over).
                self._skew_samples.clear()
                self._sample_skew(server_time, now)
            case Snapshot():
                self.state.load(message)
                self.tracker.on_snapshot(message.seq)
                if self.tracks is not None:
                    self.tracks.reserve(len(self.state.units))
                self._progress = True
                self._good(now)
                self._synced.set()
                if self.listener is not None:
                    self.listener.on_snapshot(self.state)
            case Heartbeat(seq=seq, ts=ts):
                self._sample_skew(ts, now)
                if self.tracker.on_heartbeat(seq) is Decision.GAP:
                    raise _Resync(f"heartbeat at seq {seq}")
                self._good(now)
                self._synced.set()
            case UnitPositions(fixes=fixes):
                self._live_positions(message, fixes, now)
            case Response(id=request_id, result=result):
                future = self._pending.get(request_id)
                if future is not None and not future.done():
                    future.set_result(result)
            case Error(id=request_id, code=code, message=text, field=field):
                if code == "unauthorized" or (code == "forbidden" and request_id is None):
                    raise AuthRejected(text, code)
                future = self._pending.get(request_id) if request_id is not None else None
                if future is not None and not future.done():
                    future.set_exception(RequestFailed(code, text, field))
                else:
                    log.warning("hub error %s: %s", code, text)
            case _ if isinstance(message, STORED_EVENT_TYPES):
                self._stored(message, now)  # type: ignore[arg-type]

    def _stored(self, event: StoredEvent, now: float) -> None:
        decision = self.tracker.on_event(event.seq)
        if decision is Decision.DUPLICATE:
            return
        if decision is Decision.GAP:
            raise _Resync(f"gap before seq {event.seq}")
        self.state.apply(event)
        self.tracker.applied(event.seq)
        self.applied += 1
        self._progress = True
        self._good(now)
        self._synced.set()
        if self.listener is not None:
            self.listener.on_event(event)

    def _live_positions(self, frame: UnitPositions, fixes: list[Fix], now: float) -> None:
        taken = self.state.apply_positions(fixes)
        self.live_frames += 1
        self._good(now)
        if not taken:
            return
        if self.tracks is not None:
            self.tracks.add(taken)
        if self.listener is not None:
            # Only what moved: a resync frame repeats every unit, most of them unchanged.
            event = frame if len(taken) == len(fixes) else UnitPositions(ts=frame.ts, fixes=taken)
            self.listener.on_event(event)

    # ---- link state --------------------------------------------------------------------

    def _good(self, now: float) -> None:
        self.last_good = now
        self._set_link(True)

    def _set_link(self, connected: bool) -> None:
        link = classify(
            connected and self._ws is not None, self.last_good, self.clock(), self.stale_after
        )
        if link is not self._link:
            self._link = link
            if self.listener is not None:
                self.listener.on_link(self.status)

    async def _watch_staleness(self) -> None:
        # Often enough that "stale" shows within a quarter of the threshold (tests use
        # thresholds well under a second), at most once a second on a wall.
        while True:
            await asyncio.sleep(min(1.0, self.stale_after / 4))
            self._set_link(self._ws is not None)

    def _fail_pending(self) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(RequestFailed("offline", "connection lost"))
        self._pending.clear()
