"""The three drill-downs as a supervisor sees them, with the simulator's Wucheng in a real hub.

Writes ``docs/img/drilldown-case.png``, ``drilldown-merchant.png`` and
``drilldown-officer.png``. Skipped unless ``WATCHFLOOR_SCREENSHOTS=1``:
``WATCHFLOOR_SCREENSHOTS=1 .venv/bin/pytest tests/widgets/test_drilldown_screenshots.py``.
"""

from __future__ import annotations

import asyncio
import base64
import math
import os
import time
from functools import partial
from pathlib import Path
from typing import Any

import msgspec
import pytest
import qasync
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QLinearGradient, QPainter
from PySide6.QtWidgets import QMainWindow, QWidget

from backend_client.protocol.messages import Fix
from backend_client.qt import QtFeed
from backend_client.resources import resource, resources_dir
from hub.roster import MerchantRecord, OfficerRecord, TeamRecord
from hub.simdriver import store_inspections
from hub.simulator import Simulator, WuchengWorld
from hub.simulator.inspections import make_inspections
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import LiveHub, report
from widgets.drilldown import CaseDrilldown, Fetched, MerchantDrilldown, OfficerDrilldown

pytestmark = [
    pytest.mark.usefixtures("gc_on_gui_thread"),
    pytest.mark.skipif(
        not os.environ.get("WATCHFLOOR_SCREENSHOTS"), reason="set WATCHFLOOR_SCREENSHOTS=1"
    ),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "img"
SEED = 7
SIZE = (1280, 800)


def photo(label: str, top: str, bottom: str) -> str:
    """A stand-in scene photo (a gradient with a caption), as a 随手拍 upload carries it."""
    image = QImage(480, 360, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    gradient = QLinearGradient(0, 0, 0, 360)
    gradient.setColorAt(0, QColor(top))
    gradient.setColorAt(1, QColor(bottom))
    painter.fillRect(image.rect(), gradient)
    painter.setPen(QColor("#ffffff"))
    painter.setFont(QFont("WenQuanYi Micro Hei", 28))
    painter.drawText(QRectF(0, 0, 480, 360), Qt.AlignmentFlag.AlignCenter, label)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "JPEG", 80)
    return "data:image/jpeg;base64," + base64.b64encode(bytes(data.data())).decode()


def offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    dlat = north_m / 111_320.0
    return lat + dlat, lon + east_m / (111_320.0 * math.cos(math.radians(lat)))


async def shoot(panel: QWidget, name: str, qss: str, windows: list[QMainWindow]) -> Path:
    window = QMainWindow()
    # Kept alive until the loop is done: a shown window going away is "the last window
    # closed", which quits the application and with it the qasync loop.
    windows.append(window)
    window.setObjectName("DeskWindow")
    window.setStyleSheet(qss)
    window.setCentralWidget(panel)
    window.resize(*SIZE)
    window.show()
    await asyncio.sleep(0.3)  # layout and paint on the running loop
    path = OUT / name
    path.parent.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(path))
    return path


