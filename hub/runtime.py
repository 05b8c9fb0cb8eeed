"""Start and stop a whole hub: in the foreground (``watchfloor hub``) or on a thread.

The embedded form runs the hub on its own thread and event loop, so that a demo or a test
gets a real hub on loopback without its database work ever running on the UI thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import ssl
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

from hub.auth import TokenRegistry
from hub.gcpolicy import HubCollector
from hub.ingest import IngestServer
from hub.jt808.gateway import Jt808Gateway
from hub.service import Hub, HubConfig
from hub.stream import StreamServer

log = logging.getLogger(__name__)

Extra = Callable[[Hub], Awaitable[Callable[[], Awaitable[None]]]]


class TlsFileError(Exception):
    """A certificate or key that cannot be used; the message names the file."""


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    """The servers' TLS context from a PEM certificate (chain) and its private key.

    Each file is read and checked on its own first, so that a typo or a permission
    problem names the file at fault; OpenSSL alone says only "PEM lib".
    """
    # "PRIVATE KEY-----" ends the PEM header of PKCS#8, RSA and EC keys alike.
    for path, marker, what in (
        (cert, "-----BEGIN CERTIFICATE-----", "certificate"),
        (key, "PRIVATE KEY-----", "key"),
    ):
        try:
            text = path.read_text(encoding="ascii", errors="replace")
        except OSError as exc:
            raise TlsFileError(f"TLS {what} {path}: {exc.strerror or exc}") from None
        if marker not in text:
            raise TlsFileError(f"TLS {what} {path}: not a PEM {what}")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except ssl.SSLError as exc:
        raise TlsFileError(
            f"TLS certificate {cert} and key {key} cannot be used together: {exc.reason or exc}"
        ) from None
    return context


class HubRuntime:
    """A hub with its stream and ingest servers, plus optional extras (the simulator).

    With ``tls`` both servers speak TLS only (``wss://``, ``https://``) on their ports.
    """

    def __init__(
        self,
        config: HubConfig,
        tokens: TokenRegistry,
        extras: list[Extra] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.config = config
        self.tokens = tokens
        self.extras = extras or []
        self.tls = tls
        self.hub: Hub | None = None
        self.stream: StreamServer | None = None
        self.ingest: IngestServer | None = None
        self.jt808: Jt808Gateway | None = None
        self._stoppers: list[Callable[[], Awaitable[None]]] = []
        self.collector: HubCollector | None = None
        self._collector_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.hub = Hub(self.config, self.tokens)
        await self.hub.start()
        self.stream = StreamServer(self.hub)
        self.stream.tls = self.tls
        await self.stream.start()
        self.ingest = IngestServer(self.hub)
        self.ingest.tls = self.tls
        await self.ingest.start()
        # Port 0 asks the OS for a free port; record what was given.
        self.config.port = self.stream.port
        self.config.api_port = self.ingest.port
        if self.config.jt808_port is not None:
            self.jt808 = Jt808Gateway(self.hub, self.config.host, self.config.jt808_port)
            await self.jt808.start()
            self.config.jt808_port = self.jt808.port
        if self.hub.writing:
            await self._start_extras()
        else:
            # A cluster's standby: the simulator runs once per cluster, on the writer.
            self.hub.on_writer.append(self._start_extras)
        if self.config.manage_gc:
            self.collector = HubCollector()
            self._collector_task = asyncio.create_task(self.collector.run(), name="hub-gc")
        log.info("hub on %s, ingest on %s", self.stream_url, self.api_url)
        if self.jt808 is not None:
            log.info("JT/T 808 gateway on %s", self.jt808_address)

    async def _start_extras(self) -> None:
        assert self.hub is not None
        for extra in self.extras:
            self._stoppers.append(await extra(self.hub))

    async def stop(self) -> None:
        if self._collector_task is not None:
            self._collector_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._collector_task
            self._collector_task = None
        for stopper in reversed(self._stoppers):
            with contextlib.suppress(Exception):
                await stopper()
        self._stoppers.clear()
        if self.jt808 is not None:
            await self.jt808.stop()
            self.jt808 = None
        if self.ingest is not None:
            await self.ingest.stop()
        if self.stream is not None:
            await self.stream.stop()
        if self.hub is not None:
            await self.hub.stop()

    @property
    def stream_url(self) -> str:
        scheme = "wss" if self.tls else "ws"
        return f"{scheme}://{self.config.host}:{self.config.port}/stream"

    @property
    def jt808_address(self) -> str:
        """``HOST:PORT`` of the JT/T 808 gateway (empty when there is none)."""
        if self.config.jt808_port is None:
            return ""
        return f"{self.config.host}:{self.config.jt808_port}"

    @property
    def api_url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.config.host}:{self.config.api_port}"


async def serve_forever(runtime: HubRuntime) -> None:
    await runtime.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runtime.stop()


class EmbeddedHub:
    """A :class:`HubRuntime` on a daemon thread with its own event loop."""

    def __init__(self, runtime: HubRuntime) -> None:
        self.runtime = runtime
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="embedded-hub", daemon=True
        )
        self._started = False

    def start(self, timeout: float = 30.0) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.runtime.start(), self._loop).result(timeout)
        self._started = True

    def call(self, coro: Awaitable[object], timeout: float = 30.0) -> object:
        """Run a coroutine on the hub's loop (tests use it to inject reports)."""

        async def wrapper() -> object:
            return await coro

        return asyncio.run_coroutine_threadsafe(wrapper(), self._loop).result(timeout)

    def stop(self, timeout: float = 30.0) -> None:
        if self._started:
            asyncio.run_coroutine_threadsafe(self.runtime.stop(), self._loop).result(timeout)
            self._started = False
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self._loop.close()
