"""Rules that change a wall by themselves (``[[rules]]``): a new priority-1 case, or an
officer's SOS, flies the maps of the windows a rule names to it, and they go back to their
layout's view once the rule's minutes are up. A real hub on loopback, real map pages."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
import qasync

from backend_client.geo import convert
from backend_client.qt import QtFeed
from desktop.layout import LayoutError, load_layout
from desktop.wall import WallShell, WallWindow
from hub.sos import sos_alert
from tests.desktop.test_wall_e2e import page_js, until
from tests.support.hubs import OFFICERS, LiveHub, report
from widgets.map import MapView

pytestmark = pytest.mark.webengine

HOME = (29.085, 119.652, 13)
TWO_MAPS = """\
[[screens]]
screen = "left"
[[screens.panels]]
kind = "map"
options = { center = [29.085, 119.652], zoom = 13 }

[[screens]]
screen = "right"
[[screens.panels]]
kind = "map"
options = { center = [29.085, 119.652], zoom = 13 }

[[rules]]
on = "priority1"
screens = ["left"]
minutes = 0.03
zoom = 17

[[rules]]
on = "sos"
screens = ["left", "right"]
minutes = 0.03
zoom = 16
"""


async def _view(window: WallWindow) -> tuple[float, float, float]:
    state = await page_js(window, "{c: watchfloor.map.getCenter(), z: watchfloor.map.getZoom()}")
    return state["c"]["lat"], state["c"]["lng"], state["z"]


async def _at(window: WallWindow, lat: float, lon: float, zoom: float) -> bool:
    view = window.map
    assert isinstance(view, MapView)
    want = convert(lat, lon, "wgs84", view.datum)
    got = await _view(window)
    # Leaflet centres on a whole pixel: ~20 m at zoom 13 still tells places apart.
    return got[:2] == pytest.approx(want, abs=5e-4) and got[2] == zoom


def test_a_priority_1_case_and_an_sos_fly_the_named_maps_there_and_back(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(TWO_MAPS, encoding="utf-8")
    feed = QtFeed(hub.stream_url, hub.token["wall"])
    shell = WallShell(feed, load_layout(path), windowed=True)
    left, right = shell.windows
    for window in shell.windows:
        qtbot.addWidget(window)
        window.resize(960, 600)
        window.show()

    async def scenario() -> None:
        feed.start()
        await until(lambda: feed.is_live() and all(w.map.is_ready for w in shell.windows))
        for window in shell.windows:
            await until(lambda w=window: _at(w, *HOME))
        # A case of ordinary priority moves nothing.
        body = report("rule-p3", lat=29.07, lon=119.63, priority=3)
        assert (await asyncio.to_thread(hub.post, "/api/v1/reports", body))[0] == 201
        # A priority-1 case: the left map flies there at the rule's zoom; the right stays.
        body = report("rule-p1", lat=29.0712, lon=119.6311, priority=1)
        status, answer = await asyncio.to_thread(hub.post, "/api/v1/reports", body)
        assert status == 201
        await until(lambda: _at(left, 29.0712, 119.6311, 17))
        assert shell.rules.fired == [("priority1", answer["id"], ("left",))]
        assert await _at(right, *HOME)
        # ... and goes back to its layout's view when the minutes are up (1.8 s here).
        await until(lambda: _at(left, *HOME), timeout=10)
        assert shell.rules.holding() == []

        # An SOS: both named maps fly to the officer who pressed it.
        officer = OFFICERS[3]
        hub.move(1)  # every officer has a position
        await until(lambda: feed.client.state.units[officer.id].lat is not None)
        unit = feed.client.state.units[officer.id]
        alert = sos_alert(officer.id, officer.name, time.time(), "终端 T")
        assert await asyncio.to_thread(hub.run, hub.hub.raise_sos(alert))
        for window in shell.windows:
            await until(lambda w=window: _at(w, unit.lat, unit.lon, 16))
        assert set(shell.rules.holding()) == {"left", "right"}
        for window in shell.windows:
            await until(lambda w=window: _at(w, *HOME), timeout=10)
        await feed.stop()

    loop.run_until_complete(scenario())
    shell.close_all()


def test_a_rule_naming_a_screen_the_wall_lacks_is_refused_at_load(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(TWO_MAPS.replace('screens = ["left"]', 'screens = ["centre"]'), "utf-8")
    with pytest.raises(LayoutError) as caught:
        load_layout(path)
    assert "rules[0].screens[0]" in str(caught.value) and "no such screen" in str(caught.value)
