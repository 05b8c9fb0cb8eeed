"""A full disk under a SQLite store, seen by a JT/T 808 terminal: every report the store
could not keep is answered 0x8001 result 1 (failure), never 0, so the terminal keeps it;
once space returns, what it sends again is stored.

The full disk is faked as in ``test_fault_disk_full.py`` (``PRAGMA max_page_count``).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from hub.roster import OfficerRecord
from tests.faults.test_fault_disk_full import MAX_POSTS, PageLimit
from tests.hub.jt808.client import TerminalClient
from tests.hub.jt808.terminal import Fix
from tests.support.hubs import TEAMS, LiveHub

CAMERA = OfficerRecord("J001", "执法记录仪-甲", "3307029001", "T-CD", "13800138001")


def test_a_full_disk_answers_jt808_reports_with_failure_never_ok(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    hub = LiveHub(db, jt808_port=0).start()
    hub.run(hub.hub.seed(TEAMS, [CAMERA]))
    t0 = float(int(time.time()) - 3600)
    acked: list[float] = []
    refused: list[float] = []

    async def scenario(limit: PageLimit) -> None:
        device = await TerminalClient(CAMERA.device).connect(hub.jt808_port)
        await device.login()
        limit.fill()
        k = 0
        in_a_row = 0
        while in_a_row < 3:  # only a run of refusals counts as full
            assert k < MAX_POSTS, "the store never filled up"
            fix = Fix(ts=t0 + k, lat=29.08 + k * 1e-5, lon=119.65)
            # Half of them in 0x0704 batches of three: a batch is stored whole or not at all.
            if k % 2:
                result = await device.location(fix)
                sent = [fix.ts]
            else:
                more = [Fix(ts=t0 + k, lat=29.08, lon=119.65)]
                more += [Fix(ts=t0 - 100_000 + k * 10 + j, lat=29.0, lon=119.6) for j in (1, 2)]
                result = await device.batch(more)
                sent = [f.ts for f in more]
            assert result in (0, 1), result
            if result == 0:
                acked.extend(sent)
                in_a_row = 0
            else:
                refused.extend(sent)
                in_a_row += 1
            k += 1
        assert acked, "not one report fitted before the store was full"
        with sqlite3.connect(db) as connection:
            stored = [ts for (ts,) in connection.execute("SELECT ts FROM positions ORDER BY ts")]
        # Every 0 is a stored fix; no fix answered 1 was stored.
        assert stored == sorted(acked)
        # Heartbeats are still answered while the disk is full.
        assert await device.heartbeat() == 0

        # Space returns: the terminal sends what it kept again, and it is stored.
        limit.free()
        for ts in refused:
            assert await device.location(Fix(ts=ts, lat=29.0, lon=119.6)) == 0
        await device.close()

    try:
        limit = PageLimit(hub.hub.engine)
        asyncio.run(scenario(limit))
        print(f"full after {len(acked)} fixes; {len(refused)} answered 'failure'")
    finally:
        hub.stop()
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = [ts for (ts,) in connection.execute("SELECT ts FROM positions ORDER BY ts")]
    assert stored == sorted([*acked, *refused])
