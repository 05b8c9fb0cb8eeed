"""``stats.hotspots``: where cases were reported (the cockpit map's heat) and the
recurrence points (重复发生点), counted in SQL on SQLite and PostgreSQL alike.

- **Cells**: the cases reported in ``[start, end)`` with a place, grouped by a square of
  :data:`HOTSPOT_CELL_DEG` degrees (WGS-84, as stored); each cell answers its count and
  the mean place of its cases (so a cell's dot sits where its cases are, not at a grid
  corner). Most first, at most :data:`HOTSPOT_MAX_CELLS`.
- **Recurrence points**: :data:`RECURRENCE_MIN` or more cases of one category in one
  square of :data:`RECURRENCE_PLACE_DEG` (about 50 m) reported in the
  :data:`RECURRENCE_DAYS` days before ``end`` (CASEWORK-NOTES: "3 or more cases of the
  same 小类 at the same place within 30 days"). A square is a fixed grid, so two cases
  50 m apart across a square's edge count at two places: the price of a GROUP BY both
  databases run fast on the ``(category, reported_at, lat, lon)`` index.

Both are one range of the report time (``ix_incidents_reported``); Python receives one
row per cell or point, never the cases.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Integer, SQLColumnExpression, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from backend_client.protocol.ops import (
    HOTSPOT_CELL_DEG,
    HOTSPOT_MAX_CELLS,
    RECURRENCE_DAYS,
    RECURRENCE_MIN,
    RECURRENCE_PLACE_DEG,
    STATS_MAX_DAYS,
    HotCell,
    HotspotsAnswer,
    HotspotsArgs,
    RecurrencePoint,
)
from hub.auth import Principal
from hub.requests.base import Ops, RequestError
from hub.store.models import Incident as IncidentRow

DAY = 86400.0


class _cell_index(FunctionElement[int]):
    """``floor(x)`` as an integer: the grid square a coordinate falls in. PostgreSQL's
    cast rounds, so it floors first; SQLite may be built without ``floor()`` and its cast
    truncates, so it shifts by a whole number of squares first (Wucheng's coordinates are
    positive, but a case at a negative longitude must not share square 0 with +0.0001)."""

    type = Integer()
    name = "cell_index"
    inherit_cache = True


#: Added before truncating on SQLite (then taken off): every latitude and longitude
#: divided by the smallest square is above minus this.
_SHIFT = 10_000_000


@compiles(_cell_index)
def _cell_index_default(element: _cell_index, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(FLOOR({compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(_cell_index, "sqlite")
def _cell_index_sqlite(element: _cell_index, compiler: SQLCompiler, **kw: Any) -> str:
    inner = compiler.process(element.clauses, **kw)
    return f"(CAST(({inner}) + {_SHIFT} AS INTEGER) - {_SHIFT})"


def _square(column: SQLColumnExpression[float | None], side: float) -> ColumnElement[int]:
    return _cell_index(column / side)


def check_period(args: HotspotsArgs) -> None:
    for name, value in (("start", args.start), ("end", args.end)):
        if not math.isfinite(value) or value < 0:
            raise RequestError("invalid", f"{name} must be a time (epoch seconds)", name)
    if args.end <= args.start:
        raise RequestError("invalid", "end must be after start", "end")
    if args.end - args.start > STATS_MAX_DAYS * DAY:
        raise RequestError("invalid", f"period longer than {STATS_MAX_DAYS} days", "end")


def hotspots(session: Session, args: HotspotsArgs) -> HotspotsAnswer:
    """The answer of ``stats.hotspots`` for valid ``args``."""
    db = session.connection()
    row = IncidentRow
    placed = (row.lat.is_not(None), row.lon.is_not(None))

    lat_i = _square(row.lat, HOTSPOT_CELL_DEG).label("lat_i")
    lon_i = _square(row.lon, HOTSPOT_CELL_DEG).label("lon_i")
    n = func.count().label("n")
    cells_q = (
        select(lat_i, lon_i, n, func.avg(row.lat), func.avg(row.lon))
        .where(row.reported_at >= args.start, row.reported_at < args.end, *placed)
        .group_by(lat_i, lon_i)
        .order_by(n.desc(), lat_i, lon_i)
        .limit(HOTSPOT_MAX_CELLS)
    )
    cells = [
        HotCell(lat=float(lat), lon=float(lon), count=int(count))
        for _li, _lo, count, lat, lon in db.execute(cells_q)
    ]

    since = max(args.start, args.end - RECURRENCE_DAYS * DAY)
    p_lat = _square(row.lat, RECURRENCE_PLACE_DEG).label("p_lat")
    p_lon = _square(row.lon, RECURRENCE_PLACE_DEG).label("p_lon")
    m = func.count().label("m")
    points_q = (
        select(
            row.category,
            p_lat,
            p_lon,
            m,
            func.min(row.reported_at),
            func.max(row.reported_at),
            func.avg(row.lat),
            func.avg(row.lon),
            func.max(row.address),
        )
        .where(row.reported_at >= since, row.reported_at < args.end, *placed)
        .group_by(row.category, p_lat, p_lon)
        .having(func.count() >= RECURRENCE_MIN)
        .order_by(m.desc(), row.category, p_lat, p_lon)
    )
    points = [
        RecurrencePoint(
            lat=float(lat),
            lon=float(lon),
            category=str(category),
            count=int(count),
            first=float(first),
            last=float(last),
            address=str(address or ""),
        )
        for category, _pl, _po, count, first, last, lat, lon, address in db.execute(points_q)
    ]
    return HotspotsAnswer(
        start=args.start,
        end=args.end,
        cell_deg=HOTSPOT_CELL_DEG,
        cells=cells,
        recurrence_since=since,
        recurrences=points,
    )


class HotspotOps(Ops):
    async def stats_hotspots(self, _who: Principal, args: HotspotsArgs) -> HotspotsAnswer:
        """Aggregates, not cases (no one's report leaves the hub): not a view to audit.
        Read on its own connection, off the writer, like stats.query."""
        check_period(args)

        def read() -> HotspotsAnswer:
            with Session(self.hub.engine) as session:
                return hotspots(session, args)

        return await asyncio.get_running_loop().run_in_executor(None, read)


__all__: Sequence[str] = ["HotspotOps", "check_period", "hotspots"]
