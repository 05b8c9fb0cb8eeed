"""Translations the Qt way: the .ts is current and finished, the .qm loads, walls word
ticker and alert lines in their own language."""

from __future__ import annotations

import ast
import asyncio
import importlib.util
import re
import string
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import qasync
from PySide6.QtCore import QTranslator
from PySide6.QtWidgets import QApplication

from backend_client import events, vocabulary
from backend_client.protocol.messages import Alert
from backend_client.qt import QtFeed
from desktop.i18n import catalogue, install_language, qm_path
from tests.support.hubs import LiveHub, report
from widgets.text import event_text

REPO = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_script", REPO / "scripts" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["i18n_script"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_the_ts_holds_every_extracted_text_translated() -> None:
    # What pyside6-lupdate extracts from the tree now, against the committed .ts: nothing
    # missing, nothing left over, no type="unfinished".
    script = _script()
    extracted = script.extract()
    committed = script.read_ts(script.ts_file("en"))
    merged = script.merge(extracted, committed, {})
    assert script.unfinished(merged) == []
    assert script.render(merged, "en") == script.ts_file("en").read_text(encoding="utf-8"), (
        "resources/i18n/watchfloor_en.ts is stale: run .venv/bin/python scripts/i18n.py update"
    )
    # Every module of the wall has its own context.
    assert {"ticker", "alerts", "queue", "kpi", "clock", "banner", "header", "events"} <= set(
        extracted
    )


def test_tables_are_translated_in_their_context() -> None:
    from desktop.header import LAYOUT_TITLES, LINK_TEXT
    from desktop.panels import PANEL_TITLES
    from widgets import alerts, banner, clock, kpi, minimap, queue

    tables: dict[str, list[str]] = {
        "alerts": list(alerts.KIND_TEXT.values()),
        "banner": list(banner.TEXT.values()),
        "clock": list(clock.WEEKDAYS),
        "header": [*LINK_TEXT.values(), *LAYOUT_TITLES],
        "panels": [t for t in PANEL_TITLES.values() if t],
        "kpi": [
            *kpi.UNIT_STATUS_TEXT.values(),
            *kpi.STAGE_LABEL.values(),
            *kpi.RESPONSE_LABELS,
            *kpi.TITLES.values(),
            kpi.NONE_DECIDED,
        ],
        "minimap": list(minimap.TEXT.values()),
        "queue": list(queue.COLUMNS),
        "vocabulary": [
            *vocabulary.SOURCES.values(),
            *vocabulary.STAGES.values(),
            *vocabulary.STATUSES.values(),
            *vocabulary.CATEGORIES,
        ],
        "events": [*events.TEMPLATES.values(), *events.SENTENCE_WORDS],
    }
    for context, sources in tables.items():
        known = catalogue(context)
        assert [s for s in sources if s not in known] == [], context
    # The shipped layouts' titles are data: LAYOUT_TITLES must list every one of them.
    for path in sorted((REPO / "resources" / "layouts").glob("*.toml")):
        layout = tomllib.loads(path.read_text(encoding="utf-8"))
        titles = [layout.get("title", "")]
        titles += [s.get("title", "") for s in layout.get("screen", [])]
        assert [t for t in titles if t and t not in LAYOUT_TITLES] == [], path.name


def test_every_text_is_looked_up_with_its_context() -> None:
    # A one-argument tr("…") has no context lupdate can file it under: none is left.
    calls = []
    for folder in ("widgets", "desktop"):
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, (ast.Name, ast.Attribute))
                    and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) == "tr"
                ):
                    calls.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert calls == []


