"""The case drill-down's related-case tabs at the desk's width: in English all three
titles show whole beside each other (about 420 px at 1080p, the timeline dock's related
column), and narrower they are elided in place, never scrolled out of sight."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication

from backend_client.resources import resource
from widgets.drilldown.related import RelatedTabs


def tabs_at(qtbot: Any, width: int) -> RelatedTabs:
    tabs = RelatedTabs()
    tabs.setStyleSheet(resource("themes", "wall-dark.qss").read_text(encoding="utf-8"))
    qtbot.addWidget(tabs)
    tabs.resize(width, 300)
    tabs.show()
    tabs.show_related(None)
    QApplication.processEvents()
    return tabs


def test_english_titles_show_whole_at_the_desk_width(qtbot: Any, english: None) -> None:
    tabs = tabs_at(qtbot, 420)
    bar = tabs.tabBar()
    assert [bar.tabText(i) for i in range(bar.count())] == [
        "Merchant (0)",
        "≤ 100 m (0)",
        "Category, 30 d (0)",
    ]
    for i in range(bar.count()):
        rect = bar.tabRect(i)
        assert rect.right() < tabs.width(), (i, rect)
        # Whole: the tab is as wide as its text needs.
        assert rect.width() >= bar.fontMetrics().horizontalAdvance(bar.tabText(i)), i


def test_narrower_they_are_elided_in_place_with_the_title_in_the_tooltip(
    qtbot: Any, english: None
) -> None:
    tabs = tabs_at(qtbot, 240)
    bar = tabs.tabBar()
    for i in range(bar.count()):
        assert bar.tabRect(i).right() < tabs.width(), i  # still in sight
        assert bar.tabToolTip(i) == bar.tabText(i)
