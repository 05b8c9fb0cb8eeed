"""Python's cyclic collector in a process the hub owns (``watchfloor hub``).

A hub holding 10,000 terminal connections tracks about a million container objects
(each connection's transport, protocol, deframer, queues and timer), nearly all of them
long-lived. CPython's oldest-generation collection walks all of them: measured under
``bench/device_ingest.py``, pauses of up to 192 ms (1.1 s in all over a minute), every
one of them stalling every terminal's answer and every wall's stream at once.

So the long-lived objects are moved out of the collector's way: after start-up, every
``freeze_seconds``, and right after an oldest-generation collection that took longer than
``slow_ms`` (what survived it is long-lived by definition: a fleet of terminals that just
connected), the young generations are collected and everything alive is frozen
(``gc.freeze``), so the automatic collections only ever walk what was made since.
Objects are still freed by reference counting as before; only garbage in reference
cycles among frozen objects waits, for the full collection every ``full_seconds``
(unfreeze, collect everything, freeze again), whose pause is logged.

Not for a process with a GUI: the wall's embedded hub lives under the wall's own policy
(``desktop/gcguard.py``: collection only on the GUI thread).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time

log = logging.getLogger(__name__)

FREEZE_SECONDS = 60.0
FULL_SECONDS = 3600.0
SLOW_MS = 20.0


class HubCollector:
    """Runs the policy above while :meth:`run` runs; counts what it did."""

    def __init__(
        self,
        freeze_seconds: float = FREEZE_SECONDS,
        full_seconds: float = FULL_SECONDS,
        slow_ms: float = SLOW_MS,
    ) -> None:
        self.freeze_seconds = freeze_seconds
        self.full_seconds = full_seconds
        self.slow_ms = slow_ms
        self.freezes = 0
        self.slow_collections = 0
        self._started = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self.full_collections = 0
        self.last_full_ms = 0.0

    def freeze(self) -> None:
        # The young generations first, so that their cyclic garbage is not frozen.
        gc.collect(1)
        gc.freeze()
        self.freezes += 1

    def full(self) -> None:
        started = time.perf_counter()
        gc.unfreeze()
        found = gc.collect()
        gc.freeze()
        self.full_collections += 1
        self.last_full_ms = (time.perf_counter() - started) * 1000
        log.info(
            "full garbage collection: %d objects in cycles freed, %.0f ms, %d objects kept",
            found,
            self.last_full_ms,
            gc.get_freeze_count(),
        )

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        # Called by CPython around every collection, on whichever thread collects.
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
            return
        if (time.perf_counter() - self._started) * 1000 > self.slow_ms and self._loop:
            self.slow_collections += 1
            # Not from inside the collector: on the loop, as soon as it can.
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                self._loop.call_soon_threadsafe(self.freeze)

    async def run(self) -> None:
        loop = self._loop = asyncio.get_running_loop()
        self.full()
        last_full = loop.time()
        gc.callbacks.append(self._on_gc)
        try:
            while True:
                await asyncio.sleep(self.freeze_seconds)
                if loop.time() - last_full >= self.full_seconds:
                    self.full()
                    last_full = loop.time()
                else:
                    self.freeze()
        finally:
            gc.callbacks.remove(self._on_gc)
            self._loop = None
            # What was frozen goes back to the collector (a hub stopping inside a process
            # that lives on: the tests, a bench).
            gc.unfreeze()
