"""The hub's protocol tests, run again in cluster mode: the stream (snapshot, live events,
resume, restart, roles, dispatch, bad frames, coalesced positions), the ingest (commit
before answer, retries, bad input), live positions and every request op's round trip, as
tests/hub/test_hub_stream.py, test_ingest.py, test_positions_live.py and
test_request_facade.py write them, against a hub node with ``--nats`` on PostgreSQL.

The tests are the same functions, collected here with this module's ``hub``: a cluster
node on a fresh database and a fresh event log (one 3-server NATS cluster for the module;
its stream is deleted between tests, as each test's store is new).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

import tests.hub.test_hub_stream
import tests.hub.test_ingest
import tests.hub.test_positions_live
import tests.hub.test_request_facade
from hub.cluster.eventlog import STREAM, ClusterLog
from tests.hub.conftest import _fresh_schema, postgres_database  # noqa: F401 (fixture)
from tests.support.hubs import LiveHub
from tests.support.natscluster import NatsCluster, nats_server_binary

pytestmark = pytest.mark.postgres

# The tests themselves, collected again here (where ``hub`` is a cluster node).
for _module in (
    tests.hub.test_hub_stream,
    tests.hub.test_ingest,
    tests.hub.test_positions_live,
    tests.hub.test_request_facade,
):
    globals().update({k: v for k, v in vars(_module).items() if k.startswith("test_")})


@pytest.fixture(scope="module")
def shared_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsCluster]:
    binary = nats_server_binary()
    assert binary is not None, "no nats-server: install the lock (./scripts/bootstrap)"
    cluster = NatsCluster(tmp_path_factory.mktemp("nats"), binary).start()
    try:
        yield cluster
    finally:
        cluster.stop()


def _drop_stream(urls: list[str]) -> None:
    async def drop() -> None:
        log = ClusterLog(urls)
        await log.connect()
        try:
            await log._jetstream().delete_stream(STREAM)
        finally:
            await log.close()

    asyncio.run(drop())


@pytest.fixture
def db_url(postgres_database: str, shared_nats: NatsCluster, tmp_path: Path) -> str:  # noqa: F811
    _fresh_schema(postgres_database)
    _drop_stream(shared_nats.urls)
    return postgres_database


@pytest.fixture
def hub(db_url: str, shared_nats: NatsCluster) -> Iterator[LiveHub]:
    node = LiveHub(db_url, nats=tuple(shared_nats.urls), node="hub-1").start()
    assert node.hub.mode == "cluster-writer"
    yield node
    node.stop()
