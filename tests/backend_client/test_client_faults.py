"""The client against every fault a hub and a network can throw at it.

Two kinds of hub: a scripted fake at the edge (a tiny websockets server whose every frame
the test chooses: gaps, duplicates, unknown types, garbage, heartbeats from the future),
and the real hub on loopback (stopped and restarted mid-stream, its sockets cut). Either
way the client must end holding exactly the hub's state, having applied no event twice,
and must ask again from its last applied ``seq``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from backend_client.link import LinkStatus
from backend_client.protocol import decode_client, encode
from backend_client.protocol.messages import (
    Alert,
    AlertClear,
    AlertNew,
    FeedEvent,
    Heartbeat,
    Hello,
    Incident,
    IncidentNew,
    IncidentUpdate,
    Snapshot,
    StoredEvent,
    Team,
    Ticker,
    Unit,
    UnitPositions,
    UnitStatus,
    Welcome,
)
from backend_client.state import FeedState
from backend_client.transport import FeedClient
from tests.support.hubs import LiveHub, report

BASE_SEQ = 10


class Recorder:
    """What the client did, in order: ("snapshot", seq) and ("event", seq) entries."""

    def __init__(self) -> None:
        self.log: list[tuple[str, int]] = []
        self.links: list[str] = []

    def on_snapshot(self, state: FeedState) -> None:
        self.log.append(("snapshot", state.seq))

    def on_event(self, event: FeedEvent) -> None:
        if isinstance(event, UnitPositions):
            self.log.append(("positions", len(event.fixes)))
        else:
            self.log.append(("event", event.seq))

    def on_link(self, status: LinkStatus) -> None:
        self.links.append(status.link.value)

    def event_seqs(self) -> list[int]:
        return [seq for kind, seq in self.log if kind == "event"]


def assert_applied_once_in_order(log: list[tuple[str, int]]) -> None:
    """Every event follows the one before it; a snapshot may only move forward."""
    expected: int | None = None
    for kind, seq in log:
        if kind == "positions":
            continue  # live, unsequenced
        if kind == "snapshot":
            assert expected is None or seq >= expected - 1, f"snapshot went back to {seq}"
        else:
            assert expected is None or seq == expected, f"event {seq}, expected {expected}"
        expected = seq + 1
    applied = [seq for kind, seq in log if kind == "event"]
    assert len(applied) == len(set(applied)), "an event was applied twice"


def same_state(a: FeedState, b: FeedState) -> None:
    assert a.seq == b.seq
    assert a.teams == b.teams
    assert a.units == b.units
    assert a.incidents == b.incidents
    assert a.alerts == b.alerts


# ---- the scripted hub ------------------------------------------------------------------


def _history(count: int, seed: int = 1) -> tuple[Snapshot, list[StoredEvent]]:
    """A base snapshot at BASE_SEQ and ``count`` events of every stored kind after it."""
    rng = random.Random(seed)
    units = [Unit(id=f"U{i}", name=f"警员{i}", team="T1", lat=29.0, lon=119.6) for i in range(6)]
    base = Snapshot(
        seq=BASE_SEQ,
        ts=1000.0,
        teams=[Team(id="T1", name="城东中队")],
        units=units,
        alerts=[Alert(id="A0", kind="sla", subject="C0", ts=999.0)],
    )
    events: list[StoredEvent] = []
    for seq in range(BASE_SEQ + 1, BASE_SEQ + 1 + count):
        ts = 1000.0 + seq
        kind = seq % 7
        if kind in (0, 1, 2):
            # A status change that carries a position (positions alone are live frames,
            # not stored events: see the tests of live positions below).
            unit = units[rng.randrange(len(units))]
            moved = Unit(
                id=unit.id,
                name=unit.name,
                team="T1",
                status="en_route",
                lat=29.0 + rng.random() / 100,
                lon=119.6 + rng.random() / 100,
                ts=ts,
            )
            events.append(UnitStatus(seq=seq, ts=ts, unit=moved))
        elif kind == 3:
            unit = units[seq % len(units)]
            events.append(
                UnitStatus(
                    seq=seq, ts=ts, unit=Unit(id=unit.id, name=unit.name, team="T1", status="busy")
                )
            )
        elif kind == 4:
            incident = Incident(id=f"C{seq}", source="hotline", category="占道经营", reported_at=ts)
            events.append(IncidentNew(seq=seq, ts=ts, incident=incident))
        elif kind == 5:
            incident = Incident(
                id=f"C{seq - 1}", source="hotline", category="占道经营", reported_at=ts - 1
            )
            incident.status = "accepted"
            events.append(IncidentUpdate(seq=seq, ts=ts, incident=incident, change="accepted"))
        elif seq % 2:
            events.append(
                AlertNew(seq=seq, ts=ts, alert=Alert(id=f"A{seq}", kind="x", subject="", ts=ts))
            )
        else:
            events.append(AlertClear(seq=seq, ts=ts, alert_id="A0"))
    events.append(Ticker(seq=BASE_SEQ + 1 + count, ts=2000.0, text="收队"))
    return base, events


Script = Callable[[ServerConnection, Hello, "FakeHub"], Awaitable[None]]


class FakeHub:
    """A hub whose truth is a base snapshot plus a list of events, and whose every
    connection runs a script (by default: the honest hub's resume-or-snapshot)."""

    def __init__(self, base: Snapshot, events: list[StoredEvent]) -> None:
        self.base = encode(base)
        self.events = events
        self.frames = {event.seq: encode(event) for event in events}
        self.hellos: list[Hello] = []
        self.scripts: list[Script | None] = []
        self.url = ""
        self.epoch = "log-1"  # the log its seq counts in (the welcome's)
        self.node = ""
        self._server: Any = None

    @property
    def last_seq(self) -> int:
        return self.events[-1].seq

    def state_at(self, seq: int) -> FeedState:
        state = FeedState()
        state.load(msgspec.json.decode(self.base, type=Snapshot))
        for event in self.events:
            if event.seq > seq:
                break
            # Each apply gets its own copy: FeedState changes units in place.
            state.apply(msgspec.json.decode(self.frames[event.seq], type=type(event)))
        return state

    def truth(self) -> FeedState:
        return self.state_at(self.last_seq)

    def snapshot_frame(self, seq: int | None = None) -> bytes:
        return encode(self.state_at(self.last_seq if seq is None else seq).snapshot(3000.0))

    async def honest(self, ws: ServerConnection, hello: Hello) -> None:
        """Resume after ``since`` when we can, else a snapshot; then heartbeat and wait."""
        since = hello.since
        if since is not None and BASE_SEQ <= since <= self.last_seq:
            for seq in range(since + 1, self.last_seq + 1):
                await ws.send(self.frames[seq])
        else:
            await ws.send(self.snapshot_frame())
        await ws.send(encode(Heartbeat(seq=self.last_seq, ts=3000.0)))
        await ws.wait_closed()

    async def _handle(self, ws: ServerConnection) -> None:
        hello = decode_client(await ws.recv())
        assert isinstance(hello, Hello)
        index = len(self.hellos)
        self.hellos.append(hello)
        welcome = Welcome(role="wall", server_time=time.time(), epoch=self.epoch, node=self.node)
        await ws.send(encode(welcome))
        script = self.scripts[index] if index < len(self.scripts) else None
        with contextlib.suppress(ConnectionClosed):
            if script is None:
                await self.honest(ws, hello)
            else:
                await script(ws, hello, self)

    async def __aenter__(self) -> FakeHub:
        self._server = await serve(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/stream"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        await self._server.wait_closed()


def sends(*frames: bytes | str | Callable[[FakeHub], bytes]) -> Script:
    """A script that sends these frames in order, then holds the connection open."""

    async def script(ws: ServerConnection, hello: Hello, hub: FakeHub) -> None:
        for frame in frames:
            await ws.send(frame(hub) if callable(frame) else frame)
        await ws.wait_closed()

    return script


def snapshot_at(seq: int) -> Callable[[FakeHub], bytes]:
    return lambda hub: hub.snapshot_frame(seq)


def event(seq: int) -> Callable[[FakeHub], bytes]:
    return lambda hub: hub.frames[seq]


def heartbeat(seq: int) -> bytes:
    return encode(Heartbeat(seq=seq, ts=3000.0))


async def run_until_synced(
    hub: FakeHub, recorder: Recorder, timeout: float = 10.0, **options: Any
) -> FeedClient:
    client = FeedClient(
        hub.url, "token", recorder, backoff_initial=0.01, backoff_max=0.05, **options
    )
    task = asyncio.create_task(client.run())
    deadline = time.monotonic() + timeout
    truth = hub.truth()
    try:
        while client.state.seq != truth.seq:
            assert not task.done(), f"client gave up: {client.fatal}"
            assert time.monotonic() < deadline, f"stuck at {client.state.seq}: {recorder.log}"
            await asyncio.sleep(0.01)
        same_state(client.state, truth)
    finally:
        await client.stop()
        await asyncio.wait_for(task, 5)
    assert_applied_once_in_order(recorder.log)
    return client


# ---- scripted faults -------------------------------------------------------------------

S = BASE_SEQ


def test_honest_hub_resume_path_is_exact() -> None:
    async def scenario() -> None:
        async with FakeHub(*_history(30)) as hub:
            recorder = Recorder()
            client = await run_until_synced(hub, recorder)
            assert client.connects == 1
            assert recorder.log[0] == ("snapshot", hub.last_seq)

    asyncio.run(scenario())


def test_a_gap_asks_again_from_the_last_applied_seq() -> None:
    async def scenario() -> None:
        async with FakeHub(*_history(30)) as hub:
            hub.scripts = [sends(snapshot_at(S), event(S + 1), event(S + 2), event(S + 4))]
            recorder = Recorder()
            client = await run_until_synced(hub, recorder)
            assert [h.since for h in hub.hellos] == [None, S + 2]
            assert recorder.event_seqs() == list(range(S + 1, hub.last_seq + 1))
            assert client.resyncs == 1
            # Repaired without telling the wall it was offline (that came with stop()).
            assert recorder.links == ["live", "offline"]

    asyncio.run(scenario())


def test_duplicates_are_dropped_without_reconnecting() -> None:
    async def scenario() -> None:
        async with FakeHub(*_history(8)) as hub:
            frames = [snapshot_at(S)]
            for seq in range(S + 1, hub.last_seq + 1):
                frames += [event(seq), event(seq)]  # every event twice
                frames.append(event(max(S + 1, seq - 2)))  # and an old one again
            hub.scripts = [sends(*frames, heartbeat(hub.last_seq))]
            recorder = Recorder()
            client = await run_until_synced(hub, recorder)
            assert client.connects == 1
            assert client.tracker.duplicates == 2 * (hub.last_seq - S)
            assert recorder.event_seqs() == list(range(S + 1, hub.last_seq + 1))

    asyncio.run(scenario())


def test_a_resume_answered_by_a_snapshot() -> None:
    """The hub may answer a resume with a snapshot (the events are gone): it replaces all."""

    async def scenario() -> None:
        async with FakeHub(*_history(10)) as hub:
            hub.scripts = [sends(snapshot_at(S), event(S + 1), event(S + 2), event(S + 5))]
            hub.scripts.append(sends(snapshot_at(hub.last_seq)))  # resume answered by snapshot
            recorder = Recorder()
            await run_until_synced(hub, recorder)
            assert [h.since for h in hub.hellos] == [None, S + 2]
            assert recorder.log[-1] == ("snapshot", hub.last_seq)

    asyncio.run(scenario())


def test_an_unknown_type_without_seq_is_skipped() -> None:
    async def scenario() -> None:
        async with FakeHub(*_history(6)) as hub:
            notice = json.dumps({"type": "presence.v9", "ts": 1.0, "who": ["x"]})
            frames: list[Any] = [snapshot_at(S), notice]
            frames += [event(seq) for seq in range(S + 1, hub.last_seq + 1)]
            hub.scripts = [sends(*frames)]
            recorder = Recorder()
            client = await run_until_synced(hub, recorder)
            assert client.connects == 1 and client.skipped_unknown == 1

    asyncio.run(scenario())


def test_live_positions_take_no_seq_never_move_a_unit_back_and_a_bad_one_is_skipped() -> None:
    """Live positions between stored events: applied by fix time, not by seq. An older
    fix (a frame that crossed a newer one) is ignored, and an unreadable positions frame
    is skipped without asking again: the next frame brings the newest fix anyway."""

    def positions(ts: float, lon: float, unit: str = "U0", lat: float = 29.01) -> str:
        fixes = [{"id": unit, "lat": lat, "lon": lon, "ts": ts}]
        return json.dumps({"type": "unit.positions", "ts": ts, "fixes": fixes})

    async def scenario() -> None:
        async with FakeHub(*_history(0)) as hub:
            hub.scripts = [
                sends(
                    snapshot_at(S),
                    positions(5000.0, 119.7),
                    event(S + 1),
                    positions(4000.0, 119.5),  # older: crossed the one above
                    positions(6000.0, 119.8, unit="U1", lat=999.0),  # out of range
                    heartbeat(S + 1),
                )
            ]
            recorder = Recorder()
            client = FeedClient(hub.url, "token", recorder, backoff_initial=0.01)
            task = asyncio.create_task(client.run())
            deadline = time.monotonic() + 10
            while client.state.seq != S + 1 or client.skipped_unknown < 1:
                assert time.monotonic() < deadline, f"stuck: {recorder.log}"
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.1)  # the heartbeat, and anything after it
            units = client.state.units
            assert (units["U0"].lon, units["U0"].ts) == (119.7, 5000.0)
            assert (units["U1"].lat, units["U1"].lon) == (29.0, 119.6)  # as in the snapshot
            assert recorder.log == [("snapshot", S), ("positions", 1), ("event", S + 1)]
            assert client.connects == 1 and client.resyncs == 0
            await client.stop()
            await task

    asyncio.run(scenario())


async def _on_the_first_of(
    base: Snapshot, events: list[StoredEvent], b: FakeHub
) -> tuple[FakeHub, FeedClient, Recorder, asyncio.Task[None]]:
    """A wall given ``a,b`` (a started here, named hub-a, serving S..S+3), synced on a."""
    a = FakeHub(base, events)
    await a.__aenter__()
    a.node = "hub-a"
    a.scripts = [sends(snapshot_at(S), event(S + 1), event(S + 2), event(S + 3))]
    recorder = Recorder()
    client = FeedClient(f"{a.url},{b.url}", "token", recorder, backoff_initial=0.05)
    task = asyncio.create_task(client.run())
    deadline = time.monotonic() + 10
    while client.state.seq != S + 3:
        assert time.monotonic() < deadline, recorder.log
        await asyncio.sleep(0.01)
    return a, client, recorder, task


def test_a_wall_given_two_hubs_resumes_on_the_second_when_the_first_dies() -> None:
    """``--hub a,b``: nodes serving one log. A dies mid-stream; the client is on B within
    5 s, resumes from its last seq with the epoch (no snapshot, no gap, no duplicate) and
    names B as the node it is on."""

    async def scenario() -> None:
        base, events = _history(12)
        async with FakeHub(base, events) as b:
            b.node = "hub-b"
            a, client, recorder, task = await _on_the_first_of(base, events, b)
            assert client.node == "hub-a" and client.status.node == "hub-a"
            died = time.monotonic()
            await a.__aexit__(None, None, None)  # the node dies with the wall on it
            truth = b.truth()
            while client.state.seq != truth.seq:
                assert time.monotonic() - died < 5.0, f"not on hub-b in 5 s: {recorder.log}"
                await asyncio.sleep(0.01)
            same_state(client.state, truth)
            assert [(h.since, h.epoch) for h in b.hellos] == [(S + 3, "log-1")]
            assert [kind for kind, _ in recorder.log].count("snapshot") == 1
            assert_applied_once_in_order(recorder.log)
            assert client.node == "hub-b" and client.status.node == "hub-b"
            await client.stop()
            await task

    asyncio.run(scenario())


def test_a_hub_with_another_log_is_never_resumed_from_an_old_seq() -> None:
    """The next node's welcome names another epoch (its log was re-created): even if it
    answered the stale ``since`` with events, the client drops its seq and takes a
    snapshot, never applying an event numbered in another log."""

    async def scenario() -> None:
        base, events = _history(12)
        async with FakeHub(base, events) as b:
            b.epoch = "log-2"
            b.scripts = [sends(event(S + 4), event(S + 5))]  # a hub ignoring the epoch
            a, client, recorder, task = await _on_the_first_of(base, events, b)
            deadline = time.monotonic() + 10
            await a.__aexit__(None, None, None)
            truth = b.truth()
            while client.state.seq != truth.seq:
                assert time.monotonic() < deadline, recorder.log
                await asyncio.sleep(0.01)
            same_state(client.state, truth)
            assert b.hellos[0].epoch == "log-1"  # what it knew; then, on B's epoch:
            assert all(h.since is None for h in b.hellos[1:]) and len(b.hellos) >= 2
            assert S + 4 not in recorder.event_seqs() and client.epoch == "log-2"
            await client.stop()
            await task

    asyncio.run(scenario())


def test_an_unknown_stored_event_is_never_silently_skipped() -> None:
    """A newer hub's event at seq S+3: the client cannot apply it, so it asks again, and
    when the hub sends the same thing again it takes a snapshot that is past it."""

    async def scenario() -> None:
        async with FakeHub(*_history(10)) as hub:
            raw = json.loads(hub.frames[S + 3])
            raw["type"] = "unit.recall"  # same effect on the hub's state, unknown to us
            unknown = json.dumps(raw)
            hub.scripts = [
                sends(snapshot_at(S), event(S + 1), event(S + 2), unknown),
                sends(unknown),
            ]
            recorder = Recorder()
            client = await run_until_synced(hub, recorder)
            assert [h.since for h in hub.hellos] == [None, S + 2, None]
            assert S + 3 not in recorder.event_seqs()
            assert ("snapshot", hub.last_seq) in recorder.log
            assert client.resyncs == 2

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "garbage",
    [
        "{not json",
        b"\x00\xff\xfe binary",
        "[1, 2, 3]",
        '{"type": "unit.status", "seq": "twelve", "ts": 1, "unit": {"id": "U1"}}',
        '{"type": "unit.status", "seq": 13, "ts": 1, '
        '"unit": {"id": "U1", "name": "x", "team": "T1", "lat": 95, "lon": 119}}',
    ],
    ids=["not-json", "binary", "not-object", "wrong-type", "out-of-range"],
)
def test_a_malformed_frame_asks_again_from_the_last_seq(garbage: str | bytes) -> None:
    async def scenario() -> None:
        async with FakeHub(*_history(10)) as hub:
            hub.scripts = [sends(snapshot_at(S), event(S + 1), event(S + 2), garbage)]
            recorder = Recorder()
            client = await run_until_synced(hub, recorder)
            assert [h.since for h in hub.hellos] == [None, S + 2]
            assert recorder.event_seqs() == list(range(S + 1, hub.last_seq + 1))
            assert client.connects == 2

    asyncio.run(scenario())


