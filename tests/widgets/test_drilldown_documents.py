"""The case drill-down's 文书 and 裁量 tabs on a real hub: the records as an operator sees
them (state, versions, the no-clip badge), the suggestion beside the decision.

With ``WATCHFLOOR_SCREENSHOTS=1`` it also writes ``docs/img/records.png`` and
``docs/img/discretion.png``."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtWidgets import QMainWindow

from backend_client.api import Fetched
from backend_client.qt import QtFeed
from backend_client.resources import resource
from tests.desktop.test_wall_e2e import until
from tests.hub.test_records import inquiry
from tests.support.hubs import OFFICERS, LiveHub, report
from widgets.drilldown import CaseDrilldown

OUT = Path(__file__).resolve().parents[2] / "docs" / "img"


def test_records_and_discretion_tabs_show_what_the_hub_holds(
    hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any, tmp_path: Path
) -> None:
    feed = QtFeed(hub.stream_url, hub.token["operator"])

    async def fetch(op: str, args: dict[str, Any]) -> Fetched:
        return await feed.client.request(op, args), False, None

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        status, answer = await asyncio.to_thread(hub.post, path, body)
        assert status == 201, answer
        return answer

    windows: list[QMainWindow] = []

    async def scenario() -> CaseDrilldown:
        feed.start()
        await until(feed.is_live)
        body = report("8890-docs", category="店外经营", merchant_id="M-9", priority=4)
        body["text"] = "老王面馆门前摆放桌椅，占用人行道"
        case_id = str((await post("/api/v1/reports", body))["id"])
        path = f"/api/v1/cases/{case_id}/records"
        now = time.time()
        await post(path, inquiry("XW-1", number="婺综执询〔2026〕17号", clips=[]))
        signed = inquiry("XW-2", number="婺综执询〔2026〕18号")
        await post(path, signed)
        signed["qa"] = signed["qa"] + [{"q": "还有什么补充？", "a": "没有了。"}]
        signed["correction_reason"] = "补记最后一问"
        await post(path, signed)
        await post(
            path,
            inquiry(
                "JC-1",
                kind="inspection",
                number="婺综执检〔2026〕9号",
                template_version="现场检查笔录 2024.1",
                qa=[],
                findings="店外摆放桌椅4张，占用人行道约6平方米。",
                signature={"state": "awaiting_signature"},
                clips=[],
                started_at=now - 900,
                ended_at=now - 300,
            ),
        )
        client = feed.client
        unit = OFFICERS[0].id
        await client.request("dispatch", {"incident_id": case_id, "unit_ids": [unit]})
        await client.request("case.step", {"case_id": case_id, "action": "arrive", "units": [unit]})
        await client.request(
            "case.step", {"case_id": case_id, "action": "handle", "outcome": "当场收回桌椅"}
        )
        await client.request(
            "case.decide",
            {
                "case_id": case_id,
                "tier": "none",
                "amount": 0,
                "reason": "首次违法，当场改正，危害轻微",
                "waived": True,
            },
        )

        panel = CaseDrilldown(case_id, fetch, show_reporter=False)
        await panel.load()
        if os.environ.get("WATCHFLOOR_SCREENSHOTS") == "1":
            qss = resource("themes", "wall-dark.qss").read_text(encoding="utf-8")
            window = QMainWindow()
            windows.append(window)
            window.setObjectName("DeskWindow")
            window.setStyleSheet(qss)
            window.setCentralWidget(panel)
            window.resize(1600, 1000)
            window.show()
            OUT.mkdir(parents=True, exist_ok=True)
            for index, name in ((0, "records.png"), (1, "discretion.png")):
                panel.document_tabs.setCurrentIndex(index)
                await asyncio.sleep(0.3)  # layout and paint on the running loop
                assert window.grab().save(str(OUT / name))
        await feed.stop()
        return panel

    panel = loop.run_until_complete(scenario())
    for window in windows:
        qtbot.addWidget(window)
    if not windows:
        qtbot.addWidget(panel)
    tabs = panel.document_tabs
    assert tabs.tabText(0) == "文书 3"
    rows = {row[1]: row for row in tabs.record_rows()}
    assert rows["婺综执询〔2026〕17号"] == (
        "询问笔录",
        "婺综执询〔2026〕17号",
        "已签名",
        "1",
        "王强（33070201001）、陈明（33070201002）",
        "⚠ 无视频",
    )
    # The corrected record shows both versions are kept, and which one is corrected.
    assert rows["婺综执询〔2026〕18号"][3] == "2（更正第 1 版）"
    assert rows["婺综执询〔2026〕18号"][5] == "1 段"
    # An inspection needs no interview footage: no badge, whether or not it has a clip.
    assert rows["婺综执检〔2026〕9号"][2] == "待签名" and rows["婺综执检〔2026〕9号"][5] == "—"

    suggestion = tabs.suggestion.text()
    assert "店外经营（09005）" in suggestion and "首违不罚" in suggestion
    assert "示例裁量基准" in suggestion  # the shipped benchmark is a sample
    decision = tabs.decision.text()
    assert "不予处罚（首违不罚），不罚款（demo-operator）" in decision
    assert "理由：首次违法，当场改正，危害轻微" in decision

    # The timeline names the record and decision steps, in words.
    records = [row[3] for row in panel.timeline_rows() if row[1] == "笔录"]
    assert records == [
        "询问笔录 · XW-1 · 第 1 版 · 已签名",
        "询问笔录 · XW-2 · 第 1 版 · 已签名",
        "询问笔录 · XW-2 · 第 2 版 · 已签名",
        "现场检查笔录 · JC-1 · 第 1 版 · 待签名",
    ]
    (decided,) = [row[3] for row in panel.timeline_rows() if row[1] == "处罚决定"]
    assert decided == "不予处罚 · 首次违法，当场改正，危害轻微"

    # The case PDF carries the records and the decision.
    from PySide6.QtPdf import QPdfDocument

    pdf = panel.export_pdf(tmp_path / "case.pdf")
    assert pdf is not None and pdf.read_bytes().startswith(b"%PDF")
    document = QPdfDocument()
    assert document.load(str(pdf)) == QPdfDocument.Error.None_
    text = "".join(document.getAllText(p).text() for p in range(document.pageCount()))
    document.close()
    flat = "".join(text.split())  # a narrow cell wraps a number over lines
    for expected in ("文书", "婺综执询〔2026〕17号", "婺综执检〔2026〕9号", "无视频", "首次违法"):
        assert expected in flat, expected
