"""The 处置时限 standing worded in working time when the desk holds the hub's calendar
(widgets/deadline_text.py), in Chinese and in English, and in clock time without it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from backend_client.deadlines import DeadlineStanding, deadline_standing
from backend_client.workcalendar import CHINA_TZ
from desktop.i18n import install_language
from hub.domain.calendar import shipped_calendar
from widgets.deadline_text import deadline_line, standing_text

CAL = shipped_calendar()
H = 3600.0
DAY = 7.5 * H  # the shipped calendar's working day


def at(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=CHINA_TZ).timestamp()


@pytest.fixture
def english(qapp: QApplication) -> Iterator[None]:
    install_language("en")
    yield
    install_language("zh_CN")


def test_working_time_left_and_past_in_chinese(qapp: QApplication) -> None:
    assert standing_text(DeadlineStanding("running", 2 * 86400 + 17.5 * H, 2.5 * H, DAY)) == (
        "剩2个工作时30分"
    )
    assert standing_text(DeadlineStanding("running", 5 * 86400, DAY + 2 * H, DAY)) == (
        "剩1个工作日2时"
    )
    assert standing_text(DeadlineStanding("overdue", 3 * 86400, 45 * 60, DAY)) == "超期45个工作分钟"
    # Past the deadline only in time nobody works (a Saturday morning): overdue, no figure.
    assert standing_text(DeadlineStanding("overdue", 16.5 * H, 0.0, DAY)) == "已超期"
    # Without the calendar (an older hub, not loaded yet): clock time, as before.
    assert standing_text(DeadlineStanding("running", 2 * 86400 + 17.5 * H)) == "剩2天17时"
    assert standing_text(DeadlineStanding("late", 1800, None)) == "超期30分处置"


def test_the_drill_down_line_over_a_weekend(qapp: QApplication) -> None:
    # Due Monday 7 Dec 2026 09:30 (1 working hour from Friday 18:00); Friday 16:00 now.
    deadline = at("2026-12-07 09:30")
    standing = deadline_standing(
        deadline, "dispatched", None, at("2026-12-04 16:00"), calendar=CAL, limit="1 working_hours"
    )
    assert deadline_line(deadline, "1 working_hours", standing) == (
        "2026-12-07 09:30（1个工作时）· 剩2个工作时30分"
    )


def test_and_in_english(english: None) -> None:
    assert standing_text(DeadlineStanding("running", 86400, 3 * H, DAY)) == "3 working h 00m left"
    assert standing_text(DeadlineStanding("overdue", 86400, DAY + 2 * H, DAY)) == (
        "Overdue 1 working d 2h"
    )
    assert standing_text(DeadlineStanding("running", 86400, 20 * 60, DAY)) == "20 working min left"
    assert standing_text(DeadlineStanding("overdue", 86400, 0.0, DAY)) == "Overdue"