def test_a_heartbeat_ahead_of_the_client_means_lost_events() -> None:
    async def scenario() -> None:
        async with FakeHub(*_history(10)) as hub:
            hub.scripts = [sends(snapshot_at(S), event(S + 1), event(S + 2), heartbeat(S + 5))]
            recorder = Recorder()
            await run_until_synced(hub, recorder)
            assert [h.since for h in hub.hellos] == [None, S + 2]
            assert recorder.event_seqs() == list(range(S + 1, hub.last_seq + 1))

    asyncio.run(scenario())


def test_a_hub_that_keeps_sending_garbage_gets_backoff_not_a_hot_loop() -> None:
    async def scenario() -> None:
        async with FakeHub(*_history(3)) as hub:
            hub.scripts = [sends("{garbage")] * 1000
            client = FeedClient(hub.url, "t", Recorder(), backoff_initial=0.05, backoff_max=0.2)
            task = asyncio.create_task(client.run())
            await asyncio.sleep(1.0)
            await client.stop()
            await asyncio.wait_for(task, 5)
            # 0.05, 0.1, 0.2, 0.2 ... jittered down to half: a dozen at most, not hundreds.
            assert 3 <= client.connects <= 15
            # Asking from the same place kept failing: later attempts ask for a snapshot.
            assert hub.hellos[-1].since is None

    asyncio.run(scenario())