def test_drilldown_screenshots(hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any) -> None:
    world = WuchengWorld.load(resources_dir(), seed=SEED, officers=24, merchants=300)
    now = time.time()
    inspections = make_inspections(world, SEED, now)
    hub.run(
        hub.hub.seed(
            [
                TeamRecord(t.id, t.name, t.kind, t.colour, [list(p) for p in t.zone])
                for t in world.teams
            ],
            [OfficerRecord(o.id, o.name, o.badge, o.team_id, o.device) for o in world.officers],
            [
                MerchantRecord(
                    m.id, m.name, m.credit_code, m.address, m.category, m.risk, m.lat, m.lon
                )
                for m in world.merchants
            ],
        )
    )
    hub.run(hub.hub.writer.submit(partial(store_inspections, records=inspections)))
    # The last 50 minutes of the simulated patrol; then an officer goes to a restaurant
    # (one with joint inspections on record) near where the patrol ended.
    sim = Simulator(world, seed=SEED, incident_rate_per_hour=0, off_duty_share=0.0)
    start = now - 3000.0
    tracks: dict[str, list[tuple[float, float, float, float, float]]] = {}
    for i in range(100):
        ts = start + i * 25.0
        fixes = sim.step(ts, 25.0).fixes
        for j, officer_id in enumerate(fixes.ids):
            tracks.setdefault(str(officer_id), []).append(
                (ts, float(fixes.lat[j]), float(fixes.lon[j]), float(fixes.speed[j]), 0.0)
            )
    inspected = {i.merchant_id for i in inspections}
    restaurants = [m for m in world.merchants if m.category == "餐饮" and m.id in inspected]
    merchant, officer = min(
        ((m, o) for m in restaurants for o in tracks),
        key=lambda mo: math.dist(tracks[mo[1]][-1][1:3], (mo[0].lat, mo[0].lon)),
    )
    others = [m for m in world.merchants if m.id != merchant.id][:6]
    last = tracks[officer][-1]
    for k in range(1, 9):  # straight to the shop over the last minutes
        f = k / 8
        tracks[officer].append(
            (
                last[0] + k * 30.0,
                last[1] + (merchant.lat - last[1]) * f,
                last[2] + (merchant.lon - last[2]) * f,
                6.0,
                0.0,
            )
        )

    async def feed_track() -> None:
        for ts, lat, lon, speed, heading in tracks[officer]:
            hub.hub.offer_fixes(
                [Fix(id=officer, lat=lat, lon=lon, ts=ts, speed=speed, heading=heading)]
            )
            await hub.hub.flush_positions()

    hub.run(feed_track())
    feed = QtFeed(hub.stream_url, hub.token["supervisor"])

    async def fetch(op: str, args: dict[str, Any]) -> Fetched:
        return await feed.client.request(op, args), False, None

    qss = resource("themes", "wall-dark.qss").read_text(encoding="utf-8")

    async def post(external_id: str, **fields: Any) -> str:
        status, body = await asyncio.to_thread(
            hub.post, "/api/v1/reports", report(external_id, **fields)
        )
        assert status == 201, body
        return str(body["id"])

    windows: list[QMainWindow] = []

    async def scenario() -> list[Path]:
        feed.start()
        await until(feed.is_live)
        place: dict[str, Any] = {
            "address": merchant.address,
            "lat": merchant.lat,
            "lon": merchant.lon,
        }
        for n, (north, east, category) in enumerate(
            [(20, -15, "店外经营"), (-45, 30, "油烟污染"), (60, 40, "噪音扰民")]
        ):
            lat, lon = offset(merchant.lat, merchant.lon, north, east)
            await post(f"8890-n{n}", category=category, lat=lat, lon=lon, address=merchant.address)
        await post("8890-m1", merchant_id=merchant.id, category="油烟污染", **place)
        await post("8890-m2", merchant_id=merchant.id, category="店外经营", **place)
        for n, other in enumerate(others):
            await post(
                f"8890-c{n}",
                category="占道经营",
                lat=other.lat,
                lon=other.lon,
                address=other.address,
            )
        case_id = await post(
            "snap-main",
            source="snap",
            merchant_id=merchant.id,
            text=f"{merchant.name}门前摆放桌椅占道经营，影响行人通行",
            photos=[
                photo("门前占道 1", "#5d7a99", "#2c3e50"),
                photo("门前占道 2", "#8e6e53", "#3e2c23"),
                "bm90IGEgcGljdHVyZQ==",
                "https://snap.example.org/wucheng/8890/123.jpg",
            ],
            **place,
        )
        other_case = await post("8890-patrol", category="违章停车", **place)
        client = feed.client
        await client.request("dispatch", {"incident_id": case_id, "unit_ids": [officer]})
        await client.request("dispatch", {"incident_id": other_case, "unit_ids": [officer]})
        steps: list[tuple[str, dict[str, Any]]] = [
            ("moving", {"units": [officer]}),
            ("arrive", {"units": [officer]}),
            ("handle", {"outcome": "现场责令当事人收回桌椅"}),
            ("rectify", {"deadline": time.time() + 3 * 86400, "note": "三日内清理门前占道"}),
            ("followup", {"units": [officer]}),
            ("rectify", {"deadline": time.time() + 5 * 86400, "note": "复查仍有桌椅，再限两日"}),
        ]
        for action, args in steps:
            await client.request("case.step", {"case_id": case_id, "action": action, **args})
        await until(lambda: case_id in feed.state.incidents)

        case = CaseDrilldown(case_id, fetch, show_reporter=True, page_size=8)
        await case.load()
        shots = [await shoot(case, "drilldown-case.png", qss, windows)]

        shop = MerchantDrilldown(merchant.id, fetch)
        await shop.load()
        shots.append(await shoot(shop, "drilldown-merchant.png", qss, windows))

        unit = feed.state.units[officer]
        cases = [msgspec.to_builtins(i) for i in feed.state.incidents.values()]
        replay = OfficerDrilldown(
            officer,
            fetch,
            start=start - 60.0,
            end=time.time(),
            cases=cases,
            profile={"name": unit.name, "team": feed.state.teams[unit.team].name, "status": "在岗"},
        )
        await replay.load()
        points = replay.replay.points
        replay.seek(points[len(points) * 2 // 3].ts)
        dot = replay.minimap.cursor_point()
        assert dot is not None and replay.minimap.map_rect().contains(QPointF(dot))
        shots.append(await shoot(replay, "drilldown-officer.png", qss, windows))
        await feed.stop()
        return shots

    shots = loop.run_until_complete(scenario())
    for window in windows:
        qtbot.addWidget(window)
    for path in shots:
        image = QImage(str(path))
        assert (image.width(), image.height()) == SIZE
