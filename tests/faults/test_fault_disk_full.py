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
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from websockets.asyncio.client import connect

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
    assert hub.hub.published_seq == snapshot["seq"], "something was published uncommitted"

    # Space returns: the refused reports, retried, are stored and reach the wall.
    limit.free()
    for external_id in refused:
        status, answer = await asyncio.to_thread(_report, hub, external_id)
        assert status == 201, (status, answer)
        acked[external_id] = answer["id"]
        await wall.until_seq(answer["seq"] + 1)
    before = hub.hub.published_seq
    await asyncio.to_thread(hub.move, step, flush=False)
    await wall.until_seq(before + 1)  # a positions batch, stored by the hub's own loop
    wall.assert_in_order()


def _open311(external_id: str) -> dict[str, Any]:
    return {
        "service_code": "占道经营",
        "description": "八一北街有流动摊贩占道经营",
        "lat": 29.085,
        "long": 119.652,
        "address_string": "城中街道八一北街",
        "service_request_id": external_id,
    }
