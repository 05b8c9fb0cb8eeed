"""The 处置时限 and 延期 rows of a case's timeline, and the deadline line, worded in Chinese
and in English (docs/casework.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from backend_client.deadlines import DeadlineStanding, deadline_standing
from backend_client.stories.case_data import parse_history
from desktop.i18n import install_language
from widgets.deadline_text import class_line, deadline_line, limit_label, standing_text
from widgets.drilldown.timeline import timeline_cells

DEADLINE = 1_803_862_800.0  # 2027-03-01 09:00 China time
ANSWER: dict[str, Any] = {
    "case": {
        "id": "WC1",
        "source": "hotline",
        "category": "私搭乱建",
        "status": "dispatched",
        "reported_at": DEADLINE - 86400,
        "class_code": "06001",
        "class_group": "市容环境",
        "deadline": DEADLINE,
        "deadline_limit": "4 working_hours",
        "overdue": True,
        "reporter": None,
    },
    "photos": [],
    "events": [
        {
            "kind": "extension_requested",
            "ts": DEADLINE - 7200,
            "actor": "警员001",
            "detail": {"limit": {"working_days": 2}, "note": "等待产权认定"},
        },
        {
            "kind": "extension_approved",
            "ts": DEADLINE - 3600,
            "actor": "李强",
            "detail": {"limit": {"working_days": 2}, "deadline": DEADLINE, "note": "同意"},
        },
        {"kind": "deadline_missed", "ts": DEADLINE, "actor": "hub", "detail": {}},
    ],
    "total_events": 3,
    "next_offset": None,
}


@pytest.fixture
def english(qapp: QApplication) -> Iterator[None]:
    install_language("en")
    yield
    install_language("zh_CN")


def test_the_timeline_words_extensions_and_the_overdue_in_chinese(qapp: QApplication) -> None:
    history = parse_history(ANSWER)
    case = history.case
    assert (case.class_code, case.class_group, case.deadline) == ("06001", "市容环境", DEADLINE)
    assert case.deadline_limit == "4 working_hours" and case.overdue
    rows = [timeline_cells(e)[1:] for e in history.events]
    assert rows[0] == ("延期申请", "警员001", "2个工作日 · 等待产权认定")
    assert rows[1][:2] == ("延期批准", "李强") and rows[1][2].startswith("2个工作日 · 同意 · ")
    assert rows[2] == ("超期", "hub", "")
    assert class_line("私搭乱建", "06001", "市容环境") == "私搭乱建 · 06001 · 市容环境"
    assert class_line("随手写的", "", "") == "随手写的"  # an old free name: no class
    overdue = deadline_standing(DEADLINE, "dispatched", None, DEADLINE + 3 * 3600 + 5 * 60)
    assert deadline_line(DEADLINE, "4 working_hours", overdue) == (
        "2027-03-01 09:00（4个工作时）· 超期3时05分"
    )
    assert standing_text(DeadlineStanding("met")) == "按期处置"
    assert limit_label("30 minutes") == "30分钟"


def test_and_in_english(english: None) -> None:
    history = parse_history(ANSWER)
    rows = [timeline_cells(e)[1:] for e in history.events]
    assert rows[0] == ("Extension asked", "警员001", "2 working days · 等待产权认定")
    assert rows[1][0] == "Extension approved" and rows[2][0] == "Overdue"
    running = deadline_standing(DEADLINE, "arrived", None, DEADLINE - 2 * 86400 - 3600)
    assert deadline_line(DEADLINE, "4 working_hours", running) == (
        "2027-03-01 09:00 (4 working hours) · 2d 1h left"
    )
    late = deadline_standing(DEADLINE, "handled", DEADLINE + 1800, DEADLINE + 7200)
    assert standing_text(late) == "Dealt with 30m late"
