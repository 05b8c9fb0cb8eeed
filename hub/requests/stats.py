"""``stats.query``: a period's figures per group (驾驶舱 analytics over history).

Two cohorts of cases, each grouped by the asked key:

- **received** (受理): ``reported_at`` in ``[start, end)``, void cases (作废) left out.
  The 1-3-15 compliance of each stage and the response-time medians are over these.
- **due** (应结案): the 1-3-15 handle deadline (``sla.handle_by``) in ``[start, end)``,
  void cases and merged duplicates left out (a suspended one stays due: 挂账 does not
  move a deadline; a duplicate's parent is the work that is due).
  Of these, **closed** (结案) are the ones whose status is ``closed`` now, and **closed
  on time** (按期结案) the closed ones whose handle stage was *met* (handled on scene by
  the deadline, no miss recorded). So 结案率 = 结案 / 应结案 and 按期结案率 = 按期结案 /
  应结案, the formulas the published monthly figures of real centres check out with
  (911 / 972 = 93.72 %, 737 / 972 = 75.82 %), and both are at most 100 %.

A stage is judged exactly as :func:`backend_client.sla.judge_stage` judges it at the
hub's ``now`` from the marks the hub stored on the case: *met* when done by its deadline
and no miss is recorded, *missed* when a miss is recorded, when done late, or when not
done past the deadline, *pending* otherwise; ``rate`` = met / (met + missed). The one rule
is transcribed to SQL (``_state``) so the case rows stay in the database;
tests/hub/test_stats.py checks the SQL's counts against ``judge_stage``'s.

How it is fast (measured: ``python bench/run.py stats``, 1,000,000 cases):

- **Columns, not JSON.** The marks are read from the case's figure columns (``accept_by``
  ... ``handled_at``, ``missed_<stage>``, ``first_unit``; revision 0009), which the hub
  keeps equal to the JSON ``incidents.sla`` and ``units`` on every write of a case
  (hub.store.models): parsing the JSON of every row took 6 to 12 s for a year of 300,000
  cases. The received cohort is one range of ``ix_incidents_reported``, the due cohort
  one range of ``ix_incidents_handle_by``.
- **Past days are kept.** Even as columns, a year is half a million rows, a few hundred
  milliseconds to read on either database. So the figures of a whole local day (Asia/
  Shanghai, UTC+8, no DST) are kept in ``case_day_figures``, one row per day and
  grouping: each key's counts, its medians and the durations of its received cases
  (64-bit floats, so that a period's medians are exact, not estimated from bins) with
  the bin of each (one byte). A day is kept only once nothing in it can change by the
  clock alone (no stage pending), and its row is valid while the day's change count
  (``case_day_changes.gen``, bumped by the hub in the same transaction as every write
  of a case reported or due that day) is the one it was read at, and its salt is
  :func:`_salt`'s (the layout of the row; for ``team``, the roster that mapped officers
  to teams). Anything else (the period's partial first and last days, today, a changed
  day) is read from the cases' rows, and the days read whole are kept for next time
  (best effort: a busy store only means reading them again).
- **Settled days are merged once.** Reading a year of kept days and merging them took
  70 to 120 ms on every request. A period's settled days (kept, unchanged since) are
  merged once and held in memory (``_Summary``, by grouping, salt and every day with its
  change count; :data:`SUMMARY_CACHE_BYTES` at most, least recently used out), each
  key's durations sorted around their middle (:data:`WINDOW` either side). A request
  reads the change counts and which days are kept (no blobs), finds the summary, and
  adds what it reads from the cases: a key's median is then that of the union, exactly
  (:func:`_union_median`: the middle ranks of the union lie in a known slice of the
  kept sorted durations). A day that changes makes a new summary, merged from the kept
  days; a part of a settled day at a period's edge is held in memory too (by its
  bounds and change count). Without a summary (``cached=False``, or more read from the
  cases than a window holds) every part is merged as before: counts add up per key, a
  key's median is the kept one when the key lives in one day only, else the bins'
  counts per key say which bin (or two) hold its middle ranks and only the durations
  of those bins are partitioned (:func:`_binned_medians`). Either way the middle one or
  the two middle ones averaged, exactly as ``statistics.median``
  (tests/hub/test_stats_figures.py checks one against the other).
- **Cases are read column by column.** A period's days read from the cases (a long
  period's first request, which keeps them) go through numpy by column, not a Python
  loop per case and grouping; the queries are built and compiled once and their rows
  taken from the driver as tuples.

``class_group`` (大类) is the ``category`` figures put together by the classes catalogue
(:func:`hub.domain.classes.shipped_catalogue`, by the stored category name): its rows
carry their 小类 rows as ``children``. It is not kept as a grouping of its own; its
summary is merged from the kept ``category`` days.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import json
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

import msgspec
import numpy as np
from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    and_,
    bindparam,
    case,
    delete,
    insert,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

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
from hub.domain.classes import shipped_catalogue
from hub.requests.base import Ops, RequestError
from hub.store.models import LOCAL_OFFSET, CaseDayChange, CaseDayFigures, Officer
from hub.store.models import Incident as IncidentRow

log = logging.getLogger(__name__)

DAY = 86400.0
_EPOCH = dt.date(1970, 1, 1)

# Each stage's deadline, done-at and recorded miss: the case's figure columns, which the
# hub keeps equal to its marks in ``incidents.sla`` (hub.store.models.case_figures).
_MARKS: dict[SlaStage, tuple[Any, Any, Any]] = {
    SlaStage.ACCEPT: (IncidentRow.accept_by, IncidentRow.accepted_at, IncidentRow.missed_accept),
    SlaStage.MOVE: (IncidentRow.move_by, IncidentRow.moving_at, IncidentRow.missed_move),
    SlaStage.HANDLE: (IncidentRow.handle_by, IncidentRow.handled_at, IncidentRow.missed_handle),
}
MET, MISSED, PENDING = 1, 2, 3


def _state(stage: SlaStage, now: ColumnElement[float]) -> ColumnElement[int | None]:
    """``judge_stage`` in SQL: MET, MISSED or PENDING at ``now``; NULL for a case without
    marks (not on the clock). The branches are judge_stage's, in its order."""
    by, at, recorded = _MARKS[stage]
    return case(
        (by.is_(None), None),
        # A case merged into another (case.merge) is off the clock: its parent's counts.
        (IncidentRow.parent_id.is_not(None), None),
        (recorded, MISSED),
        (and_(at.is_not(None), at <= by), MET),
        (at.is_not(None), MISSED),
        (now <= by, PENDING),
        else_=MISSED,
    )


