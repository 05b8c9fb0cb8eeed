"""A cluster's standby node: it serves walls from the stream with the writer's numbers,
takes reports, desk steps and fixes (the writer numbers the events), and becomes the
writer once the writer is gone."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend_client.protocol.messages import IncidentNew, StoredEvent
from backend_client.transport import FeedClient
from hub.store.models import Incident, Position
from tests.cluster.test_hub_writer import _store_log, _stream_log
from tests.hub.conftest import _fresh_schema, postgres_database  # noqa: F401 (fixture)
from tests.support.hubs import LiveHub, report
from tests.support.natscluster import NatsCluster

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url(postgres_database: str) -> Iterator[str]:  # noqa: F811
    _fresh_schema(postgres_database)
    yield postgres_database


@pytest.fixture
def pair(nats_cluster: NatsCluster, pg_url: str) -> Iterator[tuple[LiveHub, LiveHub]]:
    """A writer node and a standby on one store and one log (started in that order)."""
    nats = tuple(nats_cluster.urls)
    writer = LiveHub(pg_url, nats=nats, node="hub-a").start()
    try:
        standby = LiveHub(pg_url, nats=nats, node="hub-b").start(seed=False)
        try:
            yield writer, standby
        finally:
            standby.stop()
    finally:
        writer.stop()


def _health(hub: LiveHub) -> dict[str, Any]:
    with urllib.request.urlopen(hub.api_url + "/api/v1/health", timeout=5) as answer:
        health: dict[str, Any] = json.loads(answer.read())
    return health


class Seqs:
    """What a wall on the stream was given: every stored event's seq, in order."""

    def __init__(self) -> None:
        self.seqs: list[int] = []
        self.incidents: list[str] = []

    def on_snapshot(self, state: object) -> None:
        pass

    def on_event(self, event: object) -> None:
        if isinstance(event, StoredEvent.__args__):  # type: ignore[attr-defined]
            self.seqs.append(event.seq)  # type: ignore[union-attr]
        if isinstance(event, IncidentNew):
            self.incidents.append(event.incident.id)

    def on_link(self, status: object) -> None:
        pass


def test_a_standby_serves_walls_and_forwards_writes_to_the_writer(
    pair: tuple[LiveHub, LiveHub], nats_cluster: NatsCluster
) -> None:
    writer, standby = pair
    assert _health(writer)["mode"] == "cluster-writer"
    health = _health(standby)
    assert health["mode"] == "cluster-standby" and health["epoch"] == writer.hub.epoch

    async def scenario() -> None:
        wall = Seqs()
        client = FeedClient(standby.stream_url, standby.token["operator"], wall)
        task = asyncio.create_task(client.run())
        await client.wait_synced()
        try:
            assert client.node == "hub-b"
            # A report taken by the standby: stored by the writer, answered here.
            status, body = await asyncio.to_thread(
                standby.post, "/api/v1/reports", report("8890-sb1")
            )
            assert status == 201, body
            case_id = body["id"]
            # Its retry on the writer is the same case.
            again = await asyncio.to_thread(writer.post, "/api/v1/reports", report("8890-sb1"))
            assert again[0] == 200 and again[1] == {"id": case_id, "seq": body["seq"]}
            # A desk step through the standby: done by the writer, answered here.
            await client.request("case.step", {"case_id": case_id, "action": "accept"})
            deadline = time.monotonic() + 10
            while client.tracker.last < writer.hub.published_seq:
                assert time.monotonic() < deadline, (client.tracker.last, wall.seqs)
                await asyncio.sleep(0.05)
            # The standby's wall saw the writer's events, with the writer's numbers.
            assert case_id in wall.incidents
            assert wall.seqs == list(range(wall.seqs[0], writer.hub.published_seq + 1))
            assert standby.hub.state.incidents[case_id].status == "accepted"
        finally:
            await client.stop()
            await task

    asyncio.run(scenario())
    with Session(writer.hub.engine) as session:
        stored = session.scalars(select(Incident).where(Incident.external_id == "8890-sb1"))
        assert len(stored.all()) == 1
    assert _stream_log(nats_cluster.urls) == _store_log(writer)


def test_a_record_taken_by_a_standby_is_stored_by_the_writer(
    pair: tuple[LiveHub, LiveHub], nats_cluster: NatsCluster
) -> None:
    from tests.hub.test_records import inquiry

    writer, standby = pair
    status, body = standby.post("/api/v1/reports", report("8890-rec"))
    assert status == 201, body
    case_id = body["id"]
    path = f"/api/v1/cases/{case_id}/records"
    status, body = standby.post(path, inquiry())
    assert status == 201 and body["version"] == 1, body
    # Its retry, on either node, is the version already stored.
    for node in (standby, writer):
        again = node.post(path, inquiry())
        assert again[0] == 200 and again[1]["version"] == 1, again
    # Refused at the standby's edge, naming the field, nothing forwarded or stored.
    status, body = standby.post(path, inquiry(officers=[]))
    assert status == 400 and body["field"].startswith("officers"), body
    assert _stream_log(nats_cluster.urls) == _store_log(writer)


