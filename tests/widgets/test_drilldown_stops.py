"""The officer replay's stops and speed chart: the stops the track has are listed with
their length and shaded on the chart, a row jumps the replay to the stop, and the chart's
line follows the replayed instant."""

from __future__ import annotations

from typing import Any

import pytest

from backend_client.api import Fetched
from widgets.drilldown import OfficerDrilldown
from widgets.drilldown.formatting import clock_time

T0 = 1_780_000_000.0
LAT, LON = 29.0790, 119.6470


def track() -> list[list[float | None]]:
    """Walking 5 minutes, standing 6 minutes (GPS wander of a few metres), walking on."""
    points: list[list[float | None]] = []
    for k in range(30):  # 0..290 s walking east at 1.4 m/s, the device's speed given
        points.append([T0 + k * 10, LAT, LON + k * 14 / 97_400, 1.4, 90.0])
    for k in range(37):  # 300..660 s standing, no speed from the device
        points.append([T0 + 300 + k * 10, LAT + (k % 3) * 3e-5, LON + 0.0045, None, None])
    for k in range(1, 20):
        points.append([T0 + 660 + k * 10, LAT, LON + 0.0045 + k * 14 / 97_400, 1.4, 90.0])
    return points


async def never(op: str, args: dict[str, Any]) -> Fetched:
    raise AssertionError("not loaded in this test")


def test_stops_are_listed_with_their_length_and_shaded_on_the_speed_chart(qtbot: Any) -> None:
    panel = OfficerDrilldown("U001", never, start=T0, end=T0 + 900, profile={"name": "张三"})
    qtbot.addWidget(panel)
    panel.show_answer({"unit_id": "U001", "points": track()})
    rows = panel.stop_rows()
    assert len(rows) == 1
    start, length, place = rows[0]
    assert start == clock_time(T0 + 300) and length == "6 分钟"
    assert place.startswith(f"{LAT:.3f}")
    chart = panel.speed_chart
    # Until the walk leaves 30 m: its first two fixes (14 m, 28 m) are still the stop.
    assert chart.stop_spans == [(300.0, 680.0)]
    # The device's speed in km/h while walking; standing, only the GPS's wander (3-7 m).
    minutes, y = chart.curve.getData()
    assert minutes[30] == pytest.approx(5.0)  # along the axis: minutes into the window
    assert y[0] == pytest.approx(1.4 * 3.6) and max(y[31:66]) < 3.0
    # A stop's row takes the replay there, and the chart's line with it.
    panel._seek_stop(0)
    assert panel.replay.cursor() == T0 + 300
    assert chart.cursor.value() == pytest.approx(5.0)
    panel.slider.setValue(700)
    assert chart.cursor.value() == pytest.approx(700 / 60)


def test_a_track_without_stops_lists_none(qtbot: Any) -> None:
    panel = OfficerDrilldown("U001", never, start=T0, end=T0 + 300, profile={"name": "张三"})
    qtbot.addWidget(panel)
    panel.show_answer({"unit_id": "U001", "points": track()[:30]})
    assert panel.stop_rows() == []
    assert panel.speed_chart.stop_spans == []
