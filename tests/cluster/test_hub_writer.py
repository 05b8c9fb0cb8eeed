"""The hub as a cluster's writer node (``--nats``, PostgreSQL): a report is answered
201 only once its events are in the replicated log, at the store's seq; a NATS leader
killed mid-burst, a log without a quorum, and a writer that died before mirroring (a
second node on the same store is a standby: tests/cluster/test_standby.py)."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.cluster.eventlog import ClusterLog
from hub.store.models import StoredEventRow
from tests.hub.conftest import _fresh_schema, postgres_database  # noqa: F401 (fixture)
from tests.support.hubs import LiveHub, report
from tests.support.natscluster import NatsCluster

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url(postgres_database: str) -> Iterator[str]:  # noqa: F811
    _fresh_schema(postgres_database)
    yield postgres_database


def _store_log(hub: LiveHub) -> dict[int, bytes]:
    with Session(hub.hub.engine) as session:
        rows = session.execute(select(StoredEventRow.seq, StoredEventRow.frame)).all()
    return {int(seq): bytes(frame) for seq, frame in rows}


def _stream_log(urls: list[str]) -> dict[int, bytes]:
    async def read() -> dict[int, bytes]:
        log = ClusterLog(urls)
        await log.connect()
        try:
            last = await log.last_seq()
            return {entry.seq: entry.data for entry in await log.read(0, last)}
        finally:
            await log.close()

    return asyncio.run(read())


def _health(hub: LiveHub) -> dict[str, object]:
    with urllib.request.urlopen(hub.api_url + "/api/v1/health", timeout=5) as answer:
        health: dict[str, object] = json.loads(answer.read())
    return health


def test_a_201_means_the_reports_events_are_in_the_replicated_log(
    nats_cluster: NatsCluster, pg_url: str
) -> None:
    hub = LiveHub(pg_url, nats=tuple(nats_cluster.urls), node="hub-1").start()
    try:
        for i in range(5):
            status, body = hub.post("/api/v1/reports", report(f"8890-w{i}"))
            assert status == 201
            # Answered: so its incident.new and ticker are in the stream already.
            stream = _stream_log(nats_cluster.urls[i % 3 :])
            assert body["seq"] in stream and body["seq"] + 1 in stream
        assert _stream_log(nats_cluster.urls) == _store_log(hub)
        health = _health(hub)
        assert health["mode"] == "cluster-writer" and health["log_seq"] == hub.hub.published_seq
        assert str(hub.hub.epoch).startswith("WATCHFLOOR_EVENTS@")
    finally:
        hub.stop()


def test_a_killed_nats_leader_costs_no_acknowledged_report(
    nats_cluster: NatsCluster, pg_url: str
) -> None:
    hub = LiveHub(pg_url, nats=tuple(nats_cluster.urls)).start()
    try:
        answered: dict[str, str] = {}
        refused: list[str] = []
        for i in range(30):
            if i == 10:
                leader = _leader(nats_cluster)
                nats_cluster.kill(nats_cluster.index_of(name=leader))
            external = f"8890-k{i}"
            status, body = hub.post("/api/v1/reports", report(external))
            if status == 201:
                answered[external] = body["id"]
            else:
                assert status == 503, (status, body)  # never a false 201
                refused.append(external)
        for external in refused:  # retried as a source would: stored once
            status, body = hub.post("/api/v1/reports", report(external))
            assert status in (200, 201), (status, body)
            answered[external] = body["id"]
        assert len(answered) == 30 and len(set(answered.values())) == 30
        assert _stream_log([n.url for n in nats_cluster.nodes if n.process]) == _store_log(hub)
    finally:
        hub.stop()


def _leader(cluster: NatsCluster) -> str:
    async def ask() -> str:
        log = ClusterLog(cluster.urls)
        await log.connect()
        try:
            info = await log._jetstream().stream_info(log.stream)
            assert info.cluster is not None and info.cluster.leader is not None
            return str(info.cluster.leader)
        finally:
            await log.close()

    return asyncio.run(ask())


def test_without_a_quorum_reports_are_refused_then_stored_once_on_retry(
    nats_cluster: NatsCluster, pg_url: str
) -> None:
    hub = LiveHub(pg_url, nats=tuple(nats_cluster.urls)).start()
    try:
        assert hub.post("/api/v1/reports", report("8890-q0"))[0] == 201
        nats_cluster.kill(0)
        nats_cluster.kill(1)
        status, body = hub.post("/api/v1/reports", report("8890-q1"))
        assert status == 503 and body["error"] == "store_unavailable", body
        health = _health(hub)
        assert health["log_seq"] < hub.hub.published_seq  # the log is behind: it says so
        nats_cluster.restart(0)
        # Retried as a source does until the stream has a leader again (an election
        # among the two servers up may outlast one ack wait on a loaded machine).
        deadline = time.monotonic() + 60
        while (answer := hub.post("/api/v1/reports", report("8890-q1")))[0] == 503:
            assert time.monotonic() < deadline, answer
        status, body = answer
        assert status == 200, body  # committed the first time: the same case, now durable
        assert _stream_log(nats_cluster.urls[:1]) == _store_log(hub)
    finally:
        hub.stop()


def test_a_writer_that_died_before_mirroring_is_caught_up_by_the_next(
    nats_cluster: NatsCluster, pg_url: str
) -> None:
    # Events committed by a writer that never mirrored them (here: a hub without --nats
    # on the same store), then a writer node starts: it appends them before serving.
    plain = LiveHub(pg_url).start()
    for i in range(3):
        assert plain.post("/api/v1/reports", report(f"8890-p{i}"))[0] == 201
    plain.stop()
    hub = LiveHub(pg_url, nats=tuple(nats_cluster.urls)).start(seed=False)
    try:
        assert _stream_log(nats_cluster.urls) == _store_log(hub)
        assert hub.post("/api/v1/reports", report("8890-p3"))[0] == 201
        assert _stream_log(nats_cluster.urls) == _store_log(hub)
    finally:
        hub.stop()


def test_a_desk_step_is_answered_once_the_log_has_it(
    nats_cluster: NatsCluster, pg_url: str
) -> None:
    from backend_client.errors import RequestFailed
    from backend_client.transport import FeedClient

    hub = LiveHub(pg_url, nats=tuple(nats_cluster.urls)).start()
    try:
        status, body = hub.post("/api/v1/reports", report("8890-desk"))
        assert status == 201
        case_id = body["id"]

        async def desk() -> None:
            client = FeedClient(hub.stream_url, hub.token["operator"])
            task = asyncio.create_task(client.run())
            await client.wait_synced()
            try:
                await client.request("case.step", {"case_id": case_id, "action": "accept"})
                accepted = hub.hub.published_seq
                assert accepted in await asyncio.to_thread(_stream_log, nats_cluster.urls)
                # Without a quorum: done and stored, but not confirmed: said so, not "ok".
                nats_cluster.kill(0)
                nats_cluster.kill(1)
                args = {"case_id": case_id, "action": "dispatch", "units": ["U001"]}
                try:
                    await client.request("case.step", args, timeout=20)
                    raise AssertionError("a step the log never confirmed was answered ok")
                except RequestFailed as exc:
                    assert exc.code == "log_pending", exc
                nats_cluster.restart(0)
                deadline = asyncio.get_running_loop().time() + 30
                while hub.hub.cluster_health()["log_seq"] < hub.hub.published_seq:
                    assert asyncio.get_running_loop().time() < deadline, "never confirmed"
                    await asyncio.sleep(0.1)
            finally:
                await client.stop()
                await task

        asyncio.run(desk())
        assert _stream_log(nats_cluster.urls[:1]) == _store_log(hub)
    finally:
        hub.stop()
