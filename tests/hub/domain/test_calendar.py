"""Clocks on working time: the shipped calendar's holidays and make-up days, deadlines in
working hours and days, and the elapsed working time as their inverse."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend_client.config import ConfigError
from hub.domain.calendar import (
    CHINA_TZ,
    DayCounting,
    Limit,
    LimitUnit,
    WorkingCalendar,
    load_calendar,
    shipped_calendar,
)

CAL = shipped_calendar()


def at(text: str) -> float:
    """Local (Asia/Shanghai) wall time as epoch seconds: ``at("2026-02-13 16:00")``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=CHINA_TZ).timestamp()


def local(t: float) -> str:
    return dt.datetime.fromtimestamp(t, CHINA_TZ).strftime("%Y-%m-%d %H:%M")


# ---- the shipped calendar: the State Council's 2026 notice, 2027 provisional ------------


def test_shipped_calendar_holds_the_2026_notice_day_by_day() -> None:
    off = {d for d in CAL.holidays if d.year == 2026}
    assert len(off) == 33  # 3 + 9 + 3 + 5 + 3 + 3 + 7 days in the notice
    assert dt.date(2026, 2, 15) in off and dt.date(2026, 2, 23) in off  # 腊月二十八 … 初七
    assert {d for d in CAL.workdays if d.year == 2026} == {
        dt.date(2026, 1, 4),
        dt.date(2026, 2, 14),
        dt.date(2026, 2, 28),
        dt.date(2026, 5, 9),
        dt.date(2026, 9, 20),
        dt.date(2026, 10, 10),
    }
    assert CAL.years == {2026, 2027}
    assert CAL.provisional == {2027}


def test_2027_is_provisional_statutory_days_and_their_weekday_in_lieu() -> None:
    # 初一 and 初二 fall on Saturday and Sunday 6-7 Feb 2027: Tuesday and Wednesday are off.
    assert not CAL.is_working_day(dt.date(2027, 2, 9))
    assert not CAL.is_working_day(dt.date(2027, 2, 10))
    assert CAL.is_working_day(dt.date(2027, 2, 11))
    assert CAL.covers(at("2027-12-31 12:00"))
    assert not CAL.covers(at("2028-01-03 12:00"))
    # Beyond the data only weekends are known: a Monday in 2028 counts as working.
    assert CAL.is_working_time(at("2028-01-03 09:00"))


def test_working_time_is_the_hours_of_a_working_day() -> None:
    assert not CAL.is_working_time(at("2026-12-07 08:29:59"))
    assert CAL.is_working_time(at("2026-12-07 08:30"))
    assert not CAL.is_working_time(at("2026-12-07 12:00"))  # a period's end is out
    assert CAL.is_working_time(at("2026-12-07 13:30"))
    assert not CAL.is_working_time(at("2026-12-05 10:00"))  # an ordinary Saturday
    assert CAL.is_working_time(at("2026-02-14 10:00"))  # the make-up Saturday before 春节
    assert not CAL.is_working_time(at("2026-02-16 10:00"))  # 除夕, a Monday


# ---- deadlines ---------------------------------------------------------------------------


def test_a_limit_spanning_a_make_up_saturday_and_a_public_holiday() -> None:
    # Friday 13 Feb 2026, 16:00: 1.5 h left on Friday, a full make-up Saturday (7.5 h), then
    # nine days of 春节, and work resumes on Tuesday the 24th.
    start = at("2026-02-13 16:00")
    assert local(CAL.add_working(start, working_hours=4)) == "2026-02-14 11:00"
    assert local(CAL.add_working(start, working_hours=10)) == "2026-02-24 09:30"
    # In working days the make-up Saturday is day 1 and the Tuesday after 春节 day 2.
    assert local(CAL.add_working(start, working_days=1)) == "2026-02-14 17:30"
    assert local(CAL.add_working(start, working_days=2)) == "2026-02-24 17:30"
    # The other make-up Saturday, at the end of the holiday week.
    assert local(CAL.add_working(at("2026-02-27 17:00"), working_hours=1)) == "2026-02-28 09:00"


