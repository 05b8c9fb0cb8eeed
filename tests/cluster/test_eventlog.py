"""The event log on a real 3-node JetStream cluster (nats-server 2.12+, own ports):
one numbering for every hub node, idempotent appends, refused stale writes, writes that
go on when a NATS node is killed, and an epoch that names the log."""

from __future__ import annotations

import asyncio

import pytest

from hub.cluster.eventlog import ClusterLog, LogUnavailable, StaleWrite, subject_for
from tests.support.natscluster import NatsCluster


async def _log(servers: list[str], name: str) -> ClusterLog:
    log = ClusterLog(servers, name=name)
    await log.connect()
    return log


def test_two_hub_nodes_appending_share_one_gapless_numbering(nats_cluster: NatsCluster) -> None:
    async def scenario() -> None:
        # Each node talks to a different NATS server first.
        a = await _log(nats_cluster.urls, "hub-a")
        b = await _log(list(reversed(nats_cluster.urls)), "hub-b")
        try:

            async def write(log: ClusterLog, who: str) -> list[int]:
                seqs = []
                for i in range(40):
                    subject = subject_for("case", f"WC-{who}-{i % 4}")
                    done = await log.append(subject, f"{who}{i}".encode(), f"{who}:{i}")
                    seqs.append(done.seq)
                return seqs

            from_a, from_b = await asyncio.gather(write(a, "a"), write(b, "b"))
            assert sorted(from_a + from_b) == list(range(1, 81))  # no gap, no double
            assert from_a == sorted(from_a) and from_b == sorted(from_b)
            # Both nodes read the same log, in the same order.
            on_a, on_b = await a.read(0, 80), await b.read(0, 80)
            assert [e.seq for e in on_a] == list(range(1, 81))
            assert on_a == on_b
            by_seq = {e.seq: e.data for e in on_a}
            assert all(by_seq[s] == f"a{i}".encode() for i, s in enumerate(from_a))
            assert a.epoch == b.epoch
        finally:
            await a.close()
            await b.close()

    asyncio.run(scenario())


def test_a_retry_from_any_node_gets_the_same_seq(nats_cluster: NatsCluster) -> None:
    async def scenario() -> None:
        a = await _log(nats_cluster.urls[:1], "hub-a")
        b = await _log(nats_cluster.urls[2:], "hub-b")
        try:
            first = await a.append(subject_for("report"), b"r1", "hotline:8890-1")
            again = await b.append(subject_for("report"), b"r1", "hotline:8890-1")
            other = await b.append(subject_for("report"), b"r2", "hotline:8890-2")
            assert (first.seq, first.duplicate) == (1, False)
            assert (again.seq, again.duplicate) == (1, True)
            assert other.seq == 2
            assert [e.data for e in await a.read(0, 2)] == [b"r1", b"r2"]
        finally:
            await a.close()
            await b.close()

    asyncio.run(scenario())


def test_a_write_against_a_stale_version_of_a_case_is_refused(nats_cluster: NatsCluster) -> None:
    async def scenario() -> None:
        a = await _log(nats_cluster.urls, "hub-a")
        b = await _log(nats_cluster.urls, "hub-b")
        try:
            case = subject_for("case", "WC261202-0000007")
            created = await a.append(case, b"new", "c7:new", expected_subject_seq=0)
            # Two desks decided on the version they read (created.seq); the first wins.
            accepted = await a.append(
                case, b"accept", "c7:accept:a", expected_subject_seq=created.seq
            )
            with pytest.raises(StaleWrite):
                await b.append(case, b"accept", "c7:accept:b", expected_subject_seq=created.seq)
            # Re-read and decided again, it goes through.
            again = await b.append(
                case, b"dispatch", "c7:dispatch:b", expected_subject_seq=accepted.seq
            )
            assert again.seq == accepted.seq + 1
            with pytest.raises(StaleWrite):  # "must be new": it is not
                await b.append(case, b"new", "c7:new-again", expected_subject_seq=0)
        finally:
            await a.close()
            await b.close()

    asyncio.run(scenario())


