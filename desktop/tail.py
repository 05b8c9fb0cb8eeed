"""``watchfloor tail``: every event as one JSON line, resuming across hub restarts exactly
like a wall does. Its output is the proof that nothing is lost or doubled.

stdout carries only JSON lines (a ``snapshot`` line, then one line per event, each with
its ``seq``), so scripts can read it; link changes and errors go to stderr.
Exit codes: 0 (stopped, or ``--count`` reached), 2 (the hub refused the token, or the URL
is unusable: retrying would not help), 130 (interrupted).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time

import msgspec

from backend_client.link import LinkStatus
from backend_client.protocol.messages import FeedEvent
from backend_client.state import FeedState
from backend_client.transport import FeedClient

EXIT_REFUSED = 2
#: How long a stopping tail waits for the hub to acknowledge the close, then for its
#: client to wind down, before it just goes.
STOP_TIMEOUT_S = 2.0

_encoder = msgspec.json.Encoder()


class _Printer:
    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.printed = 0
        self.done = asyncio.Event()
        self.client: FeedClient | None = None

    def _write(self, obj: msgspec.Struct) -> None:
        try:
            sys.stdout.buffer.write(_encoder.encode(obj) + b"\n")
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader went away (`watchfloor tail | head`): stop quietly.
            self.done.set()
            return
        self.printed += 1
        if self.limit is not None and self.printed >= self.limit:
            self.done.set()

    def on_snapshot(self, state: FeedState) -> None:
        self._write(state.snapshot(time.time()))

    def on_event(self, event: FeedEvent) -> None:
        self._write(event)

    def on_link(self, status: LinkStatus) -> None:
        last = self.client.tracker.last if self.client is not None else None
        where = "" if last is None else f" (last seq {last})"
        node = f" via {status.node}" if status.node else ""
        print(f"tail: link {status.link.value}{where}{node}", file=sys.stderr, flush=True)


async def run_tail(url: str, token: str, since: int | None, count: int | None) -> int:
    printer = _Printer(count)
    client = FeedClient(url, token, printer, since=since)
    printer.client = client
    runner = asyncio.create_task(client.run())
    stopper = asyncio.create_task(printer.done.wait())
    try:
        await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        # Ctrl-C must end tail promptly: a close handshake with a hub that is busy (or
        # gone half-way) may not finish, and websockets would wait 10 s for it.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(client.stop(), STOP_TIMEOUT_S)
        stopper.cancel()
        _, pending = await asyncio.wait({runner}, timeout=STOP_TIMEOUT_S)
        for task in pending:
            task.cancel()
        await asyncio.gather(runner, return_exceptions=True)
    crashed = runner.exception() if runner.done() and not runner.cancelled() else None
    if crashed is not None:
        # A bug, not a refusal: fail loudly (it used to exit 0 with no output).
        raise crashed
    if client.fatal:
        if client.fatal_code in ("unauthorized", "forbidden"):
            reason = f"the hub at {url} refused the token ({client.fatal}); check --token"
        else:
            reason = client.fatal
        print(f"tail: {reason}", file=sys.stderr, flush=True)
        return EXIT_REFUSED
    return 0
