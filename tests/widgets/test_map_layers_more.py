"""The map's further live layers: officers' heading, merchants, alert rings, incident
clusters, and the live panel feeding them from a real hub.

Page state is read through the page's JS (``watchfloor.*State()``); one view per module
and datum.
"""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import qasync
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from backend_client.geo import wgs84_to_gcj02
from backend_client.protocol.messages import Alert, Fix
from backend_client.qt import QtFeed
from hub.roster import MerchantRecord
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import OFFICERS, TEAMS, LiveHub
from tests.support.pagejs import js, wait_until
from widgets.livemap import LiveMapPanel
from widgets.map import (
    AlertInfo,
    ClockState,
    IncidentInfo,
    MapConfig,
    MapView,
    MerchantInfo,
    UnitInfo,
)

pytestmark = pytest.mark.webengine

NAN = float("nan")


def _close(v: MapView) -> None:
    v.close()
    v.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    QCoreApplication.processEvents()


@pytest.fixture(scope="module")
def view(qapp: Any) -> Iterator[MapView]:
    v = MapView(config=MapConfig())
    v.resize(1200, 800)
    v.show()
    wait_until(lambda: v.is_ready)
    yield v
    _close(v)


@pytest.fixture(scope="module")
def gcj_view(qapp: Any) -> Iterator[MapView]:
    v = MapView(config=MapConfig(datum="gcj02"))
    v.resize(1000, 700)
    v.show()
    wait_until(lambda: v.is_ready)
    yield v
    _close(v)


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    for name in ("view", "gcj_view"):
        if name in request.fixturenames:
            v: MapView = request.getfixturevalue(name)
            v.set_incidents([])
            v.set_alerts([])
            v.set_merchants([])
            v.set_units([])
            v.follow_unit(None)
            v.flush_now()


def sync(view: MapView) -> None:
    view.flush_now()
    target = view.frames_sent
    wait_until(lambda: js(view, "watchfloor.stats().lastSeq") >= target)


def zoom_to(view: MapView, lat: float, lon: float, zoom: float) -> None:
    view.set_view(lat, lon, zoom, datum=view.datum)
    wait_until(lambda: js(view, "watchfloor.stats().zoom") == zoom)


def click(view: MapView, x: float, y: float) -> None:
    target = view.focusProxy()
    assert target is not None
    QTest.mouseClick(
        target,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        QPoint(round(x), round(y)),
    )


def canvas_pixel(view: MapView, cls: str, x: float, y: float) -> list[int]:
    """RGBA of a page canvas at a map container point (CSS pixels)."""
    rgba: list[int] = js(
        view,
        f"""(function () {{
            var c = document.querySelector("canvas.{cls}");
            var cr = c.getBoundingClientRect();
            var mr = watchfloor.map.getContainer().getBoundingClientRect();
            var k = c.width / cr.width;
            var d = c.getContext("2d").getImageData(
                Math.round(({x} + mr.left - cr.left) * k), Math.round(({y} + mr.top - cr.top) * k),
                1, 1).data;
            return [d[0], d[1], d[2], d[3]];
        }})()""",
    )
    return rgba


# ---- heading ----------------------------------------------------------------------------


