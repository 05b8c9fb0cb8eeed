"""The officer replay with its stops and speed chart, as a supervisor opens it from a case
timeline row: ``docs/img/replay-speed.png``.

An afternoon's patrol in Wucheng: a walk along a street, a 7-minute stop at a shop, an
e-bike ride to the next township, a 4-minute stop, and a walk back; fixes every 10 s,
some without the device's speed (the chart computes those from the distance). Skipped
unless ``WATCHFLOOR_SCREENSHOTS=1`` (``TZ=Asia/Shanghai``: the clock times as in Wucheng):
``TZ=Asia/Shanghai WATCHFLOOR_SCREENSHOTS=1 .venv/bin/pytest \
tests/widgets/test_replay_speed_screenshot.py``.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMainWindow

from backend_client.resources import resource
from backend_client.stories.replay import speeds_kmh
from widgets.drilldown import Fetched, OfficerDrilldown

pytestmark = [
    pytest.mark.usefixtures("gc_on_gui_thread"),
    pytest.mark.skipif(
        not os.environ.get("WATCHFLOOR_SCREENSHOTS"), reason="set WATCHFLOOR_SCREENSHOTS=1"
    ),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "img" / "replay-speed.png"
SIZE = (1280, 800)
T0 = 1_796_626_800.0  # 2026-12-07 15:00 Beijing
START = (29.0812, 119.6431)  # 将军路, 婺城


def _patrol() -> list[list[float | None]]:
    """(ts, lat, lon, speed m/s or None, heading) every 10 s over 50 minutes."""
    rng = random.Random(18)
    legs = [  # (seconds, metres per second, bearing in degrees; 0: standing)
        (480, 1.3, 75.0),
        (420, 0.0, 0.0),
        (600, 5.8, 130.0),
        (240, 0.0, 0.0),
        (300, 6.5, 250.0),
        (960, 1.2, 300.0),
    ]
    lat, lon = START
    ts = T0
    points: list[list[float | None]] = []
    for seconds, speed, bearing in legs:
        for _ in range(seconds // 10):
            v = max(0.0, speed * rng.uniform(0.7, 1.25)) if speed else 0.0
            north = v * 10 * math.cos(math.radians(bearing))
            east = v * 10 * math.sin(math.radians(bearing))
            lat += north / 111_320.0
            lon += east / (111_320.0 * math.cos(math.radians(lat)))
            # Standing: the GPS wanders a few metres.
            wobble = (rng.gauss(0, 3) / 111_320.0, rng.gauss(0, 3) / 97_300.0) if not v else (0, 0)
            reported = None if rng.random() < 0.3 else round(v, 2)
            points.append([ts, lat + wobble[0], lon + wobble[1], reported, bearing])
            ts += 10.0
    return points


def test_replay_speed_screenshot(loop: qasync.QEventLoop, qtbot: Any) -> None:
    points = _patrol()
    end = points[-1][0]
    assert isinstance(end, float)

    async def fetch(op: str, args: dict[str, Any]) -> Fetched:
        assert op == "unit.track" and args["unit_id"] == "WC00003"
        return {"unit_id": "WC00003", "points": points}, False, None

    qss = resource("themes", "wall-dark.qss").read_text(encoding="utf-8")
    windows: list[QMainWindow] = []

    async def scenario() -> OfficerDrilldown:
        panel = OfficerDrilldown(
            "WC00003",
            fetch,
            start=T0 - 60.0,
            end=end + 60.0,
            profile={"name": "王敏", "team": "江南片区综合执法队", "status": "在岗"},
        )
        await panel.load()
        # Opened from the timeline at the arrival at the second stop.
        panel.seek(T0 + 480 + 420 + 600 + 60)
        window = QMainWindow()
        windows.append(window)  # a shown window going away would quit the loop
        window.setObjectName("DeskWindow")
        window.setStyleSheet(qss)
        window.setCentralWidget(panel)
        window.resize(*SIZE)
        window.show()
        await asyncio.sleep(0.4)  # layout and paint on the running loop
        OUT.parent.mkdir(parents=True, exist_ok=True)
        assert window.grab().save(str(OUT))
        return panel

    panel = loop.run_until_complete(scenario())
    for window in windows:
        qtbot.addWidget(window)
    # What the picture shows is the track's: two stops, the speeds the track gives.
    # The stops built in (7 and 4 minutes), give or take the fixes at a walk's end that
    # are still within the stop's 30 m.
    lengths = [s.seconds / 60 for s in panel.replay.stops]
    assert len(lengths) == 2 and lengths == pytest.approx([7, 4], abs=1.0)
    _, speeds = panel.speed_chart.curve.getData()
    assert list(speeds) == pytest.approx(speeds_kmh(panel.replay.points))
    image = QImage(str(OUT))
    assert (image.width(), image.height()) == SIZE
