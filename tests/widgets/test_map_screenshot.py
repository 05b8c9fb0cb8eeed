"""The wall map as an operator sees it: ~300 officers with trails, ~120 incidents (in
clusters at district zoom), 3,000 merchants by risk, supervision alert rings.

Writes ``docs/img/map-wall.png`` (district zoom) and ``docs/img/map-street.png`` (street
zoom: arrows, names, merchants' glyphs). Skipped unless ``WATCHFLOOR_SCREENSHOTS=1`` (it feeds
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

from tests.support.pagejs import js, wait_until
from widgets.map import AlertInfo, IncidentInfo, MapConfig, MapView, MerchantInfo, UnitInfo

pytestmark = [
    pytest.mark.webengine,
    pytest.mark.skipif(
        not os.environ.get("WATCHFLOOR_SCREENSHOTS"), reason="set WATCHFLOOR_SCREENSHOTS=1"
    ),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "img" / "map-wall.png"
OUT_STREET = OUT.with_name("map-street.png")
SHOPS = ["餐饮", "便利店", "建材", "汽修", "服装", "水果生鲜", "美容美发", "五金", "娱乐"]
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
        for k in range(120):
            # A busy afternoon: most clocks still running or done, a few missed.
            clock = ("running", "met", "running", "none", "met", "running", "met", "missed")[k % 8]
            incidents.append(
                IncidentInfo(
                    f"c{k}",
                    29.08 + float(rng.normal(0, 0.018)),
                    119.64 + float(rng.normal(0, 0.022)),
                    CATEGORIES[k % len(CATEGORIES)],
                    priority=2 + k % 4 if k % 17 else 1,
                    clock=clock,  # type: ignore[arg-type]
                    deadline=now + 600 if clock == "running" else None,
                )
            )
        view.set_incidents(incidents)
        risk = rng.choice([1, 2, 3], 3000, p=[0.65, 0.25, 0.10])
        view.set_merchants(
            [
                MerchantInfo(
                    f"m{k}",
                    f"商户{k}",
                    SHOPS[k % len(SHOPS)],
                    int(risk[k]),
                    29.08 + float(rng.normal(0, 0.025)),
                    119.64 + float(rng.normal(0, 0.03)),
                )
                for k in range(3000)
            ]
        )
        missed = next(i for i in incidents if i.clock == "missed")
        view.set_alerts(
            [
                AlertInfo("a-zone", "u3", 2, "outside_zone", "unit"),
                AlertInfo("a-idle", "u11", 1, "officer_idle", "unit"),
                AlertInfo("a-silent", "u17", 2, "device_silent", "unit"),
                AlertInfo("a-sla", missed.id, 3, "sla_missed", "incident"),
                AlertInfo("a-shop", "m7", 2, "repeat_complaints", "merchant"),
            ]
        )
        view.set_view(29.08, 119.64, 12.75)  # below 13: incidents in clusters
        moving = statuses != "off_duty"
        speed = np.where(moving, 4.0, 0.0)
        for _ in range(40):
            heading += rng.normal(0, 0.25, n)
            lat += moving * 0.0004 * np.sin(heading)
            lon += moving * 0.0005 * np.cos(heading)
            # heading is the maths angle (from east, anticlockwise); the map wants a
            # compass bearing.
            bearing = (90.0 - np.degrees(heading)) % 360.0
            view.update_units(ids, lat, lon, heading=bearing, speed=speed)
            pump(0.2)
        pump(1.2)  # the trails layer repaints at most once a second
        OUT.parent.mkdir(parents=True, exist_ok=True)
        assert view.grab().save(str(OUT))

        # Street zoom on the officer with the first alert: arrows, names, shop glyphs.
        view.set_view(float(lat[3]), float(lon[3]), 16)
        wait_until(lambda: js(view, "watchfloor.stats().zoom") == 16)
        view.update_units(ids, lat, lon, heading=bearing, speed=speed)
        pump(2.0)
        assert view.grab().save(str(OUT_STREET))
    finally:
        view.close()
        view.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        QCoreApplication.processEvents()
