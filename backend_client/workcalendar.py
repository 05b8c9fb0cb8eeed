"""Clocks on working time: working hours, weekends, public holidays and make-up days.

The arithmetic the hub fixes 处置时限 deadlines with and the desks word them with, so both
count on one calendar with one piece of code. A case class's time limit is a
:class:`Limit` in plain minutes (calendar time), working hours or working days.
:class:`WorkingCalendar` turns a start and a limit into a deadline
(:meth:`~WorkingCalendar.add_working`) and measures how much working time lies between two
moments (:meth:`~WorkingCalendar.working_elapsed`), its inverse.

Times are float epoch seconds; days and hours are read in China Standard Time
(Asia/Shanghai). China has kept UTC+8 without daylight saving since 1991, so a fixed
offset is exact for every date a case can have, and needs no tz database (Windows wall PCs
ship none).

The calendar itself is data: the hub reads it from a file (``hub/domain/calendar.py``,
``--calendar FILE``) and sends it to the desks as ``calendar.get``'s answer
(:func:`calendar_answer`, read back with :func:`calendar_from_answer`). Qt-free and
without I/O (the shared core).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from backend_client.protocol.ops import CalendarAnswer, Weekday

__all__ = [
    "CHINA_TZ",
    "WEEKDAYS",
    "DayCounting",
    "Limit",
    "LimitUnit",
    "WorkingCalendar",
    "calendar_answer",
    "calendar_from_answer",
    "parse_period",
    "period_text",
]

CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "CST")

_OFFSET_S = 8 * 3600
_DAY_S = 86400
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
# A search for the end of a limit gives up after this many days: only a calendar with
# (nearly) no working days left could need more, and that is a data error, not a wait.
_MAX_DAYS = 3 * 366
_SLACK_S = 1e-3


class LimitUnit(StrEnum):
    MINUTES = "minutes"  # calendar time: nights, weekends and holidays count
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"


@dataclass(frozen=True, slots=True)
class Limit:
    """A time limit: ``amount`` of ``unit``. Amounts are positive; working hours may be
    fractional (0.5 = 30 working minutes), working days are whole."""

    amount: float
    unit: LimitUnit

    def __post_init__(self) -> None:
        if not self.amount > 0:
            raise ValueError(f"a limit must be positive, got {self.amount}")
        if self.unit is LimitUnit.WORKING_DAYS and self.amount != int(self.amount):
            raise ValueError(f"working days are whole days, got {self.amount}")

    @classmethod
    def minutes(cls, amount: float) -> Limit:
        return cls(amount, LimitUnit.MINUTES)

    @classmethod
    def working_hours(cls, amount: float) -> Limit:
        return cls(amount, LimitUnit.WORKING_HOURS)

    @classmethod
    def working_days(cls, amount: int) -> Limit:
        return cls(amount, LimitUnit.WORKING_DAYS)

    @classmethod
    def from_table(cls, table: Mapping[str, float]) -> Limit:
        """The inverse of :meth:`as_table`: exactly one of ``minutes``, ``working_hours``,
        ``working_days`` (a stored or sent limit); anything else is a ``ValueError``."""
        if len(table) != 1:
            raise ValueError("give exactly one of minutes, working_hours, working_days")
        ((unit, amount),) = table.items()
        try:
            kind = LimitUnit(unit)
        except ValueError:
            raise ValueError(f"unknown limit unit {unit!r}") from None
        return cls(amount, kind)

    def as_table(self) -> dict[str, float]:
        """The file's (and a future wire field's) form: ``{"working_hours": 4}``."""
        amount = int(self.amount) if self.amount == int(self.amount) else self.amount
        return {str(self.unit): amount}

    def label(self) -> str:
        """In the floor's words: 4个工作时, 15个工作日, 30分钟."""
        amount = f"{self.amount:g}"
        return {
            LimitUnit.MINUTES: f"{amount}分钟",
            LimitUnit.WORKING_HOURS: f"{amount}个工作时",
            LimitUnit.WORKING_DAYS: f"{amount}个工作日",
        }[self.unit]


class DayCounting(StrEnum):
    """What "N working days" means; local standards differ, so the calendar file says.

    ``whole_days`` (the default) counts as legal periods do: the day the clock starts is
    not counted, and the limit ends when the Nth working day after it closes (2 working
    days from Tuesday 10:00 end Thursday at the close of work). ``hours`` treats a working
    day as the working hours of one standard day (7.5 h with the default hours) counted
    from the start, like a limit in working hours.
    """

    WHOLE_DAYS = "whole_days"
    HOURS = "hours"


