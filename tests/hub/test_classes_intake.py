"""Reports resolve their category through the classes catalogue (issue 18, docs/casework.md):
a name, an alias, an old code and a full matter code all store the same class; an unknown
one is a 400 naming the field with the nearest names; stored free names migrate."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backend_client.transport import FeedClient
from hub.store.db import _alembic_config, make_engine, upgrade_schema
from hub.store.models import Incident as IncidentRow
from tests.support.hubs import LiveHub, report


def _stored(hub: LiveHub, case_id: str) -> tuple[str, str | None]:
    with Session(hub.hub.engine) as session:
        row = session.get(IncidentRow, case_id)
        assert row is not None
        return row.category, row.class_code


@pytest.mark.parametrize(
    "category",
    ["机动车乱停放", "违章停车", "05.05", "04-09", "09009", "33070209009", "０９００９"],
    ids=["name", "alias", "old-app-code", "vendor-code", "code", "full-code", "full-width"],
)
def test_a_report_by_name_alias_old_code_or_code_stores_the_same_class(
    hub: LiveHub, category: str
) -> None:
    status, body = hub.post("/api/v1/reports", report(f"8890-cls-{category}", category=category))
    assert status == 201, body
    assert _stored(hub, body["id"]) == ("机动车乱停放", "09009")
    # The wire carries both: walls and desks show the name, the drill-down the code too.
    incident = hub.hub.state.incidents[body["id"]]
    assert (incident.category, incident.class_code) == ("机动车乱停放", "09009")


def test_the_drill_down_gets_code_name_and_group(hub: LiveHub) -> None:
    status, body = hub.post("/api/v1/reports", report("8890-cls-drill", category="出店经营"))
    assert status == 201

    async def history() -> dict[str, Any]:
        operator = FeedClient(hub.stream_url, hub.token["operator"])
        task = asyncio.create_task(operator.run())
        await operator.wait_synced()
        answer = await operator.request("case.history", {"case_id": body["id"]})
        await operator.stop()
        await task
        return answer

    case = asyncio.run(history())["case"]
    assert (case["category"], case["class_code"], case["class_group"]) == (
        "店外经营",
        "09005",
        "街面秩序",
    )


def test_an_unknown_category_is_a_400_naming_the_field_with_the_nearest_names(
    hub: LiveHub,
) -> None:
    before = len(hub.hub.state.incidents)
    status, body = hub.post("/api/v1/reports", report("8890-cls-bad", category="乱停"))
    assert status == 400
    assert body["error"] == "invalid" and body["field"] == "category"
    assert body["suggestions"] == ["机动车乱停放", "非机动车乱停放"]
    assert "乱停" in body["message"] and "机动车乱停放" in body["message"]
    # Nothing stored; and nothing near at all is still a 400, with no suggestion.
    status, body = hub.post("/api/v1/reports", report("8890-cls-none", category="zzzz"))
    assert status == 400 and body["field"] == "category" and body["suggestions"] == []
    assert len(hub.hub.state.incidents) == before


def test_open311_names_its_own_field_for_an_unknown_service_code(hub: LiveHub) -> None:
    form = {"service_code": "乱停", "lat": 29.08, "long": 119.65}
    status, body = hub.post("/open311/v2/requests.json", form)
    assert status == 400
    assert isinstance(body, list) and body[0]["field"] == "service_code"
    assert "机动车乱停放" in body[0]["description"]
    status, created = hub.post("/open311/v2/requests.json", {**form, "service_code": "01.01"})
    assert status == 201
    case_id = created[0]["service_request_id"]
    assert _stored(hub, case_id) == ("私搭乱建", "06001")


def test_stored_free_names_migrate_to_codes_and_unknown_ones_keep_a_null_code(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "0010")
            rows = [
                ("C1", "渣土撒漏"),  # an alias
                ("C2", "占道经营"),  # a class's name
                ("C3", "违章停车"),
                ("C4", "随手写的"),  # typed by hand: no class
                ("C5", "违章停车"),
            ]
            connection.execute(
                text(
                    "INSERT INTO incidents (id, source, external_id, category, text, address,"
                    " priority, status, units, reported_at)"
                    " VALUES (:id, 'hotline', :id, :category, '', '', 3, 'closed', '[]', 1.0)"
                ),
                [{"id": i, "category": c} for i, c in rows],
            )
        upgrade_schema(engine)
        with Session(engine) as session:
            got = {
                r.id: (r.category, r.class_code)
                for r in session.scalars(select(IncidentRow).order_by(IncidentRow.id))
            }
        assert got == {
            "C1": ("道路遗撒", "06014"),
            "C2": ("占道经营", "09006"),
            "C3": ("机动车乱停放", "09009"),
            "C4": ("随手写的", None),
            "C5": ("机动车乱停放", "09009"),
        }
        # And down again: the columns go, the cases stay.
        with engine.begin() as connection:
            command.downgrade(_alembic_config(connection), "0010")
            count = connection.execute(text("SELECT count(*) FROM incidents")).scalar()
        assert count == 5
    finally:
        engine.dispose()