# The figures of one group in one span, by position: received, then met / missed /
# pending of each stage (STAGES order), then due, closed, closed on time.
N_FIGURES = 13
RECEIVED, DUE, CLOSED, ON_TIME = 0, 10, 11, 12
GROUPS: tuple[str, ...] = ("source", "category", "team", "day", "stage")


def _slot(stage_index: int, state: int | None) -> int | None:
    return None if state is None else 1 + 3 * stage_index + (state - MET)


#: Bins of durations that find a median without sorting a period's cases: bin ``i`` is
#: ``[EDGES[i], EDGES[i + 1])`` seconds (log-spaced; the first takes everything under
#: half a second, the last everything from ~4 months), NOT_DONE marks a stage not done.
EDGES = np.concatenate([[-math.inf], np.geomspace(0.5, 1e7, 253)])
N_BINS = len(EDGES)  # 254
NOT_DONE = 255


def _bins(durations: np.ndarray) -> np.ndarray:
    """The bin of each duration (``uint8``), NOT_DONE for NaN."""
    found = np.searchsorted(EDGES, np.nan_to_num(durations, nan=0.0), side="right") - 1
    return np.where(np.isnan(durations), NOT_DONE, found).astype(np.uint8)


class _Part:
    """One grouping's figures over one span of cases: per key (sorted) its figures and
    its median seconds from report to each stage (NaN: none done), and, stage by stage,
    the seconds of each received case (NaN: not done) and their bins, the cases of each
    key together, in key order."""

    __slots__ = ("bins", "counts", "durations", "has_medians", "keys", "medians")

    def __init__(
        self,
        keys: list[str],
        counts: np.ndarray,
        medians: np.ndarray,
        durations: np.ndarray,
        bins: np.ndarray,
        has_medians: bool = True,
    ) -> None:
        self.keys = keys
        self.counts = counts
        self.medians = medians
        self.durations = durations  # (3, cases)
        self.bins = bins  # (3, cases)
        self.has_medians = has_medians

    @classmethod
    def build(
        cls, counts: dict[str, list[int]], durations: dict[str, list[Any]], medians: bool
    ) -> _Part:
        """``medians``: work out each key's (for figures to keep), or leave them NaN."""
        keys = sorted(counts)
        per_key = [np.array(durations.get(k, ()), dtype=np.float64).reshape(-1, 3) for k in keys]
        stacked = np.ascontiguousarray(np.concatenate(per_key).T) if per_key else np.zeros((3, 0))
        return cls(
            keys,
            np.array([counts[k] for k in keys], dtype=np.int64).reshape(-1, N_FIGURES),
            np.array(
                [_medians(d.T) if medians else [math.nan] * 3 for d in per_key], dtype=np.float64
            ).reshape(-1, 3),
            stacked,
            _bins(stacked),
            medians,
        )

    @classmethod
    def stored(cls, keys: list[str], blob: bytes) -> _Part:
        """From what :meth:`to_store` gave: the keys, and one blob of the counts, the
        medians, the durations (little-endian 64-bit numbers) and their bins."""
        k = len(keys)
        counts = np.frombuffer(blob, dtype="<i8", count=k * N_FIGURES).reshape(k, N_FIGURES)
        n = int(counts[:, RECEIVED].sum())
        offset = k * N_FIGURES * 8
        floats = np.frombuffer(blob, dtype="<f8", offset=offset, count=k * 3 + 3 * n)
        bins = np.frombuffer(blob, dtype=np.uint8, offset=offset + floats.nbytes)
        return cls(
            keys,
            counts,
            floats[: k * 3].reshape(k, 3),
            floats[k * 3 :].reshape(3, n),
            bins.reshape(3, n),
        )

    def to_store(self) -> tuple[dict[str, Any], bytes]:
        blob = b"".join(
            (
                self.counts.astype("<i8").tobytes(),
                self.medians.astype("<f8").tobytes(),
                self.durations.astype("<f8").tobytes(),
                self.bins.astype(np.uint8).tobytes(),
            )
        )
        return {"keys": self.keys}, blob


def _medians(durations: np.ndarray) -> list[float]:
    """Each stage's median of ``durations`` (3, cases): the middle one or the two middle
    ones averaged, as statistics.median, the cases not done left out; NaN when none is."""
    found = []
    for column in durations:
        done = column[~np.isnan(column)]
        found.append(float(np.median(done)) if len(done) else math.nan)
    return found