def test_moving_officers_show_their_heading_at_street_zoom_only(view: MapView) -> None:
    at = (29.08, 119.64)
    ids = ["fast", "still", "enroute", "parked"]
    view.set_units(
        [
            UnitInfo("fast", "快", "t", "#40c4ff", "available"),
            UnitInfo("still", "停", "t", "#40c4ff", "available"),
            UnitInfo("enroute", "途", "t", "#40c4ff", "en_route"),
            UnitInfo("parked", "驻", "t", "#40c4ff", "available"),
        ]
    )
    lat = np.array([at[0], at[0] + 0.002, at[0] - 0.002, at[0]])
    lon = np.array([at[1], at[1], at[1], at[1] + 0.003])
    # fast: 4 m/s due north; still: 0.2 m/s (GPS drift, heading meaningless); enroute: no
    # speed but heading and a travelling status; parked: no speed, not travelling.
    view.update_units(
        ids,
        lat,
        lon,
        heading=np.array([360.2, 45.0, 200.4, 10.0]),
        speed=np.array([4.0, 0.2, NAN, NAN]),
    )
    sync(view)
    zoom_to(view, at[0], at[1], 16)
    wait_until(lambda: js(view, "watchfloor.headingState().drawn") == {"fast": 0, "enroute": 200})

    # Drawn where it points: white just north of the northbound officer, not south of it.
    p = js(view, "watchfloor.unitContainerPoint('fast')")
    r = 9  # the dot's radius at zoom 16
    ahead = canvas_pixel(view, "wf-units", p["x"], p["y"] - r - 6)
    behind = canvas_pixel(view, "wf-units", p["x"], p["y"] + r + 6)
    assert ahead[3] > 200 and min(ahead[:3]) > 200, ahead
    assert behind[3] == 0, behind

    # District zoom: the arrows go (the heading stays known to the page).
    zoom_to(view, at[0], at[1], 12)
    wait_until(lambda: js(view, "watchfloor.headingState().drawn") == {})
    assert js(view, "watchfloor.headingState().headings") == {"fast": 0, "enroute": 200}

    # The officer stops: a fix with speed 0 takes the arrow away.
    view.update_units(["fast"], lat[:1], lon[:1], heading=np.array([0.0]), speed=np.array([0.0]))
    sync(view)
    assert js(view, "watchfloor.headingState().headings") == {"enroute": 200}


# ---- merchants --------------------------------------------------------------------------

MERCHANTS = [
    MerchantInfo("M-hi", "老王面馆", "餐饮", 3, 29.0800, 119.6400),
    MerchantInfo("M-mid", "汽修一号", "汽修", 2, 29.0812, 119.6421),
    MerchantInfo("M-lo", "城西便利店", "便利店", 1, 29.0790, 119.6380),
]


def test_merchants_sit_at_their_converted_position_styled_by_risk(gcj_view: MapView) -> None:
    view = gcj_view
    view.set_merchants(MERCHANTS)
    wait_until(lambda: js(view, "watchfloor.merchantState().count") == 3)
    items = js(view, "watchfloor.merchantState().items")
    for m in MERCHANTS:
        glat, glon = wgs84_to_gcj02(m.lat, m.lon)
        # GCJ-02 moves Jinhua ~500 m; the page must hold the shifted point (to ~1 cm).
        assert abs(items[m.id]["lat"] - glat) < 2e-7 and abs(items[m.id]["lon"] - glon) < 2e-7
        assert abs(items[m.id]["lat"] - m.lat) > 1e-3 or abs(items[m.id]["lon"] - m.lon) > 1e-3
    assert items["M-hi"]["glyph"] == "餐"
    fills = {k: v["fill"] for k, v in items.items()}
    assert len(set(fills.values())) == 3  # three risk levels, three colours
    assert items["M-hi"]["half"] > items["M-mid"]["half"] > items["M-lo"]["half"]

    glat, glon = wgs84_to_gcj02(29.08, 119.64)
    zoom_to(view, glat, glon, 12)
    # District zoom: only the high-risk shop stays on the map.
    items = js(view, "watchfloor.merchantState().items")
    assert {k for k, v in items.items() if v["shown"]} == {"M-hi"}
    assert js(view, "watchfloor.merchantState().drawn") == 1
    zoom_to(view, glat, glon, 16)
    assert js(view, "watchfloor.merchantState().drawn") == 3
    # Painted where the page says it is, in the high-risk colour.
    p = js(view, "watchfloor.merchantContainerPoint('M-hi')")
    painted = canvas_pixel(view, "wf-merchants", p["x"] + 7, p["y"])
    assert max(abs(a - b) for a, b in zip(painted[:3], (0xFF, 0x4F, 0x6E), strict=True)) <= 12

    view.show_merchants(False)
    wait_until(lambda: js(view, "watchfloor.merchantState().drawn") == 0)
    view.show_merchants(True)
    wait_until(lambda: js(view, "watchfloor.merchantState().drawn") == 3)


