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
- **Python merges days, not cases.** Counts add up per key. A key's median is the kept
  one when the key lives in one day only (each row of a trend); otherwise the bins'
  counts per key say which bin (or two) hold its middle ranks, and only the durations
  of those bins are partitioned (:func:`_binned_medians`): the middle one or the two
  middle ones averaged, exactly as ``statistics.median`` (tests/hub/test_stats_figures.py),
  without sorting the period's half a million durations.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import math
import time
from collections.abc import Iterable, Sequence
from typing import Any, cast

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    and_,
    case,
    delete,
    insert,
    literal,
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
from hub.requests.base import Ops, RequestError
from hub.store.models import LOCAL_OFFSET, CaseDayChange, CaseDayFigures, Officer, local_day
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
    grouping, per key, the figures and the durations of each received case."""

    def __init__(
        self,
        groups: Sequence[str],
        counts: dict[str, dict[str, list[int]]] | None = None,
        durations: dict[str, dict[str, list[Any]]] | None = None,
    ) -> None:
        self.counts = counts or {g: {} for g in groups}
        self.durations = durations or {g: {} for g in groups}

    def part(self, group: str, medians: bool) -> _Part:
        return _Part.build(self.counts[group], self.durations[group], medians)


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
    change by the clock alone)."""
    at_now = literal(now, Float)
    received = select(
        IncidentRow.source,
        IncidentRow.category,
        IncidentRow.first_unit,
        IncidentRow.status,
        IncidentRow.reported_at,
        *(_state(s, at_now) for s in STAGES),
        *((at - IncidentRow.reported_at) for _, at, _m in _MARKS.values()),
    ).where(IncidentRow.reported_at >= start, IncidentRow.reported_at < end)
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
    ).where(handle_by >= start, handle_by < end)

    counts: dict[int, dict[str, dict[str, list[int]]]] = {}
    durations: dict[int, dict[str, dict[str, list[Any]]]] = {}
    names: dict[int, str] = {}
    pending: set[int] = set()

    def keys_of(day: int, *row: Any) -> list[str]:
        source, category, unit, status = row
        if day not in names:
            names[day] = _day_name(day)
            counts[day] = {g: {} for g in groups}
            durations[day] = {g: {} for g in groups}
        keys = {
            "source": source or "",
            "category": category or "",
            # The first officer's, by the roster now ("" when nobody was sent or the
            # officer left the roster).
            "team": team_of.get(unit, "") if unit else "",
            "day": names[day],
            "stage": status or "",
        }
        return [keys[g] for g in groups]

    for *key_row, reported_at, s_a, s_m, s_h, d_a, d_m, d_h in db.execute(received):
        day = local_day(reported_at)
        if PENDING in (s_a, s_m, s_h):
            pending.add(day)
        slots = [x for x in (_slot(0, s_a), _slot(1, s_m), _slot(2, s_h)) if x is not None]
        seconds = (d_a, d_m, d_h)
        for group, key in zip(groups, keys_of(day, *key_row), strict=True):
            figures = counts[day][group].get(key)
            if figures is None:
                figures = counts[day][group][key] = [0] * N_FIGURES
            figures[RECEIVED] += 1
            for slot in slots:
                figures[slot] += 1
            durations[day][group].setdefault(key, []).append(seconds)
    for *key_row, deadline, in_time in db.execute(due):
        day = local_day(deadline)
        is_closed = key_row[3] == "closed"
        for group, key in zip(groups, keys_of(day, *key_row), strict=True):
            figures = counts[day][group].get(key)
            if figures is None:
                figures = counts[day][group][key] = [0] * N_FIGURES
            figures[DUE] += 1
            figures[CLOSED] += is_closed
            figures[ON_TIME] += in_time
    days = {day: _Day(groups, counts[day], durations[day]) for day in counts}
    return days, pending


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


#: The layout of kept figures (``_Part.to_store``, EDGES): a change makes them stale.
KEPT_FORMAT = "1"


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


def _kept_rows(db: Connection, group: str, first: int, last: int) -> Iterable[Sequence[Any]]:
    """The kept figures of ``group`` for the days ``first`` to ``last``: day, gen, salt,
    tallies, blob."""
    query = select(
        CaseDayFigures.day,
        CaseDayFigures.gen,
        CaseDayFigures.salt,
        CaseDayFigures.tallies,
        CaseDayFigures.durations,
    ).where(CaseDayFigures.grp == group, CaseDayFigures.day.between(first, last))
    if db.dialect.name != "postgresql":
        return db.execute(query).all()
    # psycopg answers in text unless asked: a year's blobs (13 MB) as hex took 70 ms to
    # receive and decode, in binary 24 ms. The same query, on the same transaction.
    raw = db.connection.driver_connection
    assert raw is not None
    compiled = query.compile(dialect=db.dialect)
    with raw.cursor(binary=True) as cursor:
        cursor.execute(str(compiled), compiled.params)
        return list(cursor.fetchall())


def stats(session: Session, args: StatsArgs, now: float) -> StatsAnswer:
    """The answer of ``stats.query`` for valid ``args`` (see :func:`check_period`)."""
    db = session.connection()
    group: StatsGroup = args.group
    days = _days(args.start, args.end)
    team_of = {str(o): str(t) for o, t in db.execute(select(Officer.id, Officer.team_id))}
    roster = _digest(team_of)
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

    parts: list[_Part] = []
    kept: set[int] = set()
    for day, gen, salt, tallies, blob in _kept_rows(db, group, days[0], days[-1]):
        if whole(day) and gen == gens.get(day, 0) and salt == _salt(group, roster):
            parts.append(_Part.stored(list(tallies["keys"]), blob))
            kept.add(day)

    to_keep: dict[int, _Day] = {}
    missing = [d for d in days if d not in kept]
    # Whole days are read for every grouping, to be kept; the period's partial first and
    # last days only for the one asked.
    for first, last, groups in [
        *((first, last, GROUPS) for first, last in _runs([d for d in missing if whole(d)])),
        *((d, d, (group,)) for d in missing if not whole(d)),
    ]:
        start = max(args.start, _day_start(first))
        end = min(args.end, _day_start(last + 1))
        computed, pending = _compute(db, start, end, now, team_of, groups)
        for day in range(first, last + 1):
            read = computed.get(day) or _Day(groups)
            parts.append(read.part(group, medians=False))
            if groups is GROUPS and day not in pending:
                to_keep[day] = read

    tallies_by_key, total = _merge(parts)
    if group == "day":
        # A trend has no holes: every day of the period has a row.
        for day in days:
            tallies_by_key.setdefault(_day_name(day), _Tally())
    rows = [tallies_by_key[key].row(key) for key in sorted(tallies_by_key)]
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


__all__: Sequence[str] = ["StatsOps", "check_period", "stats"]
