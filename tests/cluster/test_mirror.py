"""The store's event log mirrored into JetStream with the same numbers: what the writer
node committed (PostgreSQL, a real hub) is in the stream, byte for byte at the same seq;
a writer that died before mirroring loses nothing; a stream that is not this store's
history is refused; a killed NATS leader only delays the mirror."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.cluster.eventlog import ClusterLog, LogDiverged, LogUnavailable
from hub.cluster.mirror import LogMirror, store_reader
from hub.store.models import StoredEventRow
from tests.hub.conftest import _fresh_schema, postgres_database  # noqa: F401 (fixture)
from tests.support.hubs import LiveHub, report
from tests.support.natscluster import NatsCluster

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_hub(postgres_database: str) -> Iterator[LiveHub]:  # noqa: F811
    _fresh_schema(postgres_database)
    hub = LiveHub(postgres_database).start()
    yield hub
    hub.stop()


def _store_log(hub: LiveHub) -> dict[int, bytes]:
    with Session(hub.hub.engine) as session:
        rows = session.execute(select(StoredEventRow.seq, StoredEventRow.frame)).all()
    return {int(seq): bytes(frame) for seq, frame in rows}


async def _stream_log(log: ClusterLog) -> dict[int, bytes]:
    last = await log.last_seq()
    return {entry.seq: entry.data for entry in await log.read(0, last)}


def _post_reports(hub: LiveHub, first: int, count: int) -> None:
    for i in range(first, first + count):
        status, _ = hub.post("/api/v1/reports", report(f"8890-m{i}"))
        assert status == 201


def test_the_stream_holds_the_stores_events_at_the_same_seq(
    nats_cluster: NatsCluster, pg_hub: LiveHub
) -> None:
    _post_reports(pg_hub, 0, 5)

    async def scenario() -> None:
        log = ClusterLog(nats_cluster.urls)
        await log.connect()
        try:
            mirror = LogMirror(log, store_reader(pg_hub.hub.engine), pg_hub.hub.epoch)
            assert await mirror.catch_up(pg_hub.hub.published_seq) == pg_hub.hub.published_seq
            assert await _stream_log(log) == _store_log(pg_hub)
            # More, later: only the new ones are appended.
            await asyncio.to_thread(_post_reports, pg_hub, 5, 3)
            assert await mirror.catch_up(pg_hub.hub.published_seq) == 6  # 3 cases + tickers
            assert await _stream_log(log) == _store_log(pg_hub)
            assert await mirror.catch_up(pg_hub.hub.published_seq) == 0
        finally:
            await log.close()

    asyncio.run(scenario())


def test_a_writer_that_died_before_mirroring_loses_nothing_and_doubles_nothing(
    nats_cluster: NatsCluster, pg_hub: LiveHub
) -> None:
    async def scenario() -> None:
        first = ClusterLog(nats_cluster.urls, name="writer-1")
        await first.connect()
        read = store_reader(pg_hub.hub.engine)
        # The first writer mirrored part of the log, then died; it had published one
        # event more than it knew (its acknowledgement was lost with it).
        await asyncio.to_thread(_post_reports, pg_hub, 0, 4)
        half = pg_hub.hub.published_seq - 4
        await LogMirror(first, read, pg_hub.hub.epoch).catch_up(half)
        seq, kind, frame = (await read(half, half + 1))[0]
        assert await first.append_at(seq, f"wf.ev.{kind}", frame, f"{pg_hub.hub.epoch}:{seq}")
        await first.close()
        # Meanwhile the store went on (reports kept coming to the writer node).
        await asyncio.to_thread(_post_reports, pg_hub, 4, 2)
        second = ClusterLog(list(reversed(nats_cluster.urls)), name="writer-2")
        await second.connect()
        try:
            caught = await LogMirror(second, read, pg_hub.hub.epoch).catch_up(
                pg_hub.hub.published_seq
            )
            assert caught == pg_hub.hub.published_seq - (half + 1)
            assert await _stream_log(second) == _store_log(pg_hub)  # no gap, no double
        finally:
            await second.close()

    asyncio.run(scenario())


def test_a_stream_that_is_not_this_stores_history_is_refused(
    nats_cluster: NatsCluster, pg_hub: LiveHub
) -> None:
    async def scenario() -> None:
        log = ClusterLog(nats_cluster.urls)
        await log.connect()
        try:
            read = store_reader(pg_hub.hub.engine)
            await asyncio.to_thread(_post_reports, pg_hub, 0, 2)
            await LogMirror(log, read, pg_hub.hub.epoch).catch_up(pg_hub.hub.published_seq)
            # A store behind the stream (restored from an older backup): refused.
            with pytest.raises(LogDiverged):
                await LogMirror(log, read, "another-store").catch_up(pg_hub.hub.published_seq - 1)
            # Another store's event at a seq the stream already has: refused too.
            with pytest.raises(LogDiverged):
                await log.append_at(1, "wf.ev.ticker", b'{"other":1}', "another-store:1")
            assert await _stream_log(log) == _store_log(pg_hub)
        finally:
            await log.close()

    asyncio.run(scenario())


def test_offered_events_are_durable_in_order_through_a_killed_stream_leader(
    nats_cluster: NatsCluster,
) -> None:
    async def no_store(since: int, until: int) -> list[tuple[int, str, bytes]]:
        return []

    async def scenario() -> None:
        log = ClusterLog(nats_cluster.urls)
        await log.connect()
        mirror = LogMirror(log, no_store, "store-1")
        runner = asyncio.create_task(mirror.run())
        try:
            events = [(seq, "ticker", f'{{"seq":{seq}}}'.encode()) for seq in range(1, 61)]
            mirror.offer(events[:20])
            await asyncio.wait_for(mirror.durable(20), 20)
            info = await log._jetstream().stream_info(log.stream)
            assert info.cluster is not None and info.cluster.leader is not None
            await asyncio.to_thread(
                nats_cluster.kill, nats_cluster.index_of(name=info.cluster.leader)
            )
            mirror.offer(events[20:])
            deadline = asyncio.get_running_loop().time() + 30
            while True:  # a waiter may be told "not yet" during the election
                try:
                    await asyncio.wait_for(mirror.durable(60), 30)
                    break
                except LogUnavailable:
                    assert asyncio.get_running_loop().time() < deadline
            assert await _stream_log(log) == {seq: frame for seq, _, frame in events}
        finally:
            runner.cancel()
            await log.close()

    asyncio.run(scenario())
