"""The case drill-down beside the queue, against a real hub over loopback: its 处置时限 line
is in working time once the client holds the hub's calendar (the desk asks calendar.get
and keeps it on the feed's state), in clock time before; a case merged into another shows
that its clocks stopped, not marks counting on; the case PDF lists the merged reports."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import QSettings, Qt
from PySide6.QtPdf import QPdfDocument

from backend_client.api import HubApi
from backend_client.cache import AnswerCache, CachedRequests
from backend_client.privacy import mask_name, mask_phone
from backend_client.qt import QtFeed
from backend_client.workcalendar import calendar_from_answer
from desktop.desk import DeskWindow
from tests.desktop.test_wall_e2e import until
from tests.support.calendars import at, hub_on_calendar
from tests.support.hubs import OFFICERS, LiveHub, report
from widgets.casepdf import export_case_pdf
from widgets.drilldown import CaseDrilldown
from widgets.drillopen import make_drilldown
from widgets.queue import COL_DEADLINE

pytestmark = pytest.mark.usefixtures("gc_on_gui_thread")


@pytest.fixture
def calendar_hub(tmp_path: Path) -> Iterator[LiveHub]:
    yield from hub_on_calendar(tmp_path / "hub.db", tmp_path)


async def post(hub: LiveHub, external_id: str, **fields: Any) -> str:
    status, body = await asyncio.to_thread(
        hub.post, "/api/v1/reports", report(external_id, **fields)
    )
    assert status == 201, body
    return str(body["id"])


def opened(feed: QtFeed, requests: CachedRequests, case_id: str, qtbot: Any) -> CaseDrilldown:
    """The case's drill-down as the desk and the walls open it (widgets/drillopen.py)."""
    panel = make_drilldown("incident", case_id, feed, requests)
    assert isinstance(panel, CaseDrilldown)
    qtbot.addWidget(panel)
    panel.resize(1280, 800)
    panel.show()
    return panel


def test_the_deadline_line_reads_in_working_time_as_the_queue_does(
    tmp_path: Path,
    calendar_hub: LiveHub,
    loop: qasync.QEventLoop,
    qtbot: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hub = calendar_hub
    # A desk (it asks calendar.get), and a client that never asked (a wall, say).
    feed = QtFeed(hub.stream_url, hub.token["operator"])
    plain = QtFeed(hub.stream_url, hub.token["supervisor"])
    for each in (feed, plain):
        # Both read at Friday 5 March 2027 16:30 (hub time).
        monkeypatch.setattr(each, "now", lambda: at("2027-03-05 16:30"))
    cache = AnswerCache(tmp_path / "desk.db")
    requests = CachedRequests(feed.client, cache)
    plain_requests = CachedRequests(plain.client, AnswerCache(tmp_path / "plain.db"))
    desk = DeskWindow(
        feed,
        settings=QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat),
        with_map=False,
        requests=requests,
    )
    qtbot.addWidget(desk)
    desk.show()
    model = desk.model
    ids: dict[str, str] = {}

    async def seed() -> None:
        feed.start()
        plain.start()
        await until(feed.is_live)
        await until(plain.is_live)
        await until(lambda: model.calendar is not None)
        # 私搭乱建 (4 working hours) dispatched Friday 16:00: due Monday 8 March 11:00.
        ids["case"] = case = await post(hub, "drill-wt", category="私搭乱建")
        await asyncio.to_thread(
            hub.run,
            hub.hub.apply_case_action(case, "dispatch", "调度员", at("2027-03-05 16:00"), ["U001"]),
        )
        await until(lambda: feed.state.incidents[case].deadline == at("2027-03-08 11:00"))

    loop.run_until_complete(seed())
    case = ids["case"]
    # The desk kept the hub's calendar where the drill-downs read it.
    assert feed.state.calendar == hub.hub.calendar and plain.state.calendar is None

    panel = opened(feed, requests, case, qtbot)
    loop.run_until_complete(panel.load())
    line = panel.fields["deadline"]
    assert panel.form.isRowVisible(line)
    # The queue's cell and the drill-down beside it say the same: hours of work left.
    cell = model.index(model.row_of(case), COL_DEADLINE).data(Qt.ItemDataRole.DisplayRole)
    assert cell == "剩3个工作时30分"
    assert line.text() == "2027-03-08 11:00（4个工作时）· 剩3个工作时30分"

    # Without the calendar: clock time, the weekend counted in.
    other = opened(plain, plain_requests, case, qtbot)
    loop.run_until_complete(other.load())
    assert other.fields["deadline"].text() == "2027-03-08 11:00（4个工作时）· 剩2天18时"
    # The calendar arriving after the panel opened words its next refresh.

    async def arrive() -> None:
        reply = await HubApi.over(plain.client.request).calendar_get()
        plain.state.calendar = calendar_from_answer(reply.answer)
        await other.load()

    loop.run_until_complete(arrive())
    assert other.fields["deadline"].text() == "2027-03-08 11:00（4个工作时）· 剩3个工作时30分"

    async def stop() -> None:
        for each_panel in (panel, other):
            await each_panel.stop()
        await desk.stop()
        await feed.stop()
        await plain.stop()

    loop.run_until_complete(stop())
    cache.close()


