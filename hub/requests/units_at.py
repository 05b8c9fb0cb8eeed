"""``units.at {ts}``: who was where at a past moment (issue 18), for supervisors.

Every officer and vehicle of the roster, with its last stored fix at or before ``ts``
and at most :data:`UNITS_AT_WINDOW_S` old (else no fix), and its duty status at ``ts``
when the stored ``unit.status`` changes tell it.

The fixes, in two steps of one statement (bench/units_at.py):

1. **Back in time from ``ts``** along ``ix_positions_fix_time`` (ts, officer, and the
   fix's columns): the fixes of the seconds before ``ts`` lie side by side in that index,
   and each unit's newest one there is its last. Units report every 5-30 s, so
   :data:`SCAN_PER_UNIT` fixes per unit of the roster find nearly all of them; where
   that many fixes back lies (``stop``) is asked first, index only.
2. **One seek per unit still missing** along ``uq_positions_officer_ts`` (officer, ts),
   for its last fix in ``[ts - window, stop)``: units that were silent, or report slowly.

Why not one seek per unit for everyone: each unit's last fix sits on its own index page,
so 20,000 units were 20,000 scattered pages per request wherever the store keeps them
(on PostgreSQL more than its shared buffers hold: ~80,000 buffer visits and ~19,000
reads per request where the scan takes ~230); the scan reads a few hundred pages in
order, and grows with the number of units, not with the length of the track. Both steps
run in the database: only the answer's 20,000 rows come to Python. The answer is the
same whichever step finds a unit (tests/hub/test_units_at.py).

On PostgreSQL the status changes are read on a second connection beside the fixes;
SQLite reads both on one (its reads hold the GIL). The read runs beside the store's
writer, never on it.

The status: ``unit.status`` events carry the new status only, so the status at ``ts`` is
the last change at or before it. The changes are read from the event log over a bounded
window around ``ts`` (:data:`STATUS_LOOKBACK_S` each side), never the whole log: a unit
that changed in ``(ts - L, ts]`` had the last of those; one that did not change in
``(ts - L, ts + L]`` while ``ts + L`` reaches now has today's status; otherwise the log
window does not tell it and the status is ``null`` (shown as unknown, never guessed).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy import bindparam, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from backend_client.protocol.ops import UNITS_AT_WINDOW_S, UnitAt, UnitsAtAnswer, UnitsAtArgs
from hub.auth import Principal
from hub.requests.audit import write_audit_view
from hub.requests.base import Ops, RequestError
from hub.store.models import StoredEventRow
from hub.writer import Emitter

#: How far around ``ts`` the status changes are read (seconds, each side).
STATUS_LOOKBACK_S = 900.0

#: How far back step 1 reads: this many fixes per unit of the roster, newest first. Where
#: units report at one rate, nearly every unit is found; a unit reporting every 30 s among
#: others every 5 s is sought (step 2), one index descent each.
SCAN_PER_UNIT = 1.2

#: Where step 1 stops: the time of the fix ``count(roster) * per_unit`` fixes back from
#: ``t`` (none: the window holds fewer, and step 1 reads all of it). Index only, no row
#: leaves the database but this one.
STOP_SQL = """SELECT ts FROM positions
WHERE fixed IS {true} AND ts <= :t AND ts >= :since
ORDER BY ts DESC
LIMIT 1 OFFSET (SELECT CAST(count(*) * :per_unit AS INTEGER) FROM officers)"""
STOP_SQLITE = text(STOP_SQL.format(true="1"))
STOP_POSTGRESQL = text(STOP_SQL.format(true="true"))

#: Both steps in one statement, one row per unit of the roster, in id order: ``r`` is
#: each unit's last fix in ``[stop, t]`` (step 1, read along ``ix_positions_fix_time``
#: and grouped in the database), ``p`` (SQLite) / ``l`` (PostgreSQL) its last fix in
#: ``[since, stop)`` along (officer, ts), sought only for a unit ``r`` did not find.
#: SQLite: the inner ORDER BY keeps the planner on the time index (grouping along
#: (officer, ts) would skip-scan the whole of it), and the max() row's bare columns are
#: that fix's; CASE seeks only for the units left.
FIXES_SQLITE = text(
    """SELECT o.id, o.kind, o.status, coalesce(r.ts, p.ts), coalesce(r.lat, p.lat),
    coalesce(r.lon, p.lon), coalesce(r.speed, p.speed), coalesce(r.heading, p.heading)
FROM officers AS o
LEFT JOIN (
    SELECT officer_id, max(ts) AS ts, lat, lon, speed, heading FROM (
        SELECT officer_id, ts, lat, lon, speed, heading FROM positions
        WHERE fixed IS 1 AND ts <= :t AND ts >= :stop
        ORDER BY ts DESC LIMIT -1)
    GROUP BY officer_id) AS r ON r.officer_id = o.id
