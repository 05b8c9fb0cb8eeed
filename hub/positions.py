"""The positions path: every fix stored, acknowledged after its commit, the newest streamed.

Devices that wait for an answer (OsmAnd over HTTP, a gateway's acknowledgement) call
:meth:`PositionPipeline.store`: the fix is committed with the next batch and the call
returns only then, or raises :class:`FixesNotStored` with the store's error. The hub's
own producers (the simulator) call :meth:`PositionPipeline.offer`: fire and forget, but
stored all the same.

Two things are batched, separately:

- **Commits.** One batch is in flight at a time (the store has one writer). A fix that
  arrives while nothing is in flight goes into a batch at once; fixes that arrive while
  a batch commits wait for it and go together in the next one (group commit). So an idle
  hub adds no wait, and a busy one makes bigger, cheaper batches.
- **Two lanes.** A waited-for submission of at most ``live_max`` reports (a device's
  live 0x0200, an OsmAnd request) is *live*; a bigger one (a 0x0704 blind-area backlog)
  is *bulk*. Each batch takes the live submissions first (up to ``max_batch``, less
  ``bulk_min`` while backlogs wait), then bulk ones up to ``bulk_max`` fixes (at least
  one, and ``bulk_min`` kept for them: an overloaded hub still drains its backlogs),
  then fire-and-forget fixes up to ``max_batch``. So a reconnect storm's backlogs are
  committed in slices of bounded size, one after another, and a live fix that arrives
  meanwhile waits for at most the slice in flight, never for the whole backlog. Each
  lane is first come first served, a submission is never split (its fixes share one
  transaction), and committing live fixes ahead of older backlogs cannot move the live
  map backwards: what the stream shows is the newest *by fix time* (below), whatever
  order batches commit in.
- **The stream.** A ``unit.positions`` frame carries the newest fix of each officer that
  was committed since the previous frame and is newer (by fix time) than what the live
  map shows; there is at most one frame every ``interval`` seconds, the first after a
  quiet spell at once. An old fix (a phone's offline buffer, a retry) is stored for the
  track but never moves an officer back on the live map. The frame is live, not a stored
  event: it has no ``seq`` and is handed to ``publish`` after the commit (the positions
  table is the record; the event log keeps the events a wall must not miss).

Every fix is stored, once: ``(officer_id, ts)`` is unique and the insert ignores a row
that is already there, so a retry or a batch sent again is stored once.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from backend_client.protocol.messages import Fix, UnitPositions
from hub.store.models import Position
from hub.writer import StoreWriter

log = logging.getLogger(__name__)

#: At most this many fixes in one commit (a waiting device's fixes are never split).
MAX_BATCH_FIXES = 2_000
#: A waited-for submission of at most this many reports is live: committed ahead of
#: bigger ones (a 0x0200 is one report; a 0x0704 holds up to 34, a backlog 25-34 each).
LIVE_MAX_FIXES = 4
#: At most this many fixes of bulk submissions (backlogs) in one commit (at least one
#: submission): the slice a live fix may have to wait for.
BULK_MAX_FIXES = 1_000
#: Room kept for backlogs in every batch while any wait, however many live fixes do: an
#: overloaded hub (live fixes filling every batch) still drains its backlogs.
BULK_MIN_FIXES = 500
#: Fire-and-forget fixes held while the store cannot keep up or is failing; beyond this
#: the oldest are dropped (and counted in the log). Fixes that a device waits for are
#: never dropped: they are answered with the store's error instead.
MAX_UNACKED_FIXES = 200_000


class FixesNotStored(Exception):
    """The batch holding these fixes failed to commit; ``error`` is what the store raised
    (``OperationalError`` for a full disk or a lost database, ...). Nothing of it is stored."""

    def __init__(self, error: Exception) -> None:
        super().__init__(f"fixes not stored: {error}")
        self.error = error


_POSITION_COLUMNS = ("officer_id", "ts", "lat", "lon", "speed", "heading", "fixed")
_position_inserts: dict[tuple[type[Dialect], str], tuple[str, bool]] = {}


def _position_insert(dialect: Dialect) -> tuple[str, bool]:
    """The dialect's INSERT of one Position row that ignores a row already stored (same
    officer and fix time), and whether it takes positional parameters."""
    key = (type(dialect), dialect.paramstyle)
    found = _position_inserts.get(key)
    if found is None:
        statement: Any
        if dialect.name == "postgresql":
            statement = postgresql.insert(Position).on_conflict_do_nothing(
                index_elements=["officer_id", "ts"]
            )
        elif dialect.name == "sqlite":
            statement = sqlite.insert(Position).on_conflict_do_nothing(
                index_elements=["officer_id", "ts"]
            )
        else:  # pragma: no cover - the hub runs on SQLite and PostgreSQL only
            raise RuntimeError(f"no insert-or-ignore for {dialect.name}")
        compiled = statement.compile(
            dialect=dialect, column_keys=list(_POSITION_COLUMNS), for_executemany=True
        )
        if compiled.positional and list(compiled.positiontup or ()) != list(_POSITION_COLUMNS):
            raise RuntimeError(f"unexpected parameter order {compiled.positiontup}")
        found = _position_inserts[key] = (str(compiled), bool(compiled.positional))
    return found


def insert_positions(session: Session, fixes: Sequence[Fix], *, fixed: bool = True) -> None:
    """Store fixes as Position rows with plain DBAPI statements (SQLite: multi-row
    inserts, PostgreSQL: one executemany); rows already stored
    (same officer, same fix time) are left as they are. ``fixed=False`` stores reports
    whose coordinates are not a fix (flagged, never drawn).

    The ORM's bulk insert costs ~8 ms of Python per 1,000 rows (measured), all of it
    holding the GIL on the writer thread while the hub's loop wants it to stream the
    previous batch; plain tuples cost ~3 ms, mostly in the driver.
    """
    if not fixes:
        return
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        _insert_sqlite(connection, fixes, fixed)
        return
    sql, positional = _position_insert(connection.dialect)
    if positional:
        rows: list[Any] = [(f.id, f.ts, f.lat, f.lon, f.speed, f.heading, fixed) for f in fixes]
    else:
        rows = [
            {
                "officer_id": f.id,
                "ts": f.ts,
                "lat": f.lat,
                "lon": f.lon,
                "speed": f.speed,
                "heading": f.heading,
                "fixed": fixed,
            }
            for f in fixes
        ]
    connection.exec_driver_sql(sql, rows)


_Waiting = tuple[list[Fix], list[Fix], "asyncio.Future[None]"]


#: Rows in the biggest SQLite INSERT: 7,168 parameters, within the default limit of every
#: SQLite since 3.32 (32,766); an older library's limit (999) is read and kept to.
SQLITE_MAX_ROWS_PER_INSERT = 1024
_sqlite_inserts: dict[int, str] = {}
_sqlite_rows: list[int] = []  # the limit below, found once: one SQLite library a process


def _sqlite_rows_limit(dbapi_connection: Any) -> int:
    """The most rows one INSERT may carry: a power of two within the library's limit."""
    if not _sqlite_rows:
        getlimit = getattr(dbapi_connection, "getlimit", None)  # Python 3.11+
        variables = 999 if getlimit is None else int(getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
        rows = SQLITE_MAX_ROWS_PER_INSERT
        while rows > 1 and rows * len(_POSITION_COLUMNS) > variables:
            rows //= 2
        _sqlite_rows.append(rows)
    return _sqlite_rows[0]


def _insert_sqlite(connection: Any, fixes: Sequence[Fix], fixed: bool) -> None:
    """Multi-row ``INSERT ... VALUES (...), (...) ON CONFLICT DO NOTHING``, as few as
    possible: chunks of the biggest power of two that fits (1,024 rows, then 512, ...; so
    at most eleven statements are ever prepared).

    The sqlite3 module lets go of the GIL around every statement, and while the hub's
    loop is busy (a reconnect storm) the writer thread waits up to a switch interval
    (5 ms) to take it back: measured with a busy main thread, 2,000 rows took 117 ms as
    executes of 128 rows, 22 ms as 1,024 + 976, and ``executemany`` (a step per row) was
    worse still. A row that repeats one already stored, or one earlier in the same
    statement, is ignored as before."""
    dbapi = connection.connection.dbapi_connection
    limit = _sqlite_rows_limit(dbapi)
    at = 0
    while at < len(fixes):
        size = limit
        while size > len(fixes) - at:
            size //= 2
        chunk = fixes[at : at + size]
        at += size
        sql = _sqlite_inserts.get(size)
        if sql is None:
            values = ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * size)
            sql = _sqlite_inserts[size] = (
                f"INSERT INTO {Position.__tablename__} ({', '.join(_POSITION_COLUMNS)}) "
                f"VALUES {values} ON CONFLICT (officer_id, ts) DO NOTHING"
            )
        params: list[Any] = []
        for f in chunk:
            params += (f.id, f.ts, f.lat, f.lon, f.speed, f.heading, fixed)
        connection.exec_driver_sql(sql, tuple(params))


