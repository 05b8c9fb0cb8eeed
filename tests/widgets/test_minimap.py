"""The drill-downs' painted mini-map: projection, markers where their lat/lon is, the
replay cursor following the officer."""

from __future__ import annotations

import math
from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor

from desktop.i18n import catalogue
from widgets.drilldown import Fetched, OfficerDrilldown
from widgets.minimap import (
    COLOURS,
    TEXT,
    Box,
    Marker,
    MiniMap,
    base_paths,
    distance_text,
    nice_scale,
)

pytestmark = pytest.mark.usefixtures("gc_on_gui_thread")

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def pixel(widget: MiniMap, point: QPointF) -> QColor:
    image = widget.grab().toImage()
    return image.pixelColor(point.toPoint())


def distance_px(a: QPointF, b: QPointF) -> float:
    return math.hypot(a.x() - b.x(), a.y() - b.y())


def test_markers_land_where_their_place_projects(qtbot: Any) -> None:
    widget = MiniMap()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    box = Box(29.07, 119.63, 29.10, 119.67)
    widget.set_box(box)
    centre = widget.map_rect().center()
    middle = widget.project(*box.centre)
    assert middle is not None and distance_px(middle, centre) < 1e-6

    # 1 km east and 1 km north of the middle are 1 km away on the screen too (true
    # proportions), east to the right and north up.
    lat, lon = box.centre
    east = (lat, lon + 1000 / (EARTH_RADIUS_M * math.radians(1) * math.cos(math.radians(lat))))
    north = (lat + 1000 / (EARTH_RADIUS_M * math.radians(1)), lon)
    assert haversine_m(lat, lon, *east) == pytest.approx(1000, rel=1e-3)
    pe, pn = widget.project(*east), widget.project(*north)
    assert pe is not None and pn is not None
    assert pe.y() == pytest.approx(middle.y()) and pe.x() > middle.x()
    assert pn.x() == pytest.approx(middle.x()) and pn.y() < middle.y()
    assert distance_px(pe, middle) == pytest.approx(distance_px(pn, middle), rel=2e-3)
    mpp = widget.metres_per_pixel()
    assert mpp is not None and distance_px(pn, middle) * mpp == pytest.approx(1000, rel=2e-3)
    # The whole box is inside the drawing area, touching it on the fitted side.
    rect = widget.map_rect()
    corners = [widget.project(box.south, box.west), widget.project(box.north, box.east)]
    assert all(c is not None and rect.adjusted(-0.5, -0.5, 0.5, 0.5).contains(c) for c in corners)

    case = Marker("WC-1", lat, lon, "case")
    nearby = Marker("WC-2", *north, "nearby")
    widget.set_markers([case, nearby])
    points = widget.marker_points()
    assert points == {"WC-1": middle, "WC-2": pn}
    # And that is where the dots are painted, in their colours.
    assert pixel(widget, points["WC-1"]) == QColor(COLOURS["case"])
    assert pixel(widget, points["WC-2"]) == QColor(COLOURS["nearby"])

    clicked: list[str] = []
    widget.markerActivated.connect(clicked.append)
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pn.toPoint())
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=(pn + QPointF(40, 40)).toPoint())
    assert clicked == ["WC-2"]


def test_fit_keeps_a_lone_case_at_street_scale(qtbot: Any) -> None:
    box = Box.around([(29.085, 119.652)], min_span_m=400.0)
    assert box is not None
    assert haversine_m(box.south, 119.652, box.north, 119.652) == pytest.approx(400, rel=1e-2)
    assert haversine_m(29.085, box.west, 29.085, box.east) == pytest.approx(400, rel=1e-2)
    assert box.contains(29.085, 119.652)
    assert Box.around([], min_span_m=100.0) is None
    wide = Box.around([(29.0, 119.5), (29.2, 119.7)], min_span_m=400.0, pad=0.1)
    assert wide is not None
    assert (wide.south, wide.north) == pytest.approx((28.98, 29.22))

    widget = MiniMap()
    qtbot.addWidget(widget)
    widget.resize(360, 240)
    widget.fit([(29.085, 119.652)], min_span_m=400.0)
    mpp = widget.metres_per_pixel()
    assert mpp is not None and 1.0 < mpp < 2.5  # 400 m across about 220 px


def test_base_map_and_scale_texts() -> None:
    base = base_paths()
    # Wucheng's outline holds the city centre and not Yiwu.
    assert base.wucheng.contains(QPointF(119.60, 29.00))
    assert not base.wucheng.contains(QPointF(120.07, 29.30))
    assert base.wucheng_box.contains(29.08, 119.65)
    assert nice_scale(2.0, 100) == 200 and nice_scale(50.0, 100) == 5000
    assert distance_text(33.4) == "33 米" and distance_text(2001.5) == "2.0 公里"
    assert [v for v in TEXT.values() if v not in catalogue("minimap")] == []


POINTS = [[10.0, 29.0, 119.0, 5.0, 90.0], [20.0, 29.1, 119.2, 5.0, 90.0], [40.0, 29.1, 119.6]]


class FakeClock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_replay_dot_follows_the_officer_on_the_track(qtbot: Any) -> None:
    clock = FakeClock()

    async def never(op: str, args: dict[str, Any]) -> Fetched:
        raise AssertionError("not loaded in this test")

    panel = OfficerDrilldown(
        "U001",
        never,
        start=0.0,
        end=60.0,
        cases=[{"id": "C-in", "units": ["U001"], "reported_at": 15.0, "category": "占道经营"}],
        clock=clock,
    )
    qtbot.addWidget(panel)
    panel.resize(1280, 800)
    panel.show()
    panel.show_answer({"unit_id": "U001", "points": POINTS})
    minimap = panel.minimap
    track = minimap.track_points()
    assert track == [minimap.project(p[1], p[2]) for p in POINTS]
    # Loading puts the dot on the first fix.
    assert minimap.cursor_point() == track[0]

    # The case is marked where the officer was when it came in: halfway along leg one.
    mark = minimap.marker_points()["C-in"]
    half = (track[0] + track[1]) / 2
    assert distance_px(mark, half) < 1e-6

    panel.slider.setValue(30)  # halfway along leg two, in time and so in place
    dot = minimap.cursor_point()
    assert dot is not None and distance_px(dot, (track[1] + track[2]) / 2) < 1e-6
    assert pixel(minimap, dot) == QColor(COLOURS["cursor"])
    # Behind the officer the track is bright, ahead of it dim.
    assert panel.replay.travelled(30.0) == 2 and minimap.travelled == 2
    behind = track[1] + (track[2] - track[1]) * 0.25
    ahead = track[1] + (track[2] - track[1]) * 0.75
    assert pixel(minimap, behind) == QColor(COLOURS["track"])
    assert pixel(minimap, ahead) == QColor(COLOURS["track_ahead"])

    panel.slider.setValue(10)
    panel.set_speed(60)
    panel.toggle()
    clock.now += 0.25  # x60: fifteen seconds of track, to t = 25
    panel.tick()
    dot = minimap.cursor_point()
    quarter = track[1] + (track[2] - track[1]) * 0.25
    assert dot is not None and distance_px(dot, quarter) < 1e-6
    clock.now += 10.0  # far past the end: held on the last fix, paused
    panel.tick()
    assert minimap.cursor_point() == track[2] and not panel.replay.playing
    assert panel.play_button.text() == "播放"

    # A window with no fix: no dot, no track, and no exception.
    panel.show_answer({"unit_id": "U001", "points": []})
    assert minimap.cursor_point() is None and minimap.track_points() == []
