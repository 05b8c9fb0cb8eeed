"""KPI figures from the feed state, and the pyqtgraph panel built on them."""

from __future__ import annotations

import time
from typing import Any

from backend_client.protocol.messages import Incident, SlaMarks, Unit
from backend_client.qt import QtFeed
from backend_client.state import FeedState
from widgets.kpi import KpiPanel, compute_kpis


def state_now(now: float) -> FeedState:
    state = FeedState()

    def add(cid: str, source: str, ago: float, **marks: Any) -> None:
        reported = now - ago
        state.incidents[cid] = Incident(
            id=cid,
            source=source,
            category="x",
            reported_at=reported,
            sla=SlaMarks(
                accept_by=reported + 60, move_by=reported + 180, handle_by=reported + 900, **marks
            ),
        )

    add("a", "hotline", 100, accepted_at=now - 80, moving_at=now - 50)  # 50 s to move
    add("b", "snap", 300, accepted_at=now - 200, moving_at=now - 0.5)  # 299.5 s, missed move
    add("c", "hotline", 30)  # nothing decided yet
    state.incidents["old"] = Incident(
        id="old", source="grid", category="x", reported_at=now - 3 * 86400
    )
    for i, status in enumerate(["available", "available", "on_scene", "offline"]):
        state.units[f"u{i}"] = Unit(id=f"u{i}", name="n", team="t", status=status)  # type: ignore[arg-type]
    # A patrol car is not a head: the officers' chart leaves it out.
    state.units["v0"] = Unit(id="v0", name="车", team="t", kind="vehicle", plate="浙G·A1234")
    return state


def test_compute_kpis() -> None:
    now = time.time()
    figures = compute_kpis(state_now(now), now, "24h")
    assert figures.total == 3  # the 3-day-old case is outside the period
    assert sum(figures.per_hour["hotline"]) == 2 and sum(figures.per_hour["snap"]) == 1
    assert figures.compliance["accept"] == (1, 1)  # b accepted after 100 s
    assert figures.compliance["move"] == (1, 1)
    assert figures.compliance["handle"] == (0, 0)
    assert figures.officers["available"] == 2 and figures.officers["offline"] == 1
    assert figures.response == [1, 0, 0, 1, 0, 0]  # <1 min and 3-5 min
    assert figures.compliance_rate() == 0.5


def test_panel_draws_every_chart(qtbot: Any) -> None:
    feed = QtFeed("ws://127.0.0.1:9/stream", "unused")
    now = time.time()
    feed.state.incidents.update(state_now(now).incidents)
    feed.state.units.update(state_now(now).units)
    panel = KpiPanel(feed, period="24h")
    qtbot.addWidget(panel)
    panel.resize(1200, 800)
    panel.show()
    assert panel.figures.total == 3
    assert panel._headline is not None and panel._headline.text() == "50%"
    assert all(plot.listDataItems() or plot.items for plot in panel._plots.values())
