"""The wall map as an operator sees it: ~300 officers with trails, ~20 incidents.

Writes ``docs/img/map-wall.png``. Skipped unless ``WATCHFLOOR_SCREENSHOTS=1`` (it feeds
positions for ~8 s so the trails have some length):
``WATCHFLOOR_SCREENSHOTS=1 .venv/bin/pytest tests/widgets/test_map_screenshot.py``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent

from widgets.map import IncidentInfo, MapConfig, MapView, UnitInfo

pytestmark = [
    pytest.mark.webengine,
    pytest.mark.skipif(
        not os.environ.get("WATCHFLOOR_SCREENSHOTS"), reason="set WATCHFLOOR_SCREENSHOTS=1"
    ),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "img" / "map-wall.png"
TEAMS = ["#3ddc84", "#ffb300", "#40c4ff", "#e040fb", "#ff7043", "#26c6da", "#d4e157"]
CATEGORIES = ["占道经营", "出店经营", "油烟扰民", "露天烧烤", "噪声扰民", "违章停车", "建筑垃圾"]


def pump(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.005)


def test_wall_screenshot(qapp: Any) -> None:
    # Short trails so a few seconds of feed draw what ten minutes would on a real wall.
    view = MapView(config=MapConfig(trails=True, trail_minutes=0.15, trail_points=40))
    view.resize(1920, 1080)
    view.show()
    end = time.monotonic() + 15
    while not view.is_ready and time.monotonic() < end:
        QCoreApplication.processEvents()
    try:
        rng = np.random.default_rng(7)
        n = 300
        statuses = rng.choice(
            ["available", "busy", "en_route", "on_scene", "off_duty", "sos"],
            n,
            p=[0.55, 0.12, 0.12, 0.1, 0.09, 0.02],
        )
        surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
        units = [
            UnitInfo(f"u{i}", f"{surnames[i % 20]}队员{i}", f"t{i % 7}", TEAMS[i % 7], str(s))
            for i, s in enumerate(statuses)
        ]
        view.set_units(units)
        ids = [u.id for u in units]
        # The urban core around (29.08, 119.64), denser in the middle.
        lat = 29.08 + rng.normal(0, 0.022, n)
        lon = 119.64 + rng.normal(0, 0.028, n)
        heading = rng.uniform(0, 2 * np.pi, n)
        now = time.time()
        incidents = []
        for k in range(20):
            clock = "running" if k % 3 == 0 else ("missed" if k % 3 == 1 else "met")
            incidents.append(
                IncidentInfo(
                    f"c{k}",
                    29.08 + float(rng.normal(0, 0.02)),
                    119.64 + float(rng.normal(0, 0.025)),
                    CATEGORIES[k % len(CATEGORIES)],
                    priority=1 + k % 4,
                    clock=clock,  # type: ignore[arg-type]
                    deadline=now + 600 if clock == "running" else None,
                )
            )
        view.set_incidents(incidents)
        view.set_view(29.08, 119.64, 13.25)
        for _ in range(40):
            heading += rng.normal(0, 0.25, n)
            moving = statuses != "off_duty"
            lat += moving * 0.0004 * np.sin(heading)
            lon += moving * 0.0005 * np.cos(heading)
            view.update_units(ids, lat, lon)
            pump(0.2)
        pump(1.2)  # the trails layer repaints at most once a second
        OUT.parent.mkdir(parents=True, exist_ok=True)
        assert view.grab().save(str(OUT))
    finally:
        view.close()
        view.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        QCoreApplication.processEvents()
