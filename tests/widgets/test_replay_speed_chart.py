"""The replay's speed chart draws the track's speeds: the device's own (m/s on the wire)
in km/h where it sent one, else the distance from the fix before over the time between
them, computed here independently (haversine); along the bottom, minutes into the window;
its line at the replayed moment, also when the replay is opened at a moment (a timeline
row) rather than at its first fix."""

from __future__ import annotations

import math
from typing import Any

import pytest

from backend_client.api import Fetched
from backend_client.stories import OfficerStory
from widgets.drilldown import OfficerDrilldown

T0 = 1_780_000_000.0
LAT, LON = 29.0790, 119.6470


def _haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000.0 * math.asin(math.sqrt(a))


def _track() -> list[list[float | None]]:
    """A ride that speeds up, with the device's speed on every other fix only."""
    points: list[list[float | None]] = []
    lat = LAT
    for k in range(40):
        lat += (2.0 + k * 0.25) * 10 / 111_195.0  # north, faster and faster, a fix per 10 s
        speed = 2.0 + k * 0.25 if k % 2 == 0 else None
        points.append([T0 + 10 * k, lat, LON, speed, 0.0])
    return points


def _expected(points: list[list[float | None]]) -> list[float]:
    out: list[float] = []
    for k, (ts, lat, lon, speed, _heading) in enumerate(points):
        assert ts is not None and lat is not None and lon is not None
        if speed is not None:
            out.append(speed * 3.6)
        elif k == 0:
            out.append(0.0)
        else:
            before = points[k - 1]
            assert before[0] is not None and before[1] is not None and before[2] is not None
            metres = _haversine_m(before[1], before[2], lat, lon)
            out.append(metres / (ts - before[0]) * 3.6)
    return out


async def never(op: str, args: dict[str, Any]) -> Fetched:
    raise AssertionError("not loaded in this test")


def test_the_chart_draws_the_speeds_the_track_gives(qtbot: Any) -> None:
    panel = OfficerDrilldown("U001", never, start=T0 - 120, end=T0 + 600, profile={"name": "张三"})
    qtbot.addWidget(panel)
    points = _track()
    panel.show_answer({"unit_id": "U001", "points": points})
    minutes, speeds = panel.speed_chart.curve.getData()
    assert list(speeds) == pytest.approx(_expected(points), rel=1e-3)
    assert list(minutes) == pytest.approx([(p[0] - (T0 - 120)) / 60 for p in points])  # type: ignore[operator]
    # Faster and faster: the line climbs from 7.2 to ~42 km/h.
    assert speeds[0] == pytest.approx(7.2) and speeds[-1] > 40


def test_a_replay_opened_at_a_moment_shows_it_on_the_chart(qtbot: Any) -> None:
    moment = T0 + 200.0
    story = OfficerStory(
        "U001", never, start=T0 - 120, end=T0 + 600, profile={"name": "张三"}, focus=moment
    )
    panel = OfficerDrilldown("U001", story, start=story.start, end=story.end)
    qtbot.addWidget(panel)
    panel.show_answer({"unit_id": "U001", "points": _track()})
    assert panel.replay.cursor() == moment
    assert panel.speed_chart.cursor.value() == pytest.approx((moment - (T0 - 120)) / 60)
    # Between the fixes at 200 s and 210 s: at the first of them.
    assert panel.minimap.cursor_at == pytest.approx(tuple(_track()[20][1:3]))
