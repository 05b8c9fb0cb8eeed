"""Vehicles on the live map: the same canvas layer and typed arrays as officers, a per-slot
kind, a rounded square instead of a dot, the plate as label at street zoom.

Page state and pixels are read through the page's JS, as in ``test_map_layers_more``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import qasync
from pytestqt.qtbot import QtBot

from backend_client.protocol.messages import Fix
from backend_client.qt import QtFeed
from hub.roster import OfficerRecord
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import TEAMS, LiveHub
from tests.support.pagejs import js, wait_until
from tests.widgets.test_map_layers_more import _close, canvas_pixel, sync, zoom_to
from widgets.livemap import LiveMapPanel
from widgets.map import MapConfig, MapView, UnitInfo
from widgets.map.units import UnitTable

PLATE = "浙G·A1234"
TEAM_RGB = (0x40, 0xC4, 0xFF)
AT = (29.08, 119.64)


@pytest.fixture(scope="module")
def view(qapp: Any) -> Iterator[MapView]:
    v = MapView(config=MapConfig())
    v.resize(1000, 700)
    v.show()
    wait_until(lambda: v.is_ready)
    yield v
    _close(v)


def _near(rgba: list[int], rgb: tuple[int, int, int], tol: int = 12) -> bool:
    return rgba[3] > 240 and all(abs(a - b) <= tol for a, b in zip(rgba[:3], rgb, strict=True))


def team_pixels(view: MapView, at: dict[str, float], half: int = 12) -> tuple[int, int]:
    """Team-coloured pixels of the units' canvas in a box around a container point:
    (all, those more than 5 px out from the centre both ways)."""
    r, g, b = TEAM_RGB
    counts: list[int] = js(
        view,
        f"""(function () {{
            var c = document.querySelector("canvas.wf-units");
            var cr = c.getBoundingClientRect();
            var mr = watchfloor.map.getContainer().getBoundingClientRect();
            var cx = Math.round({at["x"]} + mr.left - cr.left);
            var cy = Math.round({at["y"]} + mr.top - cr.top);
            var h = {half}, w = 2 * h + 1;
            var d = c.getContext("2d").getImageData(cx - h, cy - h, w, w).data;
            var all = 0, corners = 0;
            for (var y = -h; y <= h; y++) for (var x = -h; x <= h; x++) {{
                var k = 4 * ((y + h) * w + x + h);
                if (d[k + 3] > 240 && Math.abs(d[k] - {r}) < 13 && Math.abs(d[k + 1] - {g}) < 13
                    && Math.abs(d[k + 2] - {b}) < 13) {{
                    all += 1;
                    if (Math.abs(x) > 5 && Math.abs(y) > 5) corners += 1;
                }}
            }}
            return [all, corners];
        }})()""",
    )
    return counts[0], counts[1]


@pytest.mark.webengine
def test_a_vehicle_is_a_rounded_square_labelled_by_its_plate(view: MapView) -> None:
    view.set_units(
        [
            UnitInfo("U1", "张三", "cz", "#40c4ff", "available"),
            UnitInfo("V1", "城中片区01号执法车", "cz", "#40c4ff", "available", "vehicle", PLATE),
        ]
    )
    # 0.002 deg apart: ~90 px at zoom 16. The car drives east at 10 m/s.
    view.update_units(
        ["U1", "V1"],
        np.array([AT[0], AT[0]]),
        np.array([AT[1], AT[1] + 0.002]),
        heading=np.array([np.nan, 90.0]),
        speed=np.array([0.0, 10.0]),
    )
    sync(view)
    zoom_to(view, AT[0], AT[1] + 0.001, 16)
    wait_until(lambda: js(view, "watchfloor.unitState()")["labelled"])
    state = js(view, "watchfloor.unitState()")
    assert state["units"]["V1"]["kind"] == "vehicle" and state["units"]["V1"]["plate"] == PLATE
    assert state["units"]["U1"]["kind"] == "officer" and state["units"]["U1"]["plate"] == ""
    # At street zoom the car is known by its plate, the officer by name.
    assert sorted(state["labels"]) == sorted([PLATE, "张三"])
    wait_until(lambda: js(view, "watchfloor.headingState().drawn") == {"V1": 90})

    officer = js(view, "watchfloor.unitContainerPoint('U1')")
    car = js(view, "watchfloor.unitContainerPoint('V1')")
    # Same team, same status: the same colour at the centre of both symbols...
    assert _near(canvas_pixel(view, "wf-units", officer["x"], officer["y"]), TEAM_RGB)
    assert _near(canvas_pixel(view, "wf-units", car["x"], car["y"]), TEAM_RGB)
    # ...but a different symbol: the square fills its corners, where the dot has none.
    # Counted over the symbol's box (the sprite lands on whole pixels, so single probes
    # would hang on rounding): team-coloured pixels in all, and in the corner squares
    # (more than 5 px out both ways).
    car_all, car_corners = team_pixels(view, car)
    officer_all, officer_corners = team_pixels(view, officer)
    assert car_all > 1.15 * officer_all, (car_all, officer_all)
    assert car_corners >= 16 and officer_corners <= 4, (car_corners, officer_corners)

    # District zoom: no labels; the kinds stay in the page's arrays.
    zoom_to(view, AT[0], AT[1], 12)
    wait_until(lambda: not js(view, "watchfloor.unitState()")["labelled"])
    assert js(view, "watchfloor.unitState().units.V1.kind") == "vehicle"
    view.set_units([])
    view.flush_now()


def test_the_metadata_carries_a_kind_and_a_plate_per_slot() -> None:
    table = UnitTable((29.0, 119.6))
    table.set_units(
        [
            UnitInfo("U1", "张三", "cz", "#40c4ff", "available"),
            UnitInfo("V1", "执法车", "cz", "#40c4ff", "available", "vehicle", PLATE),
            UnitInfo("D1", "无人机", "cz", "#40c4ff", "available", "drone"),
        ]
    )
    meta = table.take_meta()
    assert meta is not None
    # A kind the map does not know is drawn as an officer (code 0).
    assert meta["kinds"] == [0, 1, 0] and meta["plates"] == ["", PLATE, ""]
    assert table.take_meta() is None
    # A status change keeps the kind; a changed plate resends the metadata from its slot.
    table.set_status("V1", "busy")
    assert table.units[1].kind == "vehicle" and table.units[1].plate == PLATE
    assert table.take_meta() is None
    table.upsert([UnitInfo("V1", "执法车", "cz", "#40c4ff", "busy", "vehicle", "浙G·B5678")])
    meta = table.take_meta()
    assert meta is not None and meta["start"] == 1 and meta["plates"][0] == "浙G·B5678"


CAR = OfficerRecord(
    "V001", "城中片区01号执法车", "", TEAMS[0].id, "014707020001", "available", "vehicle", PLATE
)


@pytest.mark.webengine
def test_the_live_panel_draws_the_vehicles_the_hub_announces(
    hub: LiveHub, loop: qasync.QEventLoop, qtbot: QtBot, gc_on_gui_thread: None
) -> None:
    hub.run(hub.hub.seed(TEAMS, [CAR]))
    feed = QtFeed(hub.stream_url, hub.token["wall"])
    panel = LiveMapPanel(feed)
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()

    async def scenario() -> None:
        feed.start()
        await until(lambda: panel.map.is_ready and CAR.id in feed.state.units)
        fixes = [Fix(id=CAR.id, lat=29.08, lon=119.64, ts=time.time(), speed=9.0, heading=45.0)]

        async def offer() -> None:
            hub.hub.offer_fixes(fixes)
            await hub.hub.flush_positions()

        hub.run(offer())
        await until(lambda: panel.map.unit_position(CAR.id) is not None)
        await feed.stop()

    loop.run_until_complete(scenario())
    wait_until(lambda: js(panel.map, "watchfloor.unitState().units.V001.kind") == "vehicle")
    assert js(panel.map, "watchfloor.unitState().units.V001.plate") == PLATE
    assert js(panel.map, "watchfloor.unitState().units.U000.kind") == "officer"
