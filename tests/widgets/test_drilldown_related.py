"""The drill-downs' second layer against a real hub: related cases, photos, the mini-map,
rectification, paged timelines and case lists, joint inspections, "push to wall"."""

from __future__ import annotations

import asyncio
import base64
import math
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QTableWidget

from backend_client.cache import AnswerCache, CachedRequests
from backend_client.qt import QtFeed
from hub.roster import MerchantRecord
from hub.simdriver import store_inspections
from hub.simulator.inspections import InspectionRecord
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import LiveHub, report
from widgets.casepdf import export_case_pdf
from widgets.drilldown import THUMB, CaseDrilldown, Fetched, MerchantDrilldown

pytestmark = pytest.mark.usefixtures("gc_on_gui_thread")

MERCHANT = MerchantRecord(
    "M-001", "婺城小吃店", "91330702MA2E000001", "城中街道八一北街12号", "餐饮", 3, 29.085, 119.652
)
HOME = (29.085, 119.652)
EARTH_RADIUS_M = 6_371_008.8


def png_base64(width: int, height: int, colour: str = "#3a7bd5") -> str:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, "PNG")
    buffer.close()
    return base64.b64encode(bytes(data.data())).decode()


def metres_north(dlat: float) -> float:
    return EARTH_RADIUS_M * math.radians(dlat)


async def post(hub: LiveHub, external_id: str, **fields: Any) -> str:
    status, body = await asyncio.to_thread(
        hub.post, "/api/v1/reports", report(external_id, **fields)
    )
    assert status == 201, body
    await asyncio.sleep(0.01)  # distinct reported_at
    return str(body["id"])


async def step(feed: QtFeed, case_id: str, action: str, **args: Any) -> None:
    await feed.client.request("case.step", {"case_id": case_id, "action": action, **args})


def grew(rows: Callable[[], list[tuple[str, ...]]], shown: int) -> bool:
    return len(rows()) > shown


def double_click_row(table: QTableWidget, row: int, qtbot: Any) -> None:
    item = table.item(row, 0)
    assert item is not None
    centre = table.visualItemRect(item).center()
    # As a mouse does it: the view activates a row only on the press it double-clicked.
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=centre)


