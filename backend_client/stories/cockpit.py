"""The cockpit (驾驶舱) panels' model: ``stats.query`` asked on a schedule, and what each
panel draws made from its answer. Qt-free (the panels in ``widgets/cockpit/`` observe it).

A :class:`PeriodicQuery` asks for the last N local days: at start, every
``interval_s`` seconds, and after new cases (:meth:`PeriodicQuery.poke`), a burst of
them coalesced into one query ``settle_s`` later: a wall must not turn a flood of
reports into a flood of aggregates over months of cases. A failed query keeps the last
answer and says so (:attr:`PeriodicQuery.stale`); the next tick tries again.
:class:`CockpitStats` is ``stats.query`` for one grouping (the panels),
:class:`HotspotQuery` is ``stats.hotspots`` (the map's hotspot layer).

The pure functions below turn a :class:`~backend_client.protocol.ops.StatsAnswer` into
what one panel draws (:func:`trend`, :func:`shares`, :func:`ranking`, :func:`rates`);
they are the part tests check against hand counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Generic, Literal, TypeVar

from backend_client.api import HubApi, Reply, Requester
from backend_client.errors import RequestFailed
from backend_client.protocol.ops import (
    Answer,
    HotspotsAnswer,
    ServiceStatsAnswer,
    StatsAnswer,
    StatsGroup,
    StatsRow,
)
from backend_client.stories.base import ANSWER, FAILED
from backend_client.stories.events import Emitter

log = logging.getLogger(__name__)
AnswerT = TypeVar("AnswerT", bound=Answer)

DAY: Final = 86400.0
#: Asia/Shanghai, UTC+8 all year: the hub's ``day`` groups are these local days.
LOCAL_OFFSET: Final = 8 * 3600.0
#: What the ranking sorts by.
RankBy = Literal["closure_rate", "on_time_rate"]
RANK_BY: Final[tuple[RankBy, ...]] = ("closure_rate", "on_time_rate")
STAGES: Final = ("accept", "move", "handle")


def period(now: float, days: int) -> tuple[float, float]:
    """The last ``days`` local days, today included: ``[midnight days-1 ago, tomorrow's
    midnight)`` in hub epoch seconds. Whole days, so a day's bar never grows backwards
    as the clock moves, and today's figures grow until midnight."""
    today = math.floor((now + LOCAL_OFFSET) / DAY)
    start = (today - days + 1) * DAY - LOCAL_OFFSET
    end = (today + 1) * DAY - LOCAL_OFFSET
    return start, end


# ---- what the panels draw ------------------------------------------------------------


@dataclass(frozen=True)
class Trend:
    """Per local day: received (受理) and closed (结案, of the cases due that day)."""

    days: tuple[dt.date, ...]
    received: tuple[int, ...]
    closed: tuple[int, ...]

    @property
    def total_received(self) -> int:
        return sum(self.received)


def trend(answer: StatsAnswer) -> Trend:
    """The ``day`` answer as a series (every day of the period has a row, zeros too)."""
    rows = sorted(answer.rows, key=lambda r: r.key)
    return Trend(
        days=tuple(dt.date.fromisoformat(r.key) for r in rows),
        received=tuple(r.received for r in rows),
        closed=tuple(r.closed for r in rows),
    )


@dataclass(frozen=True)
class Share:
    """One bar: a group's cases received and its share of the period's."""

    key: str
    count: int
    share: float


#: The key of the bar that sums the groups past the top N.
OTHERS: Final = "*others*"


def shares(answer: StatsAnswer, top: int = 0) -> tuple[Share, ...]:
    """Groups by cases received, most first (ties by key); with ``top``, the rest summed
    into one :data:`OTHERS` bar, so the bars still add up to the period's total."""
    total = answer.total.received
    rows = sorted((r for r in answer.rows if r.received), key=lambda r: (-r.received, r.key))
    shown = rows[:top] if top > 0 else rows
    rest = sum(r.received for r in rows[len(shown) :])
    out = [Share(r.key, r.received, r.received / total if total else 0.0) for r in shown]
    if rest:
        out.append(Share(OTHERS, rest, rest / total if total else 0.0))
    return tuple(out)


@dataclass(frozen=True)
class ClassShare:
    """One 大类 bar: its code and name, its cases received and their share of the
    period's, and its 小类 with the most cases (each a :class:`Share` of the period's)."""

    key: str
    name: str
    count: int
    share: float
    classes: tuple[Share, ...] = ()


