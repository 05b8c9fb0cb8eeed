"""MapView end to end in QtWebEngine (offscreen): page, bridge, positions, clicks, offline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt, QUrl
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWebEngineCore import QWebEngineProfile, QWebEngineUrlRequestInterceptor

from backend_client.geo import wgs84_to_gcj02_array
from tests.support.pagejs import js, wait_until
from widgets.map import MapConfig, MapView, UnitInfo
from widgets.map.page import MAP_SCRIPTS, build_map_html
from widgets.map.scheme import BASE_URL, RESOURCES_DIR, app_scheme_handler

pytestmark = pytest.mark.webengine

TEAM_COLOURS = ["#3ddc84", "#ffb300", "#40c4ff", "#e040fb"]


class RecordingInterceptor(QWebEngineUrlRequestInterceptor):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def interceptRequest(self, info: Any) -> None:
        url = info.requestUrl()
        self.urls.append(url.toString())
        if url.scheme() in ("http", "https", "ws", "wss", "ftp"):
            info.block(True)


def make_view(qapp: Any, **config: Any) -> MapView:
    view = MapView(config=MapConfig(**config))
    view.resize(1200, 800)
    view.show()
    return view


def close_view(view: MapView) -> None:
    view.close()
    view.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    QCoreApplication.processEvents()


def wait_for_pixel(view: MapView, x: float, y: float, colour: str) -> None:
    """The compositor shows a frame a little after JS painted it: poll the grab."""
    wait_until(
        lambda: view.grab().toImage().pixelColor(round(x), round(y)) == QColor(colour),
        timeout=3.0,
    )


@pytest.fixture(scope="module")
def interceptor(qapp: Any) -> Iterator[RecordingInterceptor]:
    rec = RecordingInterceptor()
    QWebEngineProfile.defaultProfile().setUrlRequestInterceptor(rec)
    yield rec
    QWebEngineProfile.defaultProfile().setUrlRequestInterceptor(None)


@pytest.fixture(scope="module")
def view(qapp: Any, interceptor: RecordingInterceptor) -> Iterator[MapView]:
    v = make_view(qapp)
    wait_until(lambda: v.is_ready)
    yield v
    close_view(v)


def roster(n: int, prefix: str = "u") -> list[UnitInfo]:
    return [
        UnitInfo(f"{prefix}{i}", f"队员{i}", f"team{i % 4}", TEAM_COLOURS[i % 4], "on_duty")
        for i in range(n)
    ]


def wucheng_positions(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(29.02, 29.12, n), rng.uniform(119.55, 119.70, n)


def sync(view: MapView) -> int:
    """Send what is pending now and wait until the page has applied it."""
    view.flush_now()
    target = view.frames_sent
    wait_until(lambda: js(view, "watchfloor.stats().lastSeq") >= target)
    return target


def test_page_and_bridge_come_up_with_the_base_layer(view: MapView):
    assert js(view, "document.querySelector('.wf-label-focus').textContent") == "婺城区"
    labels = js(view, "Array.from(document.querySelectorAll('.wf-label')).length")
    assert labels == 9  # Wucheng plus the other eight districts and counties of Jinhua
    # The view starts framed on Wucheng, whose centre is near lon 119.53, lat 28.99.
    centre = js(view, "[watchfloor.map.getCenter().lat, watchfloor.map.getCenter().lng]")
    assert abs(centre[0] - 28.99) < 0.1 and abs(centre[1] - 119.53) < 0.1


def test_positions_land_where_they_were_sent_and_move_on_the_next_batch(view: MapView):
    units = roster(300)
    ids = [u.id for u in units]
    view.set_units(units)
    lat, lon = wucheng_positions(300, seed=1)
    view.update_units(ids, lat, lon)
    sync(view)
    state = js(view, "watchfloor.unitState()")
    got = np.array([[state["units"][i]["lat"], state["units"][i]["lon"]] for i in ids])
    # float32 offsets from a float64 origin: well under a millimetre (1e-8 deg).
    assert np.abs(got[:, 0] - lat).max() < 1e-8
    assert np.abs(got[:, 1] - lon).max() < 1e-8
    assert state["units"]["u5"]["name"] == "队员5"
    assert state["units"]["u5"]["colour"] == TEAM_COLOURS[1]

    batches = state["batches"]
    lat2, lon2 = lat + 0.001, lon - 0.002
    view.update_units(ids[:150], lat2[:150], lon2[:150])
    sync(view)
    state = js(view, "watchfloor.unitState()")
    assert state["batches"] == batches + 1
    assert abs(state["units"]["u10"]["lat"] - lat2[10]) < 1e-8
    assert abs(state["units"]["u10"]["lon"] - lon2[10]) < 1e-8
    # Officers not in the second batch stay where they were.
    assert abs(state["units"]["u200"]["lat"] - lat[200]) < 1e-8


def test_bursts_are_coalesced_into_one_frame_carrying_the_latest_fix(view: MapView):
    view.set_units(roster(50))
    sync(view)
    before_frames = view.frames_sent
    before_batches = js(view, "watchfloor.stats().batches")
    for step in range(100):
        view.update_units(["u7"], np.array([29.05 + step * 1e-4]), np.array([119.6]))
    wait_until(lambda: view.frames_sent > before_frames)
    QTest.qWait(100)  # a second, spurious frame would have been sent by now
    assert view.frames_sent == before_frames + 1
    wait_until(lambda: js(view, "watchfloor.stats().batches") == before_batches + 1)
    state = js(view, "watchfloor.unitState()")
    assert abs(state["units"]["u7"]["lat"] - (29.05 + 99 * 1e-4)) < 1e-8


def test_status_and_unknown_officers(view: MapView):
    view.set_units(roster(10))
    view.update_units(["u3"], np.array([29.06]), np.array([119.61]))
    view.set_unit_status("u3", "sos")
    # A fix for an officer the roster does not name yet is still shown.
    view.update_units(["stranger"], np.array([29.07]), np.array([119.62]))
    sync(view)
    state = js(view, "watchfloor.unitState()")
    assert state["units"]["u3"]["status"] == "sos"
    assert state["units"]["u4"]["status"] == "on_duty"
    assert state["count"] == 11
    assert abs(state["units"]["stranger"]["lon"] - 119.62) < 1e-8
    with pytest.raises(KeyError):
        view.set_unit_status("nobody", "busy")


def test_click_on_an_officer_emits_its_id(view: MapView, qtbot):
    units = roster(20)
    view.set_units(units)
    lat, lon = wucheng_positions(20, seed=4)
    view.update_units([u.id for u in units], lat, lon)
    sync(view)
    pt = js(view, "watchfloor.unitContainerPoint('u12')")
    # Pick the officer only if no neighbour sits on the same pixels.
    assert js(view, f"watchfloor.hitTest({pt['x']}, {pt['y']})") == "u12"
    target = view.focusProxy()
    with qtbot.waitSignal(view.entityClicked, timeout=3000) as blocker:
        QTest.mouseClick(
            target,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
            QPoint(round(pt["x"]), round(pt["y"])),
        )
    assert blocker.args == ["unit", "u12"]

    # Empty water in the south-west of the view: no officer there, no signal.
    with qtbot.assertNotEmitted(view.entityClicked, wait=300):
        QTest.mouseClick(
            target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(15, 780)
        )


def test_officer_is_painted_at_its_pixel_and_moves(view: MapView, qtbot):
    view.set_units([UnitInfo("p1", "画点", "t", "#ff00ff", "on_duty")])
    view.update_units(["p1"], np.array([29.05]), np.array([119.55]))
    with qtbot.waitSignal(view.framePainted, timeout=3000):
        view.flush_now()
    first = js(view, "watchfloor.unitContainerPoint('p1')")
    wait_for_pixel(view, first["x"], first["y"], "#ff00ff")

    view.update_units(["p1"], np.array([29.00]), np.array([119.45]))
    with qtbot.waitSignal(view.framePainted, timeout=3000):
        view.flush_now()
    second = js(view, "watchfloor.unitContainerPoint('p1')")
    assert abs(second["x"] - first["x"]) > 50
    wait_for_pixel(view, second["x"], second["y"], "#ff00ff")
    # The old spot no longer shows the officer: it moved, it was not drawn twice.
    img = view.grab().toImage()
    assert img.pixelColor(round(first["x"]), round(first["y"])) != QColor("#ff00ff")


def test_gcj02_base_layer_converts_and_early_calls_are_queued(qapp, interceptor):
    v = make_view(qapp, datum="gcj02")
    try:
        assert not v.is_ready
        units = roster(40, prefix="g")
        ids = [u.id for u in units]
        lat, lon = wucheng_positions(40, seed=9)
        # Everything before the page is up: must arrive once it is.
        v.set_units(units)
        v.update_units(ids, lat, lon, datum="wgs84")
        v.set_unit_status("g1", "busy")
        v.set_view(29.0, 119.3, 13)
        wait_until(lambda: v.is_ready)
        wait_until(lambda: js(v, "watchfloor.stats().batches") >= 1)
        state = js(v, "watchfloor.unitState()")
        e_lat, e_lon = wgs84_to_gcj02_array(lat, lon)
        got = np.array([[state["units"][i]["lat"], state["units"][i]["lon"]] for i in ids])
        assert np.abs(got[:, 0] - e_lat).max() < 1e-8
        assert np.abs(got[:, 1] - e_lon).max() < 1e-8
        assert np.abs(got[:, 1] - lon).min() > 0.004  # really shifted (~500 m), not passed
        assert state["units"]["g1"]["status"] == "busy"
        assert js(v, "watchfloor.map.getZoom()") == 13
        v.fit_wucheng()
        wait_until(lambda: js(v, "watchfloor.map.getZoom()") != 13)
        # A GCJ-02 fix for a GCJ-02 map is not shifted again.
        v.update_units(["g0"], np.array([29.1]), np.array([119.6]), datum="gcj02")
        sync(v)
        assert abs(js(v, "watchfloor.unitState().units.g0.lat") - 29.1) < 1e-8
    finally:
        close_view(v)


def test_the_page_requests_nothing_outside_the_app_scheme(view: MapView, interceptor):
    assert interceptor.urls, "the interceptor saw no request at all"
    schemes = {u.split(":", 1)[0] for u in interceptor.urls}
    assert not schemes & {"http", "https", "ws", "wss", "ftp"}, interceptor.urls
    # chrome://crash is the crash test's own doing, if it ran first.
    assert schemes - {"chrome"} == {"watchfloor"}, interceptor.urls
    served = app_scheme_handler(view.page().profile()).served
    for asset in (
        "/leaflet/leaflet.js",
        "/leaflet/leaflet.css",
        "/qt/qwebchannel.js",
        *(f"/map/{name}" for name in MAP_SCRIPTS),
        "/map/watchfloor-map.css",
    ):
        assert asset in served


def test_every_map_script_is_loaded_in_order_and_none_is_a_god_module() -> None:
    on_disk = {path.name for path in (RESOURCES_DIR / "map").glob("*.js")}
    assert on_disk == set(MAP_SCRIPTS), "a script in resources/map/ the page never loads"
    # Plain script tags run in document order: each part takes from the earlier ones,
    # and the page calls watchfloor.init only after the last.
    html = build_map_html(MapConfig())
    at = [html.index(f'src="{BASE_URL}map/{name}"') for name in MAP_SCRIPTS]
    assert at == sorted(at)
    assert html.index(f'src="{BASE_URL}qt/qwebchannel.js"') < at[0]
    assert at[-1] < html.index("window.watchfloor.init(")
    for name in MAP_SCRIPTS:
        lines = (RESOURCES_DIR / "map" / name).read_text(encoding="utf-8").count("\n")
        assert lines <= 400, f"resources/map/{name}: {lines} lines, split it by job"


def test_scheme_serves_only_whitelisted_resources(view: MapView):
    handler = app_scheme_handler(view.page().profile())
    assert handler.resolve("leaflet/leaflet.js") is not None
    assert handler.resolve("leaflet/../../pyproject.toml") is None
    assert handler.resolve("map/../../widgets/qtenv.py") is None
    assert handler.resolve("geo/jinhua-wgs84.geojson") is None
    assert handler.resolve("/etc/passwd") is None


def test_closing_a_view_releases_its_page(qapp):
    v = make_view(qapp)
    handler = app_scheme_handler(v.page().profile())
    path = v.document_url().path()
    assert handler.resolve(path) is not None
    close_view(v)
    wait_until(lambda: handler.resolve(path) is None)


def test_bad_input_is_rejected_with_a_clear_message(view: MapView):
    with pytest.raises(ValueError, match="differ in length"):
        view.update_units(["a", "b"], np.array([29.0]), np.array([119.6]))
    with pytest.raises(ValueError, match="unknown datum 'bd09'"):
        view.update_units(["a"], np.array([29.0]), np.array([119.6]), datum="bd09")


def test_a_crashed_renderer_is_reloaded_and_gets_the_whole_state_again(qapp, qtbot):
    v = make_view(qapp)
    try:
        wait_until(lambda: v.is_ready)
        v.set_units(roster(5, prefix="c"))
        v.update_units(["c3"], np.array([29.06]), np.array([119.61]))
        sync(v)
        with qtbot.waitSignal(v.ready, timeout=10_000):
            v.load(QUrl("chrome://crash"))
        state = js(v, "watchfloor.unitState()")
        assert state["count"] == 5
        assert abs(state["units"]["c3"]["lat"] - 29.06) < 1e-8
    finally:
        close_view(v)
