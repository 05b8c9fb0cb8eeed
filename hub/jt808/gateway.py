"""The JT/T 808 gateway: a TCP server that turns terminals' reports into stored fixes.

Each connection is an :class:`asyncio.Protocol` driving a :class:`~hub.jt808.Deframer` and
answering each message in order, so a terminal that floods, stalls or sends garbage costs
only its own connection: while a report waits for its commit the socket is not read (the
kernel's buffer holds the rest), a terminal that does not read its answers is not read
either and is closed after ``write_seconds``, and the deframer bounds a frame.

- **Binding.** A terminal whose phone number (digits, leading zeros dropped) equals an
  officer's roster ``device`` (the same normalisation) is that officer's device. Any
  other terminal is answered 0x8100 result 4 ("no such terminal") and nothing it sends
  is stored.
- **Auth code.** 0x8100 result 0 carries a code derived from the terminal's number: an
  HMAC-SHA256 with a secret the hub keeps in its store (``hub_settings``), so the same
  terminal always gets the same code and a code issued before a restart is accepted
  after it without a new registration. 0x0102 with that code authenticates the
  connection; positions are accepted only on an authenticated connection, from the
  terminal that authenticated on it.
- **Answers.** Every 0x0200 and 0x0704 is answered 0x8001 only after its positions are
  committed (``Hub.submit_fixes``): result 0 stored, 1 not stored (store failed, or not
  authenticated). 0x0002 heartbeat and 0x0003 logout: 0. Messages not handled: 3. A
  frame whose header was readable but whose body was not: 2. A 0x0001 (the terminal's
  own answer) is not answered.
- **Not a fix.** A report with status bit 1 clear is stored with ``fixed`` false: never
  streamed, never the live position, left out of ``unit.track``. A report without a
  valid time, or with coordinates out of range, cannot be stored (no fix time) and is
  answered 0 and counted (``unusable``): sending it again would not make it a fix.
- **SOS.** Alarm bit 0 raises an ``sos`` alert for the officer (:mod:`hub.sos`).
- **Errors.** Every dropped frame is counted by reason, every closed connection by why;
  ``GET /api/v1/health`` shows the counts under ``jt808``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import hmac
import logging
import secrets
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine

from backend_client.protocol.messages import Fix
from hub.jt808.codec import PlatformAnswers
from hub.jt808.connection import Close, Connection, Link, Outcome
from hub.jt808.deframer import Event, Fatal, FrameError
from hub.jt808.messages import (
    AnswerResult,
    Authenticate,
    Header,
    Heartbeat,
    Location,
    LocationBatch,
    Logout,
    Message,
    Register,
    RegisterResult,
    TerminalAnswer,
    Undecoded,
)
from hub.positions import FixesNotStored
from hub.service import Hub
from hub.sos import SOS_KIND, sos_alert
from hub.store.settings import stored_setting

log = logging.getLogger(__name__)

SECRET_SETTING = "jt808.auth_secret"
#: A terminal sends a heartbeat every 30-60 s by default (JT/T 808 parameter 0x0001);
#: five minutes of nothing is a dead link whose socket the hub should give back.
IDLE_SECONDS = 300.0
#: An answer the terminal does not read within this long closes its connection.
WRITE_SECONDS = 30.0
KMH_TO_MS = 1 / 3.6
#: Connections the kernel holds before the hub accepts them (capped by somaxconn). When a
#: district's network comes back, its terminals all reconnect within a second: with
#: asyncio's default of 100 the rest of them had their SYNs dropped and retried after 1 s,
#: then 3 s.
ACCEPT_BACKLOG = 4096


def terminal_key(number: str) -> str | None:
    """A phone number or device id as the gateway matches them: its digits without leading
    zeros (``"0"`` for all zeros); ``None`` when it is not all digits."""
    text = number.strip()
    if not text or not text.isdigit() or not text.isascii():
        return None
    return text.lstrip("0") or "0"


def load_secret(engine: Engine) -> bytes:
    """The hub's auth-code secret, made and stored on first use (blocking: off the loop)."""
    return bytes.fromhex(stored_setting(engine, SECRET_SETTING, lambda: secrets.token_hex(32)))


