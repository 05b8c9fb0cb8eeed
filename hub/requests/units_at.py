"""``units.at {ts}``: who was where at a past moment (issue 18), for supervisors.

Every officer and vehicle of the roster, with its last stored fix at or before ``ts``
and at most :data:`UNITS_AT_WINDOW_S` old (else no fix), and its duty status at ``ts``
when the stored ``unit.status`` changes tell it.

The fixes are one index seek per unit along ``uq_positions_officer_ts`` (officer, ts):
20,000 units are 20,000 short descents of the index, whatever the length of the track
behind them (bench/units_at.py). A scan of the whole 10-minute window by time would read
every fix of every unit in it (2.4 million rows at a fix per 5 s) to keep 20,000. On
PostgreSQL the two halves of the roster are read side by side on two connections (two
server processes), the status changes on a third; SQLite's seeks hold the GIL, so there
one connection reads all. The read runs beside the store's writer, never on it.

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
from sqlalchemy import Select, String, bindparam, func, or_, select, true
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from backend_client.protocol.ops import UNITS_AT_WINDOW_S, UnitAt, UnitsAtAnswer, UnitsAtArgs
from hub.auth import Principal
from hub.requests.audit import write_audit_view
from hub.requests.base import Ops, RequestError
from hub.store.models import Officer, Position, StoredEventRow
from hub.writer import Emitter

#: How far around ``ts`` the status changes are read (seconds, each side).
STATUS_LOOKBACK_S = 900.0

_FIX_COLUMNS = (Position.ts, Position.lat, Position.lon, Position.speed, Position.heading)


def _part_filter() -> tuple[Any, ...]:
    # One part of the roster, by id: [low, high), either end open when NULL.
    low, high = bindparam("low", type_=String), bindparam("high", type_=String)
    return (or_(low.is_(None), Officer.id >= low), or_(high.is_(None), Officer.id < high))


def _last_fix_filter() -> tuple[Any, ...]:
    return (
        Position.officer_id == Officer.id,
        Position.ts <= bindparam("t"),
        Position.ts >= bindparam("since"),
        # A report that was not a fix (JT/T 808 status bit 1 clear) is nowhere.
        Position.fixed.is_(True),
    )


def _lateral_statement() -> Select[*tuple[Any, ...]]:
    """PostgreSQL: a LATERAL subquery per officer, one backward index scan each."""
    last = (
        select(*_FIX_COLUMNS)
        .where(*_last_fix_filter())
        .order_by(Position.ts.desc())
        .limit(1)
        .lateral("last")
    )
    return (
        select(Officer.id, Officer.kind, Officer.status, *last.c)
        .select_from(Officer)
        .outerjoin(last, true())
        .where(*_part_filter())
        .order_by(Officer.id)
    )


def _correlated_statement() -> Select[*tuple[Any, ...]]:
    """SQLite (no LATERAL): the last fix's rowid by a correlated subquery per officer
    (one seek of the (officer, ts) index), then the row by its rowid. (Seeking the last
    report from the index alone, then asking again for the rare units whose last report
    was not a fix, measured 3 % faster: not worth a second path.)"""
    last_id = (
        select(Position.id)
        .where(*_last_fix_filter())
        .order_by(Position.ts.desc())
        .limit(1)
        .correlate(Officer)
        .scalar_subquery()
    )
    return (
        select(Officer.id, Officer.kind, Officer.status, *_FIX_COLUMNS)
        .select_from(Officer)
        .outerjoin(Position, Position.id == last_id)
        .where(*_part_filter())
        .order_by(Officer.id)
    )


LATERAL = _lateral_statement()
CORRELATED = _correlated_statement()

#: The id that splits the roster in two halves (PostgreSQL reads them side by side).
MIDDLE_ID = (
    select(Officer.id)
    .order_by(Officer.id)
    .offset(select(func.count() / 2).select_from(Officer).scalar_subquery())
    .limit(1)
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


def _raw_rows(connection: Connection, statement: Any, params: dict[str, Any]) -> list[Any]:
    """``statement``'s rows as the driver's plain tuples.

    20,000 rows through SQLAlchemy's result machinery cost about a third of the index
    seeks themselves (bench/units_at.py), so the statement is compiled once per dialect
    and run on the connection's own driver cursor, in its transaction.
    """
    compiled = _compiled(statement, connection.dialect)
    # The statement's own bound values (its LIMIT) under the request's.
    merged = {**compiled.params, **params}
    values: Any = merged
    if compiled.positiontup is not None:  # SQLite's qmark style: the values in order
        values = tuple(merged[name] for name in compiled.positiontup)
    cursor = connection.connection.cursor()
    try:
        cursor.execute(compiled.string, values)
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


def read_fixes(
    connection: Connection, ts: float, low: str | None = None, high: str | None = None
) -> list[FixRow]:
    """Each unit with ``low <= id < high`` (open ends: None): id, kind, status now, and its
    last fix's ts, lat, lon, speed and heading (all None: no fix), in id order."""
    window = {"t": ts, "since": ts - UNITS_AT_WINDOW_S, "low": low, "high": high}
    statement = LATERAL if connection.dialect.name == "postgresql" else CORRELATED
    return _raw_rows(connection, statement, window)


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
        # SQLite's seeks hold the GIL for most of their time: halves read side by side
        # took as long as the whole (bench/units_at.py).
        def read() -> UnitsAtAnswer:
            with engine.connect() as connection:
                return read_units_at(connection, ts, now)

        return await loop.run_in_executor(None, read)

    # PostgreSQL: each half of the roster on its own connection (its own server
    # process), and the status changes on a third: 20,000 units took ~60 % of the
    # time they take on one connection.
    def middle() -> str | None:
        with engine.connect() as connection:
            found = connection.execute(MIDDLE_ID).scalar()
            return None if found is None else str(found)

    def fixes(low: str | None, high: str | None) -> list[FixRow]:
        with engine.connect() as connection:
            return read_fixes(connection, ts, low, high)

    def changes() -> list[StatusChange]:
        with engine.connect() as connection:
            return read_status_changes(connection, ts, now)

    split = await loop.run_in_executor(None, middle)
    if split is None:  # no roster
        return answer_of([], [], ts, now)
    low, high, status = await asyncio.gather(
        loop.run_in_executor(None, fixes, None, split),
        loop.run_in_executor(None, fixes, split, None),
        loop.run_in_executor(None, changes),
    )
    return answer_of(low + high, status, ts, now)


class UnitsAtOps(Ops):
    async def units_at(self, who: Principal, args: UnitsAtArgs) -> UnitsAtAnswer:
        now = time.time()
        if args.ts > now + 60.0:
            raise RequestError("invalid", "ts is in the future", "ts")

        def audit(session: Session, _emitter: Emitter) -> None:
            write_audit_view(session, who, "view.units_at", "", ts=args.ts)

        # Audited first: a view that could not be audited is not served. The read itself
        # runs beside the writer, not on it: 20,000 seeks must not hold up fixes and steps.
        await self.hub.writer.submit(audit)

        return await units_at_answer(self.hub.engine, args.ts, now)
