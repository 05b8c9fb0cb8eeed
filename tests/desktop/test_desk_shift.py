"""The desk through a shift, on a real hub: the keyboard takes a case from accept to
dispatch to the next one; a repeated key sends nothing more; the map flies to the case;
the queue keeps ten rows with the timeline open at 1080p; the layout survives a restart;
the confirmation speaks the desk's language only."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from backend_client.cache import AnswerCache, CachedRequests
from backend_client.qt import QtFeed
from backend_client.resources import resource
from backend_client.stories.desk import STREET_ZOOM, next_case
from desktop.desk import DeskWindow
from hub.roster import OfficerRecord
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import OFFICERS, TEAMS, LiveHub, report

CHINESE = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")


async def quiesce(desk: DeskWindow) -> None:
    """Let the case timeline's loading end before the feed and the loop go: a dispatch
    moves the desk on, and the next case's drill-down may still be fetching."""
    if desk.history is not None:
        await desk.history.stop()


def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat)


def themed(desk: DeskWindow) -> DeskWindow:
    # The desk's own look (row heights follow the theme's fonts), on the window only, so
    # the rest of the session keeps the test application's plain style.
    desk.setStyleSheet(resource("themes", "wall-dark.qss").read_text(encoding="utf-8"))
    return desk


def at_1080p(desk: DeskWindow) -> None:
    desk.setGeometry(0, 0, 1920, 1080)
    desk.show()
    desk.activateWindow()


async def post_cases(hub: LiveHub, count: int, tag: str) -> list[str]:
    """``count`` cases a few hundred metres from the test hub's officers (who stand at
    lat 29.08 + i * 0.001, lon 119.6005 after ``move(1)``)."""
    ids = []
    for i in range(count):
        body = report(f"8890-{tag}-{i}", lat=29.0805 + 0.0007 * i, lon=119.6008)
        status, answer = await asyncio.to_thread(hub.post, "/api/v1/reports", body)
        assert status == 201
        ids.append(answer["id"])
    return ids


async def dispatch_steps(feed: QtFeed, case: str) -> int:
    """How many dispatch steps the hub has stored for ``case``."""
    answer = await feed.client.request("case.history", {"case_id": case})
    return sum(1 for event in answer["events"] if event["kind"] == "dispatched")


async def settled(desk: DeskWindow) -> None:
    """The open drill-down has finished loading (its story, related cases included), so
    the test ends with no request half-way."""
    for panel in (desk.history, desk.entity):
        if panel is not None:
            await until(lambda p=panel: p._task is None or p._task.done())
    await asyncio.sleep(0.2)


async def page_js(desk: DeskWindow, expression: str) -> Any:
    """Evaluate on the desk's map page from inside the loop (tests.support.pagejs.js spins
    processEvents(), which must not run inside a qasync task)."""
    assert desk.live_map is not None
    answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    desk.live_map.map.page().runJavaScript(
        f"JSON.stringify({expression})", 0, lambda result: answer.set_result(result)
    )
    return json.loads(await asyncio.wait_for(answer, 5))


async def map_is_on(desk: DeskWindow, case: str) -> bool:
    """The desk map is centred (within ~30 m) on ``case``, in the map's own datum."""
    assert desk.live_map is not None
    incident = desk.feed.state.incidents[case]
    assert incident.lat is not None and incident.lon is not None
    want = desk.live_map.map._to_map(incident.lat, incident.lon, incident.datum)
    lat, lon, zoom = await page_js(
        desk,
        "[watchfloor.map.getCenter().lat, watchfloor.map.getCenter().lng,"
        " watchfloor.map.getZoom()]",
    )
    return abs(lat - want[0]) < 3e-4 and abs(lon - want[1]) < 3e-4 and zoom >= STREET_ZOOM - 1


