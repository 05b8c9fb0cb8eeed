"""The cockpit (驾驶舱) panels on a real hub over loopback: the figures drawn, read back
from the widgets, equal counts made from the cases created through the hub; a dead hub
turns the status line to stale with the last figures kept; the cockpit layout builds
every panel."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import msgspec
import qasync
from PySide6.QtGui import QFontMetrics
from pytestqt.qtbot import QtBot

from backend_client.protocol.ops import StageFigures, StatsAnswer, StatsFormulas, StatsRow
from backend_client.qt import QtFeed
from desktop.i18n import install_language
from desktop.layout import PANEL_OPTIONS, load_layout, resolve_layout
from desktop.panels import PanelContext, PanelGrid
from tests.desktop.test_wall_e2e import until
from tests.support.cockpit_cases import clear_of_midnight, count, local_period, seed_cases
from tests.support.hubs import LiveHub, report
from widgets.cockpit import BarsPanel, CockpitPanel, RatesPanel, TrendPanel, build_panel
from widgets.panel import PanelFrame


def options(kind: str, **given: Any) -> dict[str, Any]:
    values = {name: option.default for name, option in PANEL_OPTIONS[kind].items()}
    values.update(given)
    return values


def _show(qtbot: QtBot, panel: CockpitPanel, w: int = 640, h: int = 400) -> None:
    qtbot.addWidget(panel)
    panel.resize(w, h)
    panel.show()


def test_panels_draw_the_hubs_figures_and_go_stale_when_it_dies(
    hub: LiveHub, loop: qasync.QEventLoop, qtbot: QtBot, gc_on_gui_thread: None
) -> None:
    ids = seed_cases(hub)
    feed = QtFeed(hub.stream_url, hub.token["wall"])
    panels: dict[str, Any] = {
        "trend": build_panel("trend", feed, options("trend")),
        "sources": build_panel("sources", feed, options("sources")),
        # The 小类 alone (classes = 0), the first and the rest as one bar.
        "categories": build_panel("categories", feed, options("categories", top=1, classes=0)),
        "ranking": build_panel("ranking", feed, options("ranking", by="on_time_rate")),
        "rates": build_panel("rates", feed, options("rates")),
    }
    clock = clear_of_midnight()
    for panel in panels.values():
        panel.stats.clock = clock
        _show(qtbot, panel)
        # Before the hub answered, the panel says it has no figures yet (never blank).
        assert panel.level in ("waiting", "error") and panel.status.text()

    async def scenario() -> None:
        feed.start()
        await until(lambda: all(p.stats.answer is not None for p in panels.values()))
        await until(lambda: all(p.level == "live" for p in panels.values()))

    loop.run_until_complete(scenario())
    start, end = local_period(clock(), 30)
    counted = count(hub, ids, start, end)

    rates_panel: RatesPanel = panels["rates"]
    closure = rates_panel.tiles["closure_rate"]
    assert closure.number.text() == f"{counted.closed / counted.due * 100:.1f}%" == "60.0%"
    assert closure.parts.text() == f"结案 {counted.closed} / 应结案 {counted.due}"
    assert closure.formula.text() == "结案率 = 结案 / 应结案"
    on_time = rates_panel.tiles["on_time_rate"]
    assert on_time.number.text() == f"{counted.on_time / counted.due * 100:.1f}%" == "40.0%"
    assert "按期结案 / 应结案" in on_time.formula.text()
    assert rates_panel.medians["move"].text() == "出发中位 01:00"

    sources: BarsPanel = panels["sources"]
    assert sources.values == [
        ("8890热线", "3 · 60%"),
        ("网格上报", "1 · 20%"),
        ("随手拍", "1 · 20%"),
    ]
    categories: BarsPanel = panels["categories"]
    assert categories.values == [("占道经营", "2 · 40%"), ("其他", "3 · 60%")]
    ranking: BarsPanel = panels["ranking"]
    # Team names from the feed's snapshot; 按期结案 / 应结案 per team.
    assert ranking.values == [("1. 城东中队", "100.0%"), ("2. 市场监管", "0.0%")]
    assert "按期结案率" in ranking.formula.text()
    trend: TrendPanel = panels["trend"]
    assert trend.received_label.text() == "受理 5"
    assert trend.closed_label.text() == f"结案 {counted.closed}"
    assert trend.trend is not None and len(trend.trend.days) == 31
    assert all(p.status.text().startswith("近") for p in panels.values())

    async def dead() -> None:
        # Stopped while this loop runs, so the wall's side of the socket closes cleanly.
        await asyncio.to_thread(hub.stop)
        await until(lambda: all(p.level == "stale" for p in panels.values()))
        for panel in panels.values():
            panel.stats.stop()
        await feed.stop()

    loop.run_until_complete(dead())
    for panel in panels.values():
        assert "数据已过时" in panel.status.text()
    # The last figures stay drawn under the notice.
    assert closure.number.text() == "60.0%"
    assert sources.values[0] == ("8890热线", "3 · 60%")


def test_a_failed_query_with_nothing_to_show_says_so(qapp: Any, qtbot: QtBot) -> None:
    # A feed that never connects: the panel must say there are no figures, not stay blank.
    feed = QtFeed("ws://127.0.0.1:9/stream", "x")
    panel = build_panel("rates", feed, options("rates"))
    _show(qtbot, panel)
    assert panel.level == "error"
    assert panel.status.text() == "未连接指挥中心，统计暂不可用"
    assert panel.tiles["closure_rate"].number.text() == "—"  # type: ignore[attr-defined]


def test_the_cockpit_layout_builds_every_panel(
    hub: LiveHub, loop: qasync.QEventLoop, qtbot: QtBot, gc_on_gui_thread: None
) -> None:
    layout = load_layout(resolve_layout(Path("cockpit")))
    assert {"trend", "sources", "categories", "ranking", "rates", "map", "kpi", "clock"} <= set(
        layout.kinds
    )
    feed = QtFeed(hub.stream_url, hub.token["wall"])
    grid = PanelGrid(PanelContext(feed), layout.screens[0])
    qtbot.addWidget(grid)
    grid.resize(1920, 1020)
    grid.show()
    frames = grid.findChildren(PanelFrame)
    assert not [f.kind for f in frames if f.failed]
    cockpit = grid.findChildren(CockpitPanel)
    assert sorted(p.stats.group for p in cockpit) == [
        "class_group",  # categories: 大类 with their 小类
        "day",
        "source",
        "source",
        "team",
    ]

    async def scenario() -> None:
        feed.start()
        await until(lambda: all(p.level == "live" for p in cockpit))
        for panel in cockpit:
            panel.stats.stop()
        await feed.stop()

    loop.run_until_complete(scenario())
    # Titles in Chinese on the frames.
    titles = {f.kind: f.title.text() for f in frames}
    assert titles["trend"] == "案件趋势" and titles["rates"] == "结案与响应"


def test_an_english_wall_words_the_figures_and_formulas_in_english(qapp: Any, qtbot: QtBot) -> None:
    # The hub words its formulas in Chinese; an English wall shows them in English.
    install_language("en")
    try:
        stage = StageFigures(stage="move", met=9, missed=1, pending=0, rate=0.9, median_s=100.0)
        row = StatsRow(
            key="hotline",
            received=10,
            due=8,
            closed=7,
            closed_on_time=6,
            closure_rate=7 / 8,
            on_time_rate=6 / 8,
            stages=[stage],
        )
        answer = StatsAnswer(
            start=0.0,
            end=86400.0,
            group="source",
            as_of=100.0,
            rows=[row],
            total=msgspec.structs.replace(row, key=""),
            formulas=StatsFormulas(),
        )
        feed = QtFeed("ws://127.0.0.1:9/stream", "x")
        rates_panel = build_panel("rates", feed, options("rates"))
        sources = build_panel("sources", feed, options("sources"))
        for panel in (rates_panel, sources):
            # 500 px: the rates panel's width in the cockpit layout at 1080p.
            _show(qtbot, panel, w=500)
            panel.draw(answer)
        assert isinstance(rates_panel, RatesPanel) and isinstance(sources, BarsPanel)
        tile = rates_panel.tiles["closure_rate"]
        assert (tile.name.text(), tile.number.text()) == ("Closure rate", "87.5%")
        assert tile.parts.text() == "Closed 7 / due 8"
        assert tile.formula.text() == "Closure rate = closed / due"
        assert rates_panel.medians["move"].text() == "Move-out median 01:40"
        # English words are longer: every title and median is shown whole on one line.
        service = getattr(rates_panel, "service_tiles", {})
        titles = [t.name for t in (*rates_panel.tiles.values(), *service.values())]
        for label in (*titles, *rates_panel.medians.values()):
            width = QFontMetrics(label.font()).horizontalAdvance(label.text())
            assert width <= rates_panel._tile_room(), (label.text(), width)
        assert sources.values == [("8890 hotline", "10 · 100%")]
        assert rates_panel.status.text() == "Not connected to the centre: no figures"
    finally:
        install_language("zh_CN")


def test_new_cases_reach_the_bars_in_one_coalesced_query(
    hub: LiveHub, loop: qasync.QEventLoop, qtbot: QtBot, gc_on_gui_thread: None
) -> None:
    seed_cases(hub)
    feed = QtFeed(hub.stream_url, hub.token["wall"])
    panel = build_panel("sources", feed, options("sources", refresh_s=3600))
    assert isinstance(panel, BarsPanel)
    panel.stats.settle_s = 0.5  # the wall's 5 s, shortened for the test
    _show(qtbot, panel)

    async def scenario() -> tuple[int, int]:
        feed.start()
        await until(lambda: panel.values != [])
        before = panel.stats.queries
        for n in range(4):
            body = report(f"burst-{n}", source="grid")
            status, _ = await asyncio.to_thread(hub.post, "/api/v1/reports", body)
            assert status == 201
        await until(lambda: panel.values[:1] == [("网格上报", "5 · 56%")])
        await asyncio.sleep(1.0)  # nothing more is asked for the same burst
        after = panel.stats.queries
        panel.stats.stop()
        await feed.stop()
        return before, after

    before, after = loop.run_until_complete(scenario())
    assert before == 1
    # Four new cases arriving one after another: one query for the burst (the reports
    # over HTTP may straddle the settle time, so at most two), never one per case.
    assert after - before in (1, 2)
    assert panel.values == [("网格上报", "5 · 56%"), ("8890热线", "3 · 33%"), ("随手拍", "1 · 11%")]
