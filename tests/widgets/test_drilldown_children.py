"""A parent's case drill-down lists the duplicate reports merged into it, against a real
hub over loopback: one row per child (id, time, source, reporter as the role may see it,
distance, 回访, text), oldest first; a double-click or Enter on a row opens that child's
own drill-down (opened as the desk and the wall open one, widgets/drillopen.py), which
links back to its parent; a case with no children shows no such section."""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import Qt

from backend_client.cache import AnswerCache, CachedRequests
from backend_client.geo import EARTH_RADIUS_M
from backend_client.privacy import mask_name, mask_phone
from backend_client.qt import QtFeed
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import OFFICERS, LiveHub, report
from tests.widgets.test_drilldown_related import double_click_row
from widgets.drilldown import CaseDrilldown
from widgets.drillopen import make_drilldown
from widgets.vocabulary import source_label

pytestmark = pytest.mark.usefixtures("gc_on_gui_thread")

LAT, LON = 29.085, 119.652
TEXT = "将军路口早市摊贩占道经营，" * 3


async def post(hub: LiveHub, external_id: str, **fields: Any) -> str:
    status, body = await asyncio.to_thread(
        hub.post, "/api/v1/reports", report(external_id, **fields)
    )
    assert status == 201, body
    await asyncio.sleep(0.01)  # distinct reported_at: the list is oldest first
    return str(body["id"])


def opened_case(feed: QtFeed, requests: CachedRequests, case_id: str) -> CaseDrilldown:
    panel = make_drilldown("incident", case_id, feed, requests)
    assert isinstance(panel, CaseDrilldown)
    return panel


