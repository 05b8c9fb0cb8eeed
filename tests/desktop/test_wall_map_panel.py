"""The wall's map panel with a real hub: incidents appear, change and go as cases do,
and the layout's map options reach the map through MapView's public API."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import qasync

from backend_client.qt import QtFeed
from desktop.layout import load_layout
from desktop.wall import WallWindow
from tests.desktop.test_wall_e2e import page_js, until
from tests.support.hubs import LiveHub, report
from widgets.map import MapView

pytestmark = pytest.mark.webengine

MAP_ONLY = """\
[[screens]]
screen = 0
[[screens.panels]]
kind = "map"
options = { center = [29.085, 119.652], zoom = 15, trails = true, trail_minutes = 5 }
"""


def test_incidents_follow_their_cases_on_the_wall_map(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    layout_file = tmp_path / "map.toml"
    layout_file.write_text(MAP_ONLY, encoding="utf-8")
    spec = load_layout(layout_file).screens[0]
    feed = QtFeed(hub.stream_url, hub.token["wall"])
    window = WallWindow(feed, "test-screen", spec=spec)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    view = window.map
    assert isinstance(view, MapView)

    async def incidents() -> dict[str, Any]:
        state: dict[str, Any] = await page_js(window, "watchfloor.incidentState()")
        return state

    async def step(case_id: str, action: str, units: tuple[str, ...] = ()) -> None:
        result = "passed" if action == "check" else ""
        await asyncio.to_thread(
            hub.run,
            hub.hub.apply_case_action(case_id, action, "调度员", units=units, result=result),
        )

    async def scenario() -> None:
        # One case exists before the wall connects: it must come with the snapshot.
        status, before = await asyncio.to_thread(hub.post, "/api/v1/reports", report("8890-a"))
        assert status == 201
        feed.start()
        await until(lambda: view.is_ready and feed.is_live())
        await until(lambda: _has(incidents(), before["id"]))
        stats = await page_js(window, "watchfloor.stats()")
        assert stats["zoom"] == 15  # the layout's center/zoom, not the district fit
        assert view.trails_enabled

        # A report posted while the wall runs appears live, where it was reported.
        status, body = await asyncio.to_thread(
            hub.post, "/api/v1/reports", report("8890-b", lat=29.09, lon=119.66)
        )
        assert status == 201
        case_id = body["id"]
        await until(lambda: _has(incidents(), case_id))
        shown = (await incidents())[case_id]
        assert shown["state"] == "running"
        assert (shown["lat"], shown["lon"]) == pytest.approx((29.09, 119.66), abs=1e-9)

        # Handled in time: the 1-3-15 clock stops, the marker changes state.
        await step(case_id, "accept")
        await step(case_id, "dispatch", ("U001",))
        await step(case_id, "arrive", ("U001",))
        await step(case_id, "handle", ("U001",))
        await until(lambda: _state_is(incidents(), case_id, "met"))

        # Checked on site (issue 18: no close without it), then closed: off the map; the
        # other case stays.
        await step(case_id, "check", ("U001",))
        await step(case_id, "close")
        await until(lambda: _gone(incidents(), case_id))
        assert before["id"] in await incidents()
        await feed.stop()

    loop.run_until_complete(scenario())
    window.close()


async def _has(state: Any, case_id: str) -> bool:
    return case_id in await state


async def _gone(state: Any, case_id: str) -> bool:
    return case_id not in await state


async def _state_is(state: Any, case_id: str, wanted: str) -> bool:
    entry = (await state).get(case_id)
    return entry is not None and entry["state"] == wanted


def test_a_pushed_view_moves_the_wall_map_and_clear_restores_the_layout_view(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    from backend_client.geo import convert

    layout_file = tmp_path / "map.toml"
    layout_file.write_text(MAP_ONLY, encoding="utf-8")
    spec = load_layout(layout_file).screens[0]
    feed = QtFeed(hub.stream_url, hub.token["wall"])
    operator = QtFeed(hub.stream_url, hub.token["operator"])
    window = WallWindow(feed, "test-screen", spec=spec)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    view = window.map
    assert isinstance(view, MapView)

    async def centre() -> tuple[float, float, float]:
        state = await page_js(
            window, "{c: watchfloor.map.getCenter(), z: watchfloor.map.getZoom()}"
        )
        return state["c"]["lat"], state["c"]["lng"], state["z"]

    async def at(lat: float, lon: float, zoom: float) -> bool:
        want = convert(lat, lon, "wgs84", view.datum)
        got = await centre()
        # Leaflet centres on a whole pixel: ~5 m at zoom 15, so 20 m still tells places apart.
        return got[:2] == pytest.approx(want, abs=2e-4) and got[2] == zoom

    async def scenario() -> None:
        feed.start()
        operator.start()
        await until(lambda: view.is_ready and feed.is_live() and operator.is_live())
        await until(lambda: at(29.085, 119.652, 15))  # the layout's own view
        # A push to another wall leaves this one alone ...
        await operator.client.request(
            "wall.push", {"wall": "lobby", "kind": "view", "lat": 29.1, "lon": 119.6}
        )
        await asyncio.sleep(0.5)
        assert await at(29.085, 119.652, 15)
        # ... one to every wall moves it, at street zoom when the push names none.
        await operator.client.request(
            "wall.push", {"kind": "view", "lat": 29.0712, "lon": 119.6311}
        )
        await until(lambda: at(29.0712, 119.6311, 16))
        await operator.client.request("wall.push", {"wall": "demo-wall", "kind": "clear"})
        await until(lambda: at(29.085, 119.652, 15))
        await operator.stop()
        await feed.stop()

    loop.run_until_complete(scenario())
    window.close()
