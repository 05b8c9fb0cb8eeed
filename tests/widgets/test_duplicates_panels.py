"""Duplicates and service rates on screen, against a real hub over loopback: the desk's
疑似重复 box lists the hub's candidates with why and how far, and its 合并 button merges
the selected case (the hub then holds it as a child, the status line confirms ×N); the
cockpit's rates panel shows 满意率 and 重复派单率 with their formulas, equal to counts
made here from what was stored; English with the English UI."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
import qasync
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from backend_client.api import HubApi
from backend_client.protocol.ops import TimelineEvent
from backend_client.qt import QtFeed
from backend_client.stories.case_data import event_of
from backend_client.transport import FeedClient
from desktop.desk_case import DetailPanel
from desktop.desk_duplicates import DeskDuplicates
from desktop.i18n import install_language
from desktop.layout import PANEL_OPTIONS
from hub.store.models import CaseVisitRow
from hub.store.models import Incident as IncidentRow
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import LiveHub, report
from widgets.cockpit import RatesPanel, build_panel
from widgets.drilldown.formatting import event_detail
from widgets.drilldown.texts import KIND_TEXT
from widgets.text import translate


@pytest.fixture(params=["zh_CN", "en"])
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    install_language(request.param)
    yield str(request.param)
    install_language("zh_CN")


def _report(hub: LiveHub, external_id: str, **overrides: Any) -> str:
    status, answer = hub.post("/api/v1/reports", report(external_id, **overrides))
    assert status == 201, answer
    return str(answer["id"])


def test_the_desk_lists_candidates_and_merges_on_the_operators_click(
    hub: LiveHub, loop: qasync.QEventLoop, qtbot: QtBot, gc_on_gui_thread: None, language: str
) -> None:
    earlier = _report(hub, "ui-earlier", merchant_id="M-7")
    new = _report(hub, "ui-new", merchant_id="M-7", lat=29.0852)
    feed = QtFeed(hub.stream_url, hub.token["operator"])
    panel = DetailPanel()
    qtbot.addWidget(panel)
    duplicates = DeskDuplicates(feed, panel)
    box = duplicates.box
    panel.show()
    assert not box.isVisibleTo(panel)  # no case, nothing to say: no room taken

    async def scenario() -> None:
        feed.start()
        await until(lambda: feed.status.link.value == "live")
        duplicates.show_case(new)
        await until(lambda: box.answer is not None)

    loop.run_until_complete(scenario())
    english = language == "en"
    assert box.isVisibleTo(panel) and box.table.rowCount() == 1
    items = [box.table.item(0, c) for c in range(4)]
    cells = [item.text() if item is not None else "" for item in items]
    assert cells[0] == earlier
    assert cells[1] == ("22 m" if english else "22 米")
    assert cells[2] == (
        "Close by, Same merchant, Same address" if english else "相距近、同一商户、同一地址"
    )
    assert box.merge.isEnabled() and box.chosen() == earlier
    # Nothing merged by looking.
    with Session(hub.hub.engine) as session:
        row = session.get(IncidentRow, new)
        assert row is not None and row.parent_id is None

    async def merge() -> None:
        box.merge.click()  # the operator's click: the only way a merge is sent
        await until(lambda: "×2" in panel.status.text())
        await until(lambda: box.answer is not None and box.answer.parent_id == earlier)
        await feed.stop()

    loop.run_until_complete(merge())
    expected = (
        f"Case {new} merged into case {earlier} (×2)"
        if english
        else f"已将案件 {new} 并入案件 {earlier}（×2）"
    )
    assert panel.status.text() == expected
    assert box.table.rowCount() == 0  # a child has no candidates of its own
    assert earlier in box.family.text()
    with Session(hub.hub.engine) as session:
        row = session.get(IncidentRow, new)
        assert row is not None and row.parent_id == earlier


def test_the_rates_panel_shows_satisfaction_and_duplicate_rates_with_formulas(
    hub: LiveHub, loop: qasync.QEventLoop, qtbot: QtBot, gc_on_gui_thread: None
) -> None:
    ids = [_report(hub, f"rates-{n}", lat=29.08 + n * 0.01) for n in range(5)]
    now = time.time()
    results = ["satisfied", "satisfied", "basic", "dissatisfied", "unreached", "satisfied"]
    with Session(hub.hub.engine) as session:
        child = session.get(IncidentRow, ids[1])
        parent = session.get(IncidentRow, ids[0])
        assert child is not None and parent is not None
        child.parent_id, parent.merged = ids[0], 1
        for n, result in enumerate(results):
            session.add(
                CaseVisitRow(
                    incident_id=ids[n % 5],
                    ts=now - 60 * n,
                    channel="phone",
                    result=result,
                    note="",
                    actor="t",
                )
            )
        session.commit()
    feed = QtFeed(hub.stream_url, hub.token["wall"])
    options = {name: option.default for name, option in PANEL_OPTIONS["rates"].items()}
    panel = build_panel("rates", feed, options)
    assert isinstance(panel, RatesPanel) and panel.service is not None
    qtbot.addWidget(panel)
    panel.resize(640, 560)
    panel.show()
    service = panel.service

    async def scenario() -> None:
        feed.start()
        await until(lambda: service.answer is not None)
        panel.stats.stop()
        await feed.stop()

    loop.run_until_complete(scenario())
    rated = [r for r in results if r != "unreached"]
    satisfied = rated.count("satisfied")
    satisfaction = panel.service_tiles["satisfaction_rate"]
    assert satisfaction.number.text() == f"{satisfied / len(rated) * 100:.1f}%" == "60.0%"
    assert satisfaction.parts.text() == f"满意 {satisfied} / 已评价 {len(rated)} · 未联系上 1"
    assert satisfaction.formula.text().startswith("满意率 = 满意 / 已评价回访")
    duplicate = panel.service_tiles["duplicate_rate"]
    assert duplicate.number.text() == f"{1 / len(ids) * 100:.1f}%" == "20.0%"
    assert duplicate.parts.text() == f"并案件 1 / 受理 {len(ids)}"
    assert duplicate.formula.text() == "重复派单率 = 并案件 / 受理"


def test_the_drilldown_timeline_words_both_sides_of_a_merge(hub: LiveHub, language: str) -> None:
    parent = _report(hub, "tl-parent")
    child = _report(hub, "tl-child")

    async def merge_and_read() -> tuple[list[TimelineEvent], list[TimelineEvent]]:
        client = FeedClient(hub.stream_url, hub.token["operator"])
        task = asyncio.create_task(client.run())
        try:
            await client.wait_synced()
            api = HubApi.over(client.request)
            await api.case_merge(child, parent)
            parent_events = (await api.case_history(parent)).answer.events
            child_events = (await api.case_history(child)).answer.events
            return parent_events, child_events
        finally:
            await client.stop()
            await task

    parent_events, child_events = asyncio.run(merge_and_read())
    on_parent = [event_of(e) for e in parent_events if e.kind == "merged_child"]
    on_child = [event_of(e) for e in child_events if e.kind == "merged"]
    assert len(on_parent) == 1 and len(on_child) == 1
    english = language == "en"
    assert translate("drilldown", KIND_TEXT["merged_child"]) == (
        "Duplicate merged in" if english else "重复件并入"
    )
    assert event_detail(on_parent[0]) == (
        f"case {child} merged into this one, ×2 in all"
        if english
        else f"案件 {child} 并入本案，共 ×2"
    )
    assert translate("drilldown", KIND_TEXT["merged"]) == ("Merged" if english else "并案")
    assert event_detail(on_child[0]) == (f"into case {parent}" if english else f"并入案件 {parent}")
