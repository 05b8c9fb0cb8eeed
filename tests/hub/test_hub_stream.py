"""The hub over loopback with a real SQLite file: snapshot, resume, restart, roles, bad input."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import connect

from backend_client.link import LinkStatus
from backend_client.protocol.messages import FeedEvent, UnitPositions
from backend_client.state import FeedState
from backend_client.transport import FeedClient, RequestFailed
from tests.support.hubs import OFFICERS, LiveHub, report


class Recorder:
    def __init__(self) -> None:
        self.seqs: list[int] = []
        self.positions: list[UnitPositions] = []
        self.snapshots: list[int] = []
        self.links: list[str] = []

    def on_snapshot(self, state: FeedState) -> None:
        self.snapshots.append(state.seq)

    def on_event(self, event: FeedEvent) -> None:
        if isinstance(event, UnitPositions):
            self.positions.append(event)  # live: no seq
        else:
            self.seqs.append(event.seq)

    def on_link(self, status: LinkStatus) -> None:
        self.links.append(status.link.value)


async def _until(predicate: Any, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def test_client_state_matches_hub_after_snapshot_and_live_events(hub: LiveHub) -> None:
    async def scenario() -> None:
        recorder = Recorder()
        client = FeedClient(hub.stream_url, hub.token["wall"], recorder)
        task = asyncio.create_task(client.run())
        await client.wait_synced()
        assert len(client.state.units) == len(OFFICERS)
        assert client.state.teams["T-CD"].name == "城东中队"
        await asyncio.to_thread(hub.move, 1)
        status, body = await asyncio.to_thread(hub.post, "/api/v1/reports", report("8890-1"))
        assert status == 201
        await _until(
            lambda: (
                client.state.seq == hub.hub.published_seq and body["id"] in client.state.incidents
            )
        )
        await asyncio.to_thread(hub.move, 2)
        await _until(lambda: client.state.units["U003"].lon == pytest.approx(119.60 + 2 * 0.0005))
        assert client.state.seq == hub.hub.published_seq
        expected = hub.hub.state.snapshot(0.0)
        assert client.state.snapshot(0.0) == expected
        await client.stop()
        await task

    asyncio.run(scenario())


def test_resume_from_seq_gets_exactly_the_missing_events(hub: LiveHub) -> None:
    for step in range(3):
        hub.change(step)
        hub.move(step)
    first = hub.hub.published_seq
    for step in range(3, 6):
        hub.change(step)
        hub.move(step)

    async def scenario() -> None:
        recorder = Recorder()
        client = FeedClient(hub.stream_url, hub.token["wall"], recorder, since=first)
        task = asyncio.create_task(client.run())
        await _until(lambda: client.tracker.last == hub.hub.published_seq)
        assert recorder.snapshots == []  # resumed, not re-snapshotted
        assert recorder.seqs == list(range(first + 1, hub.hub.published_seq + 1))
        await client.stop()
        await task

        # On the wire: the missing events, then positions, not replayed batch by batch:
        # one frame with each officer's newest fix (the last move), nothing older.
        async with connect(hub.stream_url) as ws:
            hello = {"type": "hello", "token": hub.token["wall"], "since": first}
            await ws.send(json.dumps({**hello, "epoch": hub.hub.epoch}))
            frames = [json.loads(await ws.recv()) for _ in range(2 + 3)]
        assert [f["type"] for f in frames] == ["welcome", *["unit.status"] * 3, "unit.positions"]
        assert "seq" not in frames[-1]
        assert {f["id"]: f["lon"] for f in frames[-1]["fixes"]} == {
            o.id: pytest.approx(119.60 + 5 * 0.0005) for o in OFFICERS
        }

    asyncio.run(scenario())


def test_hub_restart_loses_and_doubles_nothing(hub: LiveHub) -> None:
    async def scenario() -> None:
        recorder = Recorder()
        client = FeedClient(
            hub.stream_url, hub.token["wall"], recorder, backoff_initial=0.05, backoff_max=0.2
        )
        task = asyncio.create_task(client.run())
        await client.wait_synced()
        start = client.tracker.last
        assert start is not None
        for step in range(3):
            await asyncio.to_thread(hub.change, step)
            await asyncio.to_thread(hub.move, step)
        await asyncio.to_thread(hub.stop)
        await _until(lambda: client.status.link.value == "offline")
        await asyncio.to_thread(hub.start, False)
        # Events stored while the wall was away must arrive on resume.
        for step in range(3, 6):
            await asyncio.to_thread(hub.change, step)
            await asyncio.to_thread(hub.move, step)
        await asyncio.to_thread(hub.post, "/api/v1/reports", report("8890-restart"))
        await _until(lambda: client.tracker.last == hub.hub.published_seq)
        assert recorder.seqs == list(range(start + 1, hub.hub.published_seq + 1))
        # The newest positions too, whether the wall was back before or after the moves.
        await _until(lambda: client.state.units["U003"].lon == pytest.approx(119.60 + 5 * 0.0005))
        # Dicts, not the snapshot's lists: a restarted hub loads units in the database's
        # order (PostgreSQL returns the row U001's status change rewrote last).
        mine, its = client.state, hub.hub.state
        assert (mine.seq, mine.teams, mine.units) == (its.seq, its.teams, its.units)
        assert (mine.incidents, mine.alerts) == (its.incidents, its.alerts)
        assert "offline" in recorder.links and recorder.links[-1] == "live"
        await client.stop()
        await task

    asyncio.run(scenario())


def test_roles_are_checked_on_every_request(hub: LiveHub) -> None:
    async def scenario() -> None:
        client = FeedClient(hub.stream_url, hub.token["wall"])
        task = asyncio.create_task(client.run())
        await client.wait_synced()
        with pytest.raises(RequestFailed) as caught:
            await client.request("dispatch", {"incident_id": "x", "unit_ids": ["U001"]})
        assert caught.value.code == "forbidden"
        with pytest.raises(RequestFailed) as caught:
            await client.request("audit.query", {})
        assert caught.value.code == "forbidden"
        await client.stop()
        await task

        source = FeedClient(hub.stream_url, hub.token["source"])
        await asyncio.wait_for(source.run(), 10)  # refused for good: run() returns
        assert source.fatal and "may not read the stream" in source.fatal

        stranger = FeedClient(hub.stream_url, "not-a-token-at-all")
        await asyncio.wait_for(stranger.run(), 10)
        assert stranger.fatal == "unknown token"

    asyncio.run(scenario())


def test_dispatch_is_stored_audited_and_streamed(hub: LiveHub) -> None:
    status, body = hub.post("/api/v1/reports", report("8890-dispatch"))
    assert status == 201

    async def scenario() -> None:
        operator = FeedClient(hub.stream_url, hub.token["operator"])
        supervisor = FeedClient(hub.stream_url, hub.token["supervisor"])
        tasks = [asyncio.create_task(c.run()) for c in (operator, supervisor)]
        await operator.wait_synced()
        await supervisor.wait_synced()
        answer = await operator.request(
            "dispatch", {"incident_id": body["id"], "unit_ids": ["U001", "U002"]}
        )
        await _until(lambda: supervisor.state.incidents[body["id"]].status == "dispatched")
        assert supervisor.state.incidents[body["id"]].units == ["U001", "U002"]
        assert answer["seq"] <= supervisor.tracker.last  # type: ignore[operator]
        history = await supervisor.request("case.history", {"case_id": body["id"]})
        # The lifecycle: dispatching a reported case accepts it at the same moment.
        assert [e["kind"] for e in history["events"]] == ["reported", "accepted", "dispatched"]
        assert [e["actor"] for e in history["events"][1:]] == ["demo-operator"] * 2
        assert history["events"][2]["detail"] == {"units": ["U001", "U002"]}
        audit = await supervisor.request("audit.query", {"limit": 10})
        actions = [(e["actor"], e["action"], e["subject"]) for e in audit["entries"]]
        assert ("demo-operator", "dispatch", body["id"]) in actions
        assert ("demo-supervisor", "view.case", body["id"]) in actions
        with pytest.raises(RequestFailed) as caught:
            await operator.request("dispatch", {"incident_id": body["id"], "unit_ids": "U001"})
        assert caught.value.code == "invalid" and caught.value.field == "unit_ids"
        for client in (operator, supervisor):
            await client.stop()
        await asyncio.gather(*tasks)

    asyncio.run(scenario())


def test_bad_frames_get_errors_and_the_socket_stays_open(hub: LiveHub) -> None:
    async def scenario() -> None:
        async with connect(hub.stream_url) as ws:
            await ws.send(json.dumps({"type": "hello", "token": hub.token["wall"]}))
            assert json.loads(await ws.recv())["type"] == "welcome"
            assert json.loads(await ws.recv())["type"] == "snapshot"
            for frame in ("{broken", '{"type":"req","id":"one","op":"x"}', '{"type":"warp"}', "[]"):
                await ws.send(frame)
                while True:
                    answer = json.loads(await ws.recv())
                    if answer["type"] == "error":
                        break
            await ws.send(
                json.dumps(
                    {"type": "req", "id": 9, "op": "case.history", "args": {"case_id": "none"}}
                )
            )
            while True:
                answer = json.loads(await ws.recv())
                if answer.get("id") == 9:
                    break
            assert answer == {**answer, "type": "error", "code": "not_found", "field": "case_id"}

    asyncio.run(scenario())


def test_slow_client_is_given_a_snapshot_instead_of_growing_memory(db_url: str) -> None:
    hub = LiveHub(db_url, client_queue_frames=5).start()
    try:
        subscriber = hub.hub.subscribe()
        for step in range(12):
            hub.move(step)
        assert subscriber.needs_snapshot
        assert subscriber.queue.qsize() <= 5 + 1
        hub.hub.unsubscribe(subscriber)
    finally:
        hub.stop()


def test_positions_batches_hold_the_latest_fix_per_officer(hub: LiveHub) -> None:
    async def scenario() -> None:
        seen: list[UnitPositions] = []

        class Listener(Recorder):
            def on_event(self, event: FeedEvent) -> None:
                if isinstance(event, UnitPositions):
                    seen.append(event)

        client = FeedClient(hub.stream_url, hub.token["wall"], Listener())
        task = asyncio.create_task(client.run())
        await client.wait_synced()
        await asyncio.to_thread(hub.move, 1)
        await _until(lambda: len(seen) == 1)
        assert sorted(f.id for f in seen[0].fixes) == sorted(o.id for o in OFFICERS)
        await client.stop()
        await task

    asyncio.run(scenario())