def test_clicking_a_merchant_emits_its_id(gcj_view: MapView, qtbot: QtBot) -> None:
    view = gcj_view
    view.set_merchants(MERCHANTS)
    glat, glon = wgs84_to_gcj02(29.08, 119.64)
    zoom_to(view, glat, glon, 16)
    wait_until(lambda: js(view, "watchfloor.merchantState().drawn") == 3)
    p = js(view, "watchfloor.merchantContainerPoint('M-mid')")
    with qtbot.waitSignal(view.entityClicked, timeout=5000) as blocker:
        click(view, p["x"] + 2, p["y"] - 2)
    assert blocker.args == ["merchant", "M-mid"]
    # An officer standing on the shop wins the click: it is drawn on top.
    view.set_units([UnitInfo("u1", "甲", "t", "#40c4ff", "available")])
    m = js(view, "watchfloor.merchantState().items['M-mid']")
    view.update_units(["u1"], [m["lat"]], [m["lon"]], datum="gcj02")
    sync(view)
    with qtbot.waitSignal(view.entityClicked, timeout=5000) as blocker:
        click(view, p["x"], p["y"])
    assert blocker.args == ["unit", "u1"]


def test_merchant_risk_reads_names_and_numbers() -> None:
    wire = {"id": "M9", "name": "x", "category": "娱乐", "risk": "high", "lat": 29.1, "lon": 119.6}
    assert MerchantInfo.from_wire(wire) == MerchantInfo("M9", "x", "娱乐", 3, 29.1, 119.6)
    assert MerchantInfo.from_wire({**wire, "risk": 2}).risk == 2  # type: ignore[union-attr]
    assert MerchantInfo.from_wire({**wire, "lat": None}) is None
    with pytest.raises(ValueError):
        MerchantInfo.from_wire({**wire, "risk": 7})


# ---- alerts -----------------------------------------------------------------------------


def test_alert_ring_follows_its_officer_and_goes_on_clear(view: MapView) -> None:
    view.set_units([UnitInfo("u7", "乙", "t", "#40c4ff", "available")])
    view.update_units(["u7"], [29.08], [119.64])
    sync(view)
    view.fit_wucheng()
    view.set_alerts([AlertInfo("a1", "u7", 3, "outside_zone", "unit"), AlertInfo("a2", "ghost", 1)])
    wait_until(lambda: len(js(view, "watchfloor.alertState()")) == 2)
    state = js(view, "watchfloor.alertState()")
    assert state["a1"]["shown"]
    # The officer's position as the page holds it (float32 offsets: ~1e-9 degrees off).
    assert abs(state["a1"]["lat"] - 29.08) < 1e-7 and abs(state["a1"]["lon"] - 119.64) < 1e-7
    assert "wf-alert-s3" in state["a1"]["className"]
    assert state["a1"]["animation"] == "wf-alert-pulse"
    assert not state["a2"]["shown"]  # a subject the map does not know: no ring

    view.update_units(["u7"], [29.09], [119.65])
    sync(view)
    state = js(view, "watchfloor.alertState()")["a1"]
    assert abs(state["lat"] - 29.09) < 1e-6 and abs(state["lon"] - 119.65) < 1e-6
    ring = js(
        view,
        "watchfloor.map.latLngToContainerPoint("
        "Object.values(watchfloor.alertState()).filter(a => a.subject === 'u7')"
        ".map(a => [a.lat, a.lon])[0])",
    )
    unit = js(view, "watchfloor.unitContainerPoint('u7')")
    assert math.hypot(ring["x"] - unit["x"], ring["y"] - unit["y"]) < 1.0

    view.remove_alert("a1")
    wait_until(lambda: "a1" not in js(view, "watchfloor.alertState()"))
    assert js(view, "document.querySelectorAll('.wf-alert-s3').length") == 0