def _binned_medians(
    durations: np.ndarray, bins: np.ndarray, owner: np.ndarray | None, keys: int
) -> np.ndarray:
    """Each key's median of one stage's ``durations`` (NaN: none done), exactly, without
    sorting them all: the bins' counts per key say which bin (or two) the middle ranks
    fall in, and only the durations of those bins are partitioned. ``owner``: each
    case's key (``None``: one key, the period's)."""
    # One code per case, its key's row and its bin: a count per key and bin, and below
    # a table of the codes to keep.
    code = bins.astype(np.int32) if owner is None else owner * 256 + bins
    per_bin = np.bincount(code, minlength=keys * 256).reshape(keys, 256)[:, :N_BINS]
    below = np.cumsum(per_bin, axis=1)  # done cases of the key up to each bin, inclusive
    done = below[:, -1]
    low_rank, high_rank = (done - 1) // 2, done // 2
    low_bin = (below <= low_rank[:, None]).sum(axis=1)
    high_bin = (below <= high_rank[:, None]).sum(axis=1)
    before = np.where(low_bin > 0, below[np.arange(keys), np.maximum(low_bin - 1, 0)], 0)
    columns = np.arange(256)
    keep = (columns >= low_bin[:, None]) & (columns <= high_bin[:, None]) & (done[:, None] > 0)
    chosen = keep.ravel()[code]
    values = durations[chosen]
    if owner is None:
        ends = [len(values)]
    else:
        whose = owner[chosen]
        values = values[np.argsort(whose, kind="stable")]
        ends = np.cumsum(np.bincount(whose, minlength=keys)).tolist()
    found = np.full(keys, math.nan)
    start = 0
    for key, end in enumerate(ends):
        if done[key]:
            lo, hi = int(low_rank[key] - before[key]), int(high_rank[key] - before[key])
            segment = np.partition(values[start:end], (lo, hi))
            found[key] = (segment[lo] + segment[hi]) / 2
        start = end
    return found


class _Day:
    """A local day's cases as read (or a part of the day, at a period's edge): per
    grouping, its :class:`_Part` (no medians worked out yet)."""

    def __init__(self, groups: Sequence[str], parts: dict[str, _Part] | None = None) -> None:
        self.parts = parts or {g: _Part.build({}, {}, medians=False) for g in groups}

    def part(self, group: str, medians: bool) -> _Part:
        part = self.parts[group]
        if not medians or part.has_medians:
            return part
        return _Part(
            part.keys,
            part.counts,
            _key_medians(part.durations, part.counts[:, RECEIVED]),
            part.durations,
            part.bins,
        )


def _key_medians(durations: np.ndarray, per_key: np.ndarray) -> np.ndarray:
    """Each key's median of each stage (keys, 3), as :func:`_medians` of its cases (the
    ``per_key[i]`` cases after the ones of the keys before): sorted once by key and
    value, the middle ones read at their ranks."""
    keys = len(per_key)
    owner = np.repeat(np.arange(keys), per_key)
    found = np.full((keys, 3), math.nan)
    for stage in range(3):
        done = ~np.isnan(durations[stage])
        values, whose = durations[stage][done], owner[done]
        ordered = values[np.lexsort((values, whose))]
        count = np.bincount(whose, minlength=keys)
        first = np.cumsum(count) - count
        has = count > 0
        low = first[has] + (count[has] - 1) // 2
        high = first[has] + count[has] // 2
        found[has, stage] = (ordered[low] + ordered[high]) / 2
    return found


@functools.cache
def _queries() -> tuple[Any, Any]:
    """The received and the due cohorts of ``[:start, :end)`` at ``:now``, built once
    (building and compiling them took a few ms of every request)."""
    at_now = bindparam("now", type_=Float)
    start, end = bindparam("start", type_=Float), bindparam("end", type_=Float)
    received = select(
        IncidentRow.source,
        IncidentRow.category,
        IncidentRow.first_unit,
        IncidentRow.status,
        IncidentRow.reported_at,
        *(_state(s, at_now) for s in STAGES),
        *((at - IncidentRow.reported_at) for _, at, _m in _MARKS.values()),
    ).where(
        IncidentRow.reported_at >= start,
        IncidentRow.reported_at < end,
        # A void case (作废: a false report, a duplicate) was never work: not 受理.
        IncidentRow.status != "voided",
    )
    handle_by = cast(ColumnElement[float], IncidentRow.handle_by)
    closed = IncidentRow.status == "closed"
    # Any ``now`` will do: a closed case was handled, so its stage is met or missed.
    on_time = and_(closed, _state(SlaStage.HANDLE, handle_by) == MET)
    due = select(
        IncidentRow.source,
        IncidentRow.category,
        IncidentRow.first_unit,
        IncidentRow.status,
        handle_by,
        case((on_time, 1), else_=0),
    ).where(
        handle_by >= start,
        handle_by < end,
        IncidentRow.status != "voided",
        # A merged duplicate is no separate work to close: its parent is due (and counted).
        IncidentRow.parent_id.is_(None),
    )
    return received, due


_compiled_queries: dict[tuple[str, str, int], Any] = {}


def _compiled(dialect: Any, which: int) -> Any:
    key = (dialect.name, dialect.paramstyle, which)
    found = _compiled_queries.get(key)
    if found is None:
        found = _compiled_queries[key] = _queries()[which].compile(dialect=dialect)
    return found


