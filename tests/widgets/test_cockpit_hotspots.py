"""The cockpit map's hotspot layer on a real hub over loopback: cases reported through the
hub become heat cells and, three of one category at one place, a labelled recurrence
point on the page; clearing removes them."""

from __future__ import annotations

from typing import Any

import qasync
from PySide6.QtCore import QCoreApplication, QEvent
from pytestqt.qtbot import QtBot

from backend_client.qt import QtFeed
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import LiveHub, report
from tests.support.pagejs import js, wait_until
from widgets.cockpit.hotspots import HotspotLayer
from widgets.map import MapConfig, MapView

PLACES = [
    ("z1", 29.10001, 119.65001, "渣土撒漏"),
    ("z2", 29.10003, 119.65002, "渣土撒漏"),
    ("z3", 29.10002, 119.65004, "渣土撒漏"),
    ("a1", 29.10002, 119.65003, "占道经营"),
    ("far", 29.0500, 119.6000, "噪声扰民"),
]


def test_reported_cases_become_heat_and_a_recurrence_point(
    hub: LiveHub, loop: qasync.QEventLoop, qtbot: QtBot, gc_on_gui_thread: None
) -> None:
    for name, lat, lon, category in PLACES:
        status, answer = hub.post(
            "/api/v1/reports", report(f"heat-{name}", category=category, lat=lat, lon=lon)
        )
        assert status == 201, answer
    feed = QtFeed(hub.stream_url, hub.token["wall"])
    view = MapView(config=MapConfig())
    view.resize(900, 600)
    view.show()
    layer = HotspotLayer(view, feed, 30)

    async def scenario() -> None:
        feed.start()
        await until(lambda: view.is_ready and layer.query.answer is not None)
        layer.query.stop()
        await feed.stop()

    try:
        loop.run_until_complete(scenario())
        hotspots = view.hotspots
        assert hotspots is not None
        # Two cells: the four cases at one street corner, and the one far away.
        assert sorted(count for _, _, count in hotspots.cells) == [1, 4]
        # Issue 18: stored as the class's name (渣土撒漏 is an alias of 道路遗撒).
        assert [(p.count, p.label) for p in hotspots.points] == [(3, "道路遗撒 ×3")]
        wait_until(lambda: (js(view, "watchfloor.hotspotState()") or {}).get("drawn") is True)
        state: dict[str, Any] = js(view, "watchfloor.hotspotState()")
        assert state["cells"] == 2 and state["points"] == 1 and state["most"] == 4
        assert state["labels"] == ["道路遗撒 ×3"]
        view.show_hotspots(None)
        wait_until(lambda: js(view, "watchfloor.hotspotState()") is None)
    finally:
        view.close()
        view.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        QCoreApplication.processEvents()
