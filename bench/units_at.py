"""``units.at {ts}`` (who was where at a moment) over 20,000 units, on SQLite and PostgreSQL.

The issue's budget: p99 <= 200 ms with 20,000 officers and a day of fixes. A day at the
live rate (a fix per 5 s) is 345 million rows, more than this 2-core test box can build
in minutes; what the read costs does not depend on the length of the track behind the
moment (hub/requests/units_at.py: a scan back from the moment along the (ts, ...) index
over 1.2 fixes per unit of the roster, then one seek of the (officer, ts) index per unit
it did not find, both in the database), so the store here is 20,000
units (one in ten a vehicle) x 2 hours at a fix per 30 s: 4.8 million fixes
(``--quick``: 2,000 units x 1 hour, 240,000). A fix per 30 s is the slow end of the
rates units report at: the scan reads ~24,000 rows here, about as many as at 5 s. One
unit in ten is silent for a random 20 minutes (the seeks find it, or its answer is "no
fix"), and every unit changes duty status every 30 minutes on average (unit.status
events in the event log: 80,000).

For each database this builds the store (executemany on SQLite, COPY on PostgreSQL; the
positions indexes after the load, then ``VACUUM ANALYZE`` on PostgreSQL as autovacuum would
soon do), then asks for 60 random moments in the window (10 first, not counted) what the
hub's handler reads (:func:`hub.requests.units_at.units_at_answer`: the roster and the
fixes, the status changes around the moment, on PostgreSQL on a second connection beside
them, the answer Structs) and encodes the answer frame as the hub
sends it; the round trip over the socket adds the frame's transfer and the client's decode
(``answer_kib`` says how big the frame is). The PostgreSQL store is a fresh database
(``WATCHFLOOR_BENCH_PG``, default the local server as user postgres), dropped at the end;
it is skipped, with a note, when the server cannot be reached.

Run: ``python bench/run.py units_at [--quick]`` or ``.venv/bin/python bench/units_at.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if TYPE_CHECKING:
    from backend_client.protocol.messages import UnitStatusName

FULL = (20_000, 2 * 3600)
QUICK = (2_000, 3600)
FIX_EVERY_S = 30.0
STATUS_EVERY_S = 1800.0
REQUESTS = 60
WARMUP = 10
CHUNK = 200_000
SEED = 20261207
BUDGET_P99_MS = 200.0
PG_ADMIN_URL = os.environ.get(
    "WATCHFLOOR_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
STATUSES: tuple[UnitStatusName, ...] = ("available", "busy", "en_route", "on_scene", "off_duty")

Writer = Callable[[str, str, list[tuple[Any, ...]]], None]


# ---- the data ----------------------------------------------------------------------------


def _units(n: int) -> list[tuple[Any, ...]]:
    rows = []
    for i in range(n):
        vehicle = i % 10 == 9
        rows.append(
            (
                f"U{i:05d}",
                f"车辆{i:05d}" if vehicle else f"队员{i:05d}",
                "" if vehicle else f"3307{i:06d}",
                "T-BENCH",
                f"dev-{i:05d}",
                "available",
                "vehicle" if vehicle else "officer",
                f"浙G·B{i:05d}" if vehicle else None,
            )
        )
    return rows


def _fixes(n: int, t0: float, seconds: int) -> Iterator[list[tuple[Any, ...]]]:
    """Each unit's fixes every 30 s (a few seconds' jitter) on a random walk around
    Wucheng; one unit in ten silent for 20 minutes somewhere in the window. Stored in
    time order, as the hub stores them live (the fixes of a moment share pages)."""
    rng = np.random.default_rng(SEED)
    steps = int(seconds // FIX_EVERY_S)
    ids = [f"U{i:05d}" for i in range(n)]
    lat = 29.08 + rng.uniform(-0.05, 0.05, n)
    lon = 119.65 + rng.uniform(-0.05, 0.05, n)
    silent = np.arange(n) % 10 == 3
    gap = np.where(silent, rng.uniform(t0, t0 + seconds - 1200, n), np.inf)
    rows: list[tuple[Any, ...]] = []
    for k in range(steps):
        ts = t0 + k * FIX_EVERY_S + rng.uniform(0, 5, n)
        lat += rng.normal(0, 0.0002, n)
        lon += rng.normal(0, 0.0002, n)
        speed = np.abs(rng.normal(1.5, 1.5, n))
        heading = rng.uniform(0, 360, n)
        keep = (ts < gap) | (ts > gap + 1200)
        order = np.argsort(ts)
        order = order[keep[order]]
        for i, t, la, lo, v, h in zip(
            order.tolist(),
            np.round(ts[order], 3).tolist(),
            np.round(lat[order], 6).tolist(),
            np.round(lon[order], 6).tolist(),
            np.round(speed[order], 2).tolist(),
            np.round(heading[order], 1).tolist(),
            strict=True,
        ):
            rows.append((ids[i], t, la, lo, v, h, 5.0, True))
        if len(rows) >= CHUNK:
            yield rows
            rows = []
    if rows:
        yield rows


def _status_events(n: int, t0: float, seconds: int) -> list[tuple[Any, ...]]:
    from backend_client.protocol.codec import encode
    from backend_client.protocol.messages import Unit, UnitStatus

    rng = np.random.default_rng(SEED + 1)
    count = int(n * seconds / STATUS_EVERY_S)
    when = np.sort(rng.uniform(t0, t0 + seconds, count)).tolist()
    which = rng.integers(0, n, count).tolist()
    status = rng.integers(0, len(STATUSES), count).tolist()
    rows = []
    for seq, (ts, i, s) in enumerate(zip(when, which, status, strict=True), start=1):
        unit = Unit(id=f"U{i:05d}", name=f"队员{i:05d}", team="T-BENCH", status=STATUSES[s])
        rows.append((seq, "unit.status", ts, encode(UnitStatus(seq=seq, ts=ts, unit=unit))))
    return rows


# ---- building the store ------------------------------------------------------------------

POSITION_COLUMNS = "officer_id, ts, lat, lon, speed, heading, accuracy, fixed"
OFFICER_COLUMNS = "id, name, badge, team_id, device, status, kind, plate"


def _prepare_schema(url: str) -> None:
    from hub.store.db import make_engine
    from hub.store.models import Base

    engine = make_engine(url)
    with engine.begin() as connection:
        Base.metadata.create_all(connection)
        # The positions index is built after the load: far faster than row by row.
        for index in Base.metadata.tables["positions"].indexes:
            index.drop(connection)
    engine.dispose()


def _finish_schema(url: str) -> None:
    from sqlalchemy import text

    from hub.store.db import make_engine
    from hub.store.models import Base

    engine = make_engine(url)
    with engine.begin() as connection:
        for index in Base.metadata.tables["positions"].indexes:
            index.create(connection)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def _sqlite_writer(path: str) -> tuple[Writer, Callable[[], None]]:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")

    def write(table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
        marks = ", ".join("?" * (columns.count(",") + 1))
        connection.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        connection.commit()

    return write, connection.close


def _postgres_writer(url: str) -> tuple[Writer, Callable[[], None]]:
    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = psycopg.connect(conninfo)

    def write(table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        connection.commit()

    return write, connection.close


def build_store(url: str, units: int, seconds: int, t0: float) -> dict[str, float]:
    started = time.perf_counter()
    _prepare_schema(url)
    if url.startswith("sqlite"):
        write, close = _sqlite_writer(url.removeprefix("sqlite:///"))
    else:
        write, close = _postgres_writer(url)
    fixes = 0
    try:
        write("teams", "id, name, kind, colour", [("T-BENCH", "城东中队", "township", "#e5484d")])
        write("officers", OFFICER_COLUMNS, _units(units))
        for rows in _fixes(units, t0, seconds):
            write("positions", POSITION_COLUMNS, rows)
            fixes += len(rows)
        events = _status_events(units, t0, seconds)
        write("events", "seq, type, ts, frame", events)
    finally:
        close()
    _finish_schema(url)
    return {
        "fixes": fixes,
        "status_events": len(events),
        "build_s": round(time.perf_counter() - started, 1),
    }


# ---- measuring ---------------------------------------------------------------------------


def measure(url: str, units: int, seconds: int, t0: float) -> dict[str, float]:
    from backend_client.protocol.ops import answer_frame
    from hub.requests.units_at import units_at_answer
    from hub.store.db import make_engine

    rng = np.random.default_rng(SEED + 2)
    # Moments after the first 10 minutes (a full fix window behind them); "now" is the
    # end of the window, as when a desk steps back through the last hours.
    now = t0 + seconds
    moments = rng.uniform(t0 + 600, now, REQUESTS + WARMUP).tolist()
    engine = make_engine(url)
    # As in a hub process (hub/gcpolicy.py): what lives long is frozen out of the cyclic
    # collector's way, so its collections walk only what a request made.
    gc.collect()
    gc.freeze()
    times: list[float] = []
    cpu: list[float] = []
    size = no_fix = unknown = 0

    async def ask_all() -> None:
        nonlocal size, no_fix, unknown
        for k, ts in enumerate(moments):
            started, cpu_started = time.perf_counter(), time.process_time()
            answer = await units_at_answer(engine, ts, now)
            frame = answer_frame(k, answer, now)
            elapsed = (time.perf_counter() - started) * 1000.0
            if k >= WARMUP:
                times.append(elapsed)
                cpu.append((time.process_time() - cpu_started) * 1000.0)
            size = len(frame)
            assert len(answer.units) == units
            no_fix = sum(u.fix is None for u in answer.units)
            unknown = sum(u.status is None for u in answer.units)

    try:
        asyncio.run(ask_all())
    finally:
        engine.dispose()
    p50, p99 = np.percentile(np.array(times), [50, 99]).tolist()
    cpu50, cpu99 = np.percentile(np.array(cpu), [50, 99]).tolist()
    return {
        "p50_ms": round(p50, 1),
        "p99_ms": round(p99, 1),
        "max_ms": round(max(times), 1),
        # This process's CPU (all its threads) per request: on a shared, loaded box the
        # wall time above includes waiting for a core; this does not. On SQLite it is the
        # whole read; on PostgreSQL the server's share is not in it.
        "cpu_p50_ms": round(cpu50, 1),
        "cpu_p99_ms": round(cpu99, 1),
        "answer_kib": round(size / 1024, 1),
        "last_no_fix": no_fix,
        "last_status_unknown": unknown,
        "within_budget": float(p99 <= BUDGET_P99_MS),
    }


def _postgres_database() -> tuple[str, Callable[[], None]] | None:
    try:
        import psycopg
        from sqlalchemy.engine import make_url
    except ImportError:
        return None
    admin = make_url(PG_ADMIN_URL)
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        connection = psycopg.connect(conninfo, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        print(f"  postgresql skipped: {exc}".rstrip(), flush=True)
        return None
    name = f"watchfloor_bench_{uuid.uuid4().hex[:10]}"
    with connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(conninfo, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return admin.set(database=name).render_as_string(hide_password=False), drop


def run(quick: bool, _args: argparse.Namespace | None = None) -> dict[str, float]:
    units, seconds = QUICK if quick else FULL
    t0 = float(int(time.time()) - seconds)
    figures: dict[str, float] = {"units": units, "hours": seconds / 3600}
    with tempfile.TemporaryDirectory(prefix="units-at-") as folder:
        url = f"sqlite:///{Path(folder) / 'hub.db'}"
        built = build_store(url, units, seconds, t0)
        print(f"  sqlite store: {built}", flush=True)
        figures.update({f"sqlite_{k}": v for k, v in built.items()})
        figures.update({f"sqlite_{k}": v for k, v in measure(url, units, seconds, t0).items()})
    pg = _postgres_database()
    if pg is not None:
        url, drop = pg
        try:
            built = build_store(url, units, seconds, t0)
            print(f"  postgresql store: {built}", flush=True)
            figures.update({f"pg_{k}": v for k, v in built.items()})
            figures.update({f"pg_{k}": v for k, v in measure(url, units, seconds, t0).items()})
        finally:
            drop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    for key, value in run(args.quick, args).items():
        print(f"{key:<28} {value:,}")


if __name__ == "__main__":
    main()
