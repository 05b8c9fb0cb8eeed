"""Fault tests of hub nodes, cluster mode: real ``watchfloor hub`` processes on a fresh
PostgreSQL database and a 3-node NATS cluster of the test's own.

``kill -9`` of the writer node during a burst of reports and fixes sent to two nodes: every
report acknowledged is stored once, every fix acknowledged is in the track, the wall's
tail that was on the killed node goes on from the other within 5 s with its seq
contiguous, the standby takes over as the projector and the store ends equal to the log.
Then everything is stopped and started again (NATS too): nothing is lost.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend_client.link import LinkStatus
from backend_client.protocol.messages import StoredEvent
from backend_client.transport import FeedClient
from hub.store.db import make_engine
from hub.store.models import Incident, Position, StoredEventRow
from tests.cluster.test_hub_writer import _stream_log
from tests.hub.conftest import _fresh_schema, postgres_database  # noqa: F401 (fixture)
from tests.support.hubprocs import TOKENS, HubProcess
from tests.support.hubs import OFFICERS, LiveHub, report
from tests.support.natscluster import NatsCluster

pytestmark = pytest.mark.postgres

REPORTS = 60
KILL_AFTER = 20
#: A wall moves to another node within this long of its node's death (the issue's bound).
FAILOVER_BOUND_S = 5.0


@pytest.fixture
def pg_url(postgres_database: str) -> Iterator[str]:  # noqa: F811
    _fresh_schema(postgres_database)
    # The roster, as an installer's first start would have stored it.
    seeder = LiveHub(postgres_database).start()
    seeder.stop()
    yield postgres_database


class Tail:
    """``watchfloor tail`` as a listener: each stored event's seq, and when each node
    became the one it is on."""

    def __init__(self) -> None:
        self.seqs: list[int] = []
        self.nodes: list[tuple[float, str]] = []

    def on_snapshot(self, state: object) -> None:
        pass

    def on_event(self, event: object) -> None:
        if isinstance(event, StoredEvent.__args__):  # type: ignore[attr-defined]
            self.seqs.append(event.seq)  # type: ignore[union-attr]

    def on_link(self, status: LinkStatus) -> None:
        if status.node and (not self.nodes or self.nodes[-1][1] != status.node):
            self.nodes.append((time.monotonic(), status.node))


def _send_report(nodes: list[HubProcess], external_id: str, first: int) -> dict[str, object]:
    """As a source with two hub addresses does: retry (same external id) until a node
    answers 200/201, moving to the other node after each failure."""
    deadline = time.monotonic() + 60
    for i in itertools.count(first):
        node = nodes[i % len(nodes)]
        status, body = node.post("/api/v1/reports", report(external_id))
        if status in (200, 201):
            return body
        assert status in (0, 503), (status, body)  # refused or unreachable, never a lie
        assert time.monotonic() < deadline, f"{external_id} never stored: {status} {body}"
        time.sleep(0.1)
    raise AssertionError("unreachable")


def _counts(db_url: str) -> tuple[dict[str, list[str]], set[tuple[str, float]], dict[int, bytes]]:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            stored: dict[str, list[str]] = {}
            for external_id, case_id in session.execute(select(Incident.external_id, Incident.id)):
                stored.setdefault(str(external_id), []).append(str(case_id))
            fixes = {
                (str(officer), round(float(ts), 3))
                for officer, ts in session.execute(select(Position.officer_id, Position.ts))
            }
            log = {
                int(seq): bytes(frame)
                for seq, frame in session.execute(select(StoredEventRow.seq, StoredEventRow.frame))
            }
            assert session.scalar(select(func.count()).select_from(StoredEventRow)) == len(log)
    finally:
        engine.dispose()
    return stored, fixes, log


def test_kill9_of_the_writer_node_mid_burst_then_a_restart_of_everything(
    nats_cluster: NatsCluster, pg_url: str, tmp_path: Path
) -> None:
    nats = tuple(nats_cluster.urls)
    a = HubProcess(pg_url, tmp_path, nats=nats, node="hub-a").start()
    assert (a.health() or {}).get("mode") == "cluster-writer"
    b = HubProcess(pg_url, tmp_path, nats=nats, node="hub-b").start()
    assert (b.health() or {}).get("mode") == "cluster-standby"
    nodes = [a, b]
    acked_reports: dict[str, str] = {}
    acked_fixes: set[tuple[str, float]] = set()
    tail = Tail()
    killed_at = 0.0

    async def burst() -> None:
        nonlocal killed_at
        client = FeedClient(f"{a.stream_url},{b.stream_url}", TOKENS["wall"], tail)
        task = asyncio.create_task(client.run())
        await client.wait_synced()
        try:
            assert client.node == "hub-a"

            async def reports() -> None:
                nonlocal killed_at
                for i in range(REPORTS):
                    if i == KILL_AFTER:
                        killed_at = time.monotonic()
                        await asyncio.to_thread(a.kill9)
                    external = f"8890-f{i:03d}"
                    body = await asyncio.to_thread(_send_report, nodes, external, i)
                    acked_reports[external] = str(body["id"])

            async def fixes() -> None:
                # Two phones, one on each node, a fix every 50 ms until the reports end.
                for step in itertools.count():
                    if len(acked_reports) == REPORTS:
                        return
                    for k, node in enumerate(nodes):
                        officer = OFFICERS[k]
                        ts = round(time.time(), 3)
                        lat, lon = 29.08 + step * 1e-5, 119.6 + k * 1e-3
                        status = await asyncio.to_thread(node.fix, officer.device, lat, lon, ts)
                        if status == 200:
                            acked_fixes.add((officer.id, ts))
                    await asyncio.sleep(0.05)

            await asyncio.gather(reports(), fixes())
            last = (b.health() or {})["seq"]
            deadline = time.monotonic() + 20
            while client.tracker.last < last:
                assert time.monotonic() < deadline, (client.tracker.last, last)
                await asyncio.sleep(0.05)
        finally:
            await client.stop()
            await task

    try:
        asyncio.run(burst())
        health = b.health() or {}
        assert health["mode"] == "cluster-writer", health  # the standby took over
        # The wall moved to the surviving node within the bound, and lost nothing.
        moved = [at for at, node in tail.nodes if node == "hub-b"]
        assert moved and moved[0] - killed_at < FAILOVER_BOUND_S, (tail.nodes, killed_at)
        assert tail.seqs == list(range(tail.seqs[0], tail.seqs[-1] + 1)), tail.seqs
        assert tail.seqs[-1] == health["seq"]
        stored, fixes, log = _counts(pg_url)
        # Every acknowledged report stored once, under the id it was answered with.
        assert len(acked_reports) == REPORTS
        for external, case_id in acked_reports.items():
            assert stored[external] == [case_id], (external, stored.get(external))
        assert acked_fixes and acked_fixes <= fixes, sorted(acked_fixes - fixes)[:5]
        # The projector that took over left the store equal to the log.
        assert _stream_log(list(nats)) == log

        # Restart everything: hub nodes and NATS servers.
        b.kill9()
        for index in range(3):
            nats_cluster.kill(index)
        for index in range(3):
            nats_cluster.restart(index)
        b.start()
        a.start()
        assert (b.health() or {})["mode"] == "cluster-writer"
        assert (a.health() or {})["mode"] == "cluster-standby"
        again, fixes_again, log_again = _counts(pg_url)
        assert again == stored and fixes_again >= fixes and log_again == log
        assert _stream_log(list(nats)) == log
        # And it goes on: a report to the standby is numbered next by the writer.
        body = _send_report([a], "8890-after", 0)
        assert body["seq"] == max(log) + 1
    finally:
        for node in nodes:
            node.stop()
