"""Case drill-down against a real hub: timeline, 1-3-15 marks, masking, cache, PDF."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtPdf import QPdfDocument

from backend_client.cache import AnswerCache, CachedRequests
from backend_client.qt import QtFeed
from backend_client.stories import CaseStory
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import LiveHub, report
from widgets.casepdf import export_case_pdf
from widgets.drilldown import CaseDrilldown, Fetched, mask_name, mask_phone, sla_marks

pytestmark = pytest.mark.usefixtures("gc_on_gui_thread")


class Clock:
    """Wall time plus an offset the test moves, so a cached answer can be 'minutes old'."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


async def dispatched_case(hub: LiveHub, operator: QtFeed, external_id: str) -> str:
    """A hotline report, dispatched to U001 by the operator desk over the stream."""
    status, body = await asyncio.to_thread(hub.post, "/api/v1/reports", report(external_id))
    assert status == 201
    case_id: str = body["id"]
    result = await operator.client.request(
        "dispatch", {"incident_id": case_id, "unit_ids": ["U001"]}
    )
    assert result["status"] == "dispatched"
    return case_id


def test_supervisor_reads_the_timeline_then_the_cache_then_exports(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    operator = QtFeed(hub.stream_url, hub.token["operator"])
    supervisor = QtFeed(hub.stream_url, hub.token["supervisor"])
    clock = Clock()
    cache = AnswerCache(tmp_path / "answers.db")
    requests = CachedRequests(supervisor.client, cache, clock=clock)

    async def scenario() -> None:
        operator.start()
        supervisor.start()
        await until(lambda: operator.is_live() and supervisor.is_live())
        case_id = await dispatched_case(hub, operator, "8890-drill")

        panel = CaseDrilldown(case_id, requests, show_reporter=False, clock=clock)
        qtbot.addWidget(panel)
        await panel.load()
        rows = panel.timeline_rows()
        # Dispatching a reported case records accepted and dispatched at the same instant.
        assert [r[1] for r in rows] == ["上报", "受理", "派遣"]
        assert [r[2] for r in rows] == ["demo-source", "demo-operator", "demo-operator"]
        assert "U001" in rows[2][3]
        assert all(len(r[0]) == 8 and r[0][2] == ":" and r[0][5] == ":" for r in rows)
        assert panel.fields["case"].text() == case_id
        assert panel.fields["source"].text() == "8890热线"
        assert panel.fields["status"].text() == "已派遣"
        assert panel.fields["address"].text() == "城中街道八一北街"
        marks = panel.mark_texts()
        assert marks[0].startswith("受理 达标 · 提前 ")
        assert marks[1].startswith("出发 计时中")
        assert not panel.banner.isVisible() and panel.banner_text() == ""

        # The hub goes away; the same case is read from the cache, three minutes later.
        await asyncio.to_thread(hub.stop)
        await until(lambda: not supervisor.is_live())
        clock.offset = 185.0
        cached = CaseDrilldown(case_id, requests, show_reporter=False, clock=clock)
        qtbot.addWidget(cached)
        cached.show()
        await cached.load()
        assert cached.cached
        assert cached.banner_text() == "缓存数据 · 3 分钟前"
        assert cached.banner.isVisible()
        assert cached.timeline_rows() == rows

        # A case never opened before has nothing cached: the panel says it failed.
        failures: list[str] = []
        unknown = CaseDrilldown("WC-never", requests, show_reporter=False, clock=clock)
        qtbot.addWidget(unknown)
        unknown.failed.connect(failures.append)
        await unknown.load()
        assert failures == ["offline"]
        assert "加载失败" in unknown.status.text()

        assert cached.answer is not None
        pdf = tmp_path / "case.pdf"
        export_case_pdf(cached.story, pdf)
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF") and len(data) > 2000
        document = QPdfDocument()
        assert document.load(str(pdf)) == QPdfDocument.Error.None_
        assert document.pageCount() >= 1
        text = "".join(document.getAllText(p).text() for p in range(document.pageCount()))
        assert case_id in text
        assert "派遣" in text and "demo-operator" in text and "8890热线" in text
        # The PDF leaves the room: the reporter is masked unless asked otherwise.
        document.close()

        await operator.stop()
        await supervisor.stop()

    loop.run_until_complete(scenario())
    cache.close()


def test_reporter_masked_by_role(
    hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any, tmp_path: Path
) -> None:
    operator = QtFeed(hub.stream_url, hub.token["operator"])

    async def fetch(op: str, args: dict[str, Any]) -> Fetched:
        return await operator.client.request(op, args), False, None

    async def scenario() -> dict[str, Any]:
        operator.start()
        await until(operator.is_live)
        case_id = await dispatched_case(hub, operator, "8890-mask")
        answer: dict[str, Any] = await operator.client.request("case.history", {"case_id": case_id})
        await operator.stop()
        return answer

    answer = loop.run_until_complete(scenario())
    # The hub masks the reporter for an operator before it leaves the hub: even a panel
    # allowed to show the reporter has nothing more to show.
    assert answer["case"]["reporter"] == {"name": "张**", "phone": "138****0000"}
    plain = CaseDrilldown(answer["case"]["id"], fetch, show_reporter=True)
    qtbot.addWidget(plain)
    plain.show_answer(answer)
    assert plain.fields["reporter"].text() == "张** 138****0000"
    answer["case"].pop("reporter")
    plain.show_answer(answer)
    assert plain.fields["reporter"].text() == "未登记"

    # With the reporter whole, as a supervisor receives it:
    answer["case"]["reporter"] = report("x")["reporter"]
    supervisor = CaseDrilldown(answer["case"]["id"], fetch, show_reporter=True)
    wall = CaseDrilldown(answer["case"]["id"], fetch, show_reporter=False)
    for panel in (supervisor, wall):
        qtbot.addWidget(panel)
        panel.show_answer(answer)
    assert supervisor.fields["reporter"].text() == "张女士 13800000000"
    assert wall.fields["reporter"].text() == "张** 138****0000"

    pdf = tmp_path / "masked.pdf"
    export_case_pdf(answer, pdf)
    document = QPdfDocument()
    assert document.load(str(pdf)) == QPdfDocument.Error.None_
    text = document.getAllText(0).text()
    assert "138****0000" in text and "13800000000" not in text
    document.close()


def test_masks() -> None:
    assert mask_phone("13800000000") == "138****0000"
    assert mask_phone(" 13912345678 ") == "139****5678"
    assert mask_phone("110") == "***"
    assert mask_name("张女士") == "张**"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("") == ""


def test_sla_marks_met_missed_pending() -> None:
    case = {
        "sla": {
            "accept_by": 1060.0,
            "move_by": 1180.0,
            "handle_by": 1900.0,
            "accepted_at": 1030.0,  # 30 s early
            "moving_at": 1200.0,  # 20 s late
            "missed": ["move"],
        }
    }
    marks = sla_marks(case, now=1500.0)
    assert [(m.stage, m.state, m.seconds, m.open) for m in marks] == [
        ("accept", "met", 30, False),
        ("move", "missed", 20, False),
        ("handle", "pending", 400, True),
    ]
    assert [m.text() for m in marks] == [
        "受理 达标 · 提前 30 秒",
        "出发 超时 20 秒",
        "处置 计时中 · 剩余 400 秒",
    ]
    late = sla_marks(case, now=2000.0)[2]
    assert (late.state, late.seconds, late.text()) == (
        "missed",
        100,
        "处置 已超时 100 秒（未完成）",
    )
    assert sla_marks({}, now=0.0) == []


def test_a_panel_draws_the_story_it_is_handed(qtbot: Any) -> None:
    async def never(op: str, args: dict[str, Any]) -> Fetched:
        raise AssertionError("not loaded in this test")

    story = CaseStory("WC-7", never)
    panel = CaseDrilldown("WC-7", story, show_reporter=False)
    qtbot.addWidget(panel)
    assert panel.story is story
    loaded: list[bool] = []
    panel.loaded.connect(lambda: loaded.append(True))
    # The model changes; the panel follows (nothing read back out of the widget first).
    story.set_answer(
        {
            "case": {"id": "WC-7", "source": "grid", "status": "accepted"},
            "events": [{"kind": "reported", "ts": 0.0, "actor": "网格员"}],
        }
    )
    assert loaded == [True]
    assert panel.fields["source"].text() == "网格上报"
    assert panel.fields["reporter"].text() == "未登记"
    assert [r[1:3] for r in panel.timeline_rows()] == [("上报", "网格员")]