def test_event_templates_keep_their_fields_in_english() -> None:
    # compose() falls back to the Chinese text when a translation's fields do not fit.
    english = catalogue("events")

    def fields(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    for template in events.TEMPLATES.values():
        assert fields(english[template]) == fields(template), template


def test_the_qm_loads_and_translates(qapp: QApplication) -> None:
    qm = qm_path("en")
    assert qm is not None and qm.exists()
    translator = QTranslator()
    assert translator.load(str(qm))
    assert translator.translate("ticker", "案件播报") == "Cases"
    assert translator.translate("vocabulary", "出发") == "Move"
    assert translator.translate("drilldown", "案件详情") == "Case"
    assert translator.translate("vocabulary", "占道经营") == "Street vending"


@pytest.fixture
def english(qapp: QApplication) -> Iterator[None]:
    install_language("en")
    yield
    install_language("zh_CN")


def test_alert_lines_are_worded_in_english(english: None, qtbot: Any) -> None:
    from widgets.alerts import AlertList

    feed = QtFeed("ws://127.0.0.1:9/stream", "unused")
    feed.state.alerts["a"] = Alert(
        id="a",
        kind="officer_idle",
        subject="U1",
        ts=time.time(),
        text="王建国 原地停留超过 20 分钟",
        code="alert.officer_idle",
        args={"officer": "王建国", "minutes": 20},
    )
    # An older hub: no code, the Chinese text as sent.
    feed.state.alerts["b"] = Alert(id="b", kind="sos", subject="U2", ts=0.0, text="旧式")
    alerts = AlertList(feed)
    qtbot.addWidget(alerts)
    texts = alerts.texts()
    assert any(t.endswith("[SOS] 旧式") for t in texts)
    idle = next(t for t in texts if "王建国" in t)
    assert idle.endswith("[Officer idle] 王建国 has not moved for over 20 min")
    assert event_text("no.such.code", {}, "原文") == "原文"


def test_a_real_hub_ticker_line_reads_english(
    english: None, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    from widgets.ticker import TickerBar

    feed = QtFeed(hub.stream_url, hub.token["wall"])
    bar = TickerBar()
    qtbot.addWidget(bar)
    feed.tickerArrived.connect(bar.announce_event)

    async def scenario() -> None:
        feed.start()
        deadline = time.monotonic() + 20
        while not feed.is_live():
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        status, _ = await asyncio.to_thread(hub.post, "/api/v1/reports", report("8890-en"))
        assert status == 201
        while not bar.items:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        await feed.stop()

    loop.run_until_complete(scenario())
    line = bar.items[0]
    assert line == "[8890 hotline] Street vending · 城中街道八一北街"
    # No Chinese but the place's name.
    assert not CJK.search(line.replace("城中街道八一北街", ""))


def test_the_case_documents_read_english(english: None) -> None:
    # The 文书 and 裁量 tabs' words come from the story as codes and templates; the view
    # words them (the benchmark's name, its legal basis and the hub's reasons are data).
    from backend_client.stories.case_documents import WORDING, Line, RecordRow
    from widgets.drilldown.documents import record_cells, worded

    english = catalogue("drilldown")
    assert [
        t for k, t in WORDING.items() if k not in ("plain", "reason") and t not in english
    ] == []
    row = RecordRow("XW-1", "inquiry", "No.17", "refused", 2, 1, "王强（330702）", 0, True)
    assert record_cells(row) == (
        "Inquiry record",
        "No.17",
        "signature refused",
        "2 (corrects version 1)",
        "王强（330702）",
        "⚠ No footage",
    )
    assert worded(Line("suggest_waived", {"tier": "none"})) == (
        "Suggested: no penalty (first offence, no penalty)"
    )
    line = Line("decided_fine", {"tier": "general", "amount": "200", "actor": "李队"})
    assert worded(line) == "general, fine ¥200 (李队)"


def test_every_class_and_group_of_the_shipped_catalogue_has_its_english_name(
    qapp: QApplication,
) -> None:
    # Walls and desks show a case's class by its stored Chinese name, translated as
    # vocabulary: a class added to resources/classes/ without an English entry would stand
    # in Chinese on an English wall (docs/casework.md).
    from hub.domain.classes import shipped_catalogue

    catalogue_names = {c.name for c in shipped_catalogue().classes}
    group_names = {g.name for g in shipped_catalogue().groups}
    listed = set(vocabulary.CATEGORIES) | set(vocabulary.CLASS_NAMES)
    assert catalogue_names - listed == set()
    assert group_names - set(vocabulary.CLASS_GROUPS) == set()
    qm = qm_path("en")
    assert qm is not None
    translator = QTranslator()
    assert translator.load(str(qm))
    untranslated = {
        name
        for name in catalogue_names | group_names
        if translator.translate("vocabulary", name) in ("", name)
    }
    assert untranslated == set()
