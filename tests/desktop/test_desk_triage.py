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
    STREET_ZOOM,
    WIDEST_CASE_ZOOM,
    AcceptOrder,
    CaseView,
    DeskTriage,
    DispatchGuard,
    DispatchOrder,
    WallPushOrder,
    case_view,
    find_case,
    find_officer,
    next_case,
    recommend,
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
    accept = AcceptOrder("C1")
    assert (accept.op, accept.args()) == ("case.step", {"case_id": "C1", "action": "accept"})
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


def test_the_dispatch_guard_holds_a_second_dispatch_back() -> None:
    now = [100.0]
    guard = DispatchGuard(hold_s=2.0, clock=lambda: now[0])
    assert guard.allows() and guard.holding_for() == 0
    guard.sent("C1")
    assert not guard.allows()  # in flight
    guard.settled(confirmed=True)
    assert not guard.allows() and guard.holding_for() == 2.0  # just confirmed
    now[0] += 1.9
    assert not guard.allows()
    now[0] += 0.2
    assert guard.allows()
    guard.sent("C2")
    guard.settled(confirmed=False)  # a refusal holds nothing back: the operator retries
    assert guard.allows()


def test_the_next_case_is_the_most_urgent_still_waiting_for_officers() -> None:
    state = _state()
    for case, status, units in (
        ("C2", "dispatched", ["near"]),
        ("C3", "accepted", []),
        ("C4", "reported", []),
    ):
        state.incidents[case] = Incident(
            id=case, source="hotline", category="x", status=status, units=units, reported_at=0
        )
    queue = ["C1", "C2", "C3", "C4"]  # most urgent first
    assert next_case(queue, state.incidents, "C1") == "C3"  # C2 has its officer already
    assert next_case(queue, state.incidents, None) == "C1"
    assert next_case(["C2", "gone"], state.incidents, "C1") is None


def test_the_case_view_is_street_zoom_unless_the_officers_are_further() -> None:
    state = _state()
    incident = state.incidents["C1"]
    near = [r for r in recommend(state, incident) if r.unit.id == "near"]
    view = case_view(incident, near, half_extent_px=250)
    assert view == CaseView(29.08, 119.65, STREET_ZOOM)  # ~200 m: the street
    far = recommend(state, incident)  # ~1 km as well: one or two steps out
    wide = case_view(incident, far, half_extent_px=250)
    assert wide is not None and WIDEST_CASE_ZOOM <= wide.zoom < STREET_ZOOM
    assert (wide.lat, wide.lon) == (29.08, 119.65)  # still centred on the case
    nowhere = Incident(id="C9", source="hotline", category="x", reported_at=0)
    assert case_view(nowhere, far, 250) is None


def test_search_finds_a_case_by_number_address_or_officer_and_an_officer_by_name() -> None:
    state = _state()
    state.incidents["C2"] = Incident(
        id="WC261202-0000042", source="hotline", category="x", address="江南街道宾虹路",
        units=["far"], reported_at=0,
    )  # fmt: skip
    queue = ["C1", "WC261202-0000042"]
    state.incidents["WC261202-0000042"] = state.incidents.pop("C2")
    assert find_case("0042", queue, state) == "WC261202-0000042"
    assert find_case("宾虹", queue, state) == "WC261202-0000042"
    assert find_case("李四", queue, state) == "WC261202-0000042"  # the officer sent to it
    assert find_case("  ", queue, state) is None and find_case("无", queue, state) is None
    assert find_officer("张", state) == "near"
    assert find_officer("执法车", state) is None  # vehicles are not officers
