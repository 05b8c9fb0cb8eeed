"""The case lifecycle, the 1-3-15 clock and the AI patrol, wired into a real hub on loopback."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend_client.protocol.messages import (
    AlertClear,
    AlertNew,
    IncidentUpdate,
    StoredEvent,
    Ticker,
)
from backend_client.transport import FeedClient, RequestFailed
from hub.cases import CaseNotFound
from hub.domain.lifecycle import IllegalTransition, NotPermitted
from hub.domain.sla import SlaLimits
from hub.store.models import AlertRow, CaseEvent
from tests.support.hubs import OFFICERS, LiveHub, report


class Events:
    def __init__(self) -> None:
        self.events: list[StoredEvent] = []

    def on_snapshot(self, state: Any) -> None:
        pass

    def on_event(self, event: StoredEvent) -> None:
        self.events.append(event)

    def on_link(self, status: Any) -> None:
        pass


async def _on(hub: LiveHub, coro: Any) -> Any:
    """Await a coroutine of the hub's API from the test's own loop (the hub has its own)."""
    return await asyncio.to_thread(hub.run, coro)


async def _until(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def _timeline(hub: LiveHub, incident_id: str) -> list[tuple[str, str]]:
    with Session(hub.hub.engine) as session:
        rows = session.scalars(
            select(CaseEvent)
            .where(CaseEvent.incident_id == incident_id)
            .order_by(CaseEvent.ts, CaseEvent.id)
        ).all()
        return [(r.kind, r.actor) for r in rows]


def _new_case(hub: LiveHub, external_id: str) -> str:
    status, body = hub.post("/api/v1/reports", report(external_id))
    assert status == 201
    return str(body["id"])


def test_an_operator_steps_a_case_through_its_life_and_every_step_is_audited(
    hub: LiveHub,
) -> None:
    case_id = _new_case(hub, "8890-life")

    async def scenario() -> None:
        operator = FeedClient(hub.stream_url, hub.token["operator"])
        supervisor = FeedClient(hub.stream_url, hub.token["supervisor"])
        wall = FeedClient(hub.stream_url, hub.token["wall"])
        tasks = [asyncio.create_task(c.run()) for c in (operator, supervisor, wall)]
        for client in (operator, supervisor, wall):
            await client.wait_synced()

        async def step(action: str, **args: Any) -> dict[str, Any]:
            return await operator.request(
                "case.step", {"case_id": case_id, "action": action, **args}
            )

        assert (await step("accept"))["status"] == "accepted"
        assert (await step("dispatch", units=["U001"]))["status"] == "dispatched"
        assert (await step("arrive", units=["U001"]))["status"] == "arrived"
        assert (await step("handle", outcome="劝离"))["status"] == "handled"
        # Issue 18: no close of a handled case without a 核查 that passed.
        assert (await step("check", result="passed"))["status"] == "checked"
        done = await step("close", note="已整改")
        assert done["status"] == "closed" and done["missed"] == []
        await _until(lambda: wall.state.incidents[case_id].status == "closed")
        sla = wall.state.incidents[case_id].sla
        assert sla is not None and sla.accepted_at is not None and sla.handled_at is not None
        assert sla.missed == []

        # The wall may read but not step; the lifecycle refuses what the status forbids.
        with pytest.raises(RequestFailed) as caught:
            await wall.request("case.step", {"case_id": case_id, "action": "accept"})
        assert caught.value.code == "forbidden"
        with pytest.raises(RequestFailed) as caught:
            await step("accept")
        assert caught.value.code == "conflict"
        with pytest.raises(RequestFailed) as caught:
            await step("teleport")
        assert caught.value.code == "invalid" and caught.value.field == "action"
        with pytest.raises(RequestFailed) as caught:
            await operator.request("case.step", {"case_id": "WC-none", "action": "accept"})
        assert caught.value.code == "not_found" and caught.value.field == "case_id"

        audit = await supervisor.request("audit.query", {"actor": "demo-operator"})
        actions = sorted(e["action"] for e in audit["entries"] if e["subject"] == case_id)
        assert actions == sorted(
            [
                "case.accept",
                "case.dispatch",
                "case.arrive",
                "case.handle",
                "case.check",
                "case.close",
            ]
        )
        for client in (operator, supervisor, wall):
            await client.stop()
        await asyncio.gather(*tasks)

    asyncio.run(scenario())
    kinds = [kind for kind, _ in _timeline(hub, case_id)]
    assert kinds == [
        "reported",
        "accepted",
        "dispatched",
        "arrived",
        "handled",
        "checked",
        "closed",
    ]


def test_the_simulator_api_applies_officer_side_actions_by_incident_id(hub: LiveHub) -> None:
    case_id = _new_case(hub, "8890-sim")
    reported = hub.hub.state.incidents[case_id].reported_at

    async def scenario() -> None:
        h = hub.hub
        await h.apply_case_action(case_id, "accept", "调度员", reported + 10)
        await h.apply_case_action(case_id, "dispatch", "调度员", reported + 20, ["U002", "U004"])
        # en_route towards the case records that an officer is moving (the hub infers it).
        await h.set_unit_status("U002", "en_route", reported + 30, incident_id=case_id)
        await h.apply_case_action(case_id, "arrive", "警员002", reported + 100, ["U002"])
        with pytest.raises(NotPermitted):
            await h.apply_case_action(case_id, "close", "警员002", reported + 110, role="officer")
        await h.apply_case_action(case_id, "handle", "警员002", reported + 400, ["U002"])
        with pytest.raises(IllegalTransition):
            await h.apply_case_action(case_id, "arrive", "警员004", reported + 410, ["U004"])
        with pytest.raises(CaseNotFound):
            await h.apply_case_action("WC-none", "accept", "调度员", reported + 10)
        # Issue 18: the officer's 核查 on site passes before the desk closes.
        await h.apply_case_action(
            case_id, "check", "警员004", reported + 450, ["U004"], result="passed"
        )
        result = await h.apply_case_action(case_id, "close", "调度员", reported + 500)
        assert result.status == "closed" and result.missed == ()
        assert h.state.incidents[case_id].units == ["U002", "U004"]
        assert h.state.units["U002"].status == "en_route"

    assert hub.embedded is not None
    hub.embedded.call(scenario())
    assert _timeline(hub, case_id) == [
        ("reported", "demo-source"),
        ("accepted", "调度员"),
        ("dispatched", "调度员"),
        ("moving", "hub"),
        ("arrived", "警员002"),
        ("handled", "警员002"),
        ("checked", "警员004"),
        ("closed", "调度员"),
    ]
    sla = hub.hub.state.incidents[case_id].sla
    assert (sla.accepted_at, sla.moving_at, sla.handled_at) == (
        reported + 10,
        reported + 30,
        reported + 400,
    )


def test_each_1_3_15_miss_is_recorded_exactly_once(hub: LiveHub) -> None:
    case_id = _new_case(hub, "8890-late")
    reported = hub.hub.state.incidents[case_id].reported_at

    async def scenario() -> list[StoredEvent]:
        recorder = Events()
        wall = FeedClient(hub.stream_url, hub.token["wall"], recorder)
        task = asyncio.create_task(wall.run())
        await wall.wait_synced()
        h = hub.hub
        assert await _on(hub, h.sweep_sla(now=reported + 59)) == []
        assert await _on(hub, h.sweep_sla(now=reported + 61)) == [(case_id, ("accept",))]
        assert await _on(hub, h.sweep_sla(now=reported + 62)) == []  # not again
        # A late acceptance is not a second accept miss; a late move is found at once.
        await asyncio.to_thread(
            hub.run, h.apply_case_action(case_id, "dispatch", "调度员", reported + 170, ["U001"])
        )
        moved = await asyncio.to_thread(
            hub.run, h.apply_case_action(case_id, "arrive", "警员001", reported + 200, ["U001"])
        )
        assert moved.missed == ("move",)
        assert await _on(hub, h.sweep_sla(now=reported + 901)) == [(case_id, ("handle",))]
        assert await _on(hub, h.sweep_sla(now=reported + 2000)) == []
        await _until(lambda: wall.tracker.last == h.published_seq)
        await wall.stop()
        await task
        return recorder.events

    events = asyncio.run(scenario())
    misses = [e for e in events if isinstance(e, IncidentUpdate) and e.change == "sla.missed"]
    assert [m.incident.sla.missed for m in misses if m.incident.sla] == [
        ["accept"],
        ["accept", "move"],
        ["accept", "move", "handle"],
    ]
    tickers = [e.text for e in events if isinstance(e, Ticker) and e.text.startswith("【超时】")]
    assert len(tickers) == 3 and "超时未受理" in tickers[0] and "超时出动" in tickers[1]
    kinds = [kind for kind, _ in _timeline(hub, case_id)]
    assert kinds.count("sla_missed") == 3
    # The clock's notes do not break the lifecycle: the case still steps on.
    assert hub.embedded is not None
    hub.embedded.call(
        hub.hub.apply_case_action(case_id, "handle", "警员001", reported + 2100, ["U001"])
    )
    assert hub.hub.state.incidents[case_id].status == "handled"


def test_the_sweep_runs_on_its_own_timer(db_url: str) -> None:
    # A drill clock of 0.3 / 0.6 / 1.2 s instead of 60 / 180 / 900 s.
    limits = SlaLimits(accept_within=0.3, move_within=0.6, handle_within=1.2)
    test_hub = LiveHub(db_url, sla_tick_seconds=0.05, sla_limits=limits).start()
    try:
        case_id = _new_case(test_hub, "8890-timer")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            sla = test_hub.hub.state.incidents[case_id].sla
            if sla is not None and sla.missed == ["accept", "move", "handle"]:
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"misses not recorded by the timer: {sla}")
        time.sleep(0.3)  # several more ticks: nothing is recorded twice
        kinds = [kind for kind, _ in _timeline(test_hub, case_id)]
        assert kinds.count("sla_missed") == 3
    finally:
        test_hub.stop()


def test_the_patrol_raises_and_clears_alerts_and_stores_them(hub: LiveHub) -> None:
    async def scenario() -> list[StoredEvent]:
        recorder = Events()
        wall = FeedClient(hub.stream_url, hub.token["wall"], recorder)
        task = asyncio.create_task(wall.run())
        await wall.wait_synced()
        h = hub.hub
        # The patrol began watching longer ago than the silence limit, and no officer has
        # reported a fix since: every device is silent.
        limit = h.config.supervision.silent_after_s
        assert await _on(hub, h.supervise(time.time() - limit - 5)) == (0, 0)
        raised, cleared = await _on(hub, h.supervise())
        assert (raised, cleared) == (len(OFFICERS), 0)
        assert await _on(hub, h.supervise()) == (
            0,
            0,
        )  # a lasting condition is raised once
        await asyncio.to_thread(hub.move, 1)
        assert await _on(hub, h.supervise()) == (0, len(OFFICERS))
        await _until(lambda: wall.tracker.last == h.published_seq)
        assert wall.state.alerts == {}
        await wall.stop()
        await task
        return recorder.events

    events = asyncio.run(scenario())
    new = [e for e in events if isinstance(e, AlertNew)]
    clear = [e for e in events if isinstance(e, AlertClear)]
    assert {e.alert.kind for e in new} == {"device_silent"}
    assert sorted(e.alert_id for e in clear) == sorted(e.alert.id for e in new)
    with Session(hub.hub.engine) as session:
        rows = session.scalars(select(AlertRow)).all()
        assert len(rows) == len(OFFICERS) and all(r.cleared_at is not None for r in rows)