def test_alert_rings_find_incidents_and_merchants(view: MapView) -> None:
    view.set_incidents([IncidentInfo("c-1", 29.07, 119.62, "油烟扰民", 2, clock="missed")])
    view.set_merchants([MerchantInfo("M-1", "店", "餐饮", 3, 29.06, 119.61)])
    view.set_alerts(
        [
            AlertInfo.from_alert(Alert(id="s", kind="sla_missed", subject="c-1", ts=0, severity=3)),
            AlertInfo.from_alert(
                Alert(id="r", kind="repeat_complaints", subject="M-1", ts=0, severity=2)
            ),
        ]
    )
    wait_until(lambda: len(js(view, "watchfloor.alertState()")) == 2)
    state = js(view, "watchfloor.alertState()")
    assert (state["s"]["lat"], state["s"]["lon"]) == (29.07, 119.62)
    assert (state["r"]["lat"], state["r"]["lon"]) == (29.06, 119.61)
    assert "wf-alert-s2" in state["r"]["className"]


# ---- incident clusters --------------------------------------------------------------------


def test_incidents_cluster_at_district_zoom_and_split_when_zoomed_in(
    view: MapView, qtbot: QtBot
) -> None:
    far = time.time() + 3600
    here = (29.08, 119.64)
    running: list[tuple[ClockState, float | None]] = [("running", far)] * 4
    met: list[tuple[ClockState, float | None]] = [("met", None)] * 5
    clocks = running + met + [("none", None)]
    items = [
        IncidentInfo(f"q{k}", here[0], here[1] + k * 1e-5, "占道经营", 3, clock=c, deadline=d)
        for k, (c, d) in enumerate(clocks)
    ]
    items += [
        # Always their own marker: the operator must see these.
        IncidentInfo("q-missed", here[0] - 0.02, here[1], "油烟扰民", 3, clock="missed"),
        IncidentInfo("q-p1", here[0] + 0.02, here[1], "噪声扰民", 1, clock="met"),
        # Two quiet ones elsewhere: too few to cluster.
        IncidentInfo("w1", 29.03, 119.55, "违章停车", 4, clock="met"),
        IncidentInfo("w2", 29.03, 119.55, "违章停车", 4, clock="met"),
    ]
    view.set_incidents(items)
    zoom_to(view, here[0], here[1], 11)
    wait_until(lambda: len(js(view, "watchfloor.clusterState().clusters")) == 1)
    (cluster,) = js(view, "watchfloor.clusterState().clusters")
    assert cluster["count"] == 10
    assert cluster["state"] == "running"  # the worst clock inside
    assert cluster["ids"] == sorted(f"q{k}" for k in range(10))
    shown = {k for k, v in js(view, "watchfloor.incidentState()").items() if v["shown"]}
    assert shown == {"q-missed", "q-p1", "w1", "w2"}

    # A running clock that runs out leaves its cluster: missed incidents stand alone.
    view.update_incident(IncidentInfo("q0", here[0] - 0.02, here[1], "占道经营", 3, clock="missed"))
    wait_until(lambda: js(view, "watchfloor.clusterState().clusters[0].count") == 9)

    # Clicking the badge zooms in far enough that it falls apart.
    cluster = js(view, "watchfloor.clusterState().clusters[0]")
    click(view, cluster["x"], cluster["y"])
    wait_until(lambda: js(view, "watchfloor.stats().zoom") >= 13)
    assert js(view, "watchfloor.clusterState().clusters") == []
    state = js(view, "watchfloor.incidentState()")
    assert all(v["shown"] for v in state.values())


def test_hundreds_of_incidents_stay_cheap_and_readable(view: MapView) -> None:
    rng = np.random.default_rng(3)
    lat = 29.08 + rng.normal(0, 0.01, 400)
    lon = 119.64 + rng.normal(0, 0.012, 400)
    view.set_incidents(
        [IncidentInfo(f"n{k}", float(lat[k]), float(lon[k]), "占道经营", 3) for k in range(400)]
    )
    zoom_to(view, 29.08, 119.64, 11)
    wait_until(lambda: len(js(view, "watchfloor.incidentState()")) == 400)
    clusters = js(view, "watchfloor.clusterState().clusters")
    shown = sum(v["shown"] for v in js(view, "watchfloor.incidentState()").values())
    assert sum(c["count"] for c in clusters) + shown == 400
    # A few dozen things on screen, not 400 overlapping squares.
    assert len(clusters) + shown < 60
    t = js(
        view,
        "(function(){var t=performance.now(); watchfloor.map.fire('zoomend');"
        " return performance.now()-t;})()",
    )
    assert t < 100  # regrouping on a zoom is a small fraction of a frame budget's worth


