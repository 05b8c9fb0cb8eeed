"""The websocket stream (``ws://HOST:PORT/stream``): hello, resume or snapshot, live events."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
from websockets.http11 import Request as HttpRequest
from websockets.http11 import Response as HttpResponse

from backend_client.protocol import (
    Error,
    Hello,
    ProtocolError,
    Request,
    Welcome,
    decode_client,
    encode,
)
from hub.auth import Principal
from hub.requests import RequestRouter
from hub.service import Hub, Subscriber

log = logging.getLogger(__name__)

HELLO_TIMEOUT = 10.0
MAX_BAD_FRAMES_PER_10S = 50


def _error(
    code: str, message: str, request_id: int | None = None, field: str | None = None
) -> bytes:
    return encode(Error(code=code, message=message, id=request_id, field=field, ts=time.time()))


class _NoFrameDump(logging.LoggerAdapter):  # type: ignore[type-arg]
    """websockets' logger without DEBUG: at DEBUG it dumps every frame's payload, and a
    ``hello`` frame carries the client's token. Connection events (INFO up) still log."""

    def isEnabledFor(self, level: int) -> bool:
        return level > logging.DEBUG and self.logger.isEnabledFor(level)


class StreamServer:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.router = RequestRouter(hub)
        # A cluster's writer does the writes its standbys' clients ask for.
        hub.rpc_handlers["op"] = self.router.answer_forwarded
        self._server: Server | None = None
        self.tls: ssl.SSLContext | None = None  # set by HubRuntime: wss:// only

    async def start(self) -> None:
        self._server = await serve(
            self._handle,
            self.hub.config.host,
            self.hub.config.port,
            process_request=self._check_path,
            max_size=1 << 20,
            max_queue=64,
            ping_interval=20,
            ping_timeout=20,
            logger=_NoFrameDump(logging.getLogger("websockets.server")),
            ssl=self.tls,
            # Every batch is deflated once per client. At websockets' default level a
            # 1,000-fix batch cost 6.6 ms a client (a third of the hub loop's busy time in
            # the soak); level 1 costs 1.2 ms for 20 % more bytes (38 KB instead of 32).
            compression=None,
            extensions=[
                ServerPerMessageDeflateFactory(
                    server_max_window_bits=12,
                    client_max_window_bits=12,
                    compress_settings={"memLevel": 5, "level": 1},
                )
            ],
        )

    @property
    def port(self) -> int:
        assert self._server is not None
        sockets = list(self._server.sockets)
        return int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)

    def _check_path(
        self, connection: ServerConnection, request: HttpRequest
    ) -> HttpResponse | None:
        if request.path.split("?", 1)[0] != "/stream":
            return connection.respond(404, "no such stream; use /stream\n")
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        try:
            principal, since = await self._greet(ws)
        except (ConnectionClosed, TimeoutError):
            return
        if principal is None:
            return
        subscriber = self.hub.subscribe()
        sender = asyncio.create_task(self._send_loop(ws, subscriber, since))
        if principal.role == "wall":
            self.router.walls_online[principal.name] += 1
        try:
            await self._receive_loop(ws, principal)
        except ConnectionClosed:
            pass
        finally:
            if principal.role == "wall":
                self.router.walls_online[principal.name] -= 1
                if self.router.walls_online[principal.name] <= 0:
                    del self.router.walls_online[principal.name]
            self.hub.unsubscribe(subscriber)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await sender

    async def _greet(self, ws: ServerConnection) -> tuple[Principal | None, int | None]:
        raw = await asyncio.wait_for(ws.recv(), HELLO_TIMEOUT)
        try:
            message = decode_client(raw)
        except ProtocolError as exc:
            await ws.send(_error(exc.code, exc.message, field=exc.field))
            await ws.close(1008, "hello expected")
            return None, None
        if not isinstance(message, Hello):
            await ws.send(_error("hello_expected", "the first frame must be hello", field="type"))
            await ws.close(1008, "hello expected")
            return None, None
        principal = self.hub.tokens.authenticate(message.token)
        if principal is None:
            await ws.send(_error("unauthorized", "unknown token", field="token"))
            await ws.close(1008, "unauthorized")
            return None, None
        if not principal.may("stream"):
            await ws.send(_error("forbidden", f"role {principal.role} may not read the stream"))
            await ws.close(1008, "forbidden")
            return None, None
        welcome = Welcome(
            role=principal.role,
            name=principal.name,
            server_time=time.time(),
            seq=self.hub.published_seq,
            ts=time.time(),
            epoch=self.hub.epoch,
            node=self.hub.node,
        )
        await ws.send(encode(welcome))
        if message.epoch is not None and message.epoch != self.hub.epoch:
            # Its seq counts in another log (a store started anew, another cluster): the
            # same number here is another event. Only a snapshot is right.
            return principal, None
        return principal, message.since

    async def _send_loop(
        self, ws: ServerConnection, subscriber: Subscriber, since: int | None
    ) -> None:
        sent = await self._catch_up(ws, subscriber, since)
        while True:
            item = await subscriber.queue.get()
            if item is None:
                if subscriber.needs_snapshot:
                    subscriber.needs_snapshot = False
                    sent, frame = self.hub.snapshot_frame()
                    await ws.send(frame)
                    continue
                await ws.close(1001, "hub stopping")
                return
            seq, frame = item
            if 0 < seq <= sent:
                continue
            await ws.send(frame)
            if seq > 0:
                sent = seq

    async def _catch_up(
        self, ws: ServerConnection, subscriber: Subscriber, since: int | None
    ) -> int:
        """Send what the client missed; live events meanwhile wait in its queue."""
        until = self.hub.published_seq
        if since is not None and 0 <= since <= until:
            try:
                frames = await self.hub.frames_since(since, until)
            except Exception as exc:
                # The store is away (a database restart): the snapshot is built from
                # memory and is valid past every missed event. Raising here ended the
                # send loop and left a silent socket open.
                log.warning("resume from seq %d unreadable (%s): sending a snapshot", since, exc)
                frames = None
            if frames is not None:
                for _seq, frame in frames:
                    await ws.send(frame)
                # Positions are not in the log: the newest of each unit, once, in place
                # of every batch the client missed while away.
                await ws.send(self.hub.positions_frame())
                return until
        seq, frame = self.hub.snapshot_frame()
        # The snapshot was built now, possibly after events already queued; those
        # with seq <= the snapshot's are skipped by the caller.
        await ws.send(frame)
        return seq

    async def _receive_loop(self, ws: ServerConnection, principal: Principal) -> None:
        bad: list[float] = []
        async for raw in ws:
            try:
                message = decode_client(raw)
            except ProtocolError as exc:
                now = time.monotonic()
                bad = [t for t in bad if now - t < 10.0] + [now]
                if len(bad) > MAX_BAD_FRAMES_PER_10S:
                    await ws.close(1008, "too many bad frames")
                    return
                await ws.send(_error(exc.code, exc.message, field=exc.field))
                continue
            if isinstance(message, Request):
                await ws.send(await self.router.handle(principal, message))
            else:
                await ws.send(_error("unexpected", "hello was already received", field="type"))
