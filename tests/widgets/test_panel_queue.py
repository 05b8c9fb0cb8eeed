"""The 1-3-15 queue model and the SLA standing it shows (real feed state, a fixed clock)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPersistentModelIndex, Qt

from backend_client.protocol.messages import Incident, SlaMarks
from backend_client.qt import QtFeed
from widgets.queue import IncidentQueueModel, IncidentQueueView
from widgets.sla import standing

T0 = 1_700_000_000.0


def case(cid: str, reported: float, status: str = "reported", **marks: Any) -> Incident:
    sla = SlaMarks(
        accept_by=reported + 60, move_by=reported + 180, handle_by=reported + 900, **marks
    )
    return Incident(
        id=cid,
        source="hotline",
        category="占道经营",
        status=status,  # type: ignore[arg-type]
        reported_at=reported,
        sla=sla,
        address=f"地址{cid}",
    )


def feed_with(*incidents: Incident) -> QtFeed:
    feed = QtFeed("ws://127.0.0.1:9/stream", "unused")  # never started
    for incident in incidents:
        feed.state.incidents[incident.id] = incident
    return feed


def test_standing_counts_down_and_turns_red_at_the_deadline() -> None:
    fresh = case("A", T0)
    assert standing(fresh, T0 + 20) == standing(fresh, T0 + 20)
    where = standing(fresh, T0 + 20)
    assert (where.stage, where.state, where.left) == ("accept", "pending", 40)
    late = standing(fresh, T0 + 61)
    assert (late.stage, late.state) == ("accept", "missed")
    accepted = case("B", T0, "accepted", accepted_at=T0 + 30)
    assert standing(accepted, T0 + 100).stage == "move"
    done = case("C", T0, "handled", accepted_at=T0 + 30, moving_at=T0 + 90, handled_at=T0 + 600)
    assert standing(done, T0 + 2000).state == "met"
    missed = case("D", T0, "handled", accepted_at=T0 + 90, moving_at=T0 + 100, handled_at=T0 + 600)
    assert standing(missed, T0 + 2000).state == "missed"


def test_queue_orders_by_urgency_and_ticks(qtbot: Any) -> None:
    now = [T0 + 100]
    feed = feed_with(
        case("new", T0 + 90),  # 50 s to accept
        case("overdue", T0),  # accept missed 40 s ago
        case("moving", T0 - 50, "accepted", accepted_at=T0 - 30),  # 30 s to move
        case("closed", T0 - 500, "closed"),
        case(
            "done",
            T0 - 1000,
            "handled",
            accepted_at=T0 - 990,
            moving_at=T0 - 900,
            handled_at=T0 - 400,
        ),
    )
    model = IncidentQueueModel(feed, clock=lambda: now[0])
    view = IncidentQueueView(model)
    qtbot.addWidget(view)
    ids = [model.incident_id(r) for r in range(model.rowCount())]
    assert ids == ["overdue", "moving", "new", "done"]  # closed cases leave the queue
    assert model.index(0, 0).data() == "超 00:40"
    assert model.index(1, 0).data() == "00:30"
    assert model.index(0, 0).data(IncidentQueueModel.StateRole) == "missed"
    assert model.index(3, 0).data() == "达标"
    assert model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole).color().name() == "#ff6b6b"

    selected = QPersistentModelIndex(model.index(2, 0))  # "new"
    now[0] = T0 + 160  # "new" has -10 s, "moving" is missed too (-30 s)
    model.refresh()
    ids = [model.incident_id(r) for r in range(model.rowCount())]
    assert ids == ["overdue", "moving", "new", "done"]
    assert model.index(2, 0).data() == "超 00:10"
    # Persistent indexes (a desk's selection) follow their case across re-sorts.
    feed.state.incidents["new"] = case("new", T0 + 90, "accepted", accepted_at=T0 + 100)
    model.refresh()
    assert model.incident_id(selected.row()) == "new"


def test_handled_cases_can_be_left_out() -> None:
    feed = feed_with(
        case("open", T0), case("done", T0, "handled", accepted_at=T0, moving_at=T0, handled_at=T0)
    )
    model = IncidentQueueModel(feed, show_handled=False, clock=lambda: T0 + 10)
    assert [model.incident_id(r) for r in range(model.rowCount())] == ["open"]