def class_shares(answer: StatsAnswer, top: int = 0, classes: int = 2) -> tuple[ClassShare, ...]:
    """The ``class_group`` answer as 大类 bars, most cases first (ties by code), each with
    its ``classes`` 小类 with most cases (ties by name); with ``top``, the 大类 past it
    summed into one :data:`OTHERS` bar, so the bars still add up to the period's total."""
    total = answer.total.received

    def share(count: int) -> float:
        return count / total if total else 0.0

    rows = sorted((r for r in answer.rows if r.received), key=lambda r: (-r.received, r.key))
    shown = rows[:top] if top > 0 else rows
    out = []
    for row in shown:
        children = sorted(
            (c for c in row.children if c.received), key=lambda c: (-c.received, c.key)
        )[:classes]
        below = tuple(Share(c.key, c.received, share(c.received)) for c in children)
        out.append(ClassShare(row.key, row.name, row.received, share(row.received), below))
    rest = sum(r.received for r in rows[len(shown) :])
    if rest:
        out.append(ClassShare(OTHERS, "", rest, share(rest)))
    return tuple(out)


@dataclass(frozen=True)
class Rank:
    """One ranked team: its rate (``None``: nothing was due) and what it is made of."""

    key: str
    name: str
    rate: float | None
    due: int
    closed: int
    closed_on_time: int


def ranking(
    answer: StatsAnswer,
    by: RankBy = "closure_rate",
    names: Mapping[str, str] | None = None,
    top: int = 0,
) -> tuple[Rank, ...]:
    """Teams by ``by``, best first; ties go to the team with more cases due (a 100 % of
    one case is not a 100 % of fifty), then by name. Cases no team was sent to (key "")
    are not a team and are left out; teams with nothing due come last."""
    names = names or {}
    ranked = [
        Rank(
            r.key,
            names.get(r.key, r.key),
            getattr(r, by),
            r.due,
            r.closed,
            r.closed_on_time,
        )
        for r in answer.rows
        if r.key
    ]
    ranked.sort(key=lambda k: (k.rate is None, -(k.rate or 0.0), -k.due, k.name))
    return tuple(ranked[:top] if top > 0 else ranked)


@dataclass(frozen=True)
class Rates:
    """The period's headline figures: 结案率, 按期结案率, 1-3-15 compliance per stage and
    the response-time medians, with the counts they are made of and the hub's formulas."""

    received: int
    due: int
    closed: int
    closed_on_time: int
    closure_rate: float | None
    on_time_rate: float | None
    #: stage -> met / (met + missed), None when nothing is decided.
    compliance: dict[str, float | None] = field(default_factory=dict)
    #: stage -> median seconds from the report, None when no case reached it.
    medians: dict[str, float | None] = field(default_factory=dict)
    #: The whole 1-3-15 rate: met / decided over the three stages together.
    overall_compliance: float | None = None
    formulas: dict[str, str] = field(default_factory=dict)


def rates(answer: StatsAnswer) -> Rates:
    total: StatsRow = answer.total
    met = sum(s.met for s in total.stages)
    decided = sum(s.met + s.missed for s in total.stages)
    formulas = {
        name: str(getattr(answer.formulas, name)) for name in answer.formulas.__struct_fields__
    }
    return Rates(
        received=total.received,
        due=total.due,
        closed=total.closed,
        closed_on_time=total.closed_on_time,
        closure_rate=total.closure_rate,
        on_time_rate=total.on_time_rate,
        compliance={s.stage: s.rate for s in total.stages},
        medians={s.stage: s.median_s for s in total.stages},
        overall_compliance=met / decided if decided else None,
        formulas=formulas,
    )


# ---- asking ----------------------------------------------------------------------------