class AuthCodes:
    """Auth codes derived from a terminal's number and the hub's secret."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def code_for(self, terminal: str) -> str:
        digest = hmac.new(self._secret, b"jt808:" + terminal.encode(), hashlib.sha256)
        return digest.hexdigest()[:16].upper()

    def check(self, terminal: str, code: str) -> bool:
        return hmac.compare_digest(self.code_for(terminal).encode(), code.strip().encode())


class Jt808Gateway:
    """The TCP server; :attr:`counts` tallies messages, answers and every error reason."""

    def __init__(
        self,
        hub: Hub,
        host: str,
        port: int,
        *,
        idle_seconds: float = IDLE_SECONDS,
        write_seconds: float = WRITE_SECONDS,
    ) -> None:
        self.hub = hub
        self.host = host
        self.requested_port = port
        self.idle_seconds = idle_seconds
        self.write_seconds = write_seconds
        self.counts: Counter[str] = Counter()
        self.codes: AuthCodes | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[Connection] = set()
        # The bulk lane: connections with big reads waiting (see connection.SMALL_READ).
        self._bulk: collections.deque[Connection] = collections.deque()
        self._bulk_wake = asyncio.Event()
        self._bulk_task: asyncio.Task[None] | None = None
        self._sos_in_flight: set[str] = set()
        # Roster size when indexed, and terminal key -> (roster device id, officer).
        self._keys: tuple[int, dict[str, tuple[str, str]]] = (-1, {})

    # ---- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.codes = AuthCodes(await loop.run_in_executor(None, load_secret, self.hub.engine))
        self._server = await loop.create_server(
            lambda: Connection(self), self.host, self.requested_port, backlog=ACCEPT_BACKLOG
        )
        self._bulk_task = asyncio.create_task(self._bulk_lane(), name="jt808-bulk")
        self.hub.health_parts["jt808"] = self.health

    @property
    def port(self) -> int:
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        self.hub.health_parts.pop("jt808", None)
        if self._server is not None:
            self._server.close()
        for connection in list(self._connections):
            connection.close()
        if self._bulk_task is not None:
            self._bulk_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._bulk_task
            self._bulk_task = None
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5.0)
            self._server = None

    def health(self) -> dict[str, Any]:
        return {
            "port": self.port,
            "connections": len(self._connections),
            "counts": dict(self.counts),
        }

    # ---- connections ----------------------------------------------------------------

    def connection_opened(self, connection: Connection) -> None:
        self._connections.add(connection)
        self.counts["connections_opened"] += 1

    def connection_ended(self, connection: Connection) -> None:
        self._connections.discard(connection)

    def defer(self, connection: Connection) -> None:
        self._bulk.append(connection)
        self._bulk_wake.set()

    async def _bulk_lane(self) -> None:
        """Big reads, one per loop pass, connections taking turns: each pass first runs
        the callbacks of the reads that came meanwhile (the live reports), then one of
        these."""
        while True:
            if not self._bulk:
                self._bulk_wake.clear()
                await self._bulk_wake.wait()
                continue
            connection = self._bulk.popleft()
            try:
                if connection.take_deferred():
                    self._bulk.append(connection)
            except Exception:  # a bug costs that connection, never the lane
                log.exception("jt808 %s: connection failed", connection.link.peer)
                connection.close()
            await asyncio.sleep(0)

    # ---- messages --------------------------------------------------------------------

    def _officer_of(self, terminal: str) -> str | None:
        key = terminal_key(terminal)
        if key is None:
            return None
        devices: Mapping[str, str] = self.hub.devices
        size, keys = self._keys
        found = keys.get(key)
        # Indexed again when the roster grew (seeding) or an entry no longer holds.
        if size != len(devices) or (found is not None and devices.get(found[0]) != found[1]):
            keys = {}
            for device, officer in devices.items():
                device_key = terminal_key(device)
                if device_key is not None:
                    keys[device_key] = (device, officer)
            self._keys = (len(devices), keys)
            found = keys.get(key)
        return found[1] if found is not None else None

    def on_event(self, link: Link, event: Event, answers: PlatformAnswers) -> Outcome:
        """Handle what the deframer produced; raises :class:`Close` to end the link."""
        if isinstance(event, Fatal):
            raise Close(f"closed.{event.reason}", f"{event.reason} ({event.detail})")
        if isinstance(event, FrameError):
            self.counts[f"frame.{event.reason}"] += 1
            log.debug("jt808 %s: frame dropped, %s", link.peer, event.detail)
            # A readable header with a body that is not: "bad message", so the terminal
            # learns it was not taken.
            if event.header is None:
                return None
            return answers.general(event.header, AnswerResult.BAD_MESSAGE)
        self.counts["messages"] += 1
        return self._handle(link, event, answers)

    def _handle(self, link: Link, message: Message, answers: PlatformAnswers) -> Outcome:
        header, body = message.header, message.body
        match body:
            case Location() | LocationBatch():
                return self._locations(link, header, body, answers)
            case Heartbeat():
                return answers.general(header)
            case Register():
                if self._officer_of(header.terminal) is None or self.codes is None:
                    self.counts["register.unknown_terminal"] += 1
                    log.info("jt808 %s: terminal %s not in the roster", link.peer, header.terminal)
                    return answers.register(header, RegisterResult.NO_SUCH_TERMINAL)
                self.counts["register.ok"] += 1
                return answers.register(
                    header, RegisterResult.OK, self.codes.code_for(header.terminal)
                )
            case Authenticate(code=code):
                officer = self._officer_of(header.terminal)
                if (
                    officer is None
                    or self.codes is None
                    or not self.codes.check(header.terminal, code)
                ):
                    self.counts["auth.refused"] += 1
                    return answers.general(header, AnswerResult.FAILURE)
                link.terminal, link.officer = header.terminal, officer
                self.counts["auth.ok"] += 1
                return answers.general(header)
            case Logout():
                link.terminal = link.officer = None
                return answers.general(header)
            case TerminalAnswer():
                return None  # the terminal's answer to us: nothing to answer
            case Undecoded():
                self.counts[f"unsupported.{body.reason}"] += 1
                return answers.general(header, AnswerResult.NOT_SUPPORTED)
        self.counts["unsupported.other"] += 1  # pragma: no cover - every Body is matched
        return answers.general(header, AnswerResult.NOT_SUPPORTED)

    def _locations(
        self,
        link: Link,
        header: Header,
        body: Location | LocationBatch,
        answers: PlatformAnswers,
    ) -> Outcome:
        officer = link.officer
        if officer is None or header.terminal != link.terminal:
            self.counts["location.not_authenticated"] += 1
            return answers.general(header, AnswerResult.FAILURE)
        if isinstance(body, LocationBatch):
            reports = body.locations
            if body.errors:
                self.counts["batch.item_errors"] += len(body.errors)
                log.info("jt808 %s: batch items not decoded: %s", link.peer, body.errors)
        else:
            reports = (body,)
        fixes: list[Fix] = []
        unfixed: list[Fix] = []
        for report in reports:
            if (
                report.ts is None
                or not -90.0 <= report.lat <= 90.0
                or not -180.0 <= report.lon <= 180.0
            ):
                self.counts["location.unusable"] += 1
                continue
            fix = Fix(
                id=officer,
                lat=report.lat,
                lon=report.lon,
                ts=report.ts,
                speed=report.speed_kmh * KMH_TO_MS,
                heading=float(report.direction),
            )
            (fixes if report.positioned else unfixed).append(fix)
        alarms = [r for r in reports if r.sos]
        if alarms:  # rare: the slow path, a task storing the fixes and then the alert
            task = asyncio.ensure_future(
                self._store_with_alarm(link, header, fixes, unfixed, officer, alarms[-1])
            )
            return task, lambda done: answers.general(header, done.result())
        if not fixes and not unfixed:
            return answers.general(header)
        stored = self.hub.submit_fixes(fixes, unfixed)

        def finish(done: asyncio.Future[Any]) -> bytes:
            return answers.general(header, self._stored_result(link, done, fixes, unfixed))

        return stored, finish

    def _stored_result(
        self, link: Link, done: asyncio.Future[Any], fixes: list[Fix], unfixed: list[Fix]
    ) -> AnswerResult:
        error = done.exception()
        if error is None:
            self.counts["location.stored"] += len(fixes)
            self.counts["location.stored_no_fix"] += len(unfixed)
            return AnswerResult.OK
        # Not stored: answered "failure" so that the terminal keeps it and sends it again.
        # Failed batches are logged (rate-limited) by the positions loop.
        self.counts["location.not_stored"] += len(fixes) + len(unfixed)
        if not isinstance(error, FixesNotStored):
            raise error
        log.debug("jt808 %s: positions not stored: %s", link.peer, error.error)
        return AnswerResult.FAILURE

    async def _store_with_alarm(
        self,
        link: Link,
        header: Header,
        fixes: list[Fix],
        unfixed: list[Fix],
        officer: str,
        alarm: Location,
    ) -> AnswerResult:
        result = AnswerResult.OK
        if fixes or unfixed:
            stored = self.hub.submit_fixes(fixes, unfixed)
            with contextlib.suppress(Exception):
                await stored
            result = self._stored_result(link, stored, fixes, unfixed)
        if not await self._sos(officer, header.terminal, alarm):
            # Answered "failure" so that the terminal sends the alarm again.
            result = AnswerResult.FAILURE
        return result

    async def _sos(self, officer: str, terminal: str, report: Location) -> bool:
        """Raise an SOS alert for ``officer`` unless one is active; False if not stored."""
        active = any(
            a.kind == SOS_KIND and a.subject == officer for a in self.hub.state.alerts.values()
        )
        if active or officer in self._sos_in_flight:
            return True
        unit = self.hub.state.units.get(officer)
        ts = report.ts if report.ts is not None else time.time()
        alert = sos_alert(officer, unit.name if unit else officer, ts, f"终端 {terminal}")
        self._sos_in_flight.add(officer)
        try:
            if await self.hub.raise_sos(alert):
                self.counts["sos.raised"] += 1
                log.warning("jt808: SOS from %s (terminal %s)", officer, terminal)
        except Exception:
            self.counts["sos.not_stored"] += 1
            log.exception("jt808: SOS from %s (terminal %s) not stored", officer, terminal)
            return False
        finally:
            self._sos_in_flight.discard(officer)
        return True
