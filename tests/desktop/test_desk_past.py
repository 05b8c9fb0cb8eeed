"""The desk at a past moment (回看), on a real hub: the supervisor picks a time, the map
holds the units where their last fix before it put them (live fixes do not move them),
the banner says which moment, the steps move it, and "回到实时" gives the map back to
the feed. An operator is told the view needs a supervisor."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import QDateTime, Qt
from sqlalchemy import insert
from sqlalchemy.orm import Session

from backend_client.qt import QtFeed
from desktop.desk import DeskWindow
from desktop.screenshot import grab_window
from hub.store.models import Position
from tests.desktop.test_desk_shift import at_1080p, quiesce, settings, themed
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import OFFICERS, LiveHub
from widgets.drilldown.formatting import clock_time

PAST_LAT, PAST_LON = 29.10, 119.66


def store_past(hub: LiveHub, t: float, placed: int) -> None:
    """The first ``placed`` officers' fixes a minute apart up to ``t`` (the last one 20 s
    before it) and one after it; the others have none."""
    rows: list[dict[str, Any]] = []
    for i, officer in enumerate(OFFICERS[:placed]):
        for k, dt in enumerate((-140.0, -80.0, -20.0, 40.0)):
            rows.append(
                {
                    "officer_id": officer.id,
                    "ts": t + dt,
                    "lat": PAST_LAT + i * 0.002,
                    "lon": PAST_LON + k * 0.001,
                    "speed": 1.0,
                    "heading": 90.0,
                    "fixed": True,
                }
            )
    with Session(hub.hub.engine) as session, session.begin():
        session.execute(insert(Position), rows)


def near(a: tuple[float, float] | None, b: tuple[float, float]) -> bool:
    return a is not None and abs(a[0] - b[0]) < 1e-6 and abs(a[1] - b[1]) < 1e-6


def test_the_desk_shows_the_units_at_a_past_moment_and_goes_back_to_live(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    t = float(int(time.time()) - 1800)
    store_past(hub, t, placed=5)
    feed = QtFeed(hub.stream_url, hub.token["supervisor"])
    desk = themed(DeskWindow(feed, settings=settings(tmp_path)))
    qtbot.addWidget(desk)
    at_1080p(desk)
    assert desk.live_map is not None
    live = desk.live_map.map
    qtbot.waitUntil(lambda: live.is_ready, timeout=15000)
    bar = desk.past.bar

    def past_at(i: int, k: int) -> tuple[float, float]:
        return live._to_map(PAST_LAT + i * 0.002, PAST_LON + k * 0.001, "wgs84")

    async def scenario() -> None:
        feed.start()
        await until(feed.is_live)
        await asyncio.to_thread(hub.move, 1)
        await until(lambda: live.unit_position("U000") is not None)
        assert bar.isVisible() and not bar.banner.isVisible() and not bar.live.isEnabled()

        bar.picker.setDateTime(QDateTime.fromSecsSinceEpoch(int(t)))
        qtbot.mouseClick(bar.go, Qt.MouseButton.LeftButton)
        await until(lambda: desk.past.moment == t)
        # The last fix at or before the moment (20 s before it), not the one after.
        assert near(live.unit_position("U000"), past_at(0, 2))
        assert near(live.unit_position("U004"), past_at(4, 2))
        # No fix within 10 minutes: not on the map at that moment.
        assert live.unit_position("U007") is None
        assert bar.banner.text().startswith(f"回看 {clock_time(t)}")
        assert "有定位 5" in bar.banner.text() and "无定位 7" in bar.banner.text()
        rows = bar.rows()
        assert len(rows) == len(OFFICERS)
        assert [r[2] for r in rows[:5]] == [clock_time(t - 20)] * 5
        assert {r[2] for r in rows[5:]} == {"无定位"}

        # Live fixes keep coming; the map stays at the moment.
        await asyncio.to_thread(hub.move, 2)
        await asyncio.sleep(0.5)
        assert near(live.unit_position("U000"), past_at(0, 2))

        # A minute later: the fix 40 s after the moment is now the last one.
        qtbot.mouseClick(bar.steps[1], Qt.MouseButton.LeftButton)
        await until(lambda: desk.past.moment == t + 60)
        assert near(live.unit_position("U000"), past_at(0, 3))
        assert bar.banner.text().startswith(f"回看 {clock_time(t + 60)}")
        qtbot.mouseClick(bar.steps[-1], Qt.MouseButton.LeftButton)
        await until(lambda: desk.past.moment == t)
        await asyncio.sleep(0.3)  # the map draws the frame before it is grabbed
        shots = os.environ.get("WATCHFLOOR_DESK_PAST_PNG")
        if shots:
            # Close enough to tell the units apart (the desk keeps the operator's view).
            live.set_view(PAST_LAT + 0.004, PAST_LON + 0.002, 15)
            live.flush_now()
            await asyncio.sleep(1.0)
            grab_window(desk).save(shots)

        qtbot.mouseClick(bar.live, Qt.MouseButton.LeftButton)
        assert desk.past.moment is None and not bar.banner.isVisible()
        # Back where the feed says every officer is now (hub.move(2): lon 119.601).
        await until(lambda: near(live.unit_position("U000"), live._to_map(29.08, 119.601, "wgs84")))
        assert live.unit_position("U007") is not None
        await desk.stop()
        await quiesce(desk)
        await feed.stop()

    loop.run_until_complete(scenario())


def test_an_operator_is_not_offered_the_past_and_is_told_it_needs_a_supervisor(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    feed = QtFeed(hub.stream_url, hub.token["operator"])
    desk = DeskWindow(feed, settings=settings(tmp_path), with_map=False)
    qtbot.addWidget(desk)

    async def scenario() -> None:
        feed.start()
        await until(feed.is_live)
        await until(lambda: feed.client.role == "operator")
        await asyncio.sleep(0.1)
        assert not desk.past.bar.isVisibleTo(desk)  # not offered to an operator
        # Asked all the same (an older hub's role table), the refusal is said.
        await desk.past.ask(time.time() - 600)
        assert desk.past.moment is None
        assert bar_text(desk) == "回看需要值班长权限"
        await desk.stop()
        await quiesce(desk)
        await feed.stop()

    loop.run_until_complete(scenario())


def bar_text(desk: DeskWindow) -> str:
    return desk.past.bar.banner.text()


@pytest.mark.usefixtures("english")
def test_the_past_bar_shows_every_control_whole_at_1080p_in_english(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    # Seen on an English desk screenshot: the desk's big Dispatch-sized buttons left "Look
    # back" and "Back to live" cut to "ook bac" and "ack to li" above the map.
    feed = QtFeed(hub.stream_url, hub.token["supervisor"])
    desk = themed(DeskWindow(feed, settings=settings(tmp_path)))
    qtbot.addWidget(desk)
    at_1080p(desk)
    bar = desk.past.bar

    async def scenario() -> None:
        feed.start()
        await until(feed.is_live)
        await until(bar.isVisible)
        # The map dock at 900 px: a first shift's wall PC gave it 957 (the queue's columns
        # take the rest), and an operator may widen the queue further.
        docks = [desk.docks["queue"], desk.docks["map"]]
        desk.resizeDocks(docks, [1020, 900], Qt.Orientation.Horizontal)
        await asyncio.sleep(0.2)
        assert bar.go.text() == "Look back"
        controls = [bar.picker, bar.go, bar.live, *bar.steps.values()]
        cut = {
            (w.objectName(), w.width(), w.sizeHint().width())
            for w in controls
            if w.width() < w.sizeHint().width()
        }
        assert bar.width() <= 900
        assert not cut
        await desk.stop()
        await quiesce(desk)
        await feed.stop()

    loop.run_until_complete(scenario())
