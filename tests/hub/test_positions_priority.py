"""Live fixes are not starved by backlogs: the position pipeline's two lanes.

A reconnect storm brings thousands of blind-area backlogs (JT/T 808 0x0704, 25 fixes
each) at once; the terminals that stayed online keep sending one live 0x0200 each. With
one first-come-first-served queue a live fix waited for every backlog queued before it.
Now a small waited-for submission is live and goes into the next batch, ahead of the
backlogs, which are committed in slices of bounded size. These tests assert the order
in which commits complete (never wall-clock times): against a writer whose commits are
released one by one, and against the real store writer on SQLite.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import hub.positions
from backend_client.protocol.messages import Fix
from hub.positions import PositionPipeline
from hub.store.db import make_engine, upgrade_schema
from hub.store.models import Position
from hub.writer import StoreWriter

NOW = 1_770_000_000.0


def fix(officer: str, ts: float) -> Fix:
    return Fix(id=officer, lat=29.08, lon=119.65, ts=ts, speed=0.0, heading=0.0)


def backlog(officer: str, n: int = 25, start: float = NOW - 3_600.0) -> list[Fix]:
    """A blind-area batch: ``n`` old fixes of one terminal, 10 s apart."""
    return [fix(officer, start + 10.0 * k) for k in range(n)]


class _Emitter:
    def emit(self, make: Callable[[int, float], Any]) -> None:
        make(0, NOW)


class GatedWriter:
    """A store writer whose commits complete one at a time, when the test says so; it
    records the fixes of each commit, in commit order."""

    def __init__(self) -> None:
        self.commits: list[list[Fix]] = []
        self.in_flight = 0
        self.completed = 0
        self._permits: asyncio.Queue[None] = asyncio.Queue()

    def submit(self, work: Callable[[Any, Any], None]) -> asyncio.Future[None]:
        self.in_flight += 1

        async def commit() -> None:
            await self._permits.get()
            rows: list[Fix] = []
            work(rows, _Emitter())
            if rows:  # not a stream event alone
                self.commits.append(rows)
            self.in_flight -= 1
            self.completed += 1

        return asyncio.ensure_future(commit())

    def release(self) -> None:
        self._permits.put_nowait(None)


@pytest.fixture
def recorded_inserts(monkeypatch: pytest.MonkeyPatch) -> None:
    def insert(rows: list[Fix], fixes: Sequence[Fix], *, fixed: bool = True) -> None:
        rows.extend(fixes)

    monkeypatch.setattr(hub.positions, "insert_positions", insert)


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(1_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


async def _step(writer: GatedWriter, pipeline: PositionPipeline) -> None:
    """Let the commit in flight complete, then the pipeline take its next batch."""
    completed = writer.completed
    writer.release()
    await _until(lambda: writer.completed > completed)
    await _until(lambda: writer.in_flight == 1 or pipeline.pending == 0)


async def _drain(
    writer: GatedWriter, pipeline: PositionPipeline, runner: asyncio.Task[None]
) -> None:
    """Commit everything, stop the loop, and stream what is left (the live map)."""
    while pipeline.pending or writer.in_flight:
        await _step(writer, pipeline)
    runner.cancel()
    writer.release()
    await pipeline.flush()


def _tracked(
    pipeline: PositionPipeline, name: str, fixes: list[Fix], done: list[str]
) -> asyncio.Task[None]:
    async def store() -> None:
        await pipeline.store(fixes)
        done.append(name)

    return asyncio.create_task(store(), name=name)


@pytest.mark.usefixtures("recorded_inserts")
def test_a_live_fix_is_committed_before_the_rest_of_a_queued_backlog() -> None:
    async def scenario() -> None:
        writer = GatedWriter()
        pipeline = PositionPipeline(
            writer,  # type: ignore[arg-type]
            interval=3_600.0,
            live={},
            max_batch=100,
            bulk_max=50,
        )
        runner = asyncio.create_task(pipeline.run())
        done: list[str] = []
        # A reconnect storm: eight 25-fix backlogs at once (four slices of 50).
        storms = [_tracked(pipeline, f"backlog{i}", backlog(f"T{i}"), done) for i in range(8)]
        await _until(lambda: writer.in_flight == 1)  # the first slice is committing
        live_fix = fix("L1", NOW)
        live = _tracked(pipeline, "live", [live_fix], done)
        await _until(lambda: pipeline.pending == 150 + 1)
        await _drain(writer, pipeline, runner)
        await asyncio.gather(live, *storms)

        # The live fix went into the very next commit, ahead of the slice waiting there.
        assert writer.commits[1][0] == live_fix
        assert [len(c) for c in writer.commits] == [50, 51, 50, 50]
        # ... and was answered before the backlog's later slices.
        assert done == [
            "backlog0",
            "backlog1",
            "live",
            "backlog2",
            "backlog3",
            "backlog4",
            "backlog5",
            "backlog6",
            "backlog7",
        ]
        # Every fix once; each backlog in one commit (a submission is never split).
        stored = [f for c in writer.commits for f in c]
        assert len(stored) == len({(f.id, f.ts) for f in stored}) == 8 * 25 + 1
        for i in range(8):
            assert sum(1 for c in writer.commits if any(f.id == f"T{i}" for f in c)) == 1
        # The live map shows the live fix: the backlogs are older.
        assert pipeline.live == {"L1": NOW, **{f"T{i}": NOW - 3_600.0 + 240.0 for i in range(8)}}

    asyncio.run(scenario())


@pytest.mark.usefixtures("recorded_inserts")
def test_backlogs_still_move_while_live_fixes_fill_every_batch() -> None:
    """Live first, but a backlog gets a slice of every batch: it is never starved."""

    async def scenario() -> None:
        writer = GatedWriter()
        pipeline = PositionPipeline(
            writer,  # type: ignore[arg-type]
            interval=3_600.0,
            live={},
            max_batch=20,
            bulk_max=10,
            bulk_min=10,
        )
        runner = asyncio.create_task(pipeline.run())
        done: list[str] = []
        first = _tracked(pipeline, "first", [fix("X", NOW)], done)
        await _until(lambda: writer.in_flight == 1)
        storms = [_tracked(pipeline, f"backlog{i}", backlog(f"T{i}", 10), done) for i in range(3)]
        lives: list[asyncio.Task[None]] = []
        for round_no in range(4):
            # More live fixes than a batch holds arrive while each batch commits.
            lives += [
                _tracked(pipeline, f"live{round_no}.{k}", [fix(f"L{k}", NOW + round_no)], done)
                for k in range(30)
            ]
            await asyncio.sleep(0)
            await _step(writer, pipeline)
        await _drain(writer, pipeline, runner)
        await asyncio.gather(first, *storms, *lives)

        # Each batch after the first: one backlog (bulk_min of room kept for it) and
        # live fixes in the rest.
        for i in range(3):
            assert any(
                sum(1 for f in c if f.id == f"T{i}") == 10 for c in writer.commits[i + 1 : i + 2]
            ), [len(c) for c in writer.commits]
        assert all(len(c) <= 20 for c in writer.commits)
        assert sum(len(c) for c in writer.commits) == 1 + 30 + 120
        assert [len(c) for c in writer.commits[:4]] == [1, 20, 20, 20]

    asyncio.run(scenario())


@pytest.mark.usefixtures("recorded_inserts")
def test_a_lone_fix_is_committed_at_once_and_big_submissions_are_not_split() -> None:
    async def scenario() -> None:
        writer = GatedWriter()
        pipeline = PositionPipeline(
            writer,  # type: ignore[arg-type]
            interval=3_600.0,
            live={},
            max_batch=100,
            bulk_max=50,
        )
        runner = asyncio.create_task(pipeline.run())
        done: list[str] = []
        lone = _tracked(pipeline, "lone", [fix("A", NOW)], done)
        await _until(lambda: writer.in_flight == 1)
        assert pipeline.pending == 0  # already in the batch in flight: no wait when idle
        big = _tracked(pipeline, "big", backlog("B", 120), done)  # bigger than any slice
        small = _tracked(pipeline, "small", backlog("C", 30), done)
        await asyncio.sleep(0)
        await _drain(writer, pipeline, runner)
        await asyncio.gather(lone, big, small)
        assert [len(c) for c in writer.commits] == [1, 120, 30]
        assert done == ["lone", "big", "small"]

    asyncio.run(scenario())


def test_on_sqlite_a_live_fix_overtakes_a_storm_of_backlogs(tmp_path: Path) -> None:
    """The same with the real store writer: 40 backlogs (1,000 fixes, ten slices of 100)
    queued at once, then one live fix; it is committed by the second commit, before
    the backlogs of the later slices, and everything is stored once."""
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    upgrade_schema(engine)
    commits: list[int] = []
    submitted: list[int] = []

    async def scenario() -> list[str]:
        writer = StoreWriter(engine, lambda events: None)
        writer.bind(asyncio.get_running_loop())
        pipeline = PositionPipeline(writer, interval=0.05, live={}, max_batch=200, bulk_max=100)
        submit = writer.submit

        def counting(work: Callable[[Session, Any], None]) -> asyncio.Future[None]:
            submitted.append(len(done))
            future = submit(work)
            future.add_done_callback(lambda _: commits.append(len(done)))
            return future

        writer.submit = counting  # type: ignore[method-assign,assignment]
        runner = asyncio.create_task(pipeline.run())
        done: list[str] = []
        storms = [_tracked(pipeline, f"backlog{i}", backlog(f"T{i}"), done) for i in range(40)]
        await _until(lambda: len(submitted) == 1)  # the first slice is in flight
        assert pipeline.pending == 36 * 25
        live = _tracked(pipeline, "live", [fix("L1", NOW)], done)
        await asyncio.gather(live, *storms)
        runner.cancel()
        writer.close()
        return done

    done = asyncio.run(scenario())
    # In flight when the live fix came: backlogs 0-3; the next commit: the live fix and
    # backlogs 4-7; the 32 later backlogs after it.
    assert done.index("live") == 4
    assert done[5:] == [f"backlog{i}" for i in range(4, 40)]
    assert len(commits) >= 10
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Position)) == 40 * 25 + 1
    engine.dispose()


def test_sqlite_stores_a_big_batch_in_few_inserts_and_each_row_once(tmp_path: Path) -> None:
    """2,003 fixes (five of them repeats, one across two inserts) in one transaction: every
    distinct fix is one row, in as few statements as powers of two allow (1,024 + 512 +
    256 + 128 + 64 + 16 + 2 + 1), and the same batch again adds nothing."""
    engine = make_engine(f"sqlite:///{tmp_path / 'big.db'}")
    upgrade_schema(engine)
    fixes = [fix(f"D{i % 700:03d}", NOW - i // 700) for i in range(1_998)]
    fixes += [fixes[0], fixes[1], fixes[1_500], fixes[1_997], fixes[1_024]]
    statements: list[int] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT INTO positions"):
            statements.append(statement.count("(?, ?, ?, ?, ?, ?, ?)"))

    from sqlalchemy import event

    event.listen(engine, "before_cursor_execute", count)
    for _ in range(2):
        with Session(engine) as session:
            hub.positions.insert_positions(session, fixes)
            session.commit()
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Position)) == 1_998
    assert statements == [1024, 512, 256, 128, 64, 16, 2, 1] * 2
    engine.dispose()


def test_an_old_sqlite_limit_of_999_parameters_is_kept_to(monkeypatch: pytest.MonkeyPatch) -> None:
    class OldSqlite:
        def getlimit(self, category: int) -> int:
            return 999

    monkeypatch.setattr(hub.positions, "_sqlite_rows", [])
    assert hub.positions._sqlite_rows_limit(OldSqlite()) == 128  # 7 x 128 = 896 <= 999
    monkeypatch.setattr(hub.positions, "_sqlite_rows", [])
    assert hub.positions._sqlite_rows_limit(object()) == 128  # no getlimit: assume 999