def test_silence_turns_live_to_stale_and_a_heartbeat_back_to_live() -> None:
    async def scenario() -> None:
        async with FakeHub(*_history(3)) as hub:
            release = asyncio.Event()

            async def quiet(ws: ServerConnection, hello: Hello, hub: FakeHub) -> None:
                await ws.send(hub.snapshot_frame())
                await release.wait()
                await ws.send(heartbeat(hub.last_seq))
                await ws.wait_closed()

            hub.scripts = [quiet]
            recorder = Recorder()
            client = FeedClient(hub.url, "t", recorder, stale_after=0.3)
            task = asyncio.create_task(client.run())
            await client.wait_synced()
            assert client.status.link.value == "live"
            await asyncio.sleep(0.8)
            assert client.status.link.value == "stale"
            release.set()
            await asyncio.sleep(0.1)
            assert client.status.link.value == "live"
            assert recorder.links[-3:] == ["live", "stale", "live"]
            await client.stop()
            await asyncio.wait_for(task, 5)

    asyncio.run(scenario())


@pytest.mark.parametrize("seed", range(12))
def test_random_faults_on_every_connection(seed: int) -> None:
    """Each connection resumes honestly but then suffers random faults; the client must
    still end exactly at the truth, applying each event once."""
    rng = random.Random(seed)
    high_water = S  # a real hub never snapshots behind what it already sent

    def chaotic(cut_after: int) -> Script:
        async def script(ws: ServerConnection, hello: Hello, hub: FakeHub) -> None:
            nonlocal high_water
            since = hello.since
            if since is None or rng.random() < 0.2:
                # Sometimes the hub prefers a snapshot (as of then: a little past the
                # latest it sent, so that most of the history still streams).
                start = max(high_water, since or S)
                at = rng.randint(start, min(hub.last_seq, start + 5))
                await ws.send(hub.snapshot_frame(at))
                since = high_water = at
            seq = since + 1
            for _ in range(cut_after):
                if seq > hub.last_seq:
                    break
                high_water = max(high_water, seq)
                fault = rng.random()
                if fault < 0.05:
                    await ws.send(hub.frames[seq + 1] if seq < hub.last_seq else "{x")
                    return  # a gap: the client leaves
                if fault < 0.10:
                    await ws.send(hub.frames[max(S + 1, seq - rng.randint(1, 3))])  # duplicate
                elif fault < 0.13:
                    await ws.send('{"type": "hello.from.future", "ts": 1}')  # skippable
                elif fault < 0.16:
                    await ws.send(heartbeat(min(hub.last_seq, seq + 2)))
                    if seq + 2 <= hub.last_seq:
                        return
                elif fault < 0.18:
                    await ws.send(b"\x00garbage")
                    return
                await ws.send(hub.frames[seq])
                seq += 1
            if rng.random() < 0.5:
                ws.transport.abort()  # the network goes, no close frame
            # else: the hub closes cleanly (restart)

        return script

    async def scenario() -> None:
        async with FakeHub(*_history(60, seed)) as hub:
            hub.scripts = [chaotic(rng.randint(3, 15)) for _ in range(40)]
            recorder = Recorder()
            client = await run_until_synced(hub, recorder, timeout=20)
            # The faults did happen: several connections, repairs and dropped duplicates.
            assert client.connects > 2 and client.resyncs + client.tracker.duplicates > 0

    asyncio.run(scenario())


