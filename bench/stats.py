"""``stats.query`` aggregates over a 1,000,000-case store, on SQLite and on PostgreSQL.

DESIGN.md's budget: analytics over 1,000,000 cases answer within 50 ms at p99. For each
database this builds a store of that size (100,000 cases with ``--quick``) by bulk insert
(executemany on SQLite, COPY on PostgreSQL): two years of cases (``DAYS``) of the
district's sources and categories, officers of the simulator's roster, and where each
case stands, drawn so that the figures are not trivial: most old cases closed, some
handled or waiting for a rectification, recent ones anywhere in their lifecycle, a share
of every 1-3-15 stage done late or not at all (and the misses recorded as the hub's
sweep records them). Each row carries its JSON marks and the figure columns the hub
derives from them (:func:`hub.store.models.case_figures`), as the hub stores a case.

Then, for each grouping (source, category, team, day, stage, class_group: 大类 with their
小类) and each period (the last 31 days, the last 365 days), it times
:func:`hub.requests.stats.stats` on its own session (what the op runs off the writer; the
websocket round trip adds about a millisecond, bench/drilldown.py) ``REQUESTS`` times
after ``WARMUP`` untimed ones, and prints p50 and p99 per aggregate. The first request of
a period is also printed on its own: it reads every day of the period from the cases and
keeps the figures of the settled days (the store starts with none kept); the requests
after it merge those once (kept in memory until one of the days changes) and add the
cases of the period's partial first and last days.

The period ends at the bench's start (a static store: its last partial day settles and is
kept in memory too). ``--moving-end`` makes each request end at its own ``time.time()``,
as a wall asking "the last N days" does, so the last partial day is read from the cases
every time.

The PostgreSQL store is a fresh database ``wf_bench_stats_<pid>`` on the local server
(``WATCHFLOOR_BENCH_PG``, default user postgres), dropped at the end; it is skipped, with
a note, when the server cannot be reached.

Run: ``python bench/run.py stats [--quick]`` or ``.venv/bin/python bench/stats.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend_client.protocol.ops import StatsGroup
from bench.drilldown import (
    PG_ADMIN_URL,
    SOURCE_SHARE,
    SOURCES,
    _categories_by_shop,
    _drop_database,
    _finish_schema,
    _postgres_admin,
    _postgres_writer,
    _prepare_schema,
    _sqlite_writer,
    pct,
)

FULL_CASES = 1_000_000
QUICK_CASES = 100_000
DAYS = 2 * 365
OFFICERS = 300
CHUNK = 50_000
SEED = 20261207
GROUPS: tuple[StatsGroup, ...] = ("source", "category", "team", "day", "stage", "class_group")
PERIODS = (31, 365)
REQUESTS = {31: 40, 365: 12}
QUICK_REQUESTS = {31: 10, 365: 4}
WARMUP = 2
BUDGET_P99_MS = 50.0
DAY = 86400.0

FIGURE_COLUMNS = (
    "accept_by, move_by, handle_by, accepted_at, moving_at, handled_at, "
    "missed_accept, missed_move, missed_handle, first_unit"
)
INCIDENT_COLUMNS = (
    "id, source, external_id, category, text, address, lat, lon, reporter, photos, priority, "
    "status, units, merchant_id, reported_at, sla, " + FIGURE_COLUMNS
)
# Where a case's lifecycle stops: statuses in lifecycle order, and how many steps each
# has taken (accept, dispatch/move, arrive, handle).
STATUSES = ("reported", "accepted", "dispatched", "arrived", "handled", "rectifying", "closed")
STEPS_DONE = (0, 1, 2, 3, 4, 4, 4)
# Old cases (past two days): mostly closed; a few handled, under rectification or left.
OLD_SHARE = (0.01, 0.005, 0.005, 0.01, 0.04, 0.03, 0.90)
NEW_SHARE = (0.1, 0.1, 0.15, 0.15, 0.2, 0.05, 0.25)


def case_rows(n: int, now: float, officer_ids: list[str]) -> Iterator[list[tuple[Any, ...]]]:
    """Incident rows in chunks, oldest first, with their JSON marks and figure columns."""
    from hub.simulator.catalogue import CATEGORIES
    from hub.store.models import case_figures

    rng = np.random.default_rng(np.random.SeedSequence([SEED, n]))
    _names, weights, _by_shop = _categories_by_shop()
    category = rng.choice(len(CATEGORIES), size=n, p=weights).tolist()
    source = rng.choice(len(SOURCES), size=n, p=SOURCE_SHARE).tolist()
    reported = np.sort(now - 600 - rng.random(n) * DAYS * DAY)
    old = reported < now - 2 * DAY
    status = np.where(
        old,
        rng.choice(len(STATUSES), size=n, p=OLD_SHARE),
        rng.choice(len(STATUSES), size=n, p=NEW_SHARE),
    ).tolist()
    # Seconds after the report of accept, moving, arrive, handle: about a quarter of each
    # late (the 60 / 180 / 900 s limits of 1-3-15).
    offsets = np.cumsum(
        np.column_stack(
            [
                rng.gamma(2.0, 22.0, n),
                rng.gamma(2.0, 40.0, n),
                rng.gamma(2.0, 120.0, n),
                rng.gamma(2.0, 180.0, n),
            ]
        ),
        axis=1,
    ).tolist()
    officer = rng.integers(0, len(officer_ids), n).tolist()
    second = rng.integers(0, len(officer_ids), n).tolist()
    joint = (rng.random(n) < 0.1).tolist()
    lat = np.round(29.08 + rng.normal(0, 0.03, n), 6).tolist()
    lon = np.round(119.65 + rng.normal(0, 0.04, n), 6).tolist()
    reported_l = reported.tolist()
    reporter = json.dumps({"name": "张女士", "phone": "13800000000"}, ensure_ascii=False)
    limits = (60.0, 180.0, 900.0)
    for start in range(0, n, CHUNK):
        rows: list[tuple[Any, ...]] = []
        for i in range(start, min(n, start + CHUNK)):
            case_id = f"WC{i + 1:08d}"
            t = reported_l[i]
            st = status[i]
            done = STEPS_DONE[st]
            a, m, _arrive, h = offsets[i]
            # accept, move, handle done-at: a stage is done once its step is taken.
            at = [t + a if done >= 1 else None, t + m if done >= 2 else None]
            at.append(t + h if done >= 4 else None)
            by = [t + limit for limit in limits]
            missed = [
                stage
                for stage, d, b in zip(("accept", "move", "handle"), at, by, strict=True)
                # Done late, or not done past the deadline: the sweep has recorded it.
                if (d is not None and d > b) or (d is None and now > b)
            ]
            sla = {
                "accept_by": by[0],
                "move_by": by[1],
                "handle_by": by[2],
                "accepted_at": at[0],
                "moving_at": at[1],
                "handled_at": at[2],
                "missed": missed,
            }
            sla = {k: v for k, v in sla.items() if v is not None}
            units = []
            if done >= 2:
                units.append(officer_ids[officer[i]])
                if joint[i]:
                    units.append(officer_ids[second[i]])
            figures = case_figures(sla, units)
            cat = CATEGORIES[category[i]]
            src = SOURCES[source[i]]
            place = f"城东街道飘萍路{i % 997}号"
            rows.append(
                (
                    case_id,
                    src,
                    case_id,
                    cat.name,
                    cat.texts[i % len(cat.texts)].format(place=place, shop="某店", when="最近"),
                    place,
                    lat[i],
                    lon[i],
                    reporter if src == "hotline" else None,
                    None,
                    cat.priority,
                    STATUSES[st],
                    json.dumps(units),
                    None,
                    t,
                    json.dumps(sla),
                    *(figures[c.strip()] for c in FIGURE_COLUMNS.split(",")),
                )
            )
        yield rows


def build_store(url: str, cases: int, now: float) -> float:
    """Fill an empty store; returns the seconds it took."""
    from backend_client.resources import resources_dir
    from hub.simulator import WuchengWorld

    started = time.perf_counter()
    world = WuchengWorld.load(resources_dir(), seed=SEED, officers=OFFICERS, merchants=100)
    _prepare_schema(url)
    if url.startswith("sqlite"):
        write, close = _sqlite_writer(url.removeprefix("sqlite:///"))
    else:
        write, close = _postgres_writer(url)
    officer_ids = [o.id for o in world.officers]
    try:
        teams = [
            (t.id, t.name, t.kind, t.colour, json.dumps([list(p) for p in t.zone]))
            for t in world.teams
        ]
        write("teams", "id, name, kind, colour, zone", teams)
        officers = [
            (o.id, o.name, o.badge, o.team_id, o.device, "available") for o in world.officers
        ]
        write("officers", "id, name, badge, team_id, device, status", officers)
        for rows in case_rows(cases, now, officer_ids):
            if not url.startswith("sqlite"):
                # COPY's text format takes booleans as t/f.
                rows = [(*r[:-4], *("t" if b else "f" for b in r[-4:-1]), r[-1]) for r in rows]
            write("incidents", INCIDENT_COLUMNS, rows)
    finally:
        close()
    _finish_schema(url)
    took = time.perf_counter() - started
    print(f"  built {cases:,} cases in {took:.1f} s", flush=True)
    return took


def measure(
    url: str, db: str, now: float, quick: bool, moving_end: bool = False
) -> dict[str, float]:
    from sqlalchemy.orm import Session

    from backend_client.protocol.ops import StatsArgs
    from hub.requests.stats import stats
    from hub.store.db import make_engine

    engine = make_engine(url)
    figures: dict[str, float] = {}
    counts = QUICK_REQUESTS if quick else REQUESTS
    try:
        for days in PERIODS:
            args_of = {g: StatsArgs(start=now - days * DAY, end=now, group=g) for g in GROUPS}
            for group in GROUPS:
                times: list[float] = []
                received = 0
                for k in range(WARMUP + counts[days]):
                    asked = args_of[group]
                    if moving_end:
                        ends = time.time()
                        asked = StatsArgs(start=ends - days * DAY, end=ends, group=group)
                    began = time.perf_counter()
                    with Session(engine) as session:
                        answer = stats(session, asked, time.time())
                    took = (time.perf_counter() - began) * 1000
                    if k >= WARMUP:
                        times.append(took)
                    elif k == 0 and group == GROUPS[0]:
                        # The period's first request reads every day from the cases and
                        # keeps the figures of the settled ones (for every grouping).
                        figures[f"{db}_{days}d_first_request_ms"] = round(took, 1)
                        print(f"  {db} {days}d first request {took:8.1f} ms", flush=True)
                    received = answer.total.received
                name = f"{db}_{days}d_{group}"
                figures[f"{name}_p50_ms"] = round(pct(times, 50), 1)
                figures[f"{name}_p99_ms"] = round(pct(times, 99), 1)
                print(
                    f"  {name:<24} p50 {pct(times, 50):8.1f} ms  p99 {pct(times, 99):8.1f} ms"
                    f"  ({received:,} cases received)",
                    flush=True,
                )
    finally:
        engine.dispose()
    figures[f"{db}_worst_p99_ms"] = max(v for k, v in figures.items() if k.endswith("_p99_ms"))
    return figures


def _on_sqlite(
    cases: int, now: float, quick: bool, args: argparse.Namespace | None = None
) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="wf-stats-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'stats.db'}"
        build = build_store(url, cases, now)
        moving = bool(getattr(args, "moving_end", False))
        return {"sqlite_build_s": round(build, 1), **measure(url, "sqlite", now, quick, moving)}


def _on_postgres(
    cases: int, now: float, quick: bool, args: argparse.Namespace | None = None
) -> dict[str, float]:
    import psycopg

    found = _postgres_admin()
    if found is None:
        return {"postgres_skipped": 1.0}
    admin, conninfo = found
    name = f"wf_bench_stats_{os.getpid()}"
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        url = admin.set(database=name).render_as_string(hide_password=False)
        build = build_store(url, cases, now)
        moving = bool(getattr(args, "moving_end", False))
        return {
            "postgres_build_s": round(build, 1),
            **measure(url, "postgres", now, quick, moving),
        }
    finally:
        _drop_database(conninfo, name)


def run(quick: bool, args: argparse.Namespace | None = None) -> dict[str, float]:
    cases = QUICK_CASES if quick else FULL_CASES
    now = time.time()
    figures: dict[str, float] = {"cases": float(cases), "budget_p99_ms": BUDGET_P99_MS}
    dbs = getattr(args, "db", None) or ("sqlite", "postgres")
    for db in dbs:
        print(f"  -- {db}: {cases:,} cases", flush=True)
        on = _on_sqlite if db == "sqlite" else _on_postgres
        figures.update(on(cases, now, quick, args))
    worst = [v for k, v in figures.items() if k.endswith("_worst_p99_ms")]
    figures["within_budget"] = float(bool(worst) and max(worst) <= BUDGET_P99_MS)
    return figures


__all__ = ["PG_ADMIN_URL", "build_store", "case_rows", "measure", "run"]

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cases", type=int, default=None, help="store size (default 1,000,000)")
    parser.add_argument("--db", action="append", choices=("sqlite", "postgres"))
    parser.add_argument(
        "--moving-end", action="store_true", help="each request ends at its own now"
    )
    ns = parser.parse_args()
    if ns.cases:
        FULL_CASES = QUICK_CASES = ns.cases
    for key, value in run(ns.quick, ns).items():
        print(f"{key:>36}  {value:,.2f}")