def test_fixes_taken_by_a_standby_are_stored_and_shown_on_every_node(
    pair: tuple[LiveHub, LiveHub], nats_cluster: NatsCluster
) -> None:
    writer, standby = pair
    ts = time.time()
    query = {"id": "dev-001", "lat": "29.0851", "lon": "119.6512", "timestamp": str(ts)}
    query["token"] = standby.token["source"]
    url = f"{standby.api_url}/osmand?" + "&".join(f"{k}={v}" for k, v in query.items())
    with urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=10) as r:
        assert r.status == 200
    # Stored (answered only once committed) by the node that took it ...
    with Session(standby.hub.engine) as session:
        rows = session.execute(
            select(Position.ts, Position.lat).where(Position.officer_id == "U001")
        ).all()
    assert [(round(t, 3), round(lat, 4)) for t, lat in rows] == [(round(ts, 3), 29.0851)]
    # ... and live on the writer's walls too, shared over NATS.
    deadline = time.monotonic() + 5
    while (unit := writer.hub.state.units["U001"]).ts is None or unit.ts < ts - 0.001:
        assert time.monotonic() < deadline, unit
        time.sleep(0.05)
    assert round(unit.lat, 4) == 29.0851


def test_the_standby_takes_over_when_the_writer_is_gone(
    pair: tuple[LiveHub, LiveHub], nats_cluster: NatsCluster
) -> None:
    writer, standby = pair
    assert writer.post("/api/v1/reports", report("8890-to1"))[0] == 201
    before = writer.hub.published_seq
    writer.stop()
    deadline = time.monotonic() + 10
    while _health(standby)["mode"] != "cluster-writer":
        assert time.monotonic() < deadline, _health(standby)
        time.sleep(0.1)
    assert standby.hub.published_seq == before
    status, body = standby.post("/api/v1/reports", report("8890-to2"))
    assert status == 201 and body["seq"] == before + 1, body
    assert _stream_log(nats_cluster.urls) == _store_log(standby)
    # The writer started again is now the standby.
    writer.start(seed=False)
    assert _health(writer)["mode"] == "cluster-standby"


def test_a_terminal_on_a_standby_stores_its_fixes_and_its_sos_reaches_every_wall(
    nats_cluster: NatsCluster, pg_url: str
) -> None:
    from tests.hub.jt808.client import TerminalClient
    from tests.hub.jt808.terminal import Fix as TerminalFix
    from tests.hub.test_jt808_gateway import CAMERA

    nats = tuple(nats_cluster.urls)
    writer = LiveHub(pg_url, nats=nats, node="hub-a").start()
    writer.run(writer.hub.seed([], [CAMERA]))
    standby = LiveHub(pg_url, nats=nats, node="hub-b", jt808_port=0).start(seed=False)
    now = int(time.time())

    def sos(hub: LiveHub) -> list[Any]:
        alerts = hub.hub.state.alerts.values()
        return [a for a in alerts if a.kind == "sos" and a.subject == CAMERA.id]

    async def scenario() -> None:
        device = await TerminalClient(CAMERA.device).connect(standby.jt808_port)
        try:
            await device.login()
            # A fix: stored by the standby itself, answered 0 once committed.
            assert await device.location(TerminalFix(ts=now - 10.0, lat=29.08, lon=119.64)) == 0
            # The SOS button: the writer raises the alert; both nodes' walls have it.
            pressed = TerminalFix(ts=now - 5.0, lat=29.08, lon=119.64, alarm=0b1)
            # Answered 1 ("send again") while the writer's interest in forwarded SOS has
            # not reached the standby's NATS server yet; a terminal sends it again.
            tries = 0
            while (result := await device.location(pressed)) != 0:
                tries += 1
                assert result == 1 and tries < 20, result
                await asyncio.sleep(0.25)
            deadline = time.monotonic() + 10
            while not (sos(writer) and sos(standby)):
                assert time.monotonic() < deadline, "the SOS never reached both nodes"
                await asyncio.sleep(0.05)
            assert [a.id for a in sos(writer)] == [a.id for a in sos(standby)]
        finally:
            await device.close()

    try:
        asyncio.run(scenario())
        with Session(writer.hub.engine) as session:
            rows = session.scalars(select(Position.ts).where(Position.officer_id == CAMERA.id))
            assert sorted(rows.all()) == [now - 10.0, now - 5.0]
    finally:
        standby.stop()
        writer.stop()
