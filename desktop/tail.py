"""``watchfloor tail``: every event as one JSON line, resuming across hub restarts exactly
like a wall does. Its output is the proof that nothing is lost or doubled."""

from __future__ import annotations

import asyncio
import sys
import time

import msgspec

from backend_client.link import LinkStatus
from backend_client.protocol.messages import StoredEvent
from backend_client.state import FeedState
from backend_client.transport import FeedClient

_encoder = msgspec.json.Encoder()


class _Printer:
    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.printed = 0
        self.done = asyncio.Event()

    def _write(self, obj: msgspec.Struct) -> None:
        sys.stdout.buffer.write(_encoder.encode(obj) + b"\n")
        sys.stdout.flush()
        self.printed += 1
        if self.limit is not None and self.printed >= self.limit:
            self.done.set()

    def on_snapshot(self, state: FeedState) -> None:
        self._write(state.snapshot(time.time()))

    def on_event(self, event: StoredEvent) -> None:
        self._write(event)

    def on_link(self, status: LinkStatus) -> None:
        print(f"tail: link {status.link.value}", file=sys.stderr, flush=True)


async def run_tail(url: str, token: str, since: int | None, count: int | None) -> int:
    printer = _Printer(count)
    client = FeedClient(url, token, printer, since=since)
    runner = asyncio.create_task(client.run())
    stopper = asyncio.create_task(printer.done.wait())
    await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
    await client.stop()
    stopper.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    if client.fatal:
        print(f"tail: {client.fatal}", file=sys.stderr)
        return 2
    return 0
