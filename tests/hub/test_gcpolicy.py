"""The standalone hub's collector policy (hub/gcpolicy.py), run in a child process so that
the suite's own collector state (tests/conftest.py) is left alone."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import asyncio, gc, weakref
    from hub.gcpolicy import HubCollector

    class Node:
        pass

    def cycle() -> weakref.ref:
        a, b = Node(), Node()
        a.other, b.other = b, a
        return weakref.ref(a)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        collector = HubCollector(freeze_seconds=0.05, full_seconds=2.0)
        kept = [Node() for _ in range(1000)]            # long-lived: frozen at start
        task = asyncio.create_task(collector.run())
        started = loop.time()
        await asyncio.sleep(0.02)
        assert gc.get_freeze_count() >= 1000, gc.get_freeze_count()
        # A cycle that lives a while is frozen with the rest ...
        holder = [None]
        a, b = Node(), Node()
        a.other, b.other = b, a
        holder[0] = a
        frozen = weakref.ref(a)
        del a, b
        await asyncio.sleep(0.15)
        assert collector.freezes >= 1
        holder.clear()                       # ... then becomes garbage: still frozen,
        young = cycle()                      # while young cyclic garbage goes at once
        await asyncio.sleep(0.15)
        assert young() is None, "young cyclic garbage survived a freeze pass"
        if loop.time() - started < 1.8:      # (no full collection yet)
            assert frozen() is not None, "a frozen cycle was collected before the full pass"
        # The full collection, its pause measured, frees the frozen cycle too.
        await asyncio.sleep(max(0.0, started + 2.4 - loop.time()))
        assert collector.full_collections >= 2 and collector.last_full_ms > 0
        assert frozen() is None, "a frozen cycle survived the full collection"
        assert all(isinstance(k, Node) for k in kept)
        # An oldest-generation collection slower than slow_ms is followed by a freeze.
        collector.slow_ms = 0.0
        freezes = collector.freezes
        gc.collect(2)
        await asyncio.sleep(0.01)
        assert collector.slow_collections >= 1 and collector.freezes > freezes
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        assert gc.get_freeze_count() == 0    # a stopped hub gives everything back
        print("ok", collector.freezes, collector.full_collections)

    asyncio.run(main())
    """
)


def test_long_lived_objects_are_frozen_and_cycles_still_collected() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok"), done.stdout