def test_a_limit_starting_outside_working_hours_starts_when_work_does() -> None:
    assert local(CAL.add_working(at("2026-12-07 07:00"), working_hours=1)) == "2026-12-07 09:30"
    assert local(CAL.add_working(at("2026-12-07 12:30"), working_hours=1)) == "2026-12-07 14:30"
    assert local(CAL.add_working(at("2026-12-07 20:00"), working_hours=1)) == "2026-12-08 09:30"
    # Reported during 国庆 (a holiday week) the clock starts when work resumes on the 8th.
    assert local(CAL.add_working(at("2026-10-03 10:00"), working_hours=2)) == "2026-10-08 10:30"


def test_a_friday_evening_start_runs_from_monday_morning() -> None:
    friday = at("2026-12-04 18:00")
    assert local(CAL.add_working(friday, working_hours=1)) == "2026-12-07 09:30"
    assert local(CAL.add_working(friday, working_days=1)) == "2026-12-07 17:30"
    # Plain minutes are calendar time: the weekend counts.
    assert local(CAL.add_working(friday, minutes=30)) == "2026-12-04 18:30"


def test_a_limit_crossing_the_lunch_break_skips_it_and_one_ending_at_noon_ends_at_noon() -> None:
    assert local(CAL.add_working(at("2026-12-07 11:00"), working_hours=1.5)) == "2026-12-07 14:00"
    # The budget is spent at 12:00: the deadline is then, not when work resumes at 13:30.
    assert local(CAL.add_working(at("2026-12-07 11:00"), working_hours=1)) == "2026-12-07 12:00"


def test_working_days_counted_as_hours_when_the_calendar_says_so() -> None:
    hours = WorkingCalendar(day_counting=DayCounting.HOURS)
    # One working day = 7.5 working hours from Monday 10:00: 6 h on Monday, 1.5 on Tuesday.
    assert local(hours.add_working(at("2026-12-07 10:00"), working_days=1)) == "2026-12-08 10:00"
    assert local(CAL.add_working(at("2026-12-07 10:00"), working_days=1)) == "2026-12-08 17:30"


def test_limits_are_given_once_and_are_positive() -> None:
    with pytest.raises(TypeError):
        CAL.add_working(0.0)
    with pytest.raises(TypeError):
        CAL.add_working(0.0, minutes=5, working_hours=1)
    with pytest.raises(ValueError, match="positive"):
        Limit.working_hours(0)
    with pytest.raises(ValueError, match="whole days"):
        Limit(1.5, LimitUnit.WORKING_DAYS)
    assert Limit.working_hours(4).label() == "4个工作时"
    assert Limit.working_days(15).as_table() == {"working_days": 15}
    assert Limit.minutes(0.5).as_table() == {"minutes": 0.5}
    for limit in (Limit.minutes(0.5), Limit.working_hours(4), Limit.working_days(15)):
        assert Limit.from_table(limit.as_table()) == limit
    with pytest.raises(ValueError, match="exactly one"):
        Limit.from_table({"minutes": 5, "working_hours": 1})
    with pytest.raises(ValueError, match="unknown limit unit"):
        Limit.from_table({"working_weeks": 1})


# ---- elapsed working time: the inverse ---------------------------------------------------

SPAN = (at("2026-01-01 00:00"), at("2027-12-20 00:00"))
starts = st.floats(min_value=SPAN[0], max_value=SPAN[1], allow_nan=False)


@settings(max_examples=400, deadline=None)
@given(start=starts, hours=st.floats(min_value=0.01, max_value=200.0))
def test_elapsed_working_time_is_the_inverse_of_a_limit_in_working_hours(
    start: float, hours: float
) -> None:
    deadline = CAL.add_working(start, working_hours=hours)
    assert CAL.working_elapsed(start, deadline) == pytest.approx(hours * 3600, abs=1e-3)
    # The deadline is the earliest such moment: working time runs right up to it.
    assert CAL.is_working_time(deadline - 0.01)


