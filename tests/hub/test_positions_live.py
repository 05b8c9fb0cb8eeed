"""Live positions leave the event log: stored for tracks, streamed without ``seq``, a
resumed wall resynced with each unit's newest fix; the log's epoch and seq floor."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request

import pytest
from alembic import command
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from websockets.asyncio.client import connect

from backend_client.protocol import encode
from backend_client.protocol.messages import FeedEvent, Unit, UnitPositions, UnitStatus
from backend_client.state import FeedState
from backend_client.transport import FeedClient
from hub.store.db import _alembic_config, make_engine
from hub.store.models import HubSetting, Position, StoredEventRow
from hub.store.settings import SEQ_FLOOR_SETTING
from tests.support.hubs import OFFICERS, LiveHub, report


class Recorder:
    def __init__(self) -> None:
        self.snapshots: list[int] = []
        self.seqs: list[int] = []
        self.positions: list[UnitPositions] = []

    def on_snapshot(self, state: FeedState) -> None:
        self.snapshots.append(state.seq)

    def on_event(self, event: FeedEvent) -> None:
        if isinstance(event, UnitPositions):
            self.positions.append(event)
        else:
            self.seqs.append(event.seq)

    def on_link(self, status: object) -> None:
        pass


def _count(hub: LiveHub, *where: object) -> int:
    with Session(hub.hub.engine) as session:
        query = select(func.count()).select_from(StoredEventRow)
        for clause in where:
            query = query.where(clause)  # type: ignore[arg-type]
        return int(session.scalar(query) or 0)


def _positions(hub: LiveHub) -> int:
    with Session(hub.hub.engine) as session:
        return int(session.scalar(select(func.count()).select_from(Position)) or 0)


async def _opening(hub: LiveHub, hello: dict[str, object], frames: int) -> list[dict[str, object]]:
    async with connect(hub.stream_url) as ws:
        await ws.send(json.dumps({"type": "hello", "token": hub.token["wall"], **hello}))
        return [json.loads(await ws.recv()) for _ in range(frames)]


def test_every_fix_is_stored_and_streamed_but_none_takes_a_seq(db_url: str) -> None:
    hub = LiveHub(db_url).start()
    try:
        before = hub.hub.published_seq

        async def scenario() -> Recorder:
            recorder = Recorder()
            client = FeedClient(hub.stream_url, hub.token["wall"], recorder)
            task = asyncio.create_task(client.run())
            await client.wait_synced()
            for step in range(3):
                await asyncio.to_thread(hub.move, step)
            deadline = time.monotonic() + 10
            while client.state.units["U003"].lon != pytest.approx(119.60 + 2 * 0.0005):
                assert time.monotonic() < deadline, "positions did not arrive"
                await asyncio.sleep(0.02)
            await client.stop()
            await task
            return recorder

        recorder = asyncio.run(scenario())
        assert hub.hub.published_seq == before  # no stored event for a fix
        assert _count(hub, StoredEventRow.type == "unit.positions") == 0
        assert _positions(hub) == 3 * len(OFFICERS)  # the track of record is whole
        assert recorder.seqs == [] and len(recorder.positions) == 3
        assert all(len(frame.fixes) == len(OFFICERS) for frame in recorder.positions)
    finally:
        hub.stop()


def test_a_resumed_wall_gets_the_missed_events_then_each_units_newest_fix(db_url: str) -> None:
    hub = LiveHub(db_url).start()
    try:
        hub.move(0)
        since = hub.hub.published_seq
        for step in range(1, 4):
            hub.move(step)
        status, body = hub.post("/api/v1/reports", report("8890-while-away"))
        assert status == 201

        missed = hub.hub.published_seq - since  # the report's incident.new and ticker
        frames = asyncio.run(_opening(hub, {"since": since, "epoch": hub.hub.epoch}, 2 + missed))
        welcome, *events, positions = frames
        assert welcome["type"] == "welcome" and welcome["epoch"] == hub.hub.epoch
        assert [e["seq"] for e in events] == list(range(since + 1, hub.hub.published_seq + 1))
        assert events[0]["type"] == "incident.new"
        assert positions["type"] == "unit.positions" and "seq" not in positions
        # Not three batches replayed: one frame, the last move, every officer.
        assert {f["id"]: f["lon"] for f in positions["fixes"]} == {  # type: ignore[union-attr]
            o.id: pytest.approx(119.60 + 3 * 0.0005) for o in OFFICERS
        }
        assert body["seq"] == since + 1
    finally:
        hub.stop()


def test_a_since_counted_in_another_log_gets_a_snapshot_never_an_event(db_url: str) -> None:
    hub = LiveHub(db_url).start()
    try:
        hub.change(0)
        hub.change(1)
        since = hub.hub.published_seq - 1
        other = asyncio.run(_opening(hub, {"since": since, "epoch": "another-log"}, 2))
        assert other[1]["type"] == "snapshot" and other[1]["seq"] == hub.hub.published_seq
        same = asyncio.run(_opening(hub, {"since": since, "epoch": hub.hub.epoch}, 2))
        assert same[1]["type"] == "unit.status" and same[1]["seq"] == since + 1

        # A client that kept a seq from another log drops it and takes the snapshot.
        async def scenario() -> Recorder:
            recorder = Recorder()
            client = FeedClient(hub.stream_url, hub.token["wall"], recorder, since=since)
            client.epoch = "another-log"
            task = asyncio.create_task(client.run())
            await client.wait_synced()
            assert client.epoch == hub.hub.epoch
            assert client.state.units == hub.hub.state.units
            await client.stop()
            await task
            return recorder

        recorder = asyncio.run(scenario())
        assert recorder.snapshots == [hub.hub.published_seq] and recorder.seqs == []
    finally:
        hub.stop()


def test_the_epoch_is_the_stores_it_survives_a_restart_and_a_new_store_has_another(
    tmp_path: object,
) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    first = LiveHub(tmp_path / "a.db").start()
    try:
        epoch = first.hub.epoch
        assert len(epoch) >= 16
    finally:
        first.stop()
    first.start(seed=False)
    try:
        assert first.hub.epoch == epoch
    finally:
        first.stop()
    other = LiveHub(tmp_path / "b.db").start()
    try:
        assert other.hub.epoch != epoch
    finally:
        other.stop()


def _event_row(seq: int, event: object, kind: str) -> dict[str, object]:
    return {"seq": seq, "ts": 100.0 + seq, "type": kind, "frame": encode(event)}


def test_a_log_holding_position_batches_upgrades_without_reusing_a_seq(db_url: str) -> None:
    # Revision 0008: the old unit.positions rows leave the log; the highest seq ever used
    # is kept, so the next event is numbered above it even though the newest row is gone.
    unit = Unit(id="U001", name="警员001", team="T-CD", status="busy")
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "0007")
            rows = [
                _event_row(1, UnitStatus(seq=1, ts=101.0, unit=unit), "unit.status"),
                {**_event_row(2, {"type": "unit.positions"}, "x"), "type": "unit.positions"},
                {**_event_row(3, {"type": "unit.positions"}, "x"), "type": "unit.positions"},
            ]
            connection.execute(
                text("INSERT INTO events (seq, ts, type, frame) VALUES (:seq, :ts, :type, :frame)"),
                rows,
            )
    finally:
        engine.dispose()
    hub = LiveHub(db_url).start()  # the hub upgrades its store at start
    try:
        with Session(hub.hub.engine) as session:
            floor = session.get(HubSetting, SEQ_FLOOR_SETTING)
            assert floor is not None and floor.value == "3"
        assert _count(hub) == 1 + len(OFFICERS)  # seq 1, then the seeded officers
        assert _count(hub, StoredEventRow.type == "unit.positions") == 0
        announced = hub.hub.published_seq
        assert announced == 3 + len(OFFICERS)  # numbered on above the floor
        # A wall that had seen seq 1 finds a hole (2, 3) and gets a snapshot.
        frames = asyncio.run(_opening(hub, {"since": 1, "epoch": hub.hub.epoch}, 2))
        assert frames[1]["type"] == "snapshot"
    finally:
        hub.stop()
    hub.start(seed=False)
    try:
        assert hub.change(0) == announced + 1
    finally:
        hub.stop()


def test_health_and_welcome_name_the_node_and_the_log(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    hub = LiveHub(tmp_path / "n.db", node="hub-2").start()
    try:
        with urllib.request.urlopen(hub.api_url + "/api/v1/health", timeout=5) as answer:
            health = json.loads(answer.read())
        assert (health["node"], health["mode"]) == ("hub-2", "single")
        assert health["epoch"] == hub.hub.epoch and health["seq"] == hub.hub.published_seq
        welcome = asyncio.run(_opening(hub, {}, 1))[0]
        assert (welcome["node"], welcome["epoch"]) == ("hub-2", hub.hub.epoch)
    finally:
        hub.stop()
