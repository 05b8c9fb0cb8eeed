"""``calendar.get`` on a real hub (SQLite and PostgreSQL): the hub's own working calendar
(its --calendar file, not the shipped one) for every role that reads the queue, read back
by a desk to the same working time the hub fixed the deadline with; a source is refused."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from backend_client.api import HubApi
from backend_client.protocol.ops import CalendarAnswer
from backend_client.transport import FeedClient
from backend_client.workcalendar import calendar_from_answer
from tests.support.calendars import TEST_CALENDAR, at, hub_on_calendar
from tests.support.hubs import LiveHub, as_role, report

CALENDAR = TEST_CALENDAR


@pytest.fixture
def calendar_hub(db_url: str, tmp_path: Path) -> Iterator[LiveHub]:
    yield from hub_on_calendar(db_url, tmp_path)


def test_every_queue_role_gets_the_hubs_own_calendar(calendar_hub: LiveHub) -> None:
    hub = calendar_hub

    async def ask(client: FeedClient) -> CalendarAnswer:
        return (await HubApi.over(client.request).calendar_get()).answer

    answers = {
        role: as_role(hub, role, ask) for role in ("wall", "operator", "supervisor", "admin")
    }
    answer = answers["operator"]
    assert all(a == answer for a in answers.values())
    assert answer == CalendarAnswer(
        periods=["08:30-12:00", "13:30-17:30"],
        weekend=["sat", "sun"],
        working_day="whole_days",
        holidays=[dt.date(2027, 3, 1), dt.date(2027, 3, 2)],
        workdays=[dt.date(2027, 2, 27)],
        years=[2027],
        provisional=[],
    )
    # The desk's copy counts as the hub does: a case dispatched Friday 26 Feb 2027 16:00
    # with 4 working hours is due Saturday 27th (made up) 11:00, as the hub fixed it.
    status, body = hub.post("/api/v1/reports", report("8890-cal", category="私搭乱建"))
    assert status == 201
    case_id = str(body["id"])
    hub.run(
        hub.hub.apply_case_action(case_id, "dispatch", "调度员", at("2027-02-26 16:00"), ["U001"])
    )
    incident = hub.hub.state.incidents[case_id]
    assert incident.deadline_limit == "4 working_hours"
    assert incident.deadline == at("2027-02-27 11:00")
    desk = calendar_from_answer(answer)
    assert desk == hub.hub.calendar
    assert desk.working_elapsed(at("2027-02-26 16:00"), incident.deadline) == 4 * 3600
    # On the Friday evening 2.5 working hours are left (the made-up Saturday morning),
    # though the clock says 17 h; on the holiday Monday it is 5 working hours overdue (the
    # rest of that Saturday), not 47 clock hours.
    assert desk.working_elapsed(at("2027-02-26 18:00"), incident.deadline) == 2.5 * 3600
    assert desk.working_elapsed(incident.deadline, at("2027-03-01 10:00")) == 5 * 3600


def test_a_source_may_not_ask_for_it(calendar_hub: LiveHub) -> None:
    hub = calendar_hub

    async def scenario() -> None:
        async with connect(hub.stream_url, open_timeout=5) as ws:
            await ws.send(json.dumps({"type": "hello", "token": hub.token["source"]}))
            answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert (answer["type"], answer["code"]) == ("error", "forbidden")
        async with connect(hub.stream_url, open_timeout=5) as ws:
            await ws.send(json.dumps({"type": "req", "id": 1, "op": "calendar.get", "args": {}}))
            answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert answer["code"] == "hello_expected"

    asyncio.run(scenario())
