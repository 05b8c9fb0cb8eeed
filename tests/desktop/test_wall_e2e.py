"""End to end: a real hub on loopback, the real wall window, markers read back from the page."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
import qasync

from backend_client.qt import QtFeed
from desktop.wall import WallWindow
from tests.support.hubs import OFFICERS, LiveHub, report

pytestmark = pytest.mark.webengine


async def page_js(window: WallWindow, expression: str) -> Any:
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def done(value: Any) -> None:
        if not future.done():
            future.set_result(json.loads(value) if isinstance(value, str) else value)

    window.map.page().runJavaScript(f"JSON.stringify({expression})", 0, done)
    return await asyncio.wait_for(future, 5)


async def until(check: Callable[[], Any], timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def test_officers_move_on_the_wall_map(hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any) -> None:
    feed = QtFeed(hub.stream_url, hub.token["wall"])
    window = WallWindow(feed, "test-screen")
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()

    async def lon_of(unit_id: str) -> float | None:
        state = await page_js(window, "watchfloor.unitState()")
        unit = state["units"].get(unit_id)
        return None if unit is None or unit["lon"] is None else float(unit["lon"])

    async def scenario() -> None:
        feed.start()
        await until(lambda: window.map.is_ready and feed.is_live())
        await asyncio.to_thread(hub.move, 1)
        target = 119.60 + 1 * 0.0005
        await until(lambda: _near(lon_of("U003"), target))
        first = await page_js(window, "watchfloor.unitState()")
        assert first["count"] == len(OFFICERS)
        await asyncio.to_thread(hub.move, 8)
        moved_to = 119.60 + 8 * 0.0005
        await until(lambda: _near(lon_of("U003"), moved_to))
        second = await page_js(window, "watchfloor.unitState()")
        moved = [
            uid
            for uid in first["units"]
            if first["units"][uid]["lon"] != second["units"][uid]["lon"]
        ]
        assert sorted(moved) == sorted(o.id for o in OFFICERS)
        assert second["units"]["U003"]["lat"] == pytest.approx(29.08 + 3 * 0.001, abs=1e-6)
        assert second["batches"] > first["batches"]

        status, _ = await asyncio.to_thread(hub.post, "/api/v1/reports", report("8890-e2e"))
        assert status == 201
        await until(lambda: any("占道经营" in item for item in window.ticker.items))
        await until(lambda: "在办案件 1" in window.counters.text())

        await asyncio.to_thread(hub.stop)
        await until(lambda: window.banner.isVisible() and window.banner.link == "offline")
        assert "数据中断" in window.banner.text()
        await feed.stop()

    loop.run_until_complete(scenario())
    window.close()


async def _near(value: Any, target: float) -> bool:
    got = await value
    return got is not None and abs(got - target) < 1e-7