def test_a_parent_lists_its_merged_reports_and_opens_each_one(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    supervisor = QtFeed(hub.stream_url, hub.token["supervisor"])
    operator = QtFeed(hub.stream_url, hub.token["operator"])
    cache = AnswerCache(tmp_path / "answers.db")
    requests = CachedRequests(supervisor.client, cache)
    operator_requests = CachedRequests(operator.client, AnswerCache(tmp_path / "op.db"))
    north_30m = LAT + math.degrees(30 / EARTH_RADIUS_M)
    unit = OFFICERS[0].id
    ids: dict[str, str] = {}

    async def step(case_id: str, action: str, **args: Any) -> None:
        await supervisor.client.request("case.step", {"case_id": case_id, "action": action, **args})

    async def seed() -> None:
        supervisor.start()
        operator.start()
        await until(supervisor.is_live)
        await until(operator.is_live)
        ids["parent"] = await post(hub, "kids-parent", lat=LAT, lon=LON)
        ids["first"] = await post(
            hub,
            "kids-first",
            lat=north_30m,
            lon=LON,
            text=TEXT,
            reporter={"name": "王女士", "phone": "13700001111"},
        )
        ids["second"] = await post(
            hub, "kids-second", source="snap", reporter={"name": "李先生", "phone": "13900002222"}
        )
        ids["lonely"] = await post(hub, "kids-lonely", category="油烟污染", lat=LAT + 0.03)
        for child in ("first", "second"):
            await supervisor.client.request(
                "case.merge", {"case_id": ids[child], "into": ids["parent"]}
            )
        # Handled and closed, then the first child's own reporter is called back.
        await step(ids["parent"], "accept")
        await step(ids["parent"], "dispatch", units=[unit])
        await step(ids["parent"], "arrive", units=[unit])
        await step(ids["parent"], "handle", outcome="摊贩已劝离")
        await step(ids["parent"], "check", result="passed")
        await step(ids["parent"], "close")
        await supervisor.client.request(
            "case.visit", {"case_id": ids["first"], "channel": "phone", "result": "satisfied"}
        )

    loop.run_until_complete(seed())
    parent, first, second = ids["parent"], ids["first"], ids["second"]

    panel = opened_case(supervisor, requests, parent)
    qtbot.addWidget(panel)
    panel.resize(1280, 800)
    panel.show()
    opened: list[tuple[str, str]] = []
    panel.openRequested.connect(lambda kind, key: opened.append((kind, key)))
    assert not panel.children_table.isVisible()  # nothing known yet, no room taken
    loop.run_until_complete(panel.load())

    assert panel.children_heading.isVisible() and panel.children_table.isVisible()
    assert panel.children_heading.text() == "合并的重复报告 · 2 件"
    assert panel.children_ids() == [first, second]
    view = panel.children_table
    headers = [view.horizontalHeaderItem(c) for c in range(view.columnCount())]
    assert [h.text() if h is not None else "" for h in headers] == [
        "案件编号",
        "上报时间",
        "来源",
        "上报人",
        "距离",
        "回访",
        "案情",
    ]
    one, two = panel.children_rows()
    assert one[0] == first and two[0] == second
    assert one[2:6] == (source_label("hotline"), "王女士 13700001111", "30 米", "满意")
    assert one[6] == TEXT[:60]
    # Reported on the parent's very spot; its reporter not called back yet.
    assert two[2:6] == (source_label("snap"), "李先生 13900002222", "0 米", "未回访")
    reported = time.strftime("%Y-%m-%d", time.localtime())
    assert one[1].startswith(reported)

    # Double-click opens the child; Enter on the selected row does too.
    double_click_row(panel.children_table, 1, qtbot)
    assert opened == [("incident", second)]
    panel.children_table.setFocus()
    panel.children_table.selectRow(0)
    qtbot.keyClick(panel.children_table, Qt.Key.Key_Return)
    assert opened[-1] == ("incident", first)

    # The child's drill-down, opened as the desk opens what a panel asks for: it names
    # its parent as a link that opens the parent, and lists no children of its own.
    child = opened_case(supervisor, requests, opened[-1][1])
    qtbot.addWidget(child)
    child.resize(1280, 800)
    child.show()
    back: list[tuple[str, str]] = []
    child.openRequested.connect(lambda kind, key: back.append((kind, key)))
    loop.run_until_complete(child.load())
    link = child.fields["parent"]
    assert child.form.isRowVisible(link) and parent in link.text() and "<a " in link.text()
    link.linkActivated.emit("parent")
    assert back == [("incident", parent)]
    # Its 并案 timeline row opens the parent too (it names no officer to replay).
    kinds = [row[1] for row in child.timeline_rows()]
    double_click_row(child.timeline, kinds.index("并案"), qtbot)
    assert back == [("incident", parent)] * 2
    assert not child.children_table.isVisible() and child.children_ids() == []

    # An operator reads the same list with the reporters masked.
    masked = opened_case(operator, operator_requests, parent)
    qtbot.addWidget(masked)
    masked.show()
    loop.run_until_complete(masked.load())
    assert masked.children_rows()[0][3] == f"{mask_name('王女士')} {mask_phone('13700001111')}"

    # A case nothing was merged into: no section at all.
    lonely = opened_case(supervisor, requests, ids["lonely"])
    qtbot.addWidget(lonely)
    lonely.show()
    loop.run_until_complete(lonely.load())
    assert not lonely.children_heading.isVisible() and not lonely.children_table.isVisible()
    assert not lonely.form.isRowVisible(lonely.fields["parent"])

    async def stop() -> None:
        for panel_ in (panel, child, masked, lonely):
            await panel_.stop()
        await supervisor.stop()
        await operator.stop()

    loop.run_until_complete(stop())


def test_children_of_an_answer_no_struct_accepts_are_read_field_by_field(qtbot: Any) -> None:
    async def never(op: str, args: dict[str, Any]) -> Any:
        raise AssertionError(f"no request expected: {op}")

    panel = CaseDrilldown("WC-P", never, show_reporter=False)
    qtbot.addWidget(panel)
    # Written by hand (no ``source``: the Struct refuses it): the children are still
    # listed, the one without an id (nothing to open) left out, missing fields shown as
    # unknown, and the reporter masked for a role that may not see it.
    panel.show_answer(
        {
            "case": {"id": "WC-P", "category": "占道经营", "reported_at": 1.0},
            "events": [],
            "children": [
                {"id": "WC-C1", "reporter": {"name": "王女士", "phone": "13700001111"}},
                {"summary": "no id"},
                "not an object",
            ],
        }
    )
    assert panel.children_ids() == ["WC-C1"]
    assert panel.children_rows() == [
        ("WC-C1", "—", "—", f"{mask_name('王女士')} {mask_phone('13700001111')}", "—", "未回访", "")
    ]
    assert panel.children_heading.text() == "合并的重复报告 · 1 件"