LEFT JOIN positions AS p ON p.id = CASE WHEN r.officer_id IS NULL THEN (
    SELECT q.id FROM positions AS q
    WHERE q.officer_id = o.id AND q.ts < :stop AND q.ts >= :since AND q.fixed IS 1
    ORDER BY q.ts DESC LIMIT 1) END
ORDER BY o.id"""
)
#: PostgreSQL: DISTINCT ON keeps each unit's newest row of the scan; the LATERAL seek's
#: ``r.officer_id IS NULL`` is a one-time filter, so found units cost no index descent.
FIXES_POSTGRESQL = text(
    """SELECT o.id, o.kind, o.status, coalesce(r.ts, l.ts), coalesce(r.lat, l.lat),
    coalesce(r.lon, l.lon), coalesce(r.speed, l.speed), coalesce(r.heading, l.heading)
FROM officers AS o
LEFT JOIN (
    SELECT DISTINCT ON (officer_id) officer_id, ts, lat, lon, speed, heading FROM positions
    WHERE fixed IS true AND ts <= :t AND ts >= :stop
    ORDER BY officer_id, ts DESC) AS r ON r.officer_id = o.id
LEFT JOIN LATERAL (
    SELECT q.ts, q.lat, q.lon, q.speed, q.heading FROM positions AS q
    WHERE r.officer_id IS NULL AND q.officer_id = o.id AND q.ts < :stop
        AND q.ts >= :since AND q.fixed IS true
    ORDER BY q.ts DESC LIMIT 1) AS l ON true
ORDER BY o.id"""
)

STATUS_CHANGES = (
    select(StoredEventRow.ts, StoredEventRow.frame)
    .where(
        StoredEventRow.ts > bindparam("since"),
        StoredEventRow.ts <= bindparam("until"),
        StoredEventRow.type == "unit.status",
    )
    .order_by(StoredEventRow.ts, StoredEventRow.seq)
)


class _ChangedUnit(msgspec.Struct):
    id: str
    # Frames leave a Unit's defaults off (backend_client.protocol.messages.Unit).
    status: str = "available"


class _StatusFrame(msgspec.Struct):
    """What the status scan needs of a stored ``unit.status`` frame (the rest is skipped
    by the decoder, unread)."""

    unit: _ChangedUnit


_decode_status = msgspec.json.Decoder(_StatusFrame).decode


def statuses_at(
    changes: Sequence[tuple[float, str, str]],
    current: dict[str, str],
    ts: float,
    now: float,
    lookback: float = STATUS_LOOKBACK_S,
) -> dict[str, str]:
    """Each unit's duty status at ``ts`` as far as ``changes`` tell it.

    ``changes`` are ``(when, unit, new status)`` in time order, every change with
    ``ts - lookback < when <= ts + lookback``; ``current`` is each unit's
    status now. Units the window does not tell are left out.
    """
    before: dict[str, str] = {}
    changed_after: set[str] = set()
    for when, unit, status in changes:
        if when <= ts:
            before[unit] = status
        else:
            changed_after.add(unit)
    if ts + lookback >= now:
        # The window reaches now: a unit with no change in it has had one status all along.
        for unit, status in current.items():
            if unit not in before and unit not in changed_after:
                before[unit] = status
    return before


def _bound(connection: Connection, statement: Any, params: dict[str, Any]) -> tuple[str, Any]:
    """``statement`` as the driver's SQL and values (compiled once per dialect)."""
    compiled = _compiled(statement, connection.dialect)
    # The statement's own bound values (a LIMIT) under the request's.
    merged = {**compiled.params, **params}
    values: Any = merged
    if compiled.positiontup is not None:  # SQLite's qmark style: the values in order
        values = tuple(merged[name] for name in compiled.positiontup)
    return compiled.string, values


def _raw_rows(connection: Connection, statement: Any, params: dict[str, Any]) -> list[Any]:
    """``statement``'s rows as the driver's plain tuples.

    20,000 rows through SQLAlchemy's result machinery cost about a third of the reads
    themselves (bench/units_at.py), so the statement is compiled once per dialect and run
    on the connection's own driver cursor, in its transaction.
    """
    sql, values = _bound(connection, statement, params)
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, values)
        return list(cursor.fetchall())
    finally:
        cursor.close()


_COMPILED: dict[tuple[int, str], Any] = {}


