"""A full disk under a SQLite store: a clear 507, no corrupt file, recovery when space returns.

The full disk is SQLite's own: every connection the hub's engine hands out is given
``PRAGMA max_page_count`` a few pages above the file's size, so a write that needs a new
page fails with ``SQLITE_FULL`` ("database or disk is full"), the same error and the
same code path as a real ENOSPC, without root or a small mount. Raising the limit again
is space coming back.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from websockets.asyncio.client import connect

from backend_client.protocol.messages import Fix
from tests.faults.streams import Watcher, open_stream
from tests.support.hubs import LiveHub, report

HEADROOM_PAGES = 6  # room for a few reports, then full
MAX_POSTS = 2000  # a safety bound; the store is full after a few dozen reports


class PageLimit:
    """``PRAGMA max_page_count`` on every connection the engine checks out."""

    def __init__(self, engine: Engine) -> None:
        with engine.connect() as connection:
            driver = connection.connection.dbapi_connection
            assert driver is not None
            self.unlimited = int(driver.execute("PRAGMA max_page_count").fetchone()[0])
            self.pages = int(driver.execute("PRAGMA page_count").fetchone()[0])
        self.limit = self.unlimited
        event.listen(engine, "checkout", self._apply)

    def _apply(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {self.limit}")

    def fill(self) -> None:
        self.limit = self.pages + HEADROOM_PAGES

    def free(self) -> None:
        self.limit = self.unlimited


def _post(hub: LiveHub, path: str, body: Any) -> tuple[int, str, bytes]:
    """Status, content type and raw body: a non-JSON error must fail the test visibly."""
    request = urllib.request.Request(
        hub.api_url + path,
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {hub.token['source']}",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get_content_type(), exc.read()


def _report(hub: LiveHub, external_id: str) -> tuple[int, dict[str, Any]]:
    status, content_type, raw = _post(hub, "/api/v1/reports", report(external_id))
    assert content_type == "application/json", (status, content_type, raw[:200])
    answer: dict[str, Any] = json.loads(raw)
    if status in (200, 201):
        return status, answer
    assert status == 507, (status, answer)
    assert answer["error"] == "storage_full", answer
    assert "full" in answer["message"], answer
    return status, answer


async def _snapshot(hub: LiveHub) -> dict[str, Any]:
    async with connect(hub.stream_url, open_timeout=5) as ws:
        await ws.send(json.dumps({"type": "hello", "token": hub.token["wall"]}))
        welcome = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert welcome["type"] == "welcome", welcome
        snapshot: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert snapshot["type"] == "snapshot", snapshot
        return snapshot


def test_a_full_disk_is_a_507_the_stream_lives_and_space_returning_recovers(
    tmp_path: Path,
) -> None:
    db = tmp_path / "hub.db"
    hub = LiveHub(db, heartbeat_seconds=0.2).start()
    acked: dict[str, str] = {}  # external_id -> incident id, for every 201/200
    refused: list[str] = []
    try:
        limit = PageLimit(hub.hub.engine)
        asyncio.run(_scenario(hub, limit, acked, refused))
    finally:
        hub.stop()

    # No corrupt file, and every acknowledged report is there exactly once, with its id.
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = connection.execute("SELECT external_id, id FROM incidents").fetchall()
        seqs = [seq for (seq,) in connection.execute("SELECT seq FROM events ORDER BY seq")]
    stored: dict[str, str] = {}
    for external_id, incident_id in rows:
        assert external_id not in stored, f"{external_id} stored twice"
        stored[external_id] = incident_id
    assert stored == acked
    assert seqs == list(range(1, len(seqs) + 1)), "the event log has a hole or a double"


async def _scenario(
    hub: LiveHub, limit: PageLimit, acked: dict[str, str], refused: list[str]
) -> None:
    wall = Watcher(await open_stream(hub))
    try:
        await _fill_and_recover(hub, limit, wall, acked, refused)
    finally:
        await wall.close()


async def _fill_and_recover(
    hub: LiveHub, limit: PageLimit, wall: Watcher, acked: dict[str, str], refused: list[str]
) -> None:
    limit.fill()
    step = 0
    # Post reports (positions flowing in between) until three in a row are refused.
    while len(refused) < 3:
        assert step < MAX_POSTS, "the store never filled up"
        external_id = f"full-{step:04d}"
        status, answer = await asyncio.to_thread(_report, hub, external_id)
        if status == 507:
            refused.append(external_id)
        else:
            assert status == 201, (status, answer)
            acked[external_id] = answer["id"]
            refused.clear()  # only a run of refusals counts as full
            await wall.until_seq(answer["seq"] + 1)  # the case and its ticker line
        await asyncio.to_thread(hub.move, step, flush=False)  # the positions loop stores them
        step += 1
    assert acked, "not one report fitted before the store was full"
    print(f"full after {len(acked)} reports; {len(refused)} refused with 507")

    # While full: reads still work (a retry answers the stored id), the wall stays
    # connected, a new client gets a snapshot holding every acknowledged case, and the
    # Open311 endpoint refuses in its own shape.
    first = next(iter(acked))
    status, answer = await asyncio.to_thread(_report, hub, first)
    assert (status, answer["id"]) == (200, acked[first])
    status, content_type, raw = await asyncio.to_thread(
        _post, hub, "/open311/v2/requests.json", _open311("full-open311")
    )
    assert (status, content_type) == (507, "application/json"), (status, raw[:200])
    assert json.loads(raw)[0]["code"] == 507
    snapshot = await _snapshot(hub)
    assert set(acked.values()) <= {case["id"] for case in snapshot["incidents"]}
    await asyncio.sleep(0.5)  # a few heartbeats and failed position batches
    assert not wall._task.done(), "the wall's stream ended while the store was full"
    # Nothing was published uncommitted: every seq the hub has published (the snapshot's
    # included) is in the store's log. A positions batch small enough for the free space
    # left in the file's pages may still be committed, and then published, while reports
    # are refused: fixes are stored as they come, no longer only in 50 ms batches.
    published = hub.hub.published_seq
    assert published >= snapshot["seq"]
    stored = await asyncio.to_thread(_stored_seqs, hub)
    assert set(range(1, published + 1)) <= stored, "something was published uncommitted"

    # Space returns: the refused reports, retried, are stored and reach the wall.
    limit.free()
    for external_id in refused:
        status, answer = await asyncio.to_thread(_report, hub, external_id)
        assert status == 201, (status, answer)
        acked[external_id] = answer["id"]
        await wall.until_seq(answer["seq"] + 1)
    before = len(wall.positions)
    await asyncio.to_thread(hub.move, step, flush=False)
    await wall.until_positions(before + 1)  # fixes stored (and streamed) by the hub's loop
    wall.assert_in_order()


def _stored_seqs(hub: LiveHub) -> set[int]:
    with hub.hub.engine.connect() as connection:
        return {int(seq) for (seq,) in connection.exec_driver_sql("SELECT seq FROM events")}


def _open311(external_id: str) -> dict[str, Any]:
    return {
        "service_code": "占道经营",
        "description": "八一北街有流动摊贩占道经营",
        "lat": 29.085,
        "long": 119.652,
        "address_string": "城中街道八一北街",
        "service_request_id": external_id,
    }


def _osmand(hub: LiveHub, device: str, ts: float, lat: float) -> tuple[int, str, bytes]:
    query = f"id={device}&lat={lat:.6f}&lon=119.65&timestamp={ts:.0f}&token={hub.token['source']}"
    request = urllib.request.Request(f"{hub.api_url}/osmand?{query}", data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get_content_type(), exc.read()


def test_a_full_disk_answers_fixes_with_507_and_never_200_for_a_fix_not_stored(
    tmp_path: Path,
) -> None:
    db = tmp_path / "hub.db"
    hub = LiveHub(db).start()
    t0 = float(int(time.time()) - 3600)  # a phone's offline buffer, sent oldest first
    acked: list[float] = []
    refused: list[float] = []  # every 507, kept by the phone to send again
    try:
        limit = PageLimit(hub.hub.engine)
        limit.fill()
        k = 0
        in_a_row = 0
        while in_a_row < 3:  # only a run of refusals counts as full
            assert k < MAX_POSTS, "the store never filled up"
            ts = t0 + k
            status, content_type, raw = _osmand(hub, "dev-006", ts, 29.08 + k * 1e-5)
            if status == 200:
                acked.append(ts)
                in_a_row = 0
            else:
                assert (status, content_type) == (507, "application/json"), (status, raw[:200])
                answer = json.loads(raw)
                assert answer["error"] == "storage_full" and "full" in answer["message"]
                refused.append(ts)
                in_a_row += 1
            k += 1
        assert acked, "not one fix fitted before the store was full"
        print(f"full after {len(acked)} fixes; {len(refused)} refused with 507")
        with sqlite3.connect(db) as connection:
            stored = [ts for (ts,) in connection.execute("SELECT ts FROM positions ORDER BY ts")]
        # Every 200 is a stored fix; no refused fix was stored.
        assert stored == acked

        # The hub's own fixes (the simulator's: nobody waits for them) offered while the
        # store is full are held and tried again, not dropped with their failed batch.
        own = [Fix(id="U010", lat=29.07, lon=119.64 + k * 1e-4, ts=t0 + k) for k in range(5)]
        hub.run(_offer(hub, own))
        time.sleep(0.3)  # a few failed batches
        with sqlite3.connect(db) as connection:
            assert connection.execute(
                "SELECT count(*) FROM positions WHERE officer_id = 'U010'"
            ).fetchone() == (0,)

        # Space returns: the phone sends what it kept (the refused fixes) and they are
        # stored; sending an acknowledged one again changes nothing.
        limit.free()
        for ts in [*refused, acked[-1]]:
            status, _content_type, raw = _osmand(hub, "dev-006", ts, 29.0)
            assert status == 200, (status, raw[:200])
        hub.run(hub.hub.flush_positions())
        with sqlite3.connect(db) as connection:
            held = [
                ts
                for (ts,) in connection.execute(
                    "SELECT ts FROM positions WHERE officer_id = 'U010' ORDER BY ts"
                )
            ]
        assert held == [fix.ts for fix in own]
    finally:
        hub.stop()
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = [
            ts
            for (ts,) in connection.execute(
                "SELECT ts FROM positions WHERE officer_id = 'U006' ORDER BY ts"
            )
        ]
    assert stored == sorted([*acked, *refused])


async def _offer(hub: LiveHub, fixes: list[Fix]) -> None:
    hub.hub.offer_fixes(fixes)