def test_writes_go_on_when_a_nats_node_is_killed_and_nothing_acknowledged_is_lost(
    nats_cluster: NatsCluster,
) -> None:
    async def scenario() -> None:
        log = await _log(nats_cluster.urls, "hub-a")
        acked: dict[int, bytes] = {}
        try:
            for i in range(30):
                done = await log.append(subject_for("report"), f"before{i}".encode(), f"b{i}")
                acked[done.seq] = f"before{i}".encode()
            # kill -9 the stream's leader (a new one must be elected) and, if that is not
            # the node this hub is connected to, that one too is left alone: the harder
            # case is the leader.
            info = await log._jetstream().stream_info(log.stream)
            assert info.cluster is not None and info.cluster.leader is not None
            index = nats_cluster.index_of(name=info.cluster.leader)
            await asyncio.to_thread(nats_cluster.kill, index)
            # ... and the writes continue on the other two (a quorum of three).
            for i in range(30):
                done = await log.append(subject_for("report"), f"during{i}".encode(), f"d{i}")
                acked[done.seq] = f"during{i}".encode()
            assert sorted(acked) == list(range(1, 61))
            entries = await log.read(0, 60)
            assert {e.seq: e.data for e in entries} == acked
            # The killed node comes back and serves the whole log, caught up.
            await asyncio.to_thread(nats_cluster.restart, index)
            back = await _log([nats_cluster.nodes[index].url], "hub-b")
            try:
                deadline = asyncio.get_running_loop().time() + 20
                while True:
                    try:
                        entries = await back.read(0, 60, timeout=5)
                        break
                    except TimeoutError:
                        assert asyncio.get_running_loop().time() < deadline, "not caught up"
                assert {e.seq: e.data for e in entries} == acked
                assert back.epoch == log.epoch
            finally:
                await back.close()
        finally:
            await log.close()

    asyncio.run(scenario())


def test_a_stream_made_anew_has_another_epoch(nats_cluster: NatsCluster) -> None:
    async def scenario() -> None:
        log = await _log(nats_cluster.urls, "hub-a")
        try:
            await log.append(subject_for("report"), b"x", "x1")
            epoch = log.epoch
            again = await _log(nats_cluster.urls, "hub-b")
            assert again.epoch == epoch  # the same log, seen from another node
            await again.close()
            # An operator deletes the stream and a node makes it again: another log.
            await log._jetstream().delete_stream(log.stream)
            await asyncio.sleep(1.1)  # creation times are to the second or finer
            await log.reload()
            assert log.epoch != epoch
            assert (await log.append(subject_for("report"), b"x", "x1")).seq == 1
        finally:
            await log.close()

    asyncio.run(scenario())


def test_the_hub_node_connected_to_a_killed_nats_node_moves_to_another(
    nats_cluster: NatsCluster,
) -> None:
    async def scenario() -> None:
        log = await _log(nats_cluster.urls, "hub-a")
        try:
            await log.append(subject_for("report"), b"one", "one")
            connected = log.connected_url
            index = nats_cluster.index_of(connected)
            await asyncio.to_thread(nats_cluster.kill, index)
            done = await log.append(subject_for("report"), b"two", "two")
            assert done.seq == 2
            assert log.connected_url not in (None, connected)
        finally:
            await log.close()

    asyncio.run(scenario())


def test_without_a_quorum_an_append_fails_and_is_never_acknowledged(
    nats_cluster: NatsCluster,
) -> None:
    async def scenario() -> None:
        log = await _log(nats_cluster.urls, "hub-a")
        try:
            await log.append(subject_for("report"), b"one", "one")
            keep = nats_cluster.index_of(log.connected_url)
            for index in range(len(nats_cluster.nodes)):
                if index != keep:
                    await asyncio.to_thread(nats_cluster.kill, index)
            with pytest.raises(LogUnavailable):
                await log.append(subject_for("report"), b"two", "two", deadline=3.0)
            # A majority back: the same append (same id) is stored, once.
            survivors = [i for i in range(len(nats_cluster.nodes)) if i != keep]
            await asyncio.to_thread(nats_cluster.restart, survivors[0])
            done = await log.append(subject_for("report"), b"two", "two", deadline=20.0)
            entries = await log.read(0, done.seq)
            assert [e.data for e in entries] == [b"one", b"two"]
        finally:
            await log.close()

    asyncio.run(scenario())
