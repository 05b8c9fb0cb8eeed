"""The desk shows each case's 处置时限 deadline (docs/casework.md): a 处置时限 column in its
queue, counted from the dispatch the desk makes, and the class and deadline in the case's
drill-down; the column is never squeezed to nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtCore import QSettings, Qt

from backend_client.cache import AnswerCache, CachedRequests
from backend_client.protocol.messages import Incident, SlaMarks
from backend_client.qt import QtFeed
from desktop.desk import DeskWindow
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import LiveHub, report
from widgets.queue import COL_DEADLINE, COL_PLACE, IncidentQueueModel, IncidentQueueView

T0 = 1_800_000_000.0


def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat)


def test_the_desk_queue_and_drill_down_show_the_deadline_fixed_at_dispatch(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    feed = QtFeed(hub.stream_url, hub.token["operator"])
    cache = AnswerCache(tmp_path / "desk-cache.sqlite")
    desk = DeskWindow(
        feed,
        settings=settings(tmp_path),
        with_map=False,
        requests=CachedRequests(feed.client, cache),
    )
    qtbot.addWidget(desk)
    desk.show()
    model = desk.model
    assert model.headerData(COL_DEADLINE, Qt.Orientation.Horizontal) == "处置时限"

    async def scenario() -> None:
        feed.start()
        await until(feed.is_live)
        await asyncio.to_thread(hub.move, 1)
        # 违章停车 is 机动车乱停放 (09009, 街面秩序): 2 working hours.
        status, body = await asyncio.to_thread(
            hub.post, "/api/v1/reports", report("8890-desk-dl", category="违章停车")
        )
        assert status == 201
        case = body["id"]
        await until(lambda: model.row_of(case) >= 0)
        assert model.index(model.row_of(case), COL_DEADLINE).data() == "—"  # not dispatched
        await until(lambda: all(u.lat is not None for u in feed.state.units.values()))
        desk.select_incident(case)
        await until(lambda: desk.details.dispatch.isEnabled())
        desk.details.dispatch.click()
        await until(lambda: feed.state.incidents[case].deadline is not None)
        incident = feed.state.incidents[case]
        assert incident.deadline_limit == "2 working_hours"
        # The queue's model follows the feed: the column counts down from the dispatch.
        await until(
            lambda: str(model.index(model.row_of(case), COL_DEADLINE).data()).startswith("剩")
        )
        tip = str(model.index(model.row_of(case), COL_DEADLINE).data(Qt.ItemDataRole.ToolTipRole))
        assert "2个工作时" in tip
        # The drill-down: the class with its code and 大类, and the deadline's line.
        history = desk.history
        assert history is not None and history.case_id == case
        await until(lambda: "2个工作时" in history.fields["deadline"].text())
        assert history.fields["category"].text() == "机动车乱停放 · 09009 · 街面秩序"
        await history.stop()
        await feed.stop()

    loop.run_until_complete(scenario())
    cache.close()


def test_the_deadline_column_reads_overdue_and_is_elided_never_collapsed(qtbot: Any) -> None:
    feed = QtFeed("ws://127.0.0.1:9/stream", "unused")  # never started
    marks = SlaMarks(accept_by=T0 + 60, move_by=T0 + 180, handle_by=T0 + 900)
    long_place = "城北街道" + "某某路" * 30 + "一号"
    feed.state.incidents["late"] = Incident(
        id="late",
        source="hotline",
        category="机动车乱停放",
        status="dispatched",
        reported_at=T0,
        sla=marks,
        address=long_place,
        class_code="09009",
        deadline=T0 + 3600,
        deadline_limit="2 working_hours",
    )
    feed.state.incidents["soon"] = Incident(
        id="soon",
        source="hotline",
        category="积存垃圾渣土",
        status="arrived",
        reported_at=T0,
        sla=marks,
        address=long_place,
        deadline=T0 + 3600 + 2 * 86400 + 5 * 3600,
        deadline_limit="4 working_days",
    )
    model = IncidentQueueModel(feed, show_deadline=True, clock=lambda: T0 + 3600 + 45 * 60)
    view = IncidentQueueView(model)
    qtbot.addWidget(view)
    view.resize(700, 400)  # narrow: the place is elided, the deadline column stays whole
    view.show()
    qtbot.waitExposed(view)
    late, soon = model.row_of("late"), model.row_of("soon")
    assert model.index(late, COL_DEADLINE).data() == "超期45分"
    assert model.index(soon, COL_DEADLINE).data() == "剩2天4时"
    red = model.index(late, COL_DEADLINE).data(Qt.ItemDataRole.ForegroundRole)
    assert red is not None and red.color().name() == "#ff6b6b"
    assert model.index(soon, COL_DEADLINE).data(Qt.ItemDataRole.ForegroundRole) is None
    header = view.horizontalHeader()
    metrics = view.fontMetrics()
    assert header.sectionSize(COL_DEADLINE) >= metrics.horizontalAdvance("剩2天4时")
    assert header.sectionSize(COL_PLACE) >= view.place_min_width()
    # A wall's queue has no such column (it keeps the 1-3-15 countdown only).
    assert IncidentQueueModel(feed, clock=lambda: T0).columnCount() == COL_DEADLINE