def test_the_keyboard_takes_a_case_from_accept_to_dispatch_to_the_next(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    feed = QtFeed(hub.stream_url, hub.token["operator"])
    cache = AnswerCache(tmp_path / "desk-cache.sqlite")
    desk = themed(
        DeskWindow(feed, settings=settings(tmp_path), requests=CachedRequests(feed.client, cache))
    )
    qtbot.addWidget(desk)
    at_1080p(desk)
    assert desk.live_map is not None
    qtbot.waitUntil(lambda: desk.live_map is not None and desk.live_map.map.is_ready, timeout=15000)

    async def scenario() -> None:
        feed.start()
        await until(feed.is_live)
        await asyncio.to_thread(hub.move, 1)
        cases = await post_cases(hub, 12, "shift")
        await until(lambda: all(desk.model.row_of(c) >= 0 for c in cases))
        await until(lambda: all(u.lat is not None for u in feed.state.units.values()))
        await until(desk.isActiveWindow)

        # Open: F6 puts the focus in the queue, Alt+Down takes its first case.
        qtbot.keyClick(desk, Qt.Key.Key_F6)
        assert desk.queue.hasFocus()
        qtbot.keyClick(desk.queue, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
        case = desk.model.incident_id(0)
        assert desk.selected == case
        assert desk.queue.selectionModel().isRowSelected(0)  # highlighted in the queue
        assert desk.map_view is not None and desk.map_view.zoom == STREET_ZOOM
        await until(lambda: map_is_on(desk, case))
        # The timeline is open beside it and the queue still shows ten rows.
        await until(lambda: desk.history is not None and desk.history.case_id == case)
        await asyncio.sleep(0.1)
        assert desk.queue.visible_rows() >= 10

        # Accept.
        qtbot.keyClick(desk.queue, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        await until(lambda: feed.state.incidents[case].status == "accepted")
        await until(lambda: "已受理" in desk.details.status.text())

        # Dispatch, with the key pressed again at once and the button clicked too.
        chosen = desk.chosen_units()
        assert len(chosen) == 1
        name = feed.state.units[chosen[0]].name
        qtbot.keyClick(desk.queue, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(desk.queue, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
        desk.details.dispatch.click()
        await until(lambda: feed.state.incidents[case].status == "dispatched")
        await until(lambda: desk.selected != case)
        # Confirmed, and just confirmed: the key again lands on nothing (not on the next
        # case, which the operator has not looked at yet).
        qtbot.keyClick(desk.queue, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
        desk.details.dispatch.click()
        assert desk.details.status.text() == f"已派遣 {name} 前往案件 {case}"
        assert feed.state.incidents[case].units == chosen
        await asyncio.sleep(0.5)  # anything sent twice would be stored by now
        assert await dispatch_steps(feed, case) == 1

        # Next: the desk moved on to the most urgent case still waiting, and flew there.
        following = desk.selected
        assert following is not None and following != case
        assert following == next_case(desk.model.incident_ids(), feed.state.incidents, case)
        row = desk.model.row_of(following)
        assert desk.queue.selectionModel().isRowSelected(row)
        await until(lambda: map_is_on(desk, following))
        assert not desk.details.dispatch.isEnabled()  # held just after a confirmation
        others = [c for c in cases if c != case]
        for other in others:
            assert await dispatch_steps(feed, other) == 0
        # The hold runs out: the next case can be dispatched, deliberately.
        await until(desk.details.dispatch.isEnabled, timeout=5)
        # Ctrl+N from a case already waiting moves to the next waiting one.
        qtbot.keyClick(desk.queue, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        assert desk.selected not in (case, following)
        await settled(desk)
        await desk.stop()
        await quiesce(desk)
        await feed.stop()

    loop.run_until_complete(scenario())
    cache.close()


def test_the_queue_keeps_ten_rows_with_the_timeline_open_at_1080p(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    feed = QtFeed(hub.stream_url, hub.token["operator"])
    cache = AnswerCache(tmp_path / "desk-cache.sqlite")
    desk = themed(
        DeskWindow(
            feed,
            settings=settings(tmp_path),
            with_map=False,
            requests=CachedRequests(feed.client, cache),
        )
    )
    qtbot.addWidget(desk)
    at_1080p(desk)

    async def scenario() -> None:
        feed.start()
        await until(feed.is_live)
        cases = await post_cases(hub, 14, "rows")
        await until(lambda: all(desk.model.row_of(c) >= 0 for c in cases))
        desk.select_incident(cases[-1])
        await until(lambda: desk.history is not None and len(desk.history.timeline_rows()) > 0)
        await asyncio.sleep(0.1)  # the docks settle (no processEvents() inside a task)
        history = desk.docks["history"]
        assert history.isVisible() and history.widget().height() > 100
        assert desk.height() == 1080
        assert desk.queue.visible_rows() >= 10
        # Its floor holds even if the operator drags the timeline up into the queue's column.
        desk.splitDockWidget(desk.docks["queue"], history, Qt.Orientation.Vertical)
        desk.resizeDocks([history], [900], Qt.Orientation.Vertical)
        await asyncio.sleep(0.1)
        assert desk.queue.visible_rows() >= 10

        # Search: Ctrl+F, a case number, Enter selects it and hands the keys back to the queue.
        await until(desk.isActiveWindow)
        qtbot.keyClick(desk, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert desk.search_box.hasFocus()
        qtbot.keyClicks(desk.search_box, cases[3][-4:])
        qtbot.keyClick(desk.search_box, Qt.Key.Key_Return)
        assert desk.selected == cases[3] and desk.queue.hasFocus()
        # An officer's name opens their drill-down beside the queue.
        desk.search_box.setText(OFFICERS[2].name)
        qtbot.keyClick(desk.search_box, Qt.Key.Key_Return)
        assert desk.entity is not None and desk.history is None
        # Filters: only photo reports hides every hotline case, and says how many.
        desk.filters.source.setCurrentIndex(desk.filters.source.findData("snap"))
        assert desk.model.rowCount() == 0 and desk.model.hidden == len(cases)
        assert str(len(cases)) in desk.filters.hidden.text()
        desk.filters.source.setCurrentIndex(0)
        desk.filters.stage.setCurrentIndex(desk.filters.stage.findData("accept"))
        assert desk.model.rowCount() == len(cases) and desk.filters.hidden.text() == ""
        desk.filters.stage.setCurrentIndex(0)
        # The new-case chime is off unless switched on, and remembered.
        assert desk.chimes == 0 and not desk.chime.isChecked()
        desk.chime.trigger()
        (late,) = await post_cases(hub, 1, "chime")
        await until(lambda: desk.model.row_of(late) >= 0)
        assert desk.chimes == 1
        assert str(settings(tmp_path).value("chime")).lower() == "true"
        desk.search_box.setText("无此地址")
        qtbot.keyClick(desk.search_box, Qt.Key.Key_Return)
        assert "无此地址" in desk.details.status.text()
        await settled(desk)
        await desk.stop()
        await quiesce(desk)
        await feed.stop()

    loop.run_until_complete(scenario())
    cache.close()


def test_the_layout_is_restored_after_a_restart_and_reset_on_demand(
    tmp_path: Path, qtbot: Any
) -> None:
    feed = QtFeed("ws://127.0.0.1:9/stream", "unused")
    first = DeskWindow(feed, settings=settings(tmp_path), with_map=False)
    qtbot.addWidget(first)
    first.show_for_shift()
    QApplication.processEvents()  # the default proportions are set once it is shown
    assert first.isMaximized()  # nothing saved yet: maximised on its screen
    first.showNormal()
    # Within the test platform's one 800x600 screen: restoreGeometry() keeps windows on it.
    first.setGeometry(40, 50, 700, 500)
    first.docks["details"].setFloating(True)
    first.docks["history"].hide()
    first.resizeDocks([first.docks["queue"]], [260], Qt.Orientation.Horizontal)
    QApplication.processEvents()
    queue_width = first.docks["queue"].width()
    first.close()  # saves

    second = DeskWindow(feed, settings=settings(tmp_path), with_map=False)
    qtbot.addWidget(second)
    second.show_for_shift()
    QApplication.processEvents()
    assert not second.isMaximized()
    assert (second.width(), second.height()) == (700, 500)
    assert second.docks["details"].isFloating()
    assert not second.docks["history"].isVisible()
    assert abs(second.docks["queue"].width() - queue_width) <= 4

    # "Reset layout": the default docks, maximised, and nothing saved any more.
    reset = second.findChild(type(second.shortcuts["help"]), "desk-reset-layout")
    assert reset is not None
    reset.trigger()
    QApplication.processEvents()
    assert second.isMaximized()
    assert not second.docks["details"].isFloating()
    assert all(dock.isVisible() for dock in second.docks.values())
    left = Qt.DockWidgetArea.LeftDockWidgetArea
    assert second.dockWidgetArea(second.docks["queue"]) == left
    assert second.dockWidgetArea(second.docks["history"]) != left
    assert settings(tmp_path).value("state") is None
    second.close()


def test_an_older_saved_layout_is_not_restored(tmp_path: Path, qtbot: Any) -> None:
    # A layout saved before version 2 put the timeline under the queue: start afresh.
    feed = QtFeed("ws://127.0.0.1:9/stream", "unused")
    old = settings(tmp_path)
    probe = DeskWindow(
        feed,
        settings=QSettings(str(tmp_path / "x.ini"), QSettings.Format.IniFormat),
        with_map=False,
    )
    qtbot.addWidget(probe)
    old.setValue("state", probe.saveState())  # version 0, as the old desk saved it
    old.setValue("geometry", probe.saveGeometry())
    old.sync()
    desk = DeskWindow(feed, settings=old, with_map=False)
    qtbot.addWidget(desk)
    assert not desk.arrangement.restored


def test_f1_lists_the_shortcuts(tmp_path: Path, qtbot: Any) -> None:
    feed = QtFeed("ws://127.0.0.1:9/stream", "unused")
    desk = DeskWindow(feed, settings=settings(tmp_path), with_map=False)
    qtbot.addWidget(desk)
    at_1080p(desk)
    qtbot.waitUntil(desk.isActiveWindow)
    qtbot.keyClick(desk, Qt.Key.Key_F1)
    assert desk.help.isVisible()
    lines = desk.help.lines()
    assert any(line.startswith("Ctrl+D:") for line in lines)
    assert any(line.startswith("Ctrl+N:") for line in lines)
    assert any(line.startswith("F1:") for line in lines)
    qtbot.keyClick(desk, Qt.Key.Key_Escape)
    assert not desk.help.isVisible()


@pytest.fixture
def latin_hub(tmp_path: Path) -> Iterator[LiveHub]:
    """The test hub with its roster written in Latin letters, as an English-speaking
    deployment's would be: officer names are data, not UI text."""
    live = LiveHub(tmp_path / "hub.db").start(seed=False)
    officers = [
        OfficerRecord(o.id, f"Officer {o.id}", o.badge, o.team_id, o.device) for o in OFFICERS
    ]
    live.run(live.hub.seed(TEAMS, officers))
    yield live
    live.stop()


def test_the_confirmation_is_in_english_on_an_english_desk(
    tmp_path: Path, latin_hub: LiveHub, english: None, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    hub = latin_hub
    feed = QtFeed(hub.stream_url, hub.token["operator"])
    desk = DeskWindow(feed, settings=settings(tmp_path), with_map=False)
    qtbot.addWidget(desk)
    at_1080p(desk)

    async def scenario() -> None:
        feed.start()
        await until(feed.is_live)
        await asyncio.to_thread(hub.move, 1)
        (case,) = await post_cases(hub, 1, "en")
        await until(lambda: desk.model.row_of(case) >= 0)
        await until(lambda: all(u.lat is not None for u in feed.state.units.values()))
        desk.select_incident(case)
        chosen = desk.chosen_units()
        assert desk.dispatch_selected()
        await until(lambda: "Dispatched" in desk.details.status.text())
        text = desk.details.status.text()
        assert text == f"Dispatched Officer {chosen[0]} to case {case}"
        assert not CHINESE.search(text), text
        await quiesce(desk)
        await feed.stop()

    loop.run_until_complete(scenario())