def _day_start(day: dt.date) -> float:
    """Epoch seconds of local midnight at the start of ``day``."""
    return float((day.toordinal() - _EPOCH_ORDINAL) * _DAY_S - _OFFSET_S)


def _local(t: float) -> tuple[dt.date, float]:
    """The local day of ``t`` and the seconds since its midnight."""
    shifted = t + _OFFSET_S
    days = int(shifted // _DAY_S)
    return dt.date.fromordinal(_EPOCH_ORDINAL + days), shifted - days * _DAY_S


@dataclass(frozen=True)
class WorkingCalendar:
    """When work is done: daily ``periods`` (seconds after midnight, ``[start, end)``,
    sorted, apart), ``weekend`` ISO weekdays (6 = Saturday), public ``holidays`` off and
    make-up ``workdays`` (调休上班) on. ``years`` are those whose holidays the data holds;
    ``provisional`` those of them not yet from an official notice. Outside ``years`` only
    weekends are known: :meth:`covers` lets the hub say so rather than guess."""

    periods: tuple[tuple[int, int], ...] = (
        (8 * 3600 + 1800, 12 * 3600),
        (13 * 3600 + 1800, 17 * 3600 + 1800),
    )
    weekend: frozenset[int] = frozenset({6, 7})
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    years: frozenset[int] = frozenset()
    provisional: frozenset[int] = frozenset()
    day_counting: DayCounting = DayCounting.WHOLE_DAYS

    def __post_init__(self) -> None:
        previous_end = 0
        for start, end in self.periods:
            if not (previous_end <= start < end <= _DAY_S):
                raise ValueError("working periods must be sorted, apart and within one day")
            previous_end = end
        if not self.periods:
            raise ValueError("at least one working period is needed")
        if not set(range(1, 8)) - self.weekend:
            raise ValueError("every weekday is a weekend day: no working time at all")
        both = self.holidays & self.workdays
        if both:
            raise ValueError(f"{min(both)} is both a holiday and a make-up working day")

    # ---- days ----------------------------------------------------------------------------

    @functools.cached_property
    def day_seconds(self) -> int:
        """Working seconds in one working day."""
        return sum(end - start for start, end in self.periods)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day not in self.holidays and day.isoweekday() not in self.weekend

    def covers(self, t: float) -> bool:
        """Whether the holidays of ``t``'s year are known (shipped or loaded)."""
        return _local(t)[0].year in self.years

    # ---- moments -------------------------------------------------------------------------

    def is_working_time(self, t: float) -> bool:
        """Whether ``t`` falls in working hours of a working day (a period's end is out)."""
        day, second = _local(t)
        if not self.is_working_day(day):
            return False
        return any(start <= second < end for start, end in self.periods)

    def deadline(self, start: float, limit: Limit) -> float:
        """When a ``limit`` started at ``start`` runs out (epoch seconds)."""
        if limit.unit is LimitUnit.MINUTES:
            return start + limit.amount * 60
        if limit.unit is LimitUnit.WORKING_HOURS:
            return self._add_seconds(start, limit.amount * 3600)
        if self.day_counting is DayCounting.HOURS:
            return self._add_seconds(start, limit.amount * self.day_seconds)
        return self._add_whole_days(start, int(limit.amount))

    def add_working(
        self,
        start: float,
        *,
        minutes: float | None = None,
        working_hours: float | None = None,
        working_days: int | None = None,
    ) -> float:
        """:meth:`deadline` with the limit given as one keyword:
        ``add_working(t, working_hours=4)``."""
        given = [
            Limit(amount, unit)
            for amount, unit in (
                (minutes, LimitUnit.MINUTES),
                (working_hours, LimitUnit.WORKING_HOURS),
                (working_days, LimitUnit.WORKING_DAYS),
            )
            if amount is not None
        ]
        if len(given) != 1:
            raise TypeError("give exactly one of minutes, working_hours, working_days")
        return self.deadline(start, given[0])

    def working_elapsed(self, start: float, end: float) -> float:
        """Working seconds between ``start`` and ``end`` (0 when ``end`` is not later).
        The inverse of a limit in working hours: ``working_elapsed(s, add_working(s,
        working_hours=h)) == h * 3600``."""
        if end <= start:
            return 0.0
        first, from_second = _local(start)
        last, _ = _local(end)
        total = 0.0
        day = first
        while day <= last:
            if self.is_working_day(day):
                base = _day_start(day)
                low = base + (from_second if day == first else 0.0)
                for period_start, period_end in self.periods:
                    overlap = min(end, base + period_end) - max(low, base + period_start)
                    if overlap > 0:
                        total += overlap
            day += dt.timedelta(days=1)
        return total

    def _add_seconds(self, start: float, seconds: float) -> float:
        # Walk the working periods from ``start``, spending ``seconds``; the deadline is the
        # earliest moment the budget is spent, so a budget that ends as a period ends gives
        # 12:00, not the 13:30 when work resumes.
        if seconds <= 0:
            return start
        day, second = _local(start)
        remaining = seconds
        for _ in range(_MAX_DAYS):
            if self.is_working_day(day):
                for period_start, period_end in self.periods:
                    low = max(period_start, second)
                    if low >= period_end:
                        continue
                    available = period_end - low
                    # Within a millisecond counts as this period: float sums of epoch
                    # seconds drift by microseconds, which must not push a deadline that
                    # ends at 17:30 to 08:30 the next working day.
                    if remaining <= available + _SLACK_S:
                        return _day_start(day) + low + min(remaining, available)
                    remaining -= available
            day += dt.timedelta(days=1)
            second = 0.0
        raise ValueError(f"no working time left within {_MAX_DAYS} days: check the calendar")

    def _add_whole_days(self, start: float, days: int) -> float:
        day, _ = _local(start)
        counted = 0
        for _ in range(_MAX_DAYS):
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
                if counted == days:
                    return _day_start(day) + self.periods[-1][1]
        raise ValueError(f"no {days} working days within {_MAX_DAYS} days: check the calendar")


# ---- the wire form (calendar.get) and the file's words -----------------------------------

#: ISO weekday of each weekday name the calendar file and the wire use.
WEEKDAYS: dict[Weekday, int] = {
    "mon": 1,
    "tue": 2,
    "wed": 3,
    "thu": 4,
    "fri": 5,
    "sat": 6,
    "sun": 7,
}
_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def parse_period(text: str) -> tuple[int, int] | None:
    """``"08:30-12:00"`` as seconds after midnight ``(30600, 43200)``; None when it is not
    ``HH:MM-HH:MM`` with real hours (24:00 is the end of the day) and minutes."""
    match = _PERIOD.match(text.strip())
    if match is None:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
        return None
    return h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60


def period_text(period: tuple[int, int]) -> str:
    """The inverse of :func:`parse_period`: ``(30600, 43200)`` as ``"08:30-12:00"``."""
    (h1, m1), (h2, m2) = (divmod(second // 60, 60) for second in period)
    return f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"


def calendar_answer(calendar: WorkingCalendar) -> CalendarAnswer:
    """What ``calendar.get`` answers: everything a client needs to count on ``calendar``
    as the hub does (days sorted, so the same calendar is always the same answer)."""
    names = {number: name for name, number in WEEKDAYS.items()}
    return CalendarAnswer(
        periods=[period_text(p) for p in calendar.periods],
        weekend=[names[d] for d in sorted(calendar.weekend)],
        working_day=calendar.day_counting.value,
        holidays=sorted(calendar.holidays),
        workdays=sorted(calendar.workdays),
        years=sorted(calendar.years),
        provisional=sorted(calendar.provisional),
    )


def calendar_from_answer(answer: CalendarAnswer) -> WorkingCalendar:
    """The hub's calendar from ``calendar.get``'s answer; ``ValueError`` when the answer
    does not make a calendar (a period not ``HH:MM-HH:MM``, periods out of order, a day
    both off and worked): the desk then words deadlines in clock time, as without one."""
    periods: list[tuple[int, int]] = []
    for text in answer.periods:
        parsed = parse_period(text)
        if parsed is None:
            raise ValueError(f"a working period must be HH:MM-HH:MM, got {text!r}")
        periods.append(parsed)
    return WorkingCalendar(
        periods=tuple(periods),
        weekend=frozenset(WEEKDAYS[name] for name in answer.weekend),
        holidays=frozenset(answer.holidays),
        workdays=frozenset(answer.workdays),
        years=frozenset(answer.years),
        provisional=frozenset(answer.provisional),
        day_counting=DayCounting(answer.working_day),
    )