class PeriodicQuery(Generic[AnswerT]):
    """One query over the last ``days`` local days, kept fresh.

    ``changed`` carries :data:`~backend_client.stories.base.ANSWER` when a new answer was
    taken and :data:`~backend_client.stories.base.FAILED` when a query failed (the last
    answer, if any, stays in :attr:`answer`, and :attr:`stale` is then true).
    ``clock`` is the hub's (a wall's ``feed.now``): the period is the hub's days.
    """

    def __init__(
        self,
        ask: Callable[[float, float], Awaitable[Reply[AnswerT]]],
        days: int,
        *,
        clock: Callable[[], float] = time.time,
        interval_s: float = 60.0,
        settle_s: float = 5.0,
    ) -> None:
        self._ask = ask
        self.days = days
        self.clock = clock
        self.interval_s = interval_s
        self.settle_s = settle_s
        self.changed: Emitter[str] = Emitter()
        self.answer: AnswerT | None = None
        #: The hub's clock when the shown answer was read.
        self.as_of: float | None = None
        self.error = ""
        self.queries = 0
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._urgent = False

    @property
    def stale(self) -> bool:
        """The figures shown are not the hub's latest: the last query failed."""
        return bool(self.error)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Begin asking (needs a running event loop; without one, nothing happens: a panel
        built before the wall's loop runs is started again by its view)."""
        if self.running:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._wake = asyncio.Event()
        self._task = loop.create_task(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def poke(self, *, now: bool = False) -> None:
        """Something changed (a new case; ``now``: the link came back): ask again, after
        ``settle_s`` unless ``now``. Pokes before that query are one query."""
        if self._wake is None:
            return
        self._urgent = self._urgent or now
        self._wake.set()

    async def refresh(self) -> None:
        """Ask once and take the answer (or the failure)."""
        start, end = period(self.clock(), self.days)
        asked_at = self.clock()
        self.queries += 1
        try:
            reply = await self._ask(start, end)
        except RequestFailed as exc:
            self.error = exc.message or exc.code
            log.info("%s failed: %s", type(self).__name__, self.error)
            self.changed.emit(FAILED)
            return
        self.answer = reply.answer
        as_of = getattr(reply.answer, "as_of", None)
        self.as_of = float(as_of) if isinstance(as_of, (int, float)) else asked_at
        self.error = ""
        self.changed.emit(ANSWER)

    async def _run(self) -> None:
        wake = self._wake
        assert wake is not None
        while True:
            await self.refresh()
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), self.interval_s)
                if not self._urgent:
                    # A burst of new cases: the rest of it arrives while this sleeps.
                    await asyncio.sleep(self.settle_s)
            self._urgent = False


class CockpitStats(PeriodicQuery[StatsAnswer]):
    """``stats.query`` grouped by ``group`` over the last ``days`` days, kept fresh."""

    def __init__(
        self,
        request: Requester,
        group: StatsGroup,
        days: int,
        *,
        clock: Callable[[], float] = time.time,
        interval_s: float = 60.0,
        settle_s: float = 5.0,
    ) -> None:
        api = HubApi.over(request)
        self.group: StatsGroup = group

        def ask(start: float, end: float) -> Awaitable[Reply[StatsAnswer]]:
            return api.stats_query(start, end, group)

        super().__init__(ask, days, clock=clock, interval_s=interval_s, settle_s=settle_s)


class HotspotQuery(PeriodicQuery[HotspotsAnswer]):
    """``stats.hotspots`` over the last ``days`` days, kept fresh (the map's heat)."""

    def __init__(
        self,
        request: Requester,
        days: int,
        *,
        clock: Callable[[], float] = time.time,
        interval_s: float = 300.0,
        settle_s: float = 30.0,
    ) -> None:
        api = HubApi.over(request)
        super().__init__(
            api.stats_hotspots, days, clock=clock, interval_s=interval_s, settle_s=settle_s
        )


class ServiceQuery(PeriodicQuery[ServiceStatsAnswer]):
    """``stats.service`` over the last ``days`` days: 满意率 and 重复派单率 (the rates
    panel asks it each time its ``stats.query`` figures are read, with :meth:`refresh`)."""

    def __init__(
        self, request: Requester, days: int, *, clock: Callable[[], float] = time.time
    ) -> None:
        api = HubApi.over(request)
        super().__init__(api.stats_service, days, clock=clock)


__all__: Sequence[str] = [
    "OTHERS",
    "RANK_BY",
    "ClassShare",
    "CockpitStats",
    "HotspotQuery",
    "PeriodicQuery",
    "Rank",
    "RankBy",
    "Rates",
    "ServiceQuery",
    "Share",
    "Trend",
    "class_shares",
    "period",
    "ranking",
    "rates",
    "shares",
    "trend",
]