class PositionPipeline:
    """Pending fixes, their waiters, and what the live stream has shown of each officer."""

    def __init__(
        self,
        writer: StoreWriter,
        interval: float,
        live: dict[str, float],
        *,
        publish: Callable[[UnitPositions], None] = lambda frame: None,
        max_batch: int = MAX_BATCH_FIXES,
        max_unacked: int = MAX_UNACKED_FIXES,
        live_max: int = LIVE_MAX_FIXES,
        bulk_max: int = BULK_MAX_FIXES,
        bulk_min: int = BULK_MIN_FIXES,
    ) -> None:
        self.writer = writer
        #: Receives each live frame, after the commit of the fixes it carries.
        self.publish = publish
        self.interval = interval
        self.max_batch = max_batch
        self.live_max = live_max
        self.bulk_max = min(bulk_max, max_batch)
        self.bulk_min = min(bulk_min, self.bulk_max)
        self.max_unacked = max_unacked
        #: Officer -> fix time of the position the stream (and the hub's state) shows.
        self.live = live
        # Fixes a caller waits for, one future per call (a call's fixes share a commit),
        # with the reports of the same call that are not fixes (stored flagged, not drawn):
        # small calls (live) and big ones (backlogs), each lane first come first served.
        self._live: collections.deque[_Waiting] = collections.deque()
        self._bulk: collections.deque[_Waiting] = collections.deque()
        # Fire-and-forget fixes, in the chunks they were offered in (no per-fix work).
        self._unacked: collections.deque[list[Fix]] = collections.deque()
        self._unacked_count = 0
        self.dropped = 0
        self._drop_logged = float("-inf")
        # Committed, newer than live, not streamed yet: the newest per officer.
        self._unstreamed: dict[str, Fix] = {}
        self._last_event = float("-inf")
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()

    # ---- producers -----------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Fixes offered and not committed yet."""
        return self._unacked_count + sum(len(f) + len(u) for f, u, _ in (*self._live, *self._bulk))

    def offer(self, fixes: Iterable[Fix]) -> None:
        """Queue fixes to be stored; nobody waits for them."""
        chunk = list(fixes)
        if not chunk:
            return
        self._unacked.append(chunk)
        self._unacked_count += len(chunk)
        if self._unacked_count > self.max_unacked:
            self._drop_oldest()
        self._wake.set()

    async def store(self, fixes: Sequence[Fix], unfixed: Sequence[Fix] = ()) -> None:
        """Queue fixes and return once they are committed (all in one transaction).

        ``unfixed`` are positions that are not a fix (a terminal without a GNSS fix sends
        its last known place): stored in the same transaction with ``fixed`` false, never
        streamed and never the live position. Raises :class:`FixesNotStored` (holding what
        the commit raised) when the batch failed: then none of them is stored.
        """
        await self.submit(fixes, unfixed)

    def submit(self, fixes: Sequence[Fix], unfixed: Sequence[Fix] = ()) -> asyncio.Future[None]:
        """:meth:`store` as a future: done when committed, or holding the error."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiting = (list(fixes), list(unfixed), future)
        lane = self._live if len(waiting[0]) + len(waiting[1]) <= self.live_max else self._bulk
        lane.append(waiting)
        self._wake.set()
        return future

    def _drop_oldest(self) -> None:
        while self._unacked_count > self.max_unacked and self._unacked:
            chunk = self._unacked.popleft()
            self._unacked_count -= len(chunk)
            self.dropped += len(chunk)
        now = time.monotonic()
        if now - self._drop_logged >= 60.0:  # once a minute, not once per offer
            self._drop_logged = now
            log.warning(
                "positions: %d fire-and-forget fixes dropped so far (more than %d waiting: "
                "the store is behind or failing)",
                self.dropped,
                self.max_unacked,
            )

    # ---- batches -------------------------------------------------------------------

    @staticmethod
    def _take_lane(
        lane: collections.deque[_Waiting],
        limit: int,
        batch: list[Fix],
        unfixed: list[Fix],
        futures: list[asyncio.Future[None]],
    ) -> int:
        """Move whole submissions from the front of ``lane`` into the batch while their
        fixes fit in ``limit`` (the first always does); returns how many were taken."""
        taken = 0
        while lane and (not taken or taken + len(lane[0][0]) + len(lane[0][1]) <= limit):
            fixes, flagged, future = lane.popleft()
            batch.extend(fixes)
            unfixed.extend(flagged)
            futures.append(future)
            taken += len(fixes) + len(flagged)
        return taken

    def _take(
        self,
    ) -> tuple[list[Fix], list[Fix], list[asyncio.Future[None]], list[list[Fix]]]:
        batch: list[Fix] = []
        unfixed: list[Fix] = []
        futures: list[asyncio.Future[None]] = []
        # Live first, then a bounded slice of the backlogs: at least ``bulk_min`` fixes of
        # them (and never none), so that a flood of live fixes cannot hold them back.
        reserve = self.bulk_min if self._bulk else 0
        live = self._take_lane(self._live, self.max_batch - reserve, batch, unfixed, futures)
        room = max(0, min(self.bulk_max, self.max_batch - live))
        self._take_lane(self._bulk, room, batch, unfixed, futures)
        chunks: list[list[Fix]] = []
        while self._unacked and len(batch) + len(unfixed) < self.max_batch:
            chunk = self._unacked.popleft()
            room = self.max_batch - len(batch) - len(unfixed)
            if len(chunk) > room:
                self._unacked.appendleft(chunk[room:])
                chunk = chunk[:room]
            self._unacked_count -= len(chunk)
            batch.extend(chunk)
            chunks.append(chunk)
        return batch, unfixed, futures, chunks

    def _fresh(self, batch: list[Fix]) -> dict[str, Fix]:
        """The newest fix of each officer in ``batch`` that is newer than both the live
        position and what is already waiting to be streamed."""
        fresh: dict[str, Fix] = {}
        waiting = self._unstreamed
        live = self.live
        for fix in batch:
            current = fresh.get(fix.id)
            if current is not None:
                if fix.ts > current.ts:
                    fresh[fix.id] = fix
                continue
            before = waiting.get(fix.id)
            shown = before.ts if before is not None else live.get(fix.id)
            if shown is None or fix.ts > shown:
                fresh[fix.id] = fix
        return fresh

    async def flush_once(self, force: bool) -> None:
        """Commit one batch of what is pending, with the stream event if it is due (or
        ``force``). On failure the waiters get the error, fire-and-forget fixes go back
        to the front of the queue, and the error is raised."""
        async with self._lock:
            loop = asyncio.get_running_loop()
            batch, unfixed, futures, chunks = self._take()
            fresh = self._fresh(batch)
            due = force or loop.time() - self._last_event >= self.interval
            emit = due and bool(fresh or self._unstreamed)
            if not batch and not unfixed and not emit:
                return
            streamed = list({**self._unstreamed, **fresh}.values()) if emit else []

            def work(session: Session, _emitter: object) -> None:
                insert_positions(session, batch)
                insert_positions(session, unfixed, fixed=False)

            try:
                if batch or unfixed:
                    await self.writer.submit(work)
            except BaseException as exc:
                for future in futures:
                    if future.done():
                        continue
                    if isinstance(exc, Exception):
                        # One exception per waiter: raising one object in many tasks
                        # would chain all their tracebacks onto it.
                        future.set_exception(FixesNotStored(exc))
                    else:
                        future.cancel()
                for chunk in reversed(chunks):
                    self._unacked.appendleft(chunk)
                    self._unacked_count += len(chunk)
                if self._unacked_count > self.max_unacked:
                    self._drop_oldest()
                raise
            for future in futures:
                if not future.done():
                    future.set_result(None)
            if emit:
                self._last_event = loop.time()
                self.live.update((fix.id, fix.ts) for fix in streamed)
                self._unstreamed = {}
                self.publish(UnitPositions(ts=time.time(), fixes=streamed))
            else:
                self._unstreamed.update(fresh)

    async def flush(self) -> None:
        """Commit everything pending now and stream the newest of it; raises on failure."""
        while True:
            await asyncio.shield(self.flush_once(force=True))
            if not self._busy:
                return

    # ---- the loop ------------------------------------------------------------------

    @property
    def _busy(self) -> bool:
        return bool(self._live or self._bulk or self._unacked)

    def _due_in(self) -> float | None:
        if not self._unstreamed:
            return None
        loop = asyncio.get_running_loop()
        return max(0.0, self._last_event + self.interval - loop.time())

    async def run(self) -> None:
        """Commit batches as fixes come; stream at most every ``interval``. Forever."""
        loop = asyncio.get_running_loop()
        failed = 0
        last_report = 0.0
        while True:
            if not self._busy:
                due = self._due_in()
                if due is None or due > 0:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), due)
                    continue
            try:
                # Shielded: a hub stopping mid-commit still answers that batch's waiters.
                await asyncio.shield(self.flush_once(force=False))
            except Exception as exc:
                # A failed batch (disk full, database gone) must not stop the loop: its
                # waiters were answered with the error, its other fixes are tried again.
                # Log the first failure whole and then once a minute: twenty tracebacks a
                # second would fill the very disk that is full.
                failed += 1
                if failed == 1:
                    log.exception("position batch not stored")
                    last_report = loop.time()
                elif loop.time() - last_report >= 60.0:
                    log.error("position batches still not stored (%d failed): %s", failed, exc)
                    last_report = loop.time()
                # Not a busy loop against a full disk: try again after a batch interval.
                await asyncio.sleep(self.interval)
                continue
            if failed:
                log.warning("position batches stored again after %d failed", failed)
                failed = 0
