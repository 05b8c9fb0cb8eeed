"""A parent's ``case.history`` lists the cases merged into it (``children``), on a real hub
over loopback, SQLite and PostgreSQL: merged through the real ``case.merge``, oldest
first, each with its reporter as the asking role may see it, its distance from the
parent, the start of its report and its own 回访 once made; a case with none answers
the JSON it always did (no ``children`` key), which decodes to an empty list."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from backend_client.api import HubApi
from backend_client.privacy import mask_name, mask_phone
from backend_client.protocol.ops import CaseHistoryAnswer
from backend_client.transport import FeedClient
from hub.store.models import Incident as IncidentRow
from tests.hub.test_duplicates import LAT, LON, _north, _report
from tests.support.hubs import OFFICERS, LiveHub, as_role

LONG_TEXT = "将军路口早市摊贩占道经营，" * 10  # 130 characters: the list gets the first 60


def _history(hub: LiveHub, case_id: str, role: str, offset: int = 0) -> CaseHistoryAnswer:
    async def ask(client: FeedClient) -> CaseHistoryAnswer:
        return (await HubApi.over(client.request).case_history(case_id, offset, 2)).answer

    return as_role(hub, role, ask)


def _raw_history(hub: LiveHub, case_id: str) -> dict[str, Any]:
    async def ask(client: FeedClient) -> dict[str, Any]:
        answer: dict[str, Any] = await client.request("case.history", {"case_id": case_id})
        return answer

    return as_role(hub, "supervisor", ask)


def _step(client: FeedClient, case_id: str, action: str, **extra: Any) -> Any:
    return client.request("case.step", {"case_id": case_id, "action": action, **extra})


def test_a_parents_history_lists_its_merged_children_with_their_reporters(
    hub: LiveHub,
) -> None:
    parent = _report(hub, "kids-parent", lat=LAT, lon=LON)
    first = _report(
        hub,
        "kids-first",
        lat=_north(30),
        lon=LON,
        text=LONG_TEXT,
        reporter={"name": "王女士", "phone": "13700001111"},
    )
    second = _report(
        hub, "kids-second", source="snap", reporter={"name": "李先生", "phone": "13900002222"}
    )
    lonely = _report(hub, "kids-lonely", lat=_north(3000), category="油烟污染")
    unit = OFFICERS[0].id

    async def merge_close_and_visit(client: FeedClient) -> None:
        # Merged through the real op, the second into the first: one level, so the
        # parent is the one that gets it.
        await client.request("case.merge", {"case_id": first, "into": parent})
        await client.request("case.merge", {"case_id": second, "into": first})
        for action, extra in (
            ("accept", {}),
            ("dispatch", {"units": [unit]}),
            ("arrive", {"units": [unit]}),
            ("handle", {"outcome": "摊贩已劝离"}),
            ("check", {"result": "passed"}),
            ("close", {}),
        ):
            await _step(client, parent, action, **extra)
        # The first child's reporter is called back; the second's not yet.
        for result in ("unreached", "satisfied"):
            await client.request(
                "case.visit", {"case_id": first, "channel": "phone", "result": result}
            )

    as_role(hub, "operator", merge_close_and_visit)
    with Session(hub.hub.engine) as session:
        # A child with no location: its distance is unknown, not zero.
        row = session.get(IncidentRow, second)
        assert row is not None and row.parent_id == parent
        row.lat = row.lon = None
        session.commit()

    answer = _history(hub, parent, "supervisor")
    assert [c.id for c in answer.children] == [first, second]  # oldest first
    one, two = answer.children
    assert one.reporter is not None and (one.reporter.name, one.reporter.phone) == (
        "王女士",
        "13700001111",
    )
    assert two.reporter is not None and (two.reporter.name, two.reporter.phone) == (
        "李先生",
        "13900002222",
    )
    assert (one.source, two.source) == ("hotline", "snap")
    assert one.distance_m == pytest.approx(30.0, abs=0.2) and two.distance_m is None
    assert one.summary == LONG_TEXT[:60]
    assert one.reported_at < two.reported_at
    # The latest 回访 of each child's own reporter (none yet for the second).
    assert one.visit == "satisfied" and one.visited_at is not None
    assert two.visit is None and two.visited_at is None
    # Every page of the timeline carries them (the desk reads page after page).
    later = _history(hub, parent, "supervisor", offset=2)
    assert [c.id for c in later.children] == [first, second]

    # An operator sees the reporters masked, as on the case itself.
    masked = _history(hub, parent, "operator").children
    assert masked[0].reporter is not None
    assert (masked[0].reporter.name, masked[0].reporter.phone) == (
        mask_name("王女士"),
        mask_phone("13700001111"),
    )

    # No children: a child itself, and a case nothing was merged into. The wire is what
    # it always was (older clients see no new key); the answer decodes to an empty list.
    for case_id in (first, lonely):
        assert _history(hub, case_id, "supervisor").children == []
        assert "children" not in _raw_history(hub, case_id)
    assert _raw_history(hub, parent)["children"][0]["id"] == first
