"""From a case's timeline into an officer's replay (issue 18), on a real hub: a
double-click on a row that names an officer opens that officer's replay in the desk's
history dock at the row's moment, where the stored fixes put the officer then; a row
naming several officers offers each in its menu; a row naming none opens nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import QSettings, Qt
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from backend_client.cache import AnswerCache, CachedRequests
from backend_client.qt import QtFeed
from desktop.desk import DeskWindow
from hub.store.models import Position
from tests.desktop.test_desk_shift import at_1080p, post_cases, settled
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import LiveHub
from widgets.drilldown import CaseDrilldown, OfficerDrilldown
from widgets.drilldown.timeline import row_step


def _store_track(hub: LiveHub, unit: str, around: float) -> None:
    """A walk north through ``around``: a fix every 10 s from 5 minutes before it to 2 s
    after (the replay opens later, so the whole walk is in its window)."""
    rows = [
        {
            "officer_id": unit,
            "ts": around + k,
            "lat": 29.1 + (k + 300) * 1e-5,
            "lon": 119.6,
            "speed": 1.1,
            "heading": 0.0,
            "accuracy": 5.0,
            "fixed": True,
        }
        for k in (*range(-300, 0, 10), 2)
    ]
    with Session(hub.hub.engine) as session, session.begin():
        session.execute(insert(Position), rows)


def _where_then(hub: LiveHub, unit: str, ts: float) -> tuple[float, float]:
    """Where the stored fixes put ``unit`` at ``ts``: between the fixes either side of it,
    in proportion to the time (read straight from the table)."""
    with hub.hub.engine.connect() as connection:
        before = connection.execute(
            text(
                "SELECT ts, lat, lon FROM positions WHERE officer_id = :u AND ts <= :t "
                "ORDER BY ts DESC LIMIT 1"
            ),
            {"u": unit, "t": ts},
        ).one()
        after = connection.execute(
            text(
                "SELECT ts, lat, lon FROM positions WHERE officer_id = :u AND ts > :t "
                "ORDER BY ts LIMIT 1"
            ),
            {"u": unit, "t": ts},
        ).one()
    f = (ts - before[0]) / (after[0] - before[0])
    return before[1] + (after[1] - before[1]) * f, before[2] + (after[2] - before[2]) * f


def _row_of(panel: CaseDrilldown, kind_text: str) -> int:
    rows = panel.timeline_rows()
    return next(i for i, row in enumerate(rows) if row[1] == kind_text)


def _double_click(qtbot: Any, panel: CaseDrilldown, row: int) -> None:
    view = panel.timeline
    item = view.item(row, 1)
    assert item is not None
    view.scrollToItem(item)
    rect = view.visualItemRect(item)
    assert view.viewport().rect().contains(rect.center()), (rect, view.viewport().rect())
    # A click first, as a hand makes one: the view takes a double-click on the row it
    # was pressed on.
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


@pytest.fixture
def desk(tmp_path: Path, hub: LiveHub, qtbot: Any) -> tuple[DeskWindow, QtFeed, AnswerCache]:
    feed = QtFeed(hub.stream_url, hub.token["supervisor"])
    cache = AnswerCache(tmp_path / "desk-cache.sqlite")
    window = DeskWindow(
        feed,
        settings=QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat),
        with_map=False,
        requests=CachedRequests(feed.client, cache),
    )
    qtbot.addWidget(window)
    at_1080p(window)
    return window, feed, cache


def test_a_timeline_row_opens_its_officers_replay_at_its_moment(
    desk: tuple[DeskWindow, QtFeed, AnswerCache],
    hub: LiveHub,
    loop: qasync.QEventLoop,
    qtbot: Any,
) -> None:
    window, feed, cache = desk

    async def scenario() -> None:
        feed.start()
        await until(feed.is_live)
        (case,) = await post_cases(hub, 1, "replay")
        await until(lambda: window.model.row_of(case) >= 0)
        await feed.client.request("dispatch", {"incident_id": case, "unit_ids": ["U002", "U003"]})
        await feed.client.request(
            "case.step", {"case_id": case, "action": "arrive", "units": ["U003"]}
        )
        events = (await feed.client.request("case.history", {"case_id": case}))["events"]
        steps = {e["kind"]: e["ts"] for e in events}
        for unit in ("U002", "U003"):
            _store_track(hub, unit, steps["arrived"])
        await asyncio.sleep(2.5)  # the last fixes (2 s after) are in the past now

        window.select_incident(case)
        await until(lambda: window.history is not None and window.history.story.history is not None)
        panel = window.history
        assert panel is not None
        await settled(window)
        arrived = _row_of(panel, "到场")
        dispatched = _row_of(panel, "派遣")
        reported = _row_of(panel, "上报")
        assert row_step(panel.timeline, arrived) == (steps["arrived"], ("U003",))
        assert row_step(panel.timeline, dispatched) == (steps["dispatched"], ("U002", "U003"))

        # A row naming no officer opens nothing: the case stays in the dock.
        _double_click(qtbot, panel, reported)
        assert window.history is panel and window.entity is None
        assert panel.timeline_menu(reported).isEmpty()

        # The arrival names U003: its replay, opened at the moment of arrival.
        _double_click(qtbot, panel, arrived)
        replay = window.entity
        assert isinstance(replay, OfficerDrilldown) and window.history is None
        assert replay.unit_id == "U003"
        assert replay.start_ts <= steps["arrived"] <= replay.end_ts
        await until(lambda: bool(replay.replay.points))
        assert replay.replay.cursor() == pytest.approx(steps["arrived"])
        lat, lon = _where_then(hub, "U003", steps["arrived"])
        assert replay.minimap.cursor_at == pytest.approx((lat, lon))
        assert replay.speed_chart.cursor.value() == pytest.approx(
            (steps["arrived"] - replay.start_ts) / 60
        )
        await settled(window)

        # The dispatch names both: its menu offers each; the second is U002's replay.
        window.reading.show_case(case)
        await until(lambda: window.history is not None and window.history.story.history is not None)
        panel = window.history
        assert panel is not None
        await settled(window)
        menu = panel.timeline_menu(_row_of(panel, "派遣"))
        texts = [action.text() for action in menu.actions()]
        assert texts == ["回放 U002 在此刻的轨迹", "回放 U003 在此刻的轨迹"]
        menu.actions()[0].trigger()
        replay = window.entity
        assert isinstance(replay, OfficerDrilldown) and replay.unit_id == "U002"
        await until(lambda: bool(replay.replay.points))
        assert replay.replay.cursor() == pytest.approx(steps["dispatched"])
        assert replay.minimap.cursor_at == pytest.approx(
            _where_then(hub, "U002", steps["dispatched"])
        )
        await settled(window)
        await window.stop()
        await feed.stop()

    loop.run_until_complete(scenario())
    cache.close()