# ---- the real hub on loopback ------------------------------------------------------------


async def _until(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


class Traffic:
    """Officers moving and reports arriving on a thread, paused while the hub is down."""

    def __init__(self, hub: LiveHub) -> None:
        self.hub = hub
        self.lock = threading.Lock()
        self.running = True
        self.steps = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while self.running:
            with self.lock:
                if self.hub.embedded is not None:
                    self.steps += 1
                    self.hub.move(self.steps)
                    if self.steps % 3 == 0:
                        self.hub.change(self.steps)  # positions are live: log something
                    if self.steps % 10 == 0:
                        self.hub.post("/api/v1/reports", report(f"8890-t{self.steps}"))
            time.sleep(0.01)

    def __enter__(self) -> Traffic:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.running = False
        self.thread.join(10)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[LiveHub]:
    live = LiveHub(tmp_path / "hub.db").start()
    yield live
    live.stop()


def _hub_state(hub: LiveHub) -> FeedState:
    state = FeedState()
    state.load(hub.hub.state.snapshot(0.0))
    return state


def test_hub_stopped_and_restarted_mid_stream(hub: LiveHub) -> None:
    async def scenario() -> None:
        recorder = Recorder()
        client = FeedClient(
            hub.stream_url, hub.token["wall"], recorder, backoff_initial=0.05, backoff_max=0.3
        )
        task = asyncio.create_task(client.run())
        await client.wait_synced()
        with Traffic(hub) as traffic:
            await _until(lambda: traffic.steps >= 20)
            for _ in range(2):
                with traffic.lock:
                    await asyncio.to_thread(hub.stop)
                    await _until(lambda: client.status.link.value == "offline")
                    await asyncio.to_thread(hub.start, False)
                started = traffic.steps
                await _until(lambda: traffic.steps >= started + 20)  # noqa: B023
        # The log by seq; positions (live) once the newest fix of each has arrived.
        await _until(
            lambda: (
                client.state.seq == hub.hub.published_seq
                and client.state.units == hub.hub.state.units
            )
        )
        same_state(client.state, _hub_state(hub))
        assert client.connects == 3
        # Resumed each time: one snapshot, at the very start.
        assert [kind for kind, _ in recorder.log].count("snapshot") == 1
        assert_applied_once_in_order(recorder.log)
        await client.stop()
        await task

    asyncio.run(scenario())


def test_socket_cut_by_the_hub_side_mid_stream(hub: LiveHub) -> None:
    async def cut(abrupt: bool) -> int:
        # The hub's own connections, cut from its loop: abrupt is a network failure
        # (no close frame), the other a clean close.
        stream = hub.embedded.runtime.stream  # type: ignore[union-attr]
        connections = list(stream._server.connections)
        for connection in connections:
            if abrupt:
                connection.transport.abort()
            else:
                await connection.close(1011, "cut by the test")
        return len(connections)

    async def scenario() -> None:
        recorder = Recorder()
        client = FeedClient(
            hub.stream_url, hub.token["wall"], recorder, backoff_initial=0.05, backoff_max=0.3
        )
        task = asyncio.create_task(client.run())
        await client.wait_synced()
        with Traffic(hub) as traffic:
            for round_, abrupt in enumerate([True, False, True]):
                started = traffic.steps
                await _until(lambda: traffic.steps >= started + 15)  # noqa: B023
                assert await asyncio.to_thread(hub.run, cut(abrupt)) == 1
                await _until(lambda: client.connects == round_ + 2)  # noqa: B023
        # The log by seq; positions (live) once the newest fix of each has arrived.
        await _until(
            lambda: (
                client.state.seq == hub.hub.published_seq
                and client.state.units == hub.hub.state.units
            )
        )
        same_state(client.state, _hub_state(hub))
        assert_applied_once_in_order(recorder.log)
        assert [kind for kind, _ in recorder.log].count("snapshot") == 1
        await client.stop()
        await task

    asyncio.run(scenario())
