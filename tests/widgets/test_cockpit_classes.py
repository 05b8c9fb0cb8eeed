"""The cockpit's categories panel by 大类 on a real hub over loopback: each 大类 a bar with
its 小类 with the most cases below it, the figures read back from the widget equal to
counts made here from the cases the hub holds, mapped through the classes catalogue."""

from __future__ import annotations

from collections import Counter
from typing import Any

import qasync
from pytestqt.qtbot import QtBot

from backend_client.qt import QtFeed
from desktop.i18n import install_language
from hub.domain.classes import shipped_catalogue
from tests.backend_client.test_cockpit_class_shares import _row
from tests.desktop.test_wall_e2e import until
from tests.support.cockpit_cases import clear_of_midnight, local_period, seed_cases
from tests.support.hubs import LiveHub, report
from tests.widgets.test_cockpit import _show, options
from widgets.cockpit import BarsPanel, build_panel
from widgets.cockpit.charts import CLASS_INDENT


def _expected(
    hub: LiveHub, ids: list[str], start: float, end: float, classes: int
) -> list[tuple[str, str]]:
    """The bars the panel must show, counted case by case: 大类 by cases received, most
    first, each with its ``classes`` 小类 with the most cases."""
    catalogue = shipped_catalogue()
    groups: Counter[str] = Counter()
    names: dict[str, str] = {}
    below: dict[str, Counter[str]] = {}
    total = 0
    for case_id in ids:
        case = hub.hub.state.incidents[case_id]
        if not start <= case.reported_at < end:
            continue
        found = catalogue.find(case.category)
        assert found is not None, case.category
        total += 1
        groups[found.group.code] += 1
        names[found.group.code] = found.group.name
        below.setdefault(found.group.code, Counter())[case.category] += 1
    bars = []
    for code, n in sorted(groups.items(), key=lambda kv: (-kv[1], kv[0])):
        bars.append((names[code], f"{n} · {n / total * 100:.0f}%"))
        top = sorted(below[code].items(), key=lambda kv: (-kv[1], kv[0]))[:classes]
        bars += [(CLASS_INDENT + name, str(count)) for name, count in top]
    return bars


def test_the_categories_panel_shows_each_class_group_with_its_top_classes(
    hub: LiveHub, loop: qasync.QEventLoop, qtbot: QtBot, gc_on_gui_thread: None
) -> None:
    ids = list(seed_cases(hub).values())
    # Two more 大类: 宣传广告 (违规广告) and a second 小类 of 市容环境 (油烟扰民).
    for n, category in enumerate(("违规广告", "油烟扰民", "油烟扰民")):
        status, answer = hub.post(
            "/api/v1/reports", report(f"classes-{n}", source="snap", category=category)
        )
        assert status == 201, answer
        ids.append(str(answer["id"]))
    feed = QtFeed(hub.stream_url, hub.token["wall"])
    one = build_panel("categories", feed, options("categories", classes=1))
    two = build_panel("categories", feed, options("categories"))
    clock = clear_of_midnight()
    for panel in (one, two):
        assert isinstance(panel, BarsPanel)
        panel.stats.clock = clock
        _show(qtbot, panel, 640, 600)

    async def scenario() -> None:
        feed.start()
        await until(lambda: one.level == "live" and two.level == "live")
        for panel in (one, two):
            panel.stats.stop()
        await feed.stop()

    loop.run_until_complete(scenario())
    start, end = local_period(clock(), 30)
    assert isinstance(one, BarsPanel) and isinstance(two, BarsPanel)
    assert two.values == _expected(hub, ids, start, end, classes=2)
    assert one.values == _expected(hub, ids, start, end, classes=1)
    # 街面秩序 (4 cases: 2 占道经营, 2 违章停车) first, then 市容环境 (2 油烟, 1 烧烤),
    # then 宣传广告; its 小类 indented below each.
    assert [label for label, _ in two.values if not label.startswith(CLASS_INDENT)] == [
        "街面秩序",
        "市容环境",
        "宣传广告",
    ]
    assert two.values[0] == ("街面秩序", "4 · 50%")
    assert len(two.values) == 3 + 2 + 2 + 1


def test_an_english_wall_names_the_class_groups_in_english(qapp: Any, qtbot: QtBot) -> None:
    from backend_client.protocol.ops import StatsAnswer, StatsFormulas

    install_language("en")
    try:
        answer = StatsAnswer(
            start=0.0,
            end=86400.0,
            group="class_group",
            as_of=1.0,
            rows=[_row("09", 3, "街面秩序", [_row("占道经营", 3)])],
            total=_row("", 3),
            formulas=StatsFormulas(),
        )
        panel = build_panel(
            "categories", QtFeed("ws://127.0.0.1:9/stream", "x"), options("categories")
        )
        assert isinstance(panel, BarsPanel)
        _show(qtbot, panel)
        panel.draw(answer)
        assert panel.values == [
            ("Street order", "3 · 100%"),
            (CLASS_INDENT + "Street vending", "3"),
        ]
    finally:
        install_language("zh_CN")
