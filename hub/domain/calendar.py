"""The hub's working calendar, read from its file.

The arithmetic (:class:`WorkingCalendar`, :class:`Limit`) is the shared core's
(``backend_client/workcalendar.py``), re-exported here: the desks count on the hub's
calendar (``calendar.get``) with the same code the hub fixes deadlines with. What is the
hub's alone is the file: ``resources/calendar/cn-2026-2027.toml`` (the State Council's
holiday notices), replaced with ``--calendar FILE``. :func:`load_calendar` is the one
function here that reads a file; a bad file is a :class:`~backend_client.config.ConfigError`
naming file, line and field.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from pathlib import Path

import msgspec

from backend_client.config import read_toml
from backend_client.protocol.ops import Weekday
from backend_client.resources import resource
from backend_client.workcalendar import (
    CHINA_TZ,
    WEEKDAYS,
    DayCounting,
    Limit,
    LimitUnit,
    WorkingCalendar,
    parse_period,
)

__all__ = [
    "CHINA_TZ",
    "SHIPPED_CALENDAR",
    "DayCounting",
    "Limit",
    "LimitUnit",
    "WorkingCalendar",
    "load_calendar",
    "shipped_calendar",
]

SHIPPED_CALENDAR = "cn-2026-2027.toml"


# ---- the calendar file -------------------------------------------------------------------


class _HoursFile(msgspec.Struct, forbid_unknown_fields=True):
    periods: list[str] = msgspec.field(default_factory=lambda: ["08:30-12:00", "13:30-17:30"])
    weekend: list[Weekday] = msgspec.field(
        default_factory=lambda: ["sat", "sun"]  # type: ignore[arg-type]
    )
    working_day: DayCounting = DayCounting.WHOLE_DAYS


class _YearFile(msgspec.Struct, forbid_unknown_fields=True):
    year: int
    source: str
    provisional: bool = False
    note: str = ""


class _HolidayFile(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    first: dt.date = msgspec.field(name="from")
    last: dt.date = msgspec.field(name="to")
    work: list[dt.date] = msgspec.field(default_factory=list)


class _CalendarFile(msgspec.Struct, forbid_unknown_fields=True):
    year: list[_YearFile]
    hours: _HoursFile = msgspec.field(default_factory=_HoursFile)
    holiday: list[_HolidayFile] = msgspec.field(default_factory=list)


def _days(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def load_calendar(path: Path) -> WorkingCalendar:
    """Read a calendar file (format: ``docs/casework.md``). Raises
    :class:`~backend_client.config.ConfigError` naming file, line and field."""
    file = read_toml(path)
    declared = file.convert(file.data, _CalendarFile)
    periods: list[tuple[int, int]] = []
    for index, text in enumerate(declared.hours.periods):
        parsed = parse_period(text)
        where: Sequence[str | int] = ("hours", "periods", index)
        if parsed is None:
            raise file.error(where, f"expected HH:MM-HH:MM, got {text!r}")
        if parsed[0] >= parsed[1] or (periods and parsed[0] < periods[-1][1]):
            raise file.error(where, "periods must each end after they start, in order, apart")
        periods.append(parsed)
    if not periods:
        raise file.error(("hours", "periods"), "at least one working period is needed")
    weekend = frozenset(WEEKDAYS[name] for name in declared.hours.weekend)
    if len(weekend) == 7:
        raise file.error(("hours", "weekend"), "every weekday is a weekend day")

    years: dict[int, _YearFile] = {}
    for index, year in enumerate(declared.year):
        if year.year in years:
            raise file.error(("year", index, "year"), f"year {year.year} is declared twice")
        years[year.year] = year
    holidays: dict[dt.date, str] = {}
    workdays: dict[dt.date, str] = {}
    for index, holiday in enumerate(declared.holiday):
        for field, day in (("from", holiday.first), ("to", holiday.last)):
            if day.year not in years:
                raise file.error(("holiday", index, field), f"{day} is in no declared [[year]]")
        if holiday.last < holiday.first:
            raise file.error(
                ("holiday", index, "to"),
                f"ends ({holiday.last}) before it starts ({holiday.first})",
            )
        for day in _days(holiday.first, holiday.last):
            if day in holidays:
                raise file.error(
                    ("holiday", index, "from"), f"{day} is already a holiday ({holidays[day]})"
                )
            holidays[day] = holiday.name
        for n, day in enumerate(holiday.work):
            if day.year not in years:
                raise file.error(("holiday", index, "work", n), f"{day} is in no declared [[year]]")
            if day in holidays or day in workdays:
                raise file.error(
                    ("holiday", index, "work", n), f"{day} is already a holiday or a make-up day"
                )
            workdays[day] = holiday.name
    # A make-up day listed before a later holiday that covers it: caught here, not above.
    for index, holiday in enumerate(declared.holiday):
        for n, day in enumerate(holiday.work):
            if day in holidays:
                raise file.error(("holiday", index, "work", n), f"{day} is also a holiday")
    return WorkingCalendar(
        periods=tuple(periods),
        weekend=weekend,
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        years=frozenset(years),
        provisional=frozenset(y for y, info in years.items() if info.provisional),
        day_counting=declared.hours.working_day,
    )


@functools.cache
def shipped_calendar() -> WorkingCalendar:
    """The calendar shipped in ``resources/calendar/`` (read once)."""
    return load_calendar(resource("calendar", SHIPPED_CALENDAR))
