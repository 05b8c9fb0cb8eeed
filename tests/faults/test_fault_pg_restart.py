"""PostgreSQL restarted under a running hub: a clear 503, a live stream, recovery by itself.

The local cluster (the one the PostgreSQL tests use, 127.0.0.1:5432) is really stopped
with ``pg_ctlcluster ... stop -m fast`` (every backend is cut, as in a crash of the
database host's service or a package upgrade) while four writers post reports, positions
flow and a wall reads the stream; a couple of seconds later it is started again. The
cluster is started again whatever happens (fixture teardown): other tests need it.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.faults.streams import Watcher, open_stream
from tests.hub.conftest import PG_ADMIN_URL, _fresh_schema
from tests.support.hubs import LiveHub, report

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]

WRITERS = 4
OUTAGE_SECONDS = 2.0  # the server is down this long (plus its stop and start time)
RECOVERY_BUDGET_SECONDS = 5.0  # from the server accepting connections to a 201


@dataclass(frozen=True)
class Cluster:
    version: str
    name: str

    def ctl(self, action: str, *options: str) -> float:
        """Run ``pg_ctlcluster`` and return how long it took."""
        started = time.monotonic()
        subprocess.run(
            [
                "pg_ctlcluster",
                "--skip-systemctl-redirect",
                self.version,
                self.name,
                action,
                *options,
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
        return time.monotonic() - started

    def online(self) -> bool:
        listing = subprocess.run(
            ["pg_lsclusters", "--no-header", self.version, self.name],
            capture_output=True,
            text=True,
            timeout=10,
        )
        return "online" in listing.stdout


def _local_cluster() -> Cluster | str:
    """The cluster behind PG_ADMIN_URL, or why it cannot be restarted from here."""
    url = make_url(PG_ADMIN_URL)
    if url.host not in ("127.0.0.1", "localhost"):
        return f"the test database is on {url.host}, not this machine"
    if shutil.which("pg_ctlcluster") is None or shutil.which("pg_lsclusters") is None:
        return "pg_ctlcluster / pg_lsclusters not installed (Debian postgresql-common)"
    if os.geteuid() != 0:
        import pwd

        if pwd.getpwuid(os.geteuid()).pw_name != "postgres":
            return "restarting the cluster needs root or the postgres user"
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, timeout=10
    ).stdout
    for line in listing.splitlines():
        version, name, port, *_ = line.split()
        if int(port) == (url.port or 5432):
            return Cluster(version, name)
    return f"no local cluster listens on port {url.port or 5432}"


def _wait_accepting(timeout: float = 20.0) -> None:
    url = make_url(PG_ADMIN_URL).set(drivername="postgresql")
    conninfo = url.render_as_string(hide_password=False)
    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(conninfo, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture
def cluster(postgres_database: str) -> Iterator[Cluster]:
    found = _local_cluster()
    if isinstance(found, str):
        pytest.skip(f"cannot restart PostgreSQL: {found}")
    assert found.online(), "the cluster must be online before the test"
    try:
        yield found
    finally:
        if not found.online():
            found.ctl("start")
        _wait_accepting()


@dataclass
class Ledger:
    """What the writers were told, report by report."""

    acked: dict[str, str] = field(default_factory=dict)  # external_id -> id (201 or 200)
    unavailable: list[str] = field(default_factory=list)  # answered 503
    answers: list[tuple[float, str, int]] = field(default_factory=list)  # (t, id, status)
    # A phone sending OsmAnd fixes one after another: fix times answered 200 / 503.
    fixes_acked: list[float] = field(default_factory=list)
    fixes_refused: list[float] = field(default_factory=list)
    fix_answers: list[tuple[float, int]] = field(default_factory=list)  # (t, status)


PHONE = ("dev-008", "U008")


def _fix(hub: LiveHub, ts: float, ledger: Ledger) -> int:
    """One OsmAnd fix; a 200 must mean stored, anything else must be the store's 503."""
    query = f"id={PHONE[0]}&lat=29.08&lon=119.65&timestamp={ts:.0f}&token={hub.token['source']}"
    request = urllib.request.Request(f"{hub.api_url}/osmand?{query}", data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    ledger.fix_answers.append((time.monotonic(), status))
    if status == 200:
        ledger.fixes_acked.append(ts)
    else:
        assert status == 503, (status, raw[:300])
        assert json.loads(raw)["error"] == "store_unavailable", raw[:300]
        ledger.fixes_refused.append(ts)
    return status


def _post(hub: LiveHub, body: Any, path: str = "/api/v1/reports") -> tuple[int, str, bytes]:
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


def _report(hub: LiveHub, external_id: str, ledger: Ledger) -> int:
    status, content_type, raw = _post(hub, report(external_id))
    assert content_type == "application/json", (status, content_type, raw[:300])
    answer = json.loads(raw)
    ledger.answers.append((time.monotonic(), external_id, status))
    if status in (200, 201):
        previous = ledger.acked.setdefault(external_id, answer["id"])
        assert previous == answer["id"], f"{external_id} answered two ids"
    else:
        # Only "the store is away, retry": never a 500 or a half-stored case.
        assert status == 503, (status, answer)
        assert answer["error"] == "store_unavailable", answer
        assert "store" in answer["message"], answer
        ledger.unavailable.append(external_id)
    return status


def test_postgres_restart_is_a_503_the_stream_lives_and_the_hub_recovers_by_itself(
    cluster: Cluster, postgres_database: str
) -> None:
    _fresh_schema(postgres_database)
    hub = LiveHub(postgres_database, heartbeat_seconds=0.2).start()
    ledger = Ledger()
    figures: dict[str, float] = {}
    try:
        asyncio.run(_scenario(hub, cluster, ledger, figures))
    finally:
        hub.stop()
        if not cluster.online():
            cluster.ctl("start")
            _wait_accepting()

    engine = create_engine(postgres_database)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT external_id, id FROM incidents")).all()
            seqs = [s for (s,) in connection.execute(text("SELECT seq FROM events ORDER BY seq"))]
            fixes = [
                float(ts)
                for (ts,) in connection.execute(
                    # The phone's fix times are an hour old; hub.move's are now.
                    text("SELECT ts FROM positions WHERE officer_id = :o AND ts < :t ORDER BY ts"),
                    {"o": PHONE[1], "t": time.time() - 1800},
                )
            ]
    finally:
        engine.dispose()
    stored: dict[str, str] = {}
    for external_id, incident_id in rows:
        assert external_id not in stored, f"{external_id} stored twice"
        stored[external_id] = incident_id
    assert stored == ledger.acked, "a stored report was never acknowledged, or the reverse"
    assert seqs == list(range(1, len(seqs) + 1)), "the event log has a hole or a double"
    # The phone's fixes: every one answered 200 is stored, and the refused ones, sent
    # again once the store was back, too; each once.
    assert fixes == sorted(set(ledger.fixes_acked) | set(ledger.fixes_refused))
    assert set(ledger.fixes_refused) <= set(ledger.fixes_acked)
    print(
        f"{len(ledger.acked)} reports stored; {len(ledger.unavailable)} answered 503 during "
        f"the outage; stop {figures['stop']:.2f} s, down {figures['down']:.2f} s, start "
        f"{figures['start']:.2f} s, first 201 {figures['recovery']:.2f} s after the start; "
        f"the phone's {len(fixes)} fixes stored, {len(ledger.fixes_refused)} of them first "
        "answered 503 and sent again"
    )


async def _scenario(
    hub: LiveHub, cluster: Cluster, ledger: Ledger, figures: dict[str, float]
) -> None:
    first_seq = hub.hub.published_seq + 1  # the roster is in the wall's snapshot
    wall = Watcher(await open_stream(hub))
    stop_writing = asyncio.Event()

    async def writer(n: int) -> None:
        step = 0
        while not stop_writing.is_set():
            await asyncio.to_thread(_report, hub, f"pg-{n}-{step:05d}", ledger)
            step += 1
            await asyncio.sleep(0.02)

    async def positions() -> None:
        step = 0
        while not stop_writing.is_set():
            await asyncio.to_thread(hub.move, step, flush=False)
            step += 1
            await asyncio.sleep(0.1)

    async def phone() -> None:
        # Its fixes are a second apart in fix time, sent as fast as they are answered
        # (a phone emptying its offline buffer), with a pause like the writers'.
        ts = float(int(time.time()) - 3600)
        while not stop_writing.is_set():
            await asyncio.to_thread(_fix, hub, ts, ledger)
            ts += 1.0
            await asyncio.sleep(0.02)

    tasks = [asyncio.create_task(writer(n)) for n in range(WRITERS)]
    tasks.append(asyncio.create_task(positions()))
    tasks.append(asyncio.create_task(phone()))
    try:
        # Traffic first (the first answers can take a while on a loaded machine).
        deadline = time.monotonic() + 15
        while len(ledger.acked) < 4 * WRITERS:
            assert time.monotonic() < deadline, "reports are not being stored"
            await asyncio.sleep(0.05)

        loop = asyncio.get_running_loop()
        figures["stop"] = await asyncio.to_thread(cluster.ctl, "stop", "-m", "fast")
        down_at = time.monotonic()
        loop_down_at = loop.time()
        await asyncio.sleep(OUTAGE_SECONDS)

        # While the server is down: reports are refused with 503, the wall still hears
        # heartbeats, and a wall (re)connecting now, resuming or not, is served.
        refused = [e for t, e, s in ledger.answers if t > down_at + 0.5 and s == 503]
        assert refused, "no report was refused while PostgreSQL was down"
        assert not [e for t, e, s in ledger.answers if t > down_at + 0.5 and s != 503]
        assert [s for t, s in ledger.fix_answers if t > down_at + 0.5], "the phone stalled"
        assert not [s for t, s in ledger.fix_answers if t > down_at + 0.5 and s != 503]
        beats = [t for t in wall.heartbeats if t > loop_down_at]
        assert len(beats) >= OUTAGE_SECONDS / 0.2 / 2, f"{len(beats)} heartbeats in the outage"
        assert not wall._task.done(), "the wall's stream ended while PostgreSQL was down"
        status, content_type, raw = await asyncio.to_thread(
            _post, hub, _open311("pg-open311"), "/open311/v2/requests.json"
        )
        assert (status, content_type) == (503, "application/json"), (status, raw[:300])
        assert (
            json.loads(raw)[0]["code"] == 503 and json.loads(raw)[0]["error"] == "store_unavailable"
        )
        late = Watcher(await open_stream(hub))
        await late.close()
        await _resume_during_outage(hub, since=max(1, hub.hub.published_seq - 3))

        figures["start"] = await asyncio.to_thread(cluster.ctl, "start")
        up_at = time.monotonic()
        figures["down"] = up_at - down_at
        assert figures["down"] < 10, "the outage lasted too long to be a restart test"

        # The hub recovers by itself: no restart, no operator.
        deadline = up_at + RECOVERY_BUDGET_SECONDS
        while not [t for t, _e, s in ledger.answers if t > up_at and s == 201]:
            assert time.monotonic() < deadline, "no report stored within the budget"
            await asyncio.sleep(0.05)
        figures["recovery"] = (
            min(t for t, _e, s in ledger.answers if t > up_at and s == 201) - up_at
        )
        await asyncio.sleep(0.5)
    finally:
        stop_writing.set()
        await asyncio.gather(*tasks)

    # Every refused report, retried as a client would, is stored now, exactly once.
    for external_id in list(ledger.unavailable):
        assert await asyncio.to_thread(_report, hub, external_id, ledger) in (200, 201)
    assert set(ledger.unavailable) <= set(ledger.acked)
    assert ledger.fixes_refused, "no fix was refused while PostgreSQL was down"
    for ts in list(ledger.fixes_refused):
        assert await asyncio.to_thread(_fix, hub, ts, ledger) == 200

    # Position batches are stored and streamed again, from the hub's own loop.
    before = len(wall.positions)
    await asyncio.to_thread(hub.move, 10_000, flush=False)
    await wall.until_positions(before + 1)
    await wall.until_seq(hub.hub.published_seq)
    wall.assert_in_order()
    assert wall.seqs[0] == first_seq, "the wall missed the first events"
    await wall.close()


async def _resume_during_outage(hub: LiveHub, since: int) -> None:
    """A wall that resumes from a seq while the store is away gets a snapshot (the stored
    frames cannot be read) and then live frames, not a silent socket."""
    from websockets.asyncio.client import connect

    async with connect(hub.stream_url, open_timeout=5) as ws:
        await ws.send(json.dumps({"type": "hello", "token": hub.token["wall"], "since": since}))
        welcome = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert welcome["type"] == "welcome", welcome
        first = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert first["type"] == "snapshot", first
        assert first["seq"] >= since, first
        second = json.loads(await asyncio.wait_for(ws.recv(), 2))
        assert second["type"] == "heartbeat", second


def _open311(external_id: str) -> dict[str, Any]:
    return {
        "service_code": "占道经营",
        "description": "八一北街有流动摊贩占道经营",
        "lat": 29.085,
        "long": 119.652,
        "attribute[external_id]": external_id,
    }