def test_case_related_photos_map_rectification_and_paging(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    hub.run(hub.hub.seed([], [], [MERCHANT]))
    feed = QtFeed(hub.stream_url, hub.token["supervisor"])
    cache = AnswerCache(tmp_path / "answers.db")
    requests = CachedRequests(feed.client, cache)
    big, small = png_base64(320, 240), png_base64(40, 30, "#e5484d")
    url = "https://example.org/snap/1.jpg"

    async def scenario() -> None:
        feed.start()
        await until(feed.is_live)
        lat = HOME[0]
        # Same merchant, 11 m away, another category: in "same merchant" and "nearby".
        sibling = await post(
            hub, "8890-sib", merchant_id="M-001", category="店外经营", lat=lat + 0.0001
        )
        # 33 m north, no merchant, another category: nearby only.
        near = await post(hub, "8890-near", category="噪音扰民", lat=lat + 0.0003)
        # 2 km away, same category: "same category" only.
        far = await post(hub, "8890-far", lat=lat + 0.018)
        case_id = await post(
            hub,
            "8890-main",
            merchant_id="M-001",
            photos=[big, f"data:image/png;base64,{small}", "bm90IGEgcGljdHVyZQ==", url],
        )
        await feed.client.request("dispatch", {"incident_id": case_id, "unit_ids": ["U001"]})
        await step(feed, case_id, "moving", units=["U001"])
        await step(feed, case_id, "arrive", units=["U001"])
        await step(feed, case_id, "handle", outcome="当场劝离")
        deadline = time.time() + 3 * 86400 + 600
        await step(feed, case_id, "rectify", deadline=deadline, note="三日内清理")
        await step(feed, case_id, "followup", units=["U001"])
        await step(feed, case_id, "rectify", deadline=deadline + 86400, note="再限一日")
        whole: dict[str, Any] = await feed.client.request(
            "case.history", {"case_id": case_id, "limit": 100}
        )
        assert whole["next_offset"] is None and whole["total_events"] == len(whole["events"])
        total = whole["total_events"]
        assert total >= 9

        panel = CaseDrilldown(case_id, requests, show_reporter=True, page_size=4)
        qtbot.addWidget(panel)
        panel.resize(1280, 800)
        panel.show()
        opened: list[tuple[str, ...]] = []
        pushed: list[tuple[str, ...]] = []
        panel.openRequested.connect(lambda *asked: opened.append(asked))
        panel.pushRequested.connect(lambda *asked: pushed.append(asked))
        await panel.load()

        # -- paging: four at a time, in order, until the whole timeline is there ----------
        assert [r[1] for r in panel.timeline_rows()] == ["上报", "受理", "派遣", "出发"]
        assert panel.pager.button.isVisible()
        assert panel.pager.label.text() == f"已显示 4 / 共 {total} 条"
        while panel.pager.button.isVisible():
            shown = len(panel.timeline_rows())
            qtbot.mouseClick(panel.pager.button, Qt.MouseButton.LeftButton)
            await until(partial(grew, panel.timeline_rows, shown))
        assert len(panel.timeline_rows()) == total
        assert len(panel.story.events) == total and not panel.story.paging.more
        full = CaseDrilldown(case_id, requests, show_reporter=True)
        qtbot.addWidget(full)
        full.show_answer(whole)
        assert panel.timeline_rows() == full.timeline_rows()
        assert not panel.pager.button.isVisible()
        # A step on the case makes the desk reload it: the reader keeps every page.
        await panel.load()
        assert panel.timeline_rows() == full.timeline_rows()
        # -- rectification and the follow-up inspection -----------------------------------
        rows = panel.timeline_rows()
        kinds = [r[1] for r in rows]
        assert kinds[-3:] == ["整改期限", "复查", "整改期限"]
        assert "三日内清理" in rows[-3][3]
        assert "复查不合格" in rows[-1][3] and "再限一日" in rows[-1][3]
        assert "警员 U001" in rows[-2][3]
        assert panel.form.isRowVisible(panel.fields["rectify_by"])
        second = time.strftime("%Y-%m-%d %H:%M", time.localtime(deadline + 86400))
        assert panel.fields["rectify_by"].text() == f"{second} · 剩余 4 天"

        # -- related cases ----------------------------------------------------------------
        assert panel.related_ids("same_merchant") == [sibling]
        assert panel.related_ids("nearby") == [sibling, near]  # nearest first
        assert panel.related_ids("same_category") == [far]
        assert [panel.related_tabs.tabText(i) for i in range(3)] == [
            "同一商户 1",
            "100 米内 2",
            "同类 30 天 1",
        ]
        near_row = panel.related_rows("nearby")[1]
        # Issue 18: stored as its class's name (噪音扰民 is an alias of 10901 噪声扰民).
        assert near_row[1:4] == ("噪声扰民", "待受理", f"{round(metres_north(0.0003))} 米")
        assert panel.related_rows("same_category")[0][3] == "2.0 公里"
        panel.related_tabs.setCurrentIndex(1)
        double_click_row(panel.related_tables["nearby"], 1, qtbot)
        assert opened[-1] == ("incident", near)
        assert panel.fields["merchant"].text().endswith(">M-001</a>")
        panel.fields["merchant"].linkActivated.emit("merchant")
        assert opened[-1] == ("merchant", "M-001")

        # -- the mini-map: the case, its neighbours as dots, true distances ----------------
        points = panel.minimap.marker_points()
        assert set(points) == {case_id, sibling, near}
        mpp = panel.minimap.metres_per_pixel()
        assert mpp is not None
        here, north = points[case_id], points[near]
        assert north.x() == pytest.approx(here.x(), abs=0.01)
        assert (here.y() - north.y()) * mpp == pytest.approx(metres_north(0.0003), rel=0.01)
        qtbot.mouseClick(panel.minimap, Qt.MouseButton.LeftButton, pos=north.toPoint())
        assert opened[-1] == ("incident", near)
        before = len(opened)
        qtbot.mouseClick(panel.minimap, Qt.MouseButton.LeftButton, pos=here.toPoint())
        assert len(opened) == before  # the case itself is already open

        # -- photos: thumbnails of the right size, a placeholder, a link ------------------
        labels = panel.photo_labels
        assert [label.property("photo") for label in labels] == ["image", "image", "broken", "url"]
        assert labels[0].pixmap().size() == THUMB  # 320x240 shrunk to fit 120x90
        assert (labels[1].pixmap().width(), labels[1].pixmap().height()) == (40, 30)
        assert labels[2].text() == "图片无法显示"
        assert url in labels[3].text()

        # -- push to the wall -------------------------------------------------------------
        qtbot.mouseClick(panel.push_button, Qt.MouseButton.LeftButton)
        assert pushed == [("incident", case_id)]

        # -- the PDF carries the related counts and the whole loaded timeline -------------
        assert panel.answer is not None
        pdf = tmp_path / "case.pdf"
        # The PDF reads the story (the model the panel draws), related cases included.
        export_case_pdf(panel.story, pdf)
        document = QPdfDocument()
        assert document.load(str(pdf)) == QPdfDocument.Error.None_
        text = "".join(document.getAllText(p).text() for p in range(document.pageCount()))
        document.close()
        compact = "".join(text.split())
        assert "同一商户1件·100米内2件·同类30天1件" in compact
        assert "再限一日" in compact

        # -- the hub goes away: what was read stays readable, page by page ---------------
        await asyncio.to_thread(hub.stop)
        await until(lambda: not feed.is_live())
        offline = CaseDrilldown(case_id, requests, show_reporter=True, page_size=4)
        qtbot.addWidget(offline)
        await offline.load()
        assert offline.cached and offline.banner_text().startswith("缓存数据")
        assert offline.timeline_rows() == panel.timeline_rows()[:4]
        assert await offline.load_more()
        assert offline.timeline_rows() == panel.timeline_rows()[:8]
        assert offline.related_ids("nearby") == [sibling, near]
        await feed.stop()

    loop.run_until_complete(scenario())
    cache.close()


def inspection(n: int, ts: float, result: str, **fields: Any) -> InspectionRecord:
    base: dict[str, Any] = {
        "id": f"INS-{n}",
        "merchant_id": "M-001",
        "ts": ts,
        "teams": ("T-SJ",),
        "departments": ("市场监管", "消防"),
        "items": ("营业执照", "灭火器"),
        "result": result,
        "note": "",
        "officers": ("U001", "U003"),
    }
    base.update(fields)
    return InspectionRecord(**base)


def test_merchant_inspections_counts_and_paged_cases(
    hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    hub.run(hub.hub.seed([], [], [MERCHANT]))
    now = time.time()
    records = [
        inspection(1, now - 90 * 86400, "pass", note="各项检查合格"),
        inspection(
            2,
            now - 10 * 86400,
            "rectify",
            departments=("卫健",),
            items=("从业人员健康证",),
            note="下达整改通知书",
        ),
    ]
    hub.run(hub.hub.writer.submit(partial(store_inspections, records=records)))
    feed = QtFeed(hub.stream_url, hub.token["supervisor"])

    async def fetch(op: str, args: dict[str, Any]) -> Fetched:
        return await feed.client.request(op, args), False, None

    async def scenario() -> None:
        feed.start()
        await until(feed.is_live)
        categories = ["占道经营", "店外经营", "占道经营", "油烟污染", "占道经营"]
        posted = [
            await post(hub, f"8890-p{n}", merchant_id="M-001", category=c)
            for n, c in enumerate(categories)
        ]
        panel = MerchantDrilldown("M-001", fetch, page_size=2)
        qtbot.addWidget(panel)
        panel.resize(1280, 800)
        panel.show()
        opened: list[tuple[str, ...]] = []
        pushed: list[tuple[str, ...]] = []
        panel.openRequested.connect(lambda *asked: opened.append(asked))
        panel.pushRequested.connect(lambda *asked: pushed.append(asked))
        await panel.load()

        # Counts cover every case, not just the page shown.
        assert panel.count_rows() == [("占道经营", "3"), ("店外经营", "1"), ("油烟污染", "1")]
        assert [r[1] for r in panel.case_rows()] == posted[::-1][:2]
        assert panel.cases_heading.text() == "案件记录（新→旧）· 共 5 件"
        while panel.pager.button.isVisible():
            shown = len(panel.case_rows())
            qtbot.mouseClick(panel.pager.button, Qt.MouseButton.LeftButton)
            await until(partial(grew, panel.case_rows, shown))
        assert [r[1] for r in panel.case_rows()] == posted[::-1]
        assert [r[2] for r in panel.case_rows()] == categories[::-1]

        newest, oldest = panel.inspection_rows()
        assert newest[1:] == ("卫健", "从业人员健康证", "限期整改", "下达整改通知书")
        assert oldest[1:] == ("市场监管、消防", "营业执照、灭火器", "合格", "各项检查合格")
        assert newest[0] == time.strftime("%Y-%m-%d %H:%M", time.localtime(records[1].ts))
        assert panel.inspections_heading.text() == "联合检查记录 · 2 次"
        who = panel.inspections.item(1, 0)
        assert who is not None and "U001、U003" in who.toolTip()

        double_click_row(panel.case_table, 4, qtbot)
        assert opened == [("incident", posted[0])]
        qtbot.mouseClick(panel.push_button, Qt.MouseButton.LeftButton)
        assert pushed == [("merchant", "M-001")]
        # The merchant and its cases on the mini-map; the merchant is the big marker.
        assert set(panel.minimap.marker_points()) == {"M-001", *posted}
        await feed.stop()

    loop.run_until_complete(scenario())


def test_a_photo_list_of_only_broken_data_never_raises(qtbot: Any) -> None:
    async def never(op: str, args: dict[str, Any]) -> Fetched:
        raise AssertionError("not loaded in this test")

    panel = CaseDrilldown("WC-1", never, show_reporter=False)
    qtbot.addWidget(panel)
    answer = {
        "case": {"id": "WC-1", "source": "snap", "category": "x", "status": "reported"},
        "events": [],
        "photos": ["", "data:image/png;base64,", "%%%", png_base64(8, 8)[:-12], "iVBORw0KGgo="],
    }
    panel.show_answer(answer)
    assert [label.property("photo") for label in panel.photo_labels] == ["broken"] * 4
    # No place: the mini-map says so instead of drawing an empty box.
    assert panel.minimap.box is None and panel.minimap.marker_points() == {}
    assert not panel.minimap.grab().isNull()
