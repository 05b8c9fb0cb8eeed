"""The 1-3-15 queue's columns never collapse: a long category or address is elided, the
地点 column keeps room for eight characters and its whole header, at a wall's 1080p and
4K panel widths, in Chinese and English, with the wall's theme."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from backend_client.protocol.messages import Incident, SlaMarks
from backend_client.qt import QtFeed
from backend_client.resources import resource
from desktop.i18n import install_language
from widgets.queue import (
    CATEGORY_MAX_SHARE,
    COL_CATEGORY,
    COL_PLACE,
    COLUMNS,
    IncidentQueueModel,
    IncidentQueueView,
)

T0 = 1_700_000_000.0
#: A catalogue name as long as they come, and a full postal address with its building.
LONG_CATEGORY = "违反城市绿化管理规定擅自占用城市绿地损毁绿化设施"
LONG_ADDRESS = "金华市婺城区白龙桥镇古方村临江工业区金帆街1088号3幢2单元东侧人行道"


@pytest.fixture(params=["zh_CN", "en"])
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    install_language(request.param)
    yield str(request.param)
    install_language("zh_CN")


def queue(qtbot: Any, width: int) -> IncidentQueueView:
    feed = QtFeed("ws://127.0.0.1:9/stream", "unused")  # never started
    for i, (category, address) in enumerate(
        [(LONG_CATEGORY, LONG_ADDRESS), ("占道经营", "城中街道八一北街"), ("渣土撒漏", "")]
    ):
        reported = T0 - 40 * i
        feed.state.incidents[f"C{i}"] = Incident(
            id=f"C{i}",
            source=("hotline", "snap", "grid")[i],
            category=category,
            reported_at=reported,
            sla=SlaMarks(accept_by=reported + 60, move_by=reported + 180, handle_by=reported + 900),
            address=address,
            text="人行道有流动摊贩",
        )
    view = IncidentQueueView(IncidentQueueModel(feed, clock=lambda: T0 + 30))
    view.setStyleSheet(resource("themes", "wall-dark.qss").read_text(encoding="utf-8"))
    qtbot.addWidget(view)
    view.resize(width, 600)
    view.show()
    QApplication.processEvents()
    return view


# 960: the queue beside the map on a 2x2 wall at 1080p; 1920: a whole 1080p screen;
# 3840: a whole 4K screen at 100 % (a 4K wall at 200 % lays out as 1920).
@pytest.mark.parametrize("width", [960, 1920, 3840])
def test_a_long_category_leaves_the_place_column_readable(
    qtbot: Any, language: str, width: int
) -> None:
    view = queue(qtbot, width)
    header = view.horizontalHeader()
    sizes = [header.sectionSize(c) for c in range(len(COLUMNS))]
    # Every column whole on screen, none squeezed below its header.
    assert sum(sizes) <= view.viewport().width() + 1
    for column in range(len(COLUMNS)):
        assert sizes[column] >= header.sectionSizeFromContents(column).width(), (column, sizes)
    assert sizes[COL_PLACE] >= view.place_min_width()
    assert view.place_min_width() >= view.fontMetrics().horizontalAdvance("国" * 8)
    # The long category is cut, not the table: capped, and whole in the tooltip.
    model = view.model()
    long_row = [model.index(r, 0).data(IncidentQueueModel.IncidentIdRole) for r in range(3)].index(
        "C0"
    )
    needed = max(
        view.fontMetrics().horizontalAdvance(str(model.index(r, COL_CATEGORY).data()))
        for r in range(model.rowCount())
    )
    cap = int(view.viewport().width() * CATEGORY_MAX_SHARE)
    assert sizes[COL_CATEGORY] <= max(cap, header.sectionSizeFromContents(COL_CATEGORY).width())
    if width == 960:
        assert sizes[COL_CATEGORY] < needed  # elided
    if width == 3840:
        assert sizes[COL_CATEGORY] >= needed  # a 4K screen has room for all of it
    cell = model.index(long_row, COL_CATEGORY)
    assert cell.data(Qt.ItemDataRole.ToolTipRole) == cell.data()
    # The district's name is no news on its own wall: the address starts at the township.
    place = model.index(long_row, COL_PLACE)
    assert place.data() == LONG_ADDRESS.removeprefix("金华市婺城区")
    assert place.data(Qt.ItemDataRole.ToolTipRole) == place.data()