def _compiled(statement: Any, dialect: Any) -> Any:
    key = (id(statement), dialect.name)
    if key not in _COMPILED:
        _COMPILED[key] = statement.compile(dialect=dialect)
    return _COMPILED[key]


FixRow = tuple[str, str, str, float | None, float | None, float | None, float | None, float | None]
StatusChange = tuple[float, str, str]


def read_fixes(connection: Connection, ts: float, per_unit: float = SCAN_PER_UNIT) -> list[FixRow]:
    """Each unit of the roster: id, kind, status now, and its last fix's ts, lat, lon,
    speed and heading (all None: no fix), in id order."""
    postgresql = connection.dialect.name == "postgresql"
    since = ts - UNITS_AT_WINDOW_S
    window = {"t": ts, "since": since, "per_unit": per_unit}
    found = _raw_rows(connection, STOP_POSTGRESQL if postgresql else STOP_SQLITE, window)
    stop = found[0][0] if found else since
    if postgresql:
        # The statement's estimated cost is high enough for PostgreSQL to compile it
        # (JIT) on every request: 100-300 ms spent before the first row, for a plan that
        # runs in tens of milliseconds. Off for this transaction only.
        connection.exec_driver_sql("SET LOCAL jit = off")
    statement = FIXES_POSTGRESQL if postgresql else FIXES_SQLITE
    return _raw_rows(connection, statement, {"t": ts, "since": since, "stop": stop})


def read_status_changes(connection: Connection, ts: float, now: float) -> list[StatusChange]:
    """The ``unit.status`` changes :func:`statuses_at` needs for ``ts``, oldest first."""
    # The changes after ts only matter when the window reaches now (statuses_at).
    recent = ts + STATUS_LOOKBACK_S >= now
    window = {"since": ts - STATUS_LOOKBACK_S, "until": ts + STATUS_LOOKBACK_S if recent else ts}
    changes: list[StatusChange] = []
    for when, frame in _raw_rows(connection, STATUS_CHANGES, window):
        unit = _decode_status(frame).unit
        changes.append((when, unit.id, unit.status))
    return changes


def answer_of(
    rows: Sequence[FixRow], changes: Sequence[StatusChange], ts: float, now: float
) -> UnitsAtAnswer:
    # Each unit's status now came with its row (officers.status).
    status = statuses_at(changes, {row[0]: row[2] for row in rows}, ts, now)
    units = [
        UnitAt(
            unit_id,
            kind,
            None if fix_ts is None else (fix_ts, lat, lon, speed, heading),  # type: ignore[arg-type]
            status.get(unit_id),
        )
        for unit_id, kind, _now, fix_ts, lat, lon, speed, heading in rows
    ]
    return UnitsAtAnswer(ts=ts, window=UNITS_AT_WINDOW_S, units=units)


def read_units_at(connection: Connection, ts: float, now: float) -> UnitsAtAnswer:
    """The answer of ``units.at {ts}`` on one connection (no audit: the op writes that)."""
    return answer_of(read_fixes(connection, ts), read_status_changes(connection, ts, now), ts, now)


async def units_at_answer(engine: Engine, ts: float, now: float) -> UnitsAtAnswer:
    """``units.at {ts}``'s answer, read off the event loop (the op audits before)."""
    loop = asyncio.get_running_loop()
    if engine.dialect.name != "postgresql":
        # SQLite's reads hold the GIL for most of their time: side by side they take as
        # long as one after the other.
        def read() -> UnitsAtAnswer:
            with engine.connect() as connection:
                return read_units_at(connection, ts, now)

        return await loop.run_in_executor(None, read)

    # PostgreSQL: the status changes on a second connection (its own server process)
    # while the first reads the fixes.
    def fixes() -> list[FixRow]:
        with engine.connect() as connection:
            return read_fixes(connection, ts)

    def changes() -> list[StatusChange]:
        with engine.connect() as connection:
            return read_status_changes(connection, ts, now)

    rows, status = await asyncio.gather(
        loop.run_in_executor(None, fixes), loop.run_in_executor(None, changes)
    )
    return answer_of(rows, status, ts, now)


class UnitsAtOps(Ops):
    async def units_at(self, who: Principal, args: UnitsAtArgs) -> UnitsAtAnswer:
        now = time.time()
        if args.ts > now + 60.0:
            raise RequestError("invalid", "ts is in the future", "ts")

        def audit(session: Session, _emitter: Emitter) -> None:
            write_audit_view(session, who, "view.units_at", "", ts=args.ts)

        # Audited first: a view that could not be audited is not served. The read itself
        # runs beside the writer, not on it: 20,000 units' reads must not hold up fixes and steps.
        await self.hub.writer.submit(audit)

        return await units_at_answer(self.hub.engine, args.ts, now)