# ---- the live panel, from a real hub --------------------------------------------------------

SEEDED = [
    MerchantRecord("M1", "老王面馆", "92330702MA2X00001A", "八一北街1号", "餐饮", 3, 29.08, 119.64),
    MerchantRecord("M2", "城西便利店", "92330702MA2X00002B", "回溪街8号", "便利店", 1, 29.1, 119.6),
]


def test_live_panel_fetches_merchants_and_draws_heading_from_the_hub(
    hub: LiveHub, loop: qasync.QEventLoop, qtbot: QtBot, gc_on_gui_thread: None
) -> None:
    hub.run(hub.hub.seed(TEAMS, OFFICERS, SEEDED))
    feed = QtFeed(hub.stream_url, hub.token["wall"])
    panel = LiveMapPanel(feed)
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    mover = OFFICERS[0].id

    async def scenario() -> None:
        feed.start()
        await until(lambda: panel.merchants_loaded and panel.map.is_ready)
        fixes = [Fix(id=mover, lat=29.08, lon=119.64, ts=time.time(), speed=3.0, heading=135.0)]

        async def offer() -> None:
            hub.hub.offer_fixes(fixes)
            await hub.hub.flush_positions()

        hub.run(offer())
        await until(lambda: panel.map.unit_position(mover) is not None)
        await feed.stop()

    loop.run_until_complete(scenario())
    assert {m.id: m.risk for m in panel.map.merchants} == {"M1": 3, "M2": 1}
    wait_until(lambda: js(panel.map, "watchfloor.merchantState().count") == 2)
    wait_until(lambda: js(panel.map, "watchfloor.headingState().headings") == {mover: 135})


def test_live_panel_rings_alerts_from_the_feed(
    qapp: Any, qtbot: QtBot, gc_on_gui_thread: None
) -> None:
    # A feed that never connects: the alert signals are the feed's own, emitted as the
    # transport would on alert.new / alert.clear.
    feed = QtFeed("ws://127.0.0.1:9/stream", "x")
    panel = LiveMapPanel(feed)
    qtbot.addWidget(panel)
    alert = Alert(id="officer_idle:U001@1", kind="officer_idle", subject="U001", ts=1.0, severity=1)
    feed.alertChanged.emit(alert.id, alert)
    assert [(a.id, a.subject_kind, a.severity) for a in panel.map.alerts] == [(alert.id, "unit", 1)]
    feed.alertChanged.emit(alert.id, None)
    assert panel.map.alerts == ()


# ---- the frame format (headless) ------------------------------------------------------------


def test_frames_carry_headings_only_for_moving_officers() -> None:
    from widgets.map.units import UnitTable

    table = UnitTable((29.0, 119.6))
    table.set_units([UnitInfo(f"u{i}", "n", "t", "#fff", "available") for i in range(3)])
    ids = ["u0", "u1", "u2"]
    table.update(ids, np.full(3, 29.0), np.full(3, 119.6))
    assert "hd" not in table.take_frame()  # type: ignore[operator]  # positions only
    table.update(
        ids,
        np.full(3, 29.0),
        np.full(3, 119.6),
        heading=np.array([359.7, 90.0, 180.0]),
        speed=np.array([2.0, 0.1, NAN]),
    )
    frame = table.take_frame()
    assert frame is not None
    hd = np.frombuffer(base64.b64decode(frame["hd"]), dtype=np.int16)
    assert hd.tolist() == [0, -1, -1]  # 359.7 rounds to north; slow and unknown: none
    # Heading but no speed: an arrow only once the status says the officer travels.
    table.set_status("u2", "en_route")
    frame = table.take_frame()
    assert frame is not None
    idx = np.frombuffer(base64.b64decode(frame["idx"]), dtype=np.uint32).tolist()
    hd = np.frombuffer(base64.b64decode(frame["hd"]), dtype=np.int16)
    assert dict(zip(idx, hd.tolist(), strict=True)) == {2: 180}
