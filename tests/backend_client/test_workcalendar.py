"""The working calendar in the shared core (backend_client/workcalendar.py): the hub's
arithmetic, now also the desks'; its wire form (calendar.get) read back to the same
calendar; and a deadline's standing counted in working time across a weekend, a public
holiday and a make-up Saturday (backend_client/deadlines.py)."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

import hub.domain.calendar
from backend_client import workcalendar
from backend_client.deadlines import DeadlineStanding, deadline_standing
from backend_client.protocol.ops import CalendarAnswer
from backend_client.workcalendar import (
    CHINA_TZ,
    DayCounting,
    WorkingCalendar,
    calendar_answer,
    calendar_from_answer,
    parse_period,
    period_text,
)
from hub.domain.calendar import shipped_calendar

CAL = shipped_calendar()
H = 3600.0


def at(text: str) -> float:
    """Local (Asia/Shanghai) wall time as epoch seconds: ``at("2026-02-13 16:00")``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=CHINA_TZ).timestamp()


def test_the_hub_counts_with_the_shared_core_itself() -> None:
    # One implementation: the hub's names are the shared core's objects, not copies.
    for name in ("WorkingCalendar", "Limit", "LimitUnit", "DayCounting", "CHINA_TZ"):
        assert getattr(hub.domain.calendar, name) is getattr(workcalendar, name)


def test_the_wire_form_reads_back_to_the_hubs_calendar() -> None:
    answer = calendar_answer(CAL)
    assert answer.periods == ["08:30-12:00", "13:30-17:30"]
    assert answer.weekend == ["sat", "sun"] and answer.working_day == "whole_days"
    assert dt.date(2026, 2, 14) in answer.workdays and dt.date(2026, 2, 16) in answer.holidays
    assert (answer.years, answer.provisional) == ([2026, 2027], [2027])
    # Through JSON, as a desk receives it: the same calendar, day for day.
    wire = msgspec.json.encode(answer)
    assert b'"2026-02-14"' in wire
    assert calendar_from_answer(msgspec.json.decode(wire, type=CalendarAnswer)) == CAL
    # A calendar of other hours, weekend and counting survives the trip too.
    own = WorkingCalendar(
        periods=((9 * 3600, 12 * 3600), (14 * 3600, 24 * 3600)),
        weekend=frozenset({5, 6}),
        day_counting=DayCounting.HOURS,
    )
    assert calendar_answer(own).periods == ["09:00-12:00", "14:00-24:00"]
    assert calendar_from_answer(calendar_answer(own)) == own


def test_an_answer_that_makes_no_calendar_is_a_value_error() -> None:
    answer = calendar_answer(CAL)
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        calendar_from_answer(msgspec.structs.replace(answer, periods=["8.30-12"]))
    with pytest.raises(ValueError, match="sorted"):
        calendar_from_answer(
            msgspec.structs.replace(answer, periods=["13:30-17:30", "08:30-12:00"])
        )
    day = dt.date(2026, 12, 7)
    with pytest.raises(ValueError, match="both a holiday and a make-up"):
        calendar_from_answer(msgspec.structs.replace(answer, holidays=[day], workdays=[day]))
    assert parse_period("25:00-26:00") is None and period_text((30600, 43200)) == "08:30-12:00"


def test_time_left_over_a_weekend_is_the_working_time() -> None:
    # Friday 4 Dec 2026 18:00 + 1 working hour: the deadline is Monday 09:30.
    deadline = CAL.add_working(at("2026-12-04 18:00"), working_hours=1)
    now = at("2026-12-04 16:00")
    clock = deadline_standing(deadline, "dispatched", None, now)
    assert clock == DeadlineStanding("running", deadline - now)  # no calendar: clock time
    assert clock.seconds == 2 * 86400 + 17.5 * H
    working = deadline_standing(
        deadline, "dispatched", None, now, calendar=CAL, limit="1 working_hours"
    )
    # Friday 16:00-17:30 and Monday 08:30-09:30.
    assert (working.state, working.working, working.day_seconds) == ("running", 2.5 * H, 7.5 * H)
    assert working.seconds == clock.seconds


def test_time_left_over_a_public_holiday_skips_it() -> None:
    # Friday 13 Feb 2026 16:00 + 10 working hours: the make-up Saturday, nine days of 春节,
    # Tuesday 24 Feb 09:30. On 除夕 (Monday 16th) one working hour is left.
    deadline = CAL.add_working(at("2026-02-13 16:00"), working_hours=10)
    assert deadline == at("2026-02-24 09:30")
    now = at("2026-02-16 10:00")
    standing = deadline_standing(
        deadline, "arrived", None, now, calendar=CAL, limit="10 working_hours"
    )
    assert standing.working == 1 * H
    assert standing.seconds == 7 * 86400 + 23.5 * H


def test_overdue_on_a_make_up_saturday_counts_and_on_an_ordinary_one_does_not() -> None:
    # Due Friday 17:30; Saturday 10:00 is worked before 春节 (14 Feb 2026), not in December.
    for friday, saturday, past in (
        ("2026-02-13 17:30", "2026-02-14 10:00", 1.5 * H),
        ("2026-12-04 17:30", "2026-12-05 10:00", 0.0),
    ):
        standing = deadline_standing(
            at(friday), "dispatched", None, at(saturday), calendar=CAL, limit="1 working_days"
        )
        assert (standing.state, standing.working) == ("overdue", past)
        assert standing.seconds == 16.5 * H


def test_working_days_left_and_what_stays_in_clock_time() -> None:
    # 1 working day from Monday 10:00 ends Tuesday 17:30: 6 h on Monday, 7.5 on Tuesday.
    deadline = CAL.add_working(at("2026-12-07 10:00"), working_days=1)
    standing = deadline_standing(
        deadline, "dispatched", None, at("2026-12-07 10:00"), calendar=CAL, limit="1 working_days"
    )
    assert standing.working == 13.5 * H
    # A limit in minutes is calendar time: nights and weekends count, so no working time.
    now = at("2026-12-04 17:00")
    minutes = deadline_standing(
        now + 3 * H, "dispatched", None, now, calendar=CAL, limit="180 minutes"
    )
    assert minutes == DeadlineStanding("running", 3 * H)
    # An unreadable limit, and a disposed case, are as without a calendar.
    assert deadline_standing(now + H, "dispatched", None, now, calendar=CAL).working is None
    late = deadline_standing(
        now, "handled", now + H, now + 2 * H, calendar=CAL, limit="2 working_hours"
    )
    assert late == DeadlineStanding("late", H)
