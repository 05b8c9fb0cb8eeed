"""``cases.export``: the case register of a period, page by page (issue 18, 导出).

A supervisor's export (``watchfloor export``, the desk's 导出…) asks for the cases
reported in ``[start, end)`` (optionally only the ``ids`` a desk's filter shows) in
``(reported_at, id)`` order, ``limit`` at a time, each page after the key of the last row
of the one before (keyset paging). A key names a place in the order, not a row number,
so a page asked again (a retry, an export resumed the next morning) is the same rows,
and cases reported meanwhile with an earlier time cannot shift later pages: nothing is
repeated or skipped.

Each page is one statement, run beside the writer (never on it): the cases, one range
of ``ix_incidents_reported`` from the key on (the key's own time is the range's lower
bound, so the database seeks to it rather than reading the earlier pages again: an
``OR`` of the two halves of a keyset comparison is not a range to either planner), each
with its merchant's name (a primary-key join) and the times of the steps the case row
does not carry (the first ``dispatched`` and ``arrived``, the last ``closed``), each a
correlated seek of ``ix_case_events_incident_ts``. The officers named by the page (with
their team: the first officer's team owns the case, as in ``stats.query``) are one more
small read. An IN list of the page's 5,000 ids cost more to bind than the seeks.

The rows are built as tuples and encoded once (:class:`ExportPage`); the stored 1-3-15
marks go out as the JSON text they are stored as. Building ExportRow Structs and turning
them into builtins for the router took twice the time of the reads
(bench/export.py; on 200,000 cases the hub spends about 27 µs of CPU per case).

Every page is audited (``export.cases``, synchronous commit) before it is read: how far
an export went, interrupted or not, is in the audit log, and a page that could not be
audited is not served. The reporter is given as the role may see it
(:func:`backend_client.privacy.reporter_for`; the op is for supervisors and admins, who
see it whole, but the rule lives in one place).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import msgspec
from sqlalchemy import Text, and_, bindparam, cast, func, not_, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from backend_client.privacy import reporter_for
from backend_client.protocol.ops import (
    EXPORT_MAX_IDS,
    EXPORT_MAX_PAGE,
    Answer,
    ExportArgs,
    ExportKey,
)
from hub.auth import Principal
from hub.requests.audit import write_audit
from hub.requests.base import Ops, RequestError
from hub.store.models import CaseEvent, Merchant, Officer, Team
from hub.store.models import Incident as IncidentRow
from hub.writer import Emitter

#: The steps whose times come from the timeline: the first dispatch and arrival, the last
#: close (a case reopened by a dissatisfied 回访 closes again).
STEP_KINDS = ("dispatched", "arrived", "closed")


def _text(column: Any) -> Any:
    # A JSON column as its text on both databases (PostgreSQL's driver would parse it).
    return cast(column, Text)


def _step_time(kind: str, first: bool) -> Any:
    # A seek of ix_case_events_incident_ts per case and step, in the page's statement,
    # walking the case's steps in time order and stopping at the first of the kind (a
    # MIN over the kind reads every step of the case: the index holds no kind).
    return (
        select(CaseEvent.ts)
        .where(CaseEvent.incident_id == IncidentRow.id, CaseEvent.kind == kind)
        .order_by(CaseEvent.ts if first else CaseEvent.ts.desc())
        .limit(1)
        .correlate(IncidentRow)
        .scalar_subquery()
    )


_CASE_COLUMNS = (
    IncidentRow.id,
    IncidentRow.source,
    IncidentRow.category,
    IncidentRow.status,
    IncidentRow.priority,
    IncidentRow.reported_at,
    _text(IncidentRow.sla),
    _text(IncidentRow.units),
    IncidentRow.address,
    IncidentRow.lat,
    IncidentRow.lon,
    IncidentRow.merchant_id,
    _text(IncidentRow.reporter),
    IncidentRow.text,
    _step_time("dispatched", True),
    _step_time("arrived", True),
    _step_time("closed", False),
    Merchant.name,
)


def _in_period() -> tuple[Any, ...]:
    return (
        IncidentRow.reported_at >= bindparam("start"),
        IncidentRow.reported_at < bindparam("end"),
    )


def _page_statement(after: bool, ids: bool) -> Any:
    where = list(_in_period())
    if after:
        # (reported_at, id) > (t, id0), written as a range the index seeks to and a
        # filter of the few rows at exactly t.
        where.append(IncidentRow.reported_at >= bindparam("after_ts"))
        where.append(
            not_(
                and_(
                    IncidentRow.reported_at == bindparam("after_ts"),
                    IncidentRow.id <= bindparam("after_id"),
                )
            )
        )
    if ids:
        where.append(IncidentRow.id.in_(bindparam("ids", expanding=True)))
    return (
        select(*_CASE_COLUMNS)
        .outerjoin(Merchant, Merchant.id == IncidentRow.merchant_id)
        .where(*where)
        .order_by(IncidentRow.reported_at, IncidentRow.id)
        .limit(bindparam("limit"))
    )


#: The page's statement by (after a key, only some ids): built once.
PAGES = {(a, i): _page_statement(a, i) for a in (False, True) for i in (False, True)}
COUNT = select(func.count()).select_from(IncidentRow).where(*_in_period())
COUNT_IDS = COUNT.where(IncidentRow.id.in_(bindparam("ids", expanding=True)))
OFFICERS = (
    select(Officer.id, Officer.name, Officer.team_id, Team.name)
    .outerjoin(Team, Team.id == Officer.team_id)
    .where(Officer.id.in_(bindparam("ids", expanding=True)))
)
_units = msgspec.json.Decoder(list[str] | None)
_reporter = msgspec.json.Decoder(dict[str, Any] | None)
_encode = msgspec.json.Encoder().encode


class ExportPage(Answer):
    """:class:`ExportAnswer` on the wire, its ``rows`` already encoded (``next`` and
    ``total`` as there). A page's rows are built as tuples and encoded once: making 5,000
    ExportRow Structs and turning them into builtins for the router took half a page's
    time. The stored marks (``sla``) go out as the text they are stored as; clients
    decode the page as :class:`ExportAnswer` (tests/hub/test_export.py does)."""

    start: float
    end: float
    as_of: float
    rows: msgspec.Raw
    next: ExportKey | None
    total: int | None


def read_page(connection: Connection, args: ExportArgs, role: str) -> ExportPage:
    """One page of the register (the op audits before calling this)."""
    params: dict[str, Any] = {"start": args.start, "end": args.end, "limit": args.limit}
    if args.after is not None:
        # Never below the period: the key of another period's export is still a bound.
        params["after_ts"] = max(args.after[0], args.start)
        params["after_id"] = args.after[1]
    if args.ids is not None:
        params["ids"] = list(args.ids)
    cases = connection.execute(PAGES[(args.after is not None, args.ids is not None)], params).all()
    total: int | None = None
    if args.count:
        counted = COUNT_IDS if args.ids is not None else COUNT
        total = int(connection.execute(counted, params).scalar() or 0)

    units_of = [_units.decode(c[7]) or [] if c[7] else [] for c in cases]
    unit_ids = sorted({u for units in units_of for u in units})
    officers: dict[str, tuple[str, str, str]] = {}
    if unit_ids:
        for officer_id, name, team_id, team in connection.execute(
            OFFICERS, {"ids": unit_ids}
        ).all():
            officers[officer_id] = (name, team_id or "", team or "")

    rows: list[tuple[Any, ...]] = []
    nobody = ("", "", "")
    for c, units in zip(cases, units_of, strict=True):
        owner = officers.get(units[0], nobody) if units else nobody
        reporter = reporter_for(role, _reporter.decode(c[12])) if c[12] else None
        # ExportRow's order.
        rows.append(
            (
                c[0],
                c[1],
                c[2],
                c[3],
                c[4],
                c[5],
                c[14],
                c[15],
                c[16],
                None if c[6] is None else msgspec.Raw(c[6]),
                owner[1],
                owner[2],
                c[8] or "",
                c[9],
                c[10],
                c[11],
                c[17] or "",
                units,
                [officers[u][0] if u in officers else "" for u in units],
                reporter,
                c[13] or "",
            )
        )
    more = len(rows) == args.limit
    return ExportPage(
        start=args.start,
        end=args.end,
        as_of=time.time(),
        rows=msgspec.Raw(_encode(rows)),
        next=(rows[-1][5], rows[-1][0]) if more else None,
        total=total,
    )


def check_args(args: ExportArgs) -> ExportArgs:
    """The arguments as the page is read with (``limit`` clamped), or ``invalid``."""
    if not args.end > args.start:
        raise RequestError("invalid", "end must be after start", "end")
    if args.ids is not None and len(args.ids) > EXPORT_MAX_IDS:
        raise RequestError("invalid", f"at most {EXPORT_MAX_IDS} ids per export", "ids")
    limit = max(1, min(args.limit, EXPORT_MAX_PAGE))
    return msgspec.structs.replace(args, limit=limit)


async def export_page(engine: Engine, args: ExportArgs, role: str) -> ExportPage:
    """The page read off the event loop, on its own connection."""

    def read() -> ExportPage:
        with engine.connect() as connection:
            return read_page(connection, args, role)

    return await asyncio.get_running_loop().run_in_executor(None, read)


def _audit_detail(args: ExportArgs) -> dict[str, Any]:
    detail: dict[str, Any] = {"start": args.start, "end": args.end, "limit": args.limit}
    if args.after is not None:
        detail["after"] = list(args.after)
    if args.ids is not None:
        detail["ids"] = len(args.ids)
    return detail


class ExportOps(Ops):
    async def cases_export(self, who: Principal, args: ExportArgs) -> ExportPage:
        args = check_args(args)

        def audit(session: Session, _emitter: Emitter) -> None:
            # Synchronous commit (not a view's): a bulk read of citizens' data.
            write_audit(session, who, "export.cases", "", **_audit_detail(args))

        await self.hub.writer.submit(audit)
        return await export_page(self.hub.engine, args, who.role)


__all__ = ["STEP_KINDS", "ExportOps", "ExportPage", "check_args", "export_page", "read_page"]