def test_a_merged_child_shows_its_clocks_stopped_and_the_pdf_lists_children(
    tmp_path: Path,
    hub: LiveHub,
    loop: qasync.QEventLoop,
    qtbot: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    feed = QtFeed(hub.stream_url, hub.token["supervisor"])
    cache = AnswerCache(tmp_path / "answers.db")
    requests = CachedRequests(feed.client, cache)
    unit = OFFICERS[0].id
    ids: dict[str, str] = {}

    async def step(case_id: str, action: str, **args: Any) -> None:
        await feed.client.request("case.step", {"case_id": case_id, "action": action, **args})

    async def seed() -> None:
        feed.start()
        await until(feed.is_live)
        ids["parent"] = await post(hub, "stop-parent", category="私搭乱建")
        ids["child"] = await post(
            hub,
            "stop-child",
            category="私搭乱建",
            source="snap",
            reporter={"name": "王女士", "phone": "13700001111"},
        )
        # Both dispatched (each has its deadline and running marks), then the child merged.
        for case in (ids["parent"], ids["child"]):
            await step(case, "accept")
            await step(case, "dispatch", units=[unit])
        await feed.client.request("case.merge", {"case_id": ids["child"], "into": ids["parent"]})

    loop.run_until_complete(seed())
    parent_id, child_id = ids["parent"], ids["child"]
    # Read a week later: anything still timed is long overdue by then.
    later = feed.now() + 7 * 86400
    monkeypatch.setattr(feed, "now", lambda: later)

    parent = opened(feed, requests, parent_id, qtbot)
    child = opened(feed, requests, child_id, qtbot)
    loop.run_until_complete(asyncio.gather(parent.load(), child.load()))

    # The parent is still on the clocks: its marks count and its deadline is missed.
    assert parent.story.case.deadline is not None
    assert any("已超时" in text for text in parent.mark_texts())
    assert "· 超期" in parent.fields["deadline"].text()
    assert parent.fields["deadline"].property("overdue") is True

    # The child went into the parent: one line, for the marks and for the deadline.
    stopped = f"已并入 {parent_id}，不再计时"
    assert child.story.case.deadline is not None
    assert child.mark_texts() == [stopped]
    deadline = child.fields["deadline"]
    assert child.form.isRowVisible(deadline) and deadline.text() == stopped
    assert deadline.property("overdue") is not True

    # The parent's PDF lists the merged report as the drill-down does, reporter masked;
    # the child's PDF says its clocks stopped instead of the marks.
    assert parent.children_ids() == [child_id]
    pdf = parent.export_pdf(tmp_path / "parent.pdf")
    assert pdf is not None
    document = QPdfDocument()
    assert document.load(str(pdf)) == QPdfDocument.Error.None_
    text = "".join(document.getAllText(p).text() for p in range(document.pageCount()))
    document.close()
    assert "合并的重复报告 · 1 件" in text and child_id in text
    assert "上报人" in text and "未回访" in text and "13700001111" in text
    # A PDF leaves the room: unless asked otherwise, the child's reporter is masked too.
    export_case_pdf(parent.story, tmp_path / "masked.pdf")
    document = QPdfDocument()
    assert document.load(str(tmp_path / "masked.pdf")) == QPdfDocument.Error.None_
    text_masked = "".join(document.getAllText(p).text() for p in range(document.pageCount()))
    document.close()
    assert f"{mask_name('王女士')} {mask_phone('13700001111')}" in text_masked
    assert "13700001111" not in text_masked

    child_pdf = tmp_path / "child.pdf"
    export_case_pdf(child.story, child_pdf, now=later)
    document = QPdfDocument()
    assert document.load(str(child_pdf)) == QPdfDocument.Error.None_
    child_text = "".join(document.getAllText(p).text() for p in range(document.pageCount()))
    document.close()
    assert "不再计时" in child_text and "已超时" not in child_text
    assert "合并的重复报告" not in child_text

    async def stop() -> None:
        for panel in (parent, child):
            await panel.stop()
        await feed.stop()

    loop.run_until_complete(stop())
    cache.close()