@settings(max_examples=400, deadline=None)
@given(start=starts, span=st.floats(min_value=0.0, max_value=40 * 86400.0))
def test_a_limit_of_the_elapsed_working_time_ends_no_later_than_the_end(
    start: float, span: float
) -> None:
    end = start + span
    elapsed = CAL.working_elapsed(start, end)
    if elapsed == 0:
        return
    deadline = CAL.add_working(start, working_hours=elapsed / 3600)
    assert deadline <= end + 1e-3
    # Between the two there is no working time left: the same point on the working clock.
    assert CAL.working_elapsed(deadline, end) == pytest.approx(0, abs=1e-3)


def test_elapsed_is_zero_when_the_end_is_not_later() -> None:
    t = at("2026-12-07 10:00")
    assert CAL.working_elapsed(t, t) == 0.0
    assert CAL.working_elapsed(t, t - 3600) == 0.0
    # Over the 春节 week only the make-up Saturday and the Friday afternoon count.
    assert CAL.working_elapsed(at("2026-02-13 16:00"), at("2026-02-24 08:30")) == 9 * 3600


# ---- another calendar file (--calendar FILE) ---------------------------------------------

OWN = """\
[hours]
periods = ["09:00-17:00"]
weekend = ["sun"]
working_day = "hours"

[[year]]
year = 2026
source = "our bureau"

[[holiday]]
name = "建城日"
from = 2026-12-08
to = 2026-12-08
work = [2026-12-13]
"""


def test_a_calendar_file_of_our_own_replaces_hours_weekend_and_holidays(tmp_path: Path) -> None:
    path = tmp_path / "own.toml"
    path.write_text(OWN, encoding="utf-8")
    own = load_calendar(path)
    assert own.is_working_time(at("2026-12-05 09:00"))  # Saturday works here
    assert not own.is_working_time(at("2026-12-08 10:00"))  # the bureau's own holiday
    assert own.is_working_time(at("2026-12-13 10:00"))  # and its make-up Sunday
    # Monday 16:00 + 2 working hours: 1 h on Monday, Tuesday off, 1 h on Wednesday.
    assert local(own.add_working(at("2026-12-07 16:00"), working_hours=2)) == "2026-12-09 10:00"
    assert local(own.add_working(at("2026-12-07 16:00"), working_days=1)) == "2026-12-09 16:00"


@pytest.mark.parametrize(
    ("old", "new", "field", "problem", "line_has"),
    [
        ("to = 2026-12-08", "to = 2026-12-07", "holiday[0].to", "before it starts", "to = "),
        ('"09:00-17:00"', '"09:00-25:00"', "hours.periods[0]", "HH:MM-HH:MM", "25:00"),
        ('["sun"]', '["sunday"]', "hours.weekend[0]", "one of mon", "sunday"),
        ("[2026-12-13]", "[2025-12-13]", "holiday[0].work[0]", "no declared", "2025-12-13"),
        ("[2026-12-13]", "[2026-12-08]", "holiday[0].work[0]", "already", "work = "),
        ('"hours"\n', '"weeks"\n', "hours.working_day", "weeks", "weeks"),
        ('source = "our bureau"', "", "year[0].source", "is required", "[[year]]"),
    ],
)
def test_a_broken_calendar_file_names_its_line_and_field(
    tmp_path: Path, old: str, new: str, field: str, problem: str, line_has: str
) -> None:
    assert OWN.count(old) == 1
    text = OWN.replace(old, new)
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_calendar(path)
    error = caught.value
    assert error.field == field
    assert problem in error.problem
    # The line to fix; for a missing field, the header of its table.
    assert error.line is not None
    assert line_has in text.splitlines()[error.line - 1]
    assert str(error).startswith(f"{path}:{error.line}: field '{field}': ")
