"""``cases.export``: the case register of a period, page by page, on a real hub over
loopback, on SQLite and PostgreSQL. The rows are checked against the store read here with
the ORM (not with the op's SQL): every case of the period once, in (reported_at, id)
order, with its times, team, officers, merchant and reporter; paging by key neither
repeats nor skips when cases arrive between pages or share a report time; only
supervisors and admins may export, and every page is audited."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

import msgspec
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend_client.api import HubApi
from backend_client.protocol.ops import ExportAnswer, ExportRow
from backend_client.transport import FeedClient, RequestFailed
from hub.roster import MerchantRecord
from hub.store.models import AuditEntry, CaseEvent, Incident, Merchant, Officer, Team
from tests.support.hubs import LiveHub, report

MERCHANT = MerchantRecord(
    "M-001", "婺城小吃店", "91330702MA2E000001", "城中街道八一北街12号", "餐饮", 3, 29.085, 119.652
)
LIFE = ("accept", "dispatch", "moving", "arrive", "handle", "check", "close")


def _scenario(hub: LiveHub, role: str, body: Callable[[HubApi], Coroutine[Any, Any, Any]]) -> Any:
    async def run() -> Any:
        client = FeedClient(hub.stream_url, hub.token[role])
        task = asyncio.create_task(client.run())
        try:
            await client.wait_synced()
            return await body(HubApi.over(client.request))
        finally:
            await client.stop()
            await task

    return asyncio.run(run())


def _post(hub: LiveHub, external_id: str, **fields: Any) -> str:
    status, body = hub.post("/api/v1/reports", report(external_id, **fields))
    assert status == 201, body
    return str(body["id"])


def _seed(hub: LiveHub) -> tuple[list[str], float]:
    """Twelve cases: some taken through their whole life by two officers, one at a
    merchant, one with no reporter; four share one report time (the key's tie-break);
    two fall outside the period. Returns the ids and the period's start."""
    hub.run(hub.hub.seed([], [], [MERCHANT]))
    ids = []
    for n in range(12):
        fields: dict[str, Any] = {"category": ("占道经营", "违章停车", "油烟扰民")[n % 3]}
        if n == 3:
            fields["merchant_id"] = "M-001"
        if n == 5:
            fields["reporter"] = None
        ids.append(_post(hub, f"8890-export-{n:02d}", **fields))
    for n, case_id in enumerate(ids[:4]):
        reported = hub.hub.state.incidents[case_id].reported_at
        units = ("U001", "U002") if n == 0 else (f"U00{n + 2}",)
        for k, action in enumerate(LIFE[: 4 + n]):
            hub.run(
                hub.hub.apply_case_action(
                    case_id,
                    action,
                    "调度员",
                    reported + 10.0 * (k + 1),
                    units if action in ("dispatch", "moving", "arrive") else (),
                    result="passed" if action == "check" else "",
                )
            )
    start = min(hub.hub.state.incidents[i].reported_at for i in ids) - 1.0
    tie = start + 0.5

    def move(session: Session, _emitter: Any) -> None:
        # Four cases reported at one instant (ids decide their order); two long before.
        session.execute(update(Incident).where(Incident.id.in_(ids[4:8])).values(reported_at=tie))
        session.execute(
            update(Incident).where(Incident.id.in_(ids[10:])).values(reported_at=start - 86400)
        )

    hub.run(hub.hub.writer.submit(move))
    return ids, start


def _expected(hub: LiveHub, start: float, end: float) -> list[dict[str, Any]]:
    """The register as the store holds it, read with the ORM."""
    with Session(hub.hub.engine) as session:
        cases = session.scalars(
            select(Incident)
            .where(Incident.reported_at >= start, Incident.reported_at < end)
            .order_by(Incident.reported_at, Incident.id)
        ).all()
        officers = {o.id: o for o in session.scalars(select(Officer))}
        teams = {t.id: t.name for t in session.scalars(select(Team))}
        merchants = {m.id: m.name for m in session.scalars(select(Merchant))}
        out = []
        for case in cases:
            events = session.scalars(
                select(CaseEvent).where(CaseEvent.incident_id == case.id).order_by(CaseEvent.ts)
            ).all()

            def when(kind: str, events: Any = events) -> float | None:
                times = [e.ts for e in events if e.kind == kind]
                return (max(times) if kind == "closed" else min(times)) if times else None

            units = list(case.units or [])
            first = officers.get(units[0]) if units else None
            out.append(
                {
                    "id": case.id,
                    "source": case.source,
                    "category": case.category,
                    "status": case.status,
                    "reported_at": case.reported_at,
                    "dispatched_at": when("dispatched"),
                    "arrived_at": when("arrived"),
                    "closed_at": when("closed"),
                    "sla": case.sla,
                    "team": teams[first.team_id] if first else "",
                    "units": units,
                    "officers": [officers[u].name for u in units],
                    "merchant": merchants.get(case.merchant_id or "", ""),
                    "reporter": case.reporter,
                    "address": case.address,
                    "lat": case.lat,
                    "text": case.text,
                }
            )
        return out


def _plain(marks: Any) -> dict[str, Any] | None:
    # Marks as comparable dicts: unset times and an empty miss list left out alike.
    if marks is None:
        return None
    return {k: v for k, v in marks.items() if v is not None and v != []}


def _as_dict(row: ExportRow) -> dict[str, Any]:
    reporter = row.reporter
    return {
        "id": row.id,
        "source": row.source,
        "category": row.category,
        "status": row.status,
        "reported_at": row.reported_at,
        "dispatched_at": row.dispatched_at,
        "arrived_at": row.arrived_at,
        "closed_at": row.closed_at,
        "sla": _plain(msgspec.to_builtins(row.sla)),
        "team": row.team,
        "units": row.units,
        "officers": row.officers,
        "merchant": row.merchant,
        "reporter": None if reporter is None else {"name": reporter.name, "phone": reporter.phone},
        "address": row.address,
        "lat": row.lat,
        "text": row.text,
    }


async def _all_pages(
    api: HubApi, start: float, end: float, limit: int, **kw: Any
) -> tuple[list[ExportRow], list[ExportAnswer]]:
    rows: list[ExportRow] = []
    answers = []
    after = None
    while True:
        answer = await api.cases_export(start, end, after=after, limit=limit, **kw)
        answers.append(answer)
        rows += answer.rows
        if answer.next is None:
            return rows, answers
        after = answer.next


def test_every_case_of_the_period_comes_once_with_what_the_store_holds(hub: LiveHub) -> None:
    ids, start = _seed(hub)
    end = time.time() + 60

    rows, answers = _scenario(
        hub, "supervisor", lambda api: _all_pages(api, start, end, 3, count=True)
    )

    expected = _expected(hub, start, end)
    assert len(expected) == 10 and {e["id"] for e in expected} == set(ids[:10])
    assert answers[0].total == 10
    # Pages of 3: 3 + 3 + 3 + 1, the last one says so.
    assert [len(a.rows) for a in answers] == [3, 3, 3, 1] and answers[-1].next is None
    got = [_as_dict(r) for r in rows]
    for e in expected:
        e["sla"] = _plain(e["sla"])
    assert got == expected
    # What the seeding made, so the comparison above compares something.
    whole = next(g for g in got if g["id"] == ids[3])
    assert whole["closed_at"] is not None and whole["arrived_at"] is not None
    assert whole["merchant"] == "婺城小吃店"
    two = next(g for g in got if g["id"] == ids[0])
    assert two["officers"] == ["警员001", "警员002"] and two["team"] == "市场监管"
    # A supervisor sees the reporter whole (backend_client.privacy).
    assert two["reporter"] == {"name": "张女士", "phone": "13800000000"}
    assert next(g for g in got if g["id"] == ids[5])["reporter"] is None


def test_paging_by_key_neither_repeats_nor_skips_while_cases_arrive(hub: LiveHub) -> None:
    _ids, start = _seed(hub)
    end = time.time() + 3600

    async def interrupted(api: HubApi) -> list[str]:
        first = await api.cases_export(start, end, limit=4)
        second = await api.cases_export(start, end, after=first.next, limit=4)
        # The export stops here; cases arrive; it resumes from the last key it kept,
        # asking that page again first (a retry must be the same rows).
        await asyncio.to_thread(_post, hub, "8890-export-late-1")
        await asyncio.to_thread(_post, hub, "8890-export-late-2")
        again = await api.cases_export(start, end, after=first.next, limit=4)
        assert [r.id for r in again.rows] == [r.id for r in second.rows]
        rest: list[ExportRow] = []
        after = second.next
        while after is not None:
            page = await api.cases_export(start, end, after=after, limit=4)
            rest += page.rows
            after = page.next
        return [r.id for r in first.rows + second.rows + rest]

    got = _scenario(hub, "supervisor", interrupted)
    stored = [e["id"] for e in _expected(hub, start, end)]
    assert len(stored) == 12
    assert got == stored and len(set(got)) == len(got)


def test_only_the_named_ids_and_the_bounds_of_the_arguments(hub: LiveHub) -> None:
    ids, start = _seed(hub)
    end = time.time() + 60
    wanted = [ids[1], ids[6], ids[9], ids[11]]  # the last is outside the period

    async def body(api: HubApi) -> tuple[list[ExportRow], list[ExportAnswer]]:
        with pytest.raises(RequestFailed) as caught:
            await api.cases_export(end, start)
        assert (caught.value.code, caught.value.field) == ("invalid", "end")
        with pytest.raises(RequestFailed) as caught:
            await api.cases_export(start, end, ids=[f"X{i}" for i in range(5001)])
        assert (caught.value.code, caught.value.field) == ("invalid", "ids")
        return await _all_pages(api, start, end, 2, ids=wanted, count=True)

    rows, answers = _scenario(hub, "supervisor", body)
    in_order = [e["id"] for e in _expected(hub, start, end) if e["id"] in wanted]
    assert [r.id for r in rows] == in_order and len(in_order) == 3
    assert answers[0].total == 3


def test_only_supervisors_and_admins_export_and_every_page_is_audited(hub: LiveHub) -> None:
    _ids, start = _seed(hub)
    end = time.time() + 60

    for role in ("wall", "operator"):

        async def refused(api: HubApi) -> str:
            with pytest.raises(RequestFailed) as caught:
                await api.cases_export(start, end)
            return caught.value.code

        assert _scenario(hub, role, refused) == "forbidden"

    rows, answers = _scenario(hub, "admin", lambda api: _all_pages(api, start, end, 4))
    assert len(rows) == 10 and len(answers) == 3
    with Session(hub.hub.engine) as session:
        audited = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "export.cases").order_by(AuditEntry.id)
        ).all()
    assert [a.role for a in audited] == ["admin"] * 3
    assert [a.detail and a.detail.get("after") for a in audited] == [
        None,
        list(answers[0].next or ()),
        list(answers[1].next or ()),
    ]
