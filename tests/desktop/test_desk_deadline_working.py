"""The desk words the 处置时限 in working time on the hub's calendar (calendar.get, asked
once connected and again after a reconnect): a case due after a weekend has hours of work
left, not days of clock; without the calendar the column falls back to clock time."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import QSettings, Qt

from backend_client.cache import AnswerCache, CachedRequests
from backend_client.qt import QtFeed
from desktop.desk import DeskWindow
from hub.domain.calendar import load_calendar
from tests.desktop.test_wall_e2e import until
from tests.support.calendars import TEST_CALENDAR, at, hub_on_calendar
from tests.support.hubs import LiveHub, report
from widgets.queue import COL_DEADLINE

# tests/support/calendars.py's calendar (2027); the second one, which the hub restarts
# with, also gives Monday 8 March off.
CALENDAR = TEST_CALENDAR
MONDAY_OFF = """
[[holiday]]
name = "又一个测试假"
from = 2027-03-08
to = 2027-03-08
"""


@pytest.fixture
def calendar_hub(tmp_path: Path) -> Iterator[LiveHub]:
    yield from hub_on_calendar(tmp_path / "hub.db", tmp_path)


def test_a_deadline_after_the_weekend_reads_in_working_hours(
    tmp_path: Path,
    calendar_hub: LiveHub,
    loop: qasync.QEventLoop,
    qtbot: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hub = calendar_hub
    feed = QtFeed(hub.stream_url, hub.token["operator"])
    # The desk reads the queue at Friday 5 March 2027 16:30 (hub time).
    monkeypatch.setattr(feed, "now", lambda: at("2027-03-05 16:30"))
    cache = AnswerCache(tmp_path / "desk-cache.sqlite")
    desk = DeskWindow(
        feed,
        settings=QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat),
        with_map=False,
        requests=CachedRequests(feed.client, cache),
    )
    qtbot.addWidget(desk)
    desk.show()
    model = desk.model

    def cell(case_id: str, role: Qt.ItemDataRole = Qt.ItemDataRole.DisplayRole) -> str:
        return str(model.index(model.row_of(case_id), COL_DEADLINE).data(role))

    async def scenario() -> None:
        feed.start()
        await until(feed.is_live)
        await until(lambda: model.calendar is not None)
        assert model.calendar == hub.hub.calendar
        # 私搭乱建 (4 working hours) dispatched Friday 16:00: 1.5 h on Friday, 2.5 h on
        # Monday, due Monday 8 March 11:00.
        status, body = await asyncio.to_thread(
            hub.post, "/api/v1/reports", report("8890-desk-wt", category="私搭乱建")
        )
        assert status == 201
        case = str(body["id"])
        await asyncio.to_thread(
            hub.run,
            hub.hub.apply_case_action(case, "dispatch", "调度员", at("2027-03-05 16:00"), ["U001"]),
        )
        await until(lambda: feed.state.incidents[case].deadline == at("2027-03-08 11:00"))
        # An hour on Friday and 2.5 on Monday morning: not the 2 days 18 hours of clock.
        await until(lambda: cell(case) == "剩3个工作时30分")
        assert cell(case, Qt.ItemDataRole.ToolTipRole) == (
            "2027-03-08 11:00（4个工作时）· 剩3个工作时30分"
        )
        # Without the calendar (an older hub): clock time, as before.
        model.set_calendar(None)
        assert cell(case) == "剩2天18时"

        # The hub comes back counting on another calendar (Monday 8 March off): the desk
        # asks again on reconnecting, and only Friday's hour is left before the deadline.
        path = tmp_path / "monday-off.toml"
        path.write_text(CALENDAR + MONDAY_OFF, encoding="utf-8")
        await asyncio.to_thread(hub.stop)
        await until(lambda: not feed.is_live())
        hub.config_overrides["calendar"] = load_calendar(path)
        await asyncio.to_thread(hub.start, False)
        await until(lambda: cell(case) == "剩1个工作时00分", timeout=30)
        await desk.stop()
        await feed.stop()

    loop.run_until_complete(scenario())
    cache.close()
