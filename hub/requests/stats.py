"""``stats.query``: a period's figures per group (驾驶舱 analytics over history).

Two cohorts of cases, each grouped by the asked key:

- **received** (受理): ``reported_at`` in ``[start, end)``. The 1-3-15 compliance of each
  stage and the response-time medians are over these.
- **due** (应结案): the 1-3-15 handle deadline (``sla.handle_by``) in ``[start, end)``.
  Of these, **closed** (结案) are the ones whose status is ``closed`` now, and **closed
  on time** (按期结案) the closed ones whose handle stage was *met* (handled on scene by
  the deadline, no miss recorded). So 结案率 = 结案 / 应结案 and 按期结案率 = 按期结案 /
  应结案, the formulas the published monthly figures of real centres check out with
  (911 / 972 = 93.72 %, 737 / 972 = 75.82 %), and both are at most 100 %.

A stage is judged exactly as :func:`backend_client.sla.judge_stage` judges it at the
hub's ``now`` from the marks the hub stored on the case (``incidents.sla``): *met* when
done by its deadline and no miss is recorded, *missed* when a miss is recorded, when done
late, or when not done past the deadline, *pending* otherwise; ``rate`` = met / (met +
missed). The one rule is transcribed to SQL (``_state``) so the case rows stay in the
database; tests/hub/test_stats.py checks the SQL's counts against ``judge_stage``'s.

The counts are SQL aggregates that run on SQLite and PostgreSQL alike, and Python
receives one row per group of them, never the cases:

- each cohort is a MATERIALIZED CTE reading the case's JSON marks once (``_cohort``);
  the counts are ``SUM(CASE ...)`` over it, grouped by the key;
- ``day`` is the local day in Asia/Shanghai (UTC+8, no DST): ``floor((t + 8 h) / 1 d)``,
  floored the way each database can (:class:`_floor_int`).

The medians are the exception the op allows: SQLite has no ``percentile_cont``, and the
portable form (``ROW_NUMBER``/``COUNT`` windows, the middle one or two averaged) ran three
to four times slower there than fetching the three durations per case and sorting them in
Python. The work is bounded by the period (≤ 400 days of cases, three floats each).

The received cohort is one range of ``ix_incidents_reported``. So is the due one: a
deadline is never before its report, and at most the case's handle limit after it, so the
cases due in the period were reported in ``[start - limit, end)`` (:func:`due_horizon`:
the hub's limit, at least a day); the deadline itself is then read from the JSON marks of
those rows only. No new index.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

from sqlalchemy import (
    CTE,
    ColumnElement,
    Float,
    Integer,
    Select,
    SQLColumnExpression,
    and_,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from backend_client.protocol.ops import (
    STATS_MAX_DAYS,
    StageFigures,
    StatsAnswer,
    StatsArgs,
    StatsFormulas,
    StatsGroup,
    StatsRow,
)
from backend_client.sla import STAGES, SlaStage
from hub.auth import Principal
from hub.requests.base import Ops, RequestError
from hub.store.models import Incident as IncidentRow
from hub.store.models import Officer

DAY = 86400.0
#: Asia/Shanghai is UTC+8 all year (no DST since 1991), so a local day is a fixed offset.
LOCAL_OFFSET = 8 * 3600.0
_EPOCH = dt.date(1970, 1, 1)

# Each stage's deadline and done-at, as the hub stores them in ``incidents.sla``
# (backend_client.protocol.messages.SlaMarks).
_MARKS: dict[SlaStage, tuple[str, str]] = {
    SlaStage.ACCEPT: ("accept_by", "accepted_at"),
    SlaStage.MOVE: ("move_by", "moving_at"),
    SlaStage.HANDLE: ("handle_by", "handled_at"),
}
MET, MISSED, PENDING = 1, 2, 3
#: A select of any columns (Select is generic over its row's column types).
AnySelect = Select[*tuple[Any, ...]]


class _floor_int(FunctionElement[int]):
    """``floor(x)`` as an integer. PostgreSQL's cast rounds, so it floors first; SQLite
    may be built without ``floor()``, and its cast truncates, which is the floor for the
    non-negative times the op accepts."""

    type = Integer()
    name = "floor_int"
    inherit_cache = True


@compiles(_floor_int)
def _floor_int_default(element: _floor_int, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(FLOOR({compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(_floor_int, "sqlite")
def _floor_int_sqlite(element: _floor_int, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS INTEGER)"


def _mark(name: str) -> ColumnElement[float]:
    return cast(ColumnElement[float], IncidentRow.sla[name].as_float())


def _local_day(ts: SQLColumnExpression[float]) -> ColumnElement[int]:
    return _floor_int((ts + LOCAL_OFFSET) / DAY)


def _key(group: StatsGroup) -> SQLColumnExpression[Any]:
    """The group's value for a case, read from the case's row (``day`` is read from the
    cohort's time instead: :func:`_cohort`)."""
    match group:
        case "source":
            return IncidentRow.source
        case "category":
            return IncidentRow.category
        case "stage":
            return IncidentRow.status
        case "team":
            # The first officer dispatched, whose team owns the case (a joint
            # inspection's specialists are sent second). Officers are mapped to teams
            # in Python (a few hundred rows): a join here is planned on a guess of the
            # JSON filter's selectivity, and PostgreSQL chose a nested loop (28 s for a
            # year of 300,000 cases on a table not analysed yet).
            return cast(SQLColumnExpression[Any], IncidentRow.units[0].as_string())
        case "day":
            raise AssertionError("day is grouped by the cohort's time")
    raise AssertionError(group)  # pragma: no cover - StatsGroup is exhaustive


def _cohort(
    name: str,
    group: StatsGroup,
    by: str,
    stages: Sequence[SlaStage],
    *where: ColumnElement[bool],
) -> tuple[CTE, ColumnElement[Any]]:
    """The cases of a cohort with the JSON marks of ``stages`` read once each, and the
    key to group them by (``by`` names the time ``day`` groups on: the report or the
    deadline).

    MATERIALIZED: SQLite would otherwise copy each extraction into every expression that
    reads it, parsing the case's JSON a dozen times (PostgreSQL ≥ 12 and SQLite ≥ 3.35
    both take the keyword)."""
    columns: list[SQLColumnExpression[Any]] = [
        IncidentRow.reported_at.label("reported_at"),
        IncidentRow.status.label("status"),
        *(_mark(mark).label(mark) for stage in stages for mark in _MARKS[stage]),
        # The recorded misses: the stored ``missed`` list (≤ 3 names, in stage order),
        # read by position, as both databases index a JSON list alike (a membership test
        # would need each one's own function).
        *(IncidentRow.sla[("missed", i)].as_string().label(f"missed_{i}") for i in range(3)),
    ]
    if group != "day":
        columns.append(_key(group).label("grp"))
    query = select(*columns).select_from(IncidentRow)
    cases = query.where(*where).cte(name).prefix_with("MATERIALIZED")
    key = _local_day(cases.c[by]) if group == "day" else cases.c.grp
    return cases, key


def _state(cases: CTE, stage: SlaStage, now: ColumnElement[float]) -> ColumnElement[int | None]:
    """``judge_stage`` in SQL: MET, MISSED or PENDING at ``now``; NULL for a case without
    marks (not on the clock). The branches are judge_stage's, in its order."""
    by_name, at_name = _MARKS[stage]
    by, at = cases.c[by_name], cases.c[at_name]
    recorded = or_(*(cases.c[f"missed_{i}"] == str(stage) for i in range(3)))
    return case(
        (by.is_(None), None),
        (recorded, MISSED),
        (and_(at.is_not(None), at <= by), MET),
        (at.is_not(None), MISSED),
        (now <= by, PENDING),
        else_=MISSED,
    )


def _sum_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _received(
    group: StatsGroup, start: float, end: float, now: float
) -> tuple[AnySelect, AnySelect]:
    """Per key: received, and met / missed / pending per stage. Then per case: its key
    and the seconds from its report to each stage (``NULL`` where not done yet)."""
    in_period = (IncidentRow.reported_at >= start, IncidentRow.reported_at < end)
    cases, key = _cohort("received", group, "reported_at", STAGES, *in_period)
    at_now = literal(now, Float)
    per_case = (
        select(key.label("key"), *(_state(cases, s, at_now).label(f"s_{s}") for s in STAGES))
        .select_from(cases)
        .subquery()
    )
    counts = select(
        per_case.c.key,
        func.count().label("received"),
        *(
            _sum_if(per_case.c[f"s_{stage}"] == state).label(f"{stage}_{state}")
            for stage in STAGES
            for state in (MET, MISSED, PENDING)
        ),
    ).group_by(per_case.c.key)

    # The medians' input: the seconds from the report to each stage, per case (why in
    # Python: the module's docstring).
    durations = select(
        key.label("key"),
        *((cases.c[at] - cases.c.reported_at).label(f"d_{s}") for s, (_, at) in _MARKS.items()),
    ).select_from(cases)
    return counts, durations


def _due(group: StatsGroup, start: float, end: float, horizon: float) -> AnySelect:
    """Per key: due, closed, closed on time (handle stage met)."""
    handle_by = _mark("handle_by")
    cases, key = _cohort(
        "due",
        group,
        "handle_by",
        (SlaStage.HANDLE,),
        # The index range first (see the module's docstring), then the deadline itself.
        IncidentRow.reported_at >= start - horizon,
        IncidentRow.reported_at < end,
        handle_by >= start,
        handle_by < end,
    )
    closed = cases.c.status == "closed"
    # Any ``now`` will do: a closed case was handled, so its stage is met or missed.
    on_time = and_(closed, _state(cases, SlaStage.HANDLE, cases.c.handle_by) == MET)
    per_case = (
        select(
            key.label("key"),
            case((closed, 1), else_=0).label("closed"),
            case((on_time, 1), else_=0).label("on_time"),
        )
        .select_from(cases)
        .subquery()
    )
    return select(
        per_case.c.key,
        func.count().label("due"),
        func.coalesce(func.sum(per_case.c.closed), 0).label("closed"),
        func.coalesce(func.sum(per_case.c.on_time), 0).label("on_time"),
    ).group_by(per_case.c.key)


class _Tally:
    """One group's figures while the query results are merged."""

    def __init__(self) -> None:
        self.received = self.due = self.closed = self.on_time = 0
        self.stages: dict[str, list[int]] = {str(s): [0, 0, 0] for s in STAGES}
        self.medians: dict[str, float] = {}

    def add(self, other: _Tally) -> None:
        self.received += other.received
        self.due += other.due
        self.closed += other.closed
        self.on_time += other.on_time
        for stage, counts in other.stages.items():
            self.stages[stage] = [a + b for a, b in zip(self.stages[stage], counts, strict=True)]

    def row(self, key: str) -> StatsRow:
        stages = []
        for stage in STAGES:
            met, missed, pending = self.stages[str(stage)]
            stages.append(
                StageFigures(
                    stage=str(stage),
                    met=met,
                    missed=missed,
                    pending=pending,
                    rate=_ratio(met, met + missed),
                    median_s=self.medians.get(str(stage)),
                )
            )
        return StatsRow(
            key=key,
            received=self.received,
            due=self.due,
            closed=self.closed,
            closed_on_time=self.on_time,
            closure_rate=_ratio(self.closed, self.due),
            on_time_rate=_ratio(self.on_time, self.due),
            stages=stages,
        )


def _medians(rows: Iterable[Sequence[Any]], tally: Callable[[Any], _Tally], total: _Tally) -> None:
    """Each group's and the period's median per stage, from ``(key, d_accept, d_move,
    d_handle)`` rows: three floats a case, the period's cases at most (≤ 400 days)."""
    grouped: dict[Any, tuple[list[float], ...]] = {}
    overall: tuple[list[float], ...] = ([], [], [])
    for key, *seconds in rows:
        lists = grouped.setdefault(key, ([], [], []))
        for i, d in enumerate(seconds):
            if d is not None:
                lists[i].append(float(d))
                overall[i].append(float(d))
    for key, lists in grouped.items():
        _set_medians(tally(key), lists)
    # The period's own: medians of groups do not combine.
    _set_medians(total, overall)


def _set_medians(t: _Tally, lists: tuple[list[float], ...]) -> None:
    for stage, values in zip(STAGES, lists, strict=True):
        if values:
            t.medians[str(stage)] = statistics.median(values)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _day_name(day: int) -> str:
    return (_EPOCH + dt.timedelta(days=day)).isoformat()


def _days(start: float, end: float) -> range:
    """The local days ``[start, end)`` touches (an end on midnight touches no more)."""
    first = math.floor((start + LOCAL_OFFSET) / DAY)
    last = math.ceil((end + LOCAL_OFFSET) / DAY) - 1
    return range(first, last + 1)


def stats(session: Session, args: StatsArgs, now: float, due_horizon: float) -> StatsAnswer:
    """The answer of ``stats.query`` for valid ``args`` (see :func:`check_period`)."""
    db = session.connection()
    group: StatsGroup = args.group
    tallies: dict[Any, _Tally] = {}
    if group == "day":
        tallies = {day: _Tally() for day in _days(args.start, args.end)}

    team_of: dict[str, str] = {}
    if group == "team":
        team_of = {str(o): str(t) for o, t in db.execute(select(Officer.id, Officer.team_id))}

    def key_of(raw: Any) -> Any:
        """The row's key as answered: a team for an officer (several officers, one team;
        "" when nobody was sent or the officer left the roster)."""
        if group == "team":
            return "" if raw is None else team_of.get(raw, "")
        return "" if raw is None else raw

    def tally(key: Any) -> _Tally:
        return tallies.setdefault(key, _Tally())

    total = _Tally()
    counts, durations = _received(group, args.start, args.end, now)
    for row in db.execute(counts).mappings():
        t = tally(key_of(row["key"]))
        t.received += int(row["received"])
        for stage in STAGES:
            added = [int(row[f"{stage}_{state}"]) for state in (MET, MISSED, PENDING)]
            t.stages[str(stage)] = [a + b for a, b in zip(t.stages[str(stage)], added, strict=True)]
    _medians(((key_of(key), *d) for key, *d in db.execute(durations)), tally, total)
    for row in db.execute(_due(group, args.start, args.end, due_horizon)).mappings():
        t = tally(key_of(row["key"]))
        t.due += int(row["due"])
        t.closed += int(row["closed"])
        t.on_time += int(row["on_time"])

    for t in tallies.values():
        total.add(t)

    name = _day_name if group == "day" else str
    rows = sorted((t.row(name(key)) for key, t in tallies.items()), key=lambda r: r.key)
    return StatsAnswer(
        start=args.start,
        end=args.end,
        group=group,
        as_of=now,
        rows=rows,
        total=total.row(""),
        formulas=StatsFormulas(),
    )


def check_period(args: StatsArgs) -> None:
    """A period the op answers: finite, not before the epoch, ``end`` after ``start``,
    at most :data:`STATS_MAX_DAYS` days. Else ``invalid``, naming the field."""
    for name, value in (("start", args.start), ("end", args.end)):
        if not math.isfinite(value) or value < 0:
            raise RequestError("invalid", f"{name} must be a time (epoch seconds)", name)
    if args.end <= args.start:
        raise RequestError("invalid", "end must be after start", "end")
    if args.end - args.start > STATS_MAX_DAYS * DAY:
        raise RequestError("invalid", f"period longer than {STATS_MAX_DAYS} days", "end")


def due_horizon(handle_within: float) -> float:
    """How long before the period a case due in it may have been reported: its handle
    limit. The hub stamps every case with its configured limits (15 min under 1-3-15);
    the floor of a day also covers cases stored by a hub configured with a longer one.
    A case with a handle limit beyond both would be missed from 应结案: per-class limits
    in working days (CASEWORK-NOTES) would need the deadline as an indexed column."""
    return max(handle_within, DAY)


class StatsOps(Ops):
    async def stats_query(self, _who: Principal, args: StatsArgs) -> StatsAnswer:
        """Aggregates, not cases: nothing personal leaves the hub, so not a view to audit,
        and read on its own connection, off the writer (a long period must not hold up
        steps and reports)."""
        check_period(args)
        horizon = due_horizon(self.hub.config.sla_limits.handle_within)

        def read() -> StatsAnswer:
            with Session(self.hub.engine) as session:
                return stats(session, args, time.time(), horizon)

        return await asyncio.get_running_loop().run_in_executor(None, read)


__all__: Sequence[str] = ["StatsOps", "check_period", "due_horizon", "stats"]
