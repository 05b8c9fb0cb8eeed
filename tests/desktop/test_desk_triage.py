"""The desk's triage model (backend_client.stories.desk), headless: no Qt, no hub."""

from __future__ import annotations

import asyncio
from typing import Any

from backend_client.protocol.messages import Incident, Team, Unit
from backend_client.state import FeedState
from backend_client.stories.counters import HeaderCounters, head_count, is_person
from backend_client.stories.desk import (
    RECOMMENDED,
    SELECTED,
    DeskTriage,
    DispatchOrder,
    WallPushOrder,
)
from desktop.desk import send


def _state() -> FeedState:
    state = FeedState()
    state.teams["A"] = Team(id="A", name="城中中队")
    state.units["near"] = Unit(id="near", name="张三", team="A", lat=29.08, lon=119.652)
    state.units["far"] = Unit(id="far", name="李四", team="A", lat=29.08, lon=119.66)
    state.units["car"] = Unit(
        id="car", name="执法车01", team="A", kind="vehicle", plate="浙G·A1234",
        lat=29.08, lon=119.6501,
    )  # fmt: skip
    state.incidents["C1"] = Incident(
        id="C1", source="hotline", category="x", lat=29.08, lon=119.65, reported_at=0
    )
    return state


def test_the_triage_recommends_for_the_selected_case_and_says_so() -> None:
    triage = DeskTriage(_state())
    heard: list[str] = []
    triage.changed.connect(heard.append)
    assert triage.refresh() == [] and triage.incident is None
    triage.select("C1")
    assert heard[-2:] == [SELECTED, RECOMMENDED]
    assert [r.unit.id for r in triage.recommendations] == ["near", "far"]  # never the car
    assert triage.unit_ids([1, 0, 7]) == ["near", "far"]
    assert triage.rows_of(["far", "gone"]) == [1]
    assert triage.team_name("A") == "城中中队" and triage.team_name("B") == "B"
    assert triage.unit_names(["far", "gone"]) == ["李四"]


def test_the_triage_builds_the_orders_the_desk_sends() -> None:
    triage = DeskTriage(_state())
    assert triage.dispatch_order(["near"]) is None  # no case chosen
    triage.select("C1")
    assert triage.dispatch_order([]) is None
    order = triage.dispatch_order(["near"])
    assert order == DispatchOrder("C1", ("near",))
    assert (order.op, order.args()) == ("dispatch", {"incident_id": "C1", "unit_ids": ["near"]})
    view = triage.view_order("lobby")
    assert view is not None and view.args() == {
        "wall": "lobby", "kind": "view", "id": "C1", "lat": 29.08, "lon": 119.65,
    }  # fmt: skip
    assert WallPushOrder("", "clear").args() == {"wall": "", "kind": "clear"}
    assert WallPushOrder("w", "merchant", "M1").args() == {
        "wall": "w",
        "kind": "merchant",
        "id": "M1",
    }

    sent: list[tuple[str, dict[str, Any]]] = []

    async def request(op: str, args: dict[str, Any]) -> dict[str, Any]:
        sent.append((op, args))
        return {"status": "dispatched"}

    assert asyncio.run(send(request, order)) == {"status": "dispatched"}
    assert sent == [("dispatch", {"incident_id": "C1", "unit_ids": ["near"]})]


def test_the_head_count_counts_people_and_open_cases() -> None:
    state = _state()
    assert not is_person(state.units["car"]) and is_person(state.units["near"])
    counters = HeaderCounters(state)
    assert (counters.count.on_duty, counters.count.open_cases) == (2, 1)
    moved: list[object] = []
    counters.changed.connect(moved.append)
    assert counters.refresh() == head_count(state) and moved == []  # nothing moved
    state.units["far"] = Unit(id="far", name="李四", team="A", status="off_duty")
    assert counters.refresh().on_duty == 1 and len(moved) == 1