def _rows(db: Connection, which: int, values: dict[str, float]) -> list[tuple[Any, ...]]:
    """Query ``which`` of :func:`_queries`' rows as the driver gives them: a year's half a
    million rows through SQLAlchemy's row objects took a second more, on either
    database."""
    compiled = _compiled(db.dialect, which)
    raw = db.connection.driver_connection
    assert raw is not None
    params: Any = {**compiled.params, **values}
    if compiled.positiontup is not None:  # SQLite's qmark style
        params = [params[name] for name in compiled.positiontup]
    cursor = raw.cursor()
    try:
        cursor.execute(str(compiled), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _floats(values: Iterable[Any]) -> np.ndarray:
    """A column as 64-bit floats, NULL as NaN."""
    return np.array([math.nan if v is None else v for v in values], dtype=np.float64)


def _compute(
    db: Connection,
    start: float,
    end: float,
    now: float,
    team_of: dict[str, str],
    groups: Sequence[str] = GROUPS,
) -> tuple[dict[int, _Day], set[int]]:
    """The figures of ``groups`` of each local day of ``[start, end)``, read from the
    cases' rows, and the days with a stage still pending at ``now`` (their figures can
    change by the clock alone). Column by column (numpy), not case by case: a year's
    first read was 8 to 13 s of Python loops."""
    values = {"start": start, "end": end, "now": now}
    got = _rows(db, 0, values)
    owed = _rows(db, 1, {"start": start, "end": end})
    n, m = len(got), len(owed)
    if not n + m:
        return {}, set()
    r_cols = list(zip(*got, strict=True)) if n else [()] * 11
    d_cols = list(zip(*owed, strict=True)) if m else [()] * 6

    # Each case's figures as a row of N_FIGURES: the received, then the due.
    figures = np.zeros((n + m, N_FIGURES), dtype=np.int64)
    figures[:n, RECEIVED] = 1
    states = [_floats(r_cols[5 + i]) for i in range(3)]
    for i, state in enumerate(states):
        for s in (MET, MISSED, PENDING):
            figures[:n, 1 + 3 * i + (s - MET)] = state == s
    status_due = np.array(d_cols[3], dtype=object)
    figures[n:, DUE] = 1
    figures[n:, CLOSED] = status_due == "closed"
    figures[n:, ON_TIME] = np.array(d_cols[5], dtype=np.int64)
    seconds = np.vstack([_floats(r_cols[8 + i]) for i in range(3)]) if n else np.zeros((3, 0))
    binned = _bins(seconds)

    day_of = np.floor(
        (np.concatenate((_floats(r_cols[4]), _floats(d_cols[4]))) + LOCAL_OFFSET) / DAY
    ).astype(np.int64)
    pending_at = (states[0] == PENDING) | (states[1] == PENDING) | (states[2] == PENDING)
    pending = {int(d) for d in np.unique(day_of[:n][pending_at])}
    day_list = np.unique(day_of)
    day_index = np.searchsorted(day_list, day_of)
    names = [_day_name(int(d)) for d in day_list]

    def key_column(group: str) -> list[str]:
        if group == "team":
            # The first officer's, by the roster now ("" when nobody was sent or the
            # officer left the roster).
            units = (*r_cols[2], *d_cols[2])
            return [team_of.get(u, "") if u else "" for u in units]
        column = {"source": 0, "category": 1, "stage": 3}[group]
        return [v or "" for v in (*r_cols[column], *d_cols[column])]

    parts: dict[int, dict[str, _Part]] = {int(d): {} for d in day_list}
    for group in groups:
        if group == "day":
            keys, key_of = names, day_index  # the days' names sort as the days
        else:
            codes: dict[str, int] = {}
            found = np.array([codes.setdefault(k, len(codes)) for k in key_column(group)])
            keys = sorted(codes)
            rank = np.empty(len(keys), dtype=np.int64)
            rank[[codes[k] for k in keys]] = np.arange(len(keys))
            key_of = rank[found]
        slot = day_index * len(keys) + key_of
        size = len(day_list) * len(keys)
        table = np.column_stack(
            [np.bincount(slot, weights=figures[:, f], minlength=size) for f in range(N_FIGURES)]
        ).astype(np.int64)
        # The received cases of each day, each key's together in key order.
        order = np.lexsort((key_of[:n], day_index[:n]))
        ends = np.searchsorted(day_index[:n][order], np.arange(len(day_list) + 1))
        for d, day in enumerate(day_list.tolist()):
            rows = table[d * len(keys) : (d + 1) * len(keys)]
            present = np.flatnonzero(rows.any(axis=1))
            chosen = order[ends[d] : ends[d + 1]]
            parts[day][group] = _Part(
                [keys[i] for i in present.tolist()],
                np.ascontiguousarray(rows[present]),
                np.full((len(present), 3), math.nan),
                np.ascontiguousarray(seconds[:, chosen]),
                np.ascontiguousarray(binned[:, chosen]),
                has_medians=False,
            )
    return {day: _Day(groups, p) for day, p in parts.items()}, pending


def _runs(days: Sequence[int]) -> Iterable[tuple[int, int]]:
    """Consecutive days as ``(first, last)`` runs."""
    run: list[int] = []
    for day in days:
        if run and day != run[-1] + 1:
            yield run[0], run[-1]
            run = []
        run.append(day)
    if run:
        yield run[0], run[-1]


def _day_start(day: int) -> float:
    return day * DAY - LOCAL_OFFSET


#: The layout of kept figures (``_Part.to_store``, EDGES) and the rules they were counted
#: by: a change makes them stale. 2: void cases and merged duplicates (issue 18).
KEPT_FORMAT = "2"


def _salt(group: str, roster: str) -> str:
    """What kept figures of ``group`` depend on besides their day's cases: their layout,
    and for ``team`` the roster that mapped officers to teams."""
    return f"{KEPT_FORMAT}:{roster}" if group == "team" else KEPT_FORMAT


def _digest(team_of: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(sorted(team_of.items())).encode()).hexdigest()[:32]


def _merge(parts: Iterable[_Part]) -> tuple[dict[str, _Tally], _Tally]:
    """Each key's figures and medians over all parts, and the period's."""
    index: dict[str, int] = {}
    positions: dict[tuple[str, ...], np.ndarray] = {}
    at: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    owners: list[np.ndarray] = []  # each case's key, as its index
    durations: list[np.ndarray] = []
    bins: list[np.ndarray] = []
    # A key found in one part only (each day of a trend) takes that part's medians.
    only: dict[int, np.ndarray | None] = {}
    for part in parts:
        if not part.keys:
            continue
        # Most days have the same keys (the sources, the categories...): map them once.
        keys = tuple(part.keys)
        where = positions.get(keys)
        if where is None:
            where = positions[keys] = np.array(
                [index.setdefault(k, len(index)) for k in keys], dtype=np.int32
            )
        at.append(where)
        counts.append(part.counts)
        owners.append(np.repeat(where, part.counts[:, RECEIVED]))
        durations.append(part.durations)
        bins.append(part.bins)
        for i, k in enumerate(where.tolist()):
            only[k] = None if k in only or not part.has_medians else part.medians[i]
    sums = np.zeros((len(index), N_FIGURES), dtype=np.int64)
    if at:
        np.add.at(sums, np.concatenate(at), np.concatenate(counts))
    keys_by_index = list(index)
    tallies = {key: _Tally.of(sums[i].tolist()) for i, key in enumerate(keys_by_index)}
    total = _Tally.of(sums.sum(axis=0).tolist())
    if not durations:
        return tallies, total
    seconds, binned = np.concatenate(durations, axis=1), np.concatenate(bins, axis=1)
    owner = np.concatenate(owners)
    # The keys with no medians of their own yet (in several parts, or a part read now),
    # and only their cases: a trend's days have theirs, but for its partial last day.
    need = np.array([only.get(i) is None for i in range(len(index))])
    if need.all():
        rows, whose = slice(None), owner
    else:
        rows = need[owner]
        whose = (np.cumsum(need) - 1).astype(np.int32)[owner[rows]]
    medians = np.full((len(index), 3), math.nan)
    totals = []
    for stage in range(3):
        totals.append(float(_binned_medians(seconds[stage], binned[stage], None, 1)[0]))
        if need.any():
            medians[need, stage] = _binned_medians(
                seconds[stage][rows], binned[stage][rows], whose, int(need.sum())
            )
    total.set_medians(totals)
    for i, key in enumerate(keys_by_index):
        own = only.get(i)
        tallies[key].set_medians((own if own is not None else medians[i]).tolist())
    return tallies, total


class _Tally:
    """One group's figures, as answered."""

    def __init__(self) -> None:
        self.received = self.due = self.closed = self.on_time = 0
        self.stages: dict[str, list[int]] = {str(s): [0, 0, 0] for s in STAGES}
        self.medians: dict[str, float] = {}
        self._row: StatsRow | None = None  # made once per key

    @classmethod
    def of(cls, figures: list[int]) -> _Tally:
        t = cls()
        t.received, t.due, t.closed, t.on_time = (
            figures[RECEIVED],
            figures[DUE],
            figures[CLOSED],
            figures[ON_TIME],
        )
        for i, stage in enumerate(STAGES):
            t.stages[str(stage)] = figures[1 + 3 * i : 4 + 3 * i]
        return t

    def set_medians(self, medians: Sequence[float]) -> None:
        for stage, median in zip(STAGES, medians, strict=True):
            if not math.isnan(median):
                self.medians[str(stage)] = float(median)

    def row(self, key: str) -> StatsRow:
        if self._row is not None and self._row.key == key:
            return self._row
        self._row = self._make_row(key)
        return self._row

    def _make_row(self, key: str) -> StatsRow:
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


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _day_name(day: int) -> str:
    return (_EPOCH + dt.timedelta(days=day)).isoformat()


def _days(start: float, end: float) -> range:
    """The local days ``[start, end)`` touches (an end on midnight touches no more)."""
    first = math.floor((start + LOCAL_OFFSET) / DAY)
    last = math.ceil((end + LOCAL_OFFSET) / DAY) - 1
    return range(first, last + 1)


def _kept_rows(
    db: Connection, group: str, first: int, last: int, *, blobs: bool = True
) -> Iterable[Sequence[Any]]:
    """The kept figures of ``group`` for the days ``first`` to ``last``: day, gen, salt,
    and with ``blobs`` the tallies and the blob."""
    columns: list[Any] = [CaseDayFigures.day, CaseDayFigures.gen, CaseDayFigures.salt]
    if blobs:
        columns += [CaseDayFigures.tallies, CaseDayFigures.durations]
    query = select(*columns).where(
        CaseDayFigures.grp == group, CaseDayFigures.day.between(first, last)
    )
    if not blobs or db.dialect.name != "postgresql":
        return db.execute(query).all()
    # psycopg answers in text unless asked: a year's blobs (13 MB) as hex took 70 ms to
    # receive and decode, in binary 24 ms. The same query, on the same transaction.
    raw = db.connection.driver_connection
    assert raw is not None
    compiled = query.compile(dialect=db.dialect)
    with raw.cursor(binary=True) as cursor:
        cursor.execute(str(compiled), compiled.params)
        return list(cursor.fetchall())


# ---- 大类: the class group of a category -----------------------------------------------


@functools.cache
def _class_group_of(category: str) -> str:
    """The two-digit code of the 大类 the classes catalogue puts ``category`` in (by
    name, alias or code); "" when it knows no such class."""
    found = shipped_catalogue().find(category) if category else None
    return found.group.code if found is not None else ""


@functools.cache
def _class_group_names() -> dict[str, str]:
    return {g.code: g.name for g in shipped_catalogue().groups}


def _relabelled(part: _Part, relabel: Callable[[str], str]) -> _Part:
    """``part`` with its keys mapped (several may become one): its kept medians no longer
    hold, they are worked out again from the durations."""
    return _Part(
        [relabel(k) for k in part.keys],
        part.counts,
        np.full((len(part.keys), 3), math.nan),
        part.durations,
        part.bins,
        has_medians=False,
    )


# ---- the settled days of a period, merged once -----------------------------------------
#
# A long period is mostly settled days (kept, and unchanged since). Reading their kept
# figures and merging them took 70 to 120 ms for a year of 500,000 cases, on every
# request; yet they stay the same until one of those days changes. So the merge of a
# period's settled days is kept in memory (:class:`_Summary`, keyed by the grouping, the
# salt and every settled day with its change count), and a request adds to it only
# what it reads from the cases (the period's partial first and last days, today, a
# changed day). Counts add up. A median stays exact: each key's durations are kept
# sorted around their middle (:data:`WINDOW` cases either side), and the middle ranks
# of the union with the few durations read now lie in that window
# (:func:`_union_median`); were they not (more cases read now than the window holds),
# the request merges everything as before.

#: Cases kept either side of each sorted middle: an exact median with up to this many
#: durations read from the cases besides (a day of a busy district is ~3,000).
WINDOW = 65536
#: The merged settled days kept in memory, at most this many bytes (least recently
#: used first out): a year of 500,000 cases is ~12 MB per grouping.
SUMMARY_CACHE_BYTES = 160 * 1024 * 1024


class _Grouped:
    """Parts put together by key (maybe relabelled): the keys (sorted), their figures,
    and for each stage each key's durations of the done stages (unsorted) and all of
    them."""

    def __init__(self, parts: Iterable[_Part], relabel: Callable[[str], str] | None) -> None:
        index: dict[str, int] = {}
        at: list[np.ndarray] = []
        counts: list[np.ndarray] = []
        owners: list[np.ndarray] = []
        durations: list[np.ndarray] = []
        for part in parts:
            if not part.keys:
                continue
            keys = [relabel(k) for k in part.keys] if relabel else part.keys
            where = np.array([index.setdefault(k, len(index)) for k in keys], dtype=np.int64)
            at.append(where)
            counts.append(part.counts)
            owners.append(np.repeat(where, part.counts[:, RECEIVED]))
            durations.append(part.durations)
        self.keys = sorted(index)
        rank = np.empty(len(index), dtype=np.int64)
        rank[[index[k] for k in self.keys]] = np.arange(len(index))
        self.index = {k: i for i, k in enumerate(self.keys)}
        self.counts = np.zeros((len(index), N_FIGURES), dtype=np.int64)
        if at:
            np.add.at(self.counts, rank[np.concatenate(at)], np.concatenate(counts))
        self.per_key: list[list[np.ndarray]] = []
        self.all: list[np.ndarray] = []
        owner = rank[np.concatenate(owners)] if owners else np.zeros(0, dtype=np.int64)
        seconds = np.concatenate(durations, axis=1) if durations else np.zeros((3, 0))
        for stage in range(3):
            done = ~np.isnan(seconds[stage])
            values, whose = seconds[stage][done], owner[done]
            order = np.argsort(whose, kind="stable")
            values = values[order]
            ends = np.searchsorted(whose[order], np.arange(len(self.keys) + 1))
            self.per_key.append([values[ends[i] : ends[i + 1]] for i in range(len(self.keys))])
            self.all.append(values)


def _window(values: np.ndarray) -> tuple[int, np.ndarray]:
    """The sorted ranks of ``values`` around their middle, :data:`WINDOW` either side
    (all of them when there are fewer), and the rank of the first."""
    n = len(values)
    first = max(0, (n - WINDOW - 1) // 2)
    last = min(n, (n + WINDOW) // 2 + 1)
    if last - first >= n:
        return 0, np.sort(values)
    middle = np.partition(values, (first, last - 1))[first:last]
    return first, np.sort(middle)


class _Sorted:
    """One stage's done durations of one key (or the period) as kept in a summary: how
    many, and the sorted ranks ``first`` ... around their middle."""

    __slots__ = ("count", "first", "window")

    def __init__(self, values: np.ndarray) -> None:
        self.count = len(values)
        self.first, self.window = _window(values)

    def median(self) -> float:
        if not self.count:
            return math.nan
        low, high = (self.count - 1) // 2, self.count // 2
        return float(self.window[low - self.first] + self.window[high - self.first]) / 2


class _NeedsAll(Exception):
    """The middle ranks of a union fall outside a kept window: merge the whole period."""


def _union_median(kept: _Sorted | None, now: np.ndarray) -> float:
    """The median of the kept durations and ``now``'s together, exactly (the middle one,
    or the two middle ones averaged, as statistics.median). The union's ``k``-th
    smallest is the ``(k - lo)``-th of the kept ranks ``lo = k - len(now)`` to ``k`` with
    ``now``: at most ``len(now)`` of the union's first ``k + 1`` are ``now``'s, so the kept
    ranks below ``lo`` all come before it, and those past ``k`` after it."""
    m = len(now)
    n = kept.count if kept is not None else 0
    if not n:
        if not m:
            return math.nan
        ordered = np.sort(now)
        return float(ordered[(m - 1) // 2] + ordered[m // 2]) / 2
    assert kept is not None
    if not m:
        return kept.median()
    total = n + m
    low, high = (total - 1) // 2, total // 2
    first, last = max(0, low - m), min(high + 1, n)
    if first < kept.first or last > kept.first + len(kept.window):
        raise _NeedsAll
    merged = np.sort(np.concatenate((kept.window[first - kept.first : last - kept.first], now)))
    return float(merged[low - first] + merged[high - first]) / 2


class _Summary:
    """A period's settled days merged: each key's figures and, stage by stage, its
    durations as :class:`_Sorted`; the same for the period as a whole."""

    def __init__(self, grouped: _Grouped) -> None:
        self.keys = grouped.keys
        self.index = grouped.index
        self.counts = grouped.counts
        self.sorted = [[_Sorted(v) for v in per_key] for per_key in grouped.per_key]
        self.total = [_Sorted(v) for v in grouped.all]
        self.nbytes = self.counts.nbytes + sum(
            s.window.nbytes for stage in (*self.sorted, self.total) for s in stage
        )
        self._tallies: dict[int, _Tally] = {}

    def tally(self, i: int) -> _Tally:
        """Key ``i``'s figures over the summary alone (made once, then shared: a tally
        and its row are not changed once made)."""
        found = self._tallies.get(i)
        if found is None:
            found = _Tally.of(self.counts[i].tolist())
            found.set_medians([self.sorted[stage][i].median() for stage in range(3)])
            self._tallies[i] = found
        return found


_summaries: OrderedDict[tuple[Any, ...], _Summary] = OrderedDict()
_summaries_bytes = 0
_summaries_lock = threading.Lock()


def _cached_summary(key: tuple[Any, ...]) -> _Summary | None:
    with _summaries_lock:
        found = _summaries.get(key)
        if found is not None:
            _summaries.move_to_end(key)
        return found


def _cache_summary(key: tuple[Any, ...], summary: _Summary) -> None:
    global _summaries_bytes
    with _summaries_lock:
        if key in _summaries or summary.nbytes > SUMMARY_CACHE_BYTES:
            return
        _summaries[key] = summary
        _summaries_bytes += summary.nbytes
        while _summaries_bytes > SUMMARY_CACHE_BYTES:
            _old, dropped = _summaries.popitem(last=False)
            _summaries_bytes -= dropped.nbytes


#: Parts of settled days read for a period's partial first (or last) day, kept in memory
#: by their bounds and the day's change count (a few, least recently used first out).
EDGES_KEPT = 64
_edges: OrderedDict[tuple[Any, ...], _Part] = OrderedDict()


def _cached_edge(key: tuple[Any, ...]) -> _Part | None:
    with _summaries_lock:
        found = _edges.get(key)
        if found is not None:
            _edges.move_to_end(key)
        return found


def _cache_edge(key: tuple[Any, ...], part: _Part) -> None:
    with _summaries_lock:
        _edges[key] = part
        while len(_edges) > EDGES_KEPT:
            _edges.popitem(last=False)


def forget_summaries() -> None:
    """Drop the merged settled days kept in memory (tests; they are only a cache)."""
    global _summaries_bytes
    with _summaries_lock:
        _summaries.clear()
        _summaries_bytes = 0
        _edges.clear()


def _combine(summary: _Summary | None, now: _Grouped) -> tuple[dict[str, _Tally], _Tally]:
    """Each key's figures and medians over the summary and what was read now, and the
    period's: the answer, exactly as :func:`_merge` of every part."""
    kept_keys = summary.keys if summary is not None else []
    tallies: dict[str, _Tally] = {}
    for key in sorted({*kept_keys, *now.keys}):
        i = summary.index.get(key) if summary is not None else None
        j = now.index.get(key)
        if j is None and summary is not None and i is not None:
            # Settled days only (most rows of a trend): the summary's own, made once.
            tallies[key] = summary.tally(i)
            continue
        figures = np.zeros(N_FIGURES, dtype=np.int64)
        if i is not None:
            assert summary is not None
            figures += summary.counts[i]
        if j is not None:
            figures += now.counts[j]
        tally = _Tally.of(figures.tolist())
        medians = []
        for stage in range(3):
            kept = summary.sorted[stage][i] if summary is not None and i is not None else None
            fresh = now.per_key[stage][j] if j is not None else np.zeros(0)
            medians.append(_union_median(kept, fresh))
        tally.set_medians(medians)
        tallies[key] = tally
    sums = summary.counts.sum(axis=0) if summary is not None else np.zeros(N_FIGURES, np.int64)
    total = _Tally.of((sums + now.counts.sum(axis=0)).tolist())
    total.set_medians(
        [
            _union_median(summary.total[s] if summary is not None else None, now.all[s])
            for s in range(3)
        ]
    )
    return tallies, total


def _answer_rows(
    group: StatsGroup,
    tallies: dict[str, _Tally],
    children: dict[str, _Tally] | None,
    days: range,
) -> list[StatsRow]:
    if group == "day":
        # A trend has no holes: every day of the period has a row.
        for day in days:
            tallies.setdefault(_day_name(day), _Tally())
    if children is None:
        return [tallies[key].row(key) for key in sorted(tallies)]
    names = _class_group_names()
    rows = []
    for code in sorted(tallies):
        # A copy: a summary's rows are shared between answers.
        row = msgspec.structs.replace(
            tallies[code].row(code),
            name=names.get(code, ""),
            children=[children[c].row(c) for c in sorted(children) if _class_group_of(c) == code],
        )
        rows.append(row)
    return rows


def stats(session: Session, args: StatsArgs, now: float, *, cached: bool = True) -> StatsAnswer:
    """The answer of ``stats.query`` for valid ``args`` (see :func:`check_period`).
    ``cached=False``: merge every kept day again, ignoring the summaries in memory (the
    figures are the same; tests compare the two)."""
    db = session.connection()
    group: StatsGroup = args.group
    # ``class_group`` is the categories' figures put together by 大类: read as those.
    stored = "category" if group == "class_group" else group
    days = _days(args.start, args.end)
    team_of = {str(o): str(t) for o, t in db.execute(select(Officer.id, Officer.team_id))}
    roster = _digest(team_of)
    salt = _salt(stored, roster)
    # The days' change counts first, then what was kept of them, then the cases: figures
    # kept from cases newer than the count they are kept with are only read again.
    gens: dict[int, int] = {
        day: gen
        for day, gen in db.execute(
            select(CaseDayChange.day, CaseDayChange.gen).where(
                CaseDayChange.day.between(days[0], days[-1])
            )
        )
    }

    def whole(day: int) -> bool:
        return _day_start(day) >= args.start and _day_start(day + 1) <= args.end

    def valid(day: int, gen: int, kept_salt: str) -> bool:
        return whole(day) and gen == gens.get(day, 0) and kept_salt == salt

    # The summaries a request needs: its grouping's, and for 大类 its 小类 below them.
    wanted: dict[str, Callable[[str], str] | None] = (
        {"class_group": _class_group_of, "category": None}
        if group == "class_group"
        else {group: None}
    )
    summaries: dict[str, _Summary | None] = dict.fromkeys(wanted)
    parts: list[_Part] = []  # the kept days, when merged whole
    kept: set[int] = set()
    if cached:
        settled = tuple(
            (day, gen)
            for day, gen, kept_salt in _kept_rows(db, stored, days[0], days[-1], blobs=False)
            if valid(day, gen, kept_salt)
        )
        for name in wanted:
            summaries[name] = _cached_summary((name, salt, settled))
        if any(found is None for found in summaries.values()):
            # Merged afresh, under the days it was read from (a day kept again since the
            # look above is read as it is now, or from the cases).
            read: list[tuple[int, int]] = []
            for day, gen, kept_salt, tallies, blob in _kept_rows(db, stored, days[0], days[-1]):
                if valid(day, gen, kept_salt):
                    parts.append(_Part.stored(list(tallies["keys"]), blob))
                    read.append((day, gen))
            settled = tuple(sorted(read))
            for name, relabel in wanted.items():
                summary = _Summary(_Grouped(parts, relabel))
                _cache_summary((name, salt, settled), summary)
                summaries[name] = summary
        kept = {day for day, _gen in settled}
    else:
        for day, gen, kept_salt, tallies, blob in _kept_rows(db, stored, days[0], days[-1]):
            if valid(day, gen, kept_salt):
                parts.append(_Part.stored(list(tallies["keys"]), blob))
                kept.add(day)

    to_keep: dict[int, _Day] = {}
    fresh: list[_Part] = []
    missing = [d for d in days if d not in kept]
    # Whole days are read for every grouping, to be kept; the period's partial first and
    # last days only for the one asked.
    for first, last, groups in [
        *((first, last, GROUPS) for first, last in _runs([d for d in missing if whole(d)])),
        *((d, d, (stored,)) for d in missing if not whole(d)),
    ]:
        start = max(args.start, _day_start(first))
        end = min(args.end, _day_start(last + 1))
        # A part of a settled day (a period that starts mid-day): the same cases until
        # the day changes.
        edge = (stored, salt, start, end, gens.get(first, 0)) if groups is not GROUPS else None
        known = _cached_edge(edge) if cached and edge is not None else None
        if known is not None:
            fresh.append(known)
            continue
        computed, pending = _compute(db, start, end, now, team_of, groups)
        for day in range(first, last + 1):
            read_day = computed.get(day) or _Day(groups)
            fresh.append(read_day.part(stored, medians=False))
            if groups is GROUPS and day not in pending:
                to_keep[day] = read_day
            if edge is not None and day not in pending:
                _cache_edge(edge, fresh[-1])

    results: dict[str, tuple[dict[str, _Tally], _Tally]] = {}
    if cached:
        try:
            for name, relabel in wanted.items():
                results[name] = _combine(summaries[name], _Grouped(fresh, relabel))
        except _NeedsAll:
            # More read from the cases than a window holds (a long period after a busy
            # day's change, say): the whole period merged, as without summaries.
            session.rollback()
            return stats(session, args, now, cached=False)
    else:
        for name, relabel in wanted.items():
            every = [*parts, *fresh]
            if relabel is not None:
                every = [_relabelled(p, relabel) for p in every]
            results[name] = _merge(every)

    tallies_by_key, total = results[group]
    children = results["category"][0] if group == "class_group" else None
    rows = _answer_rows(group, tallies_by_key, children, days)
    session.rollback()  # the reads' transaction ends before any write
    if to_keep:
        _keep(session, to_keep, gens, roster)
    return StatsAnswer(
        start=args.start,
        end=args.end,
        group=group,
        as_of=now,
        rows=rows,
        total=total.row(""),
        formulas=StatsFormulas(),
    )


#: Days kept per transaction: a year's first read must not hold the store's one write
#: lock (SQLite) for long, the hub's reports and steps wait behind it.
KEEP_DAYS_PER_COMMIT = 16
#: How long keeping waits for that lock (SQLite, ms) before it gives up for this time.
KEEP_BUSY_MS = 200


def _keep(session: Session, days: dict[int, _Day], gens: dict[int, int], roster: str) -> None:
    """Keep the figures of whole days that no longer change by the clock alone, with the
    change count they were read at. Best effort: another reader keeping the same day, or
    a busy store, only means they are read from the cases again next time."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    busy_was: int | None = None
    ordered = sorted(days)
    try:
        for i in range(0, len(ordered), KEEP_DAYS_PER_COMMIT):
            chunk = ordered[i : i + KEEP_DAYS_PER_COMMIT]
            rows = []
            for day in chunk:
                for group in GROUPS:
                    tallies, blob = days[day].part(group, medians=True).to_store()
                    rows.append(
                        {
                            "day": day,
                            "grp": group,
                            "gen": gens.get(day, 0),
                            "salt": _salt(group, roster),
                            "tallies": tallies,
                            "durations": blob,
                        }
                    )
            with session.begin():
                if sqlite and busy_was is None:
                    busy_was = int(session.execute(text("PRAGMA busy_timeout")).scalar_one())
                    session.execute(text(f"PRAGMA busy_timeout={KEEP_BUSY_MS}"))
                session.execute(delete(CaseDayFigures).where(CaseDayFigures.day.in_(chunk)))
                session.execute(insert(CaseDayFigures), rows)
    except (IntegrityError, OperationalError) as exc:
        log.info("day figures not kept (%s): read again next time", type(exc).__name__)
    finally:
        if busy_was is not None:
            # The connection goes back to the pool with the hub's own timeout.
            with session.begin():
                session.execute(text(f"PRAGMA busy_timeout={busy_was}"))


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


class StatsOps(Ops):
    async def stats_query(self, _who: Principal, args: StatsArgs) -> StatsAnswer:
        """Aggregates, not cases: nothing personal leaves the hub, so not a view to audit,
        and read on its own connection, off the writer (a long period must not hold up
        steps and reports)."""
        check_period(args)

        def read() -> StatsAnswer:
            with Session(self.hub.engine) as session:
                return stats(session, args, time.time())

        return await asyncio.get_running_loop().run_in_executor(None, read)


__all__: Sequence[str] = ["StatsOps", "check_period", "forget_summaries", "stats"]
