"""Request ops on the stream socket (``req`` -> ``res`` or ``error``), role-checked and audited."""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, cast

import msgspec
from sqlalchemy import bindparam, func, insert, select, text
from sqlalchemy.orm import Session, defer

from backend_client.privacy import reporter_for
from backend_client.protocol import Error, Request, Response, encode
from backend_client.protocol.codec import field_of
from backend_client.protocol.messages import AlertClear
from hub.auth import Principal
from hub.cases import CaseNotFound, StepArgs, StepResult, parse_action
from hub.domain.lifecycle import CaseAction, CaseRuleError
from hub.service import Hub
from hub.snapshot_load import incident_from_row
from hub.sos import ACK_CLEARS
from hub.store.models import AuditEntry, CaseEvent, Inspection, Merchant, Position
from hub.store.models import Incident as IncidentRow
from hub.walls import PushRejected, WallPushArgs, check_push, push_work
from hub.writer import Emitter

MAX_TRACK_SECONDS = 24 * 3600
MAX_AUDIT_ROWS = 1000
HISTORY_PAGE, MAX_HISTORY_PAGE = 500, 2000
PROFILE_PAGE, MAX_PROFILE_PAGE = 200, 1000
MAX_PHOTOS = 9
MAX_INSPECTIONS = 100
MAX_RELATED = 50
RANK_MARGIN = 10
NEARBY_METRES = 100.0
SAME_CATEGORY_SECONDS = 30 * 86400.0
EARTH_RADIUS_M = 6_371_008.8


class RequestError(Exception):
    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


class CaseHistoryArgs(msgspec.Struct):
    case_id: str
    offset: int = 0
    limit: int = HISTORY_PAGE


class CaseRelatedArgs(msgspec.Struct):
    case_id: str


class MerchantArgs(msgspec.Struct):
    merchant_id: str
    offset: int = 0
    limit: int = PROFILE_PAGE


class MerchantListArgs(msgspec.Struct):
    pass


class TrackArgs(msgspec.Struct):
    unit_id: str
    start: float
    end: float


class DispatchArgs(msgspec.Struct):
    incident_id: str
    unit_ids: list[str]


class CaseStepArgs(msgspec.Struct):
    case_id: str
    action: str
    units: list[str] = msgspec.field(default_factory=list)
    outcome: str = ""
    note: str = ""
    deadline: float | None = None


class AlertAckArgs(msgspec.Struct):
    alert_id: str


class AuditArgs(msgspec.Struct):
    since: float | None = None
    actor: str | None = None
    limit: int = 200


def _args(kind: type[Any], args: dict[str, Any]) -> Any:
    try:
        return msgspec.convert(args, kind)
    except msgspec.ValidationError as exc:
        raise RequestError("invalid", str(exc), field_of(str(exc))) from None


def _page(offset: int, limit: int, most: int) -> tuple[int, int]:
    if offset < 0:
        raise RequestError("invalid", "offset must not be negative", "offset")
    return offset, max(1, min(limit, most))


def _next_offset(offset: int, shown: int, total: int) -> int | None:
    return offset + shown if offset + shown < total else None


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


_SUMMARY = (
    IncidentRow.id,
    IncidentRow.source,
    IncidentRow.category,
    IncidentRow.status,
    IncidentRow.reported_at,
    IncidentRow.address,
    IncidentRow.lat,
    IncidentRow.lon,
)


def _distance(origin: IncidentRow, lat: float | None, lon: float | None) -> float | None:
    if origin.lat is None or origin.lon is None or lat is None or lon is None:
        return None
    return haversine_m(origin.lat, origin.lon, lat, lon)


def _summary(row: Any, distance: float | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "source": row.source,
        "category": row.category,
        "status": row.status,
        "reported_at": row.reported_at,
        "address": row.address,
        "lat": row.lat,
        "lon": row.lon,
        "distance_m": None if distance is None else round(distance, 1),
    }


# Drill-down reads are Core statements built once: the ORM's per-row bookkeeping and
# the statement building cost more than the index lookups at these sizes.
_SAME_MERCHANT = (
    select(*_SUMMARY)
    .where(IncidentRow.merchant_id == bindparam("merchant"), IncidentRow.id != bindparam("case"))
    .order_by(IncidentRow.reported_at.desc(), IncidentRow.id.desc())
    .limit(MAX_RELATED)
)
_dlat = IncidentRow.lat - bindparam("lat")
_dlon = (IncidentRow.lon - bindparam("lon")) * bindparam("k")
_FLAT = _dlat * _dlat + _dlon * _dlon
# Dense streets have hundreds of cases within 100 m and a busy category thousands a
# month. So the database ranks ids by the flat-earth distance, from the covering indexes
# alone (ix_incidents_lat_lon, ix_incidents_category_reported: no table reads), with a
# margin for near-ties (across a district the flat distance is off by < 0.5 %); only
# those rows are read, and the exact distance orders them. Unlocated cases rank last
# (SQLite sorts NULL first, PostgreSQL last: say it).
_NEARBY = select(*_SUMMARY).where(
    IncidentRow.id.in_(
        select(IncidentRow.id)
        .where(
            IncidentRow.lat.between(bindparam("lat_lo"), bindparam("lat_hi")),
            IncidentRow.lon.between(bindparam("lon_lo"), bindparam("lon_hi")),
            IncidentRow.id != bindparam("case"),
        )
        .order_by(_FLAT, IncidentRow.id)
        .limit(MAX_RELATED + RANK_MARGIN)
    )
)
_IN_CATEGORY_WINDOW = (
    IncidentRow.category == bindparam("category"),
    IncidentRow.reported_at >= bindparam("since"),
    IncidentRow.reported_at <= bindparam("until"),
    IncidentRow.id != bindparam("case"),
)
_SAME_CATEGORY_NEAREST = select(*_SUMMARY).where(
    IncidentRow.id.in_(
        select(IncidentRow.id)
        .where(*_IN_CATEGORY_WINDOW)
        .order_by((IncidentRow.lat.is_(None)) | (IncidentRow.lon.is_(None)), _FLAT, IncidentRow.id)
        .limit(MAX_RELATED + RANK_MARGIN)
    )
)
_SAME_CATEGORY_NEWEST = (
    select(*_SUMMARY)
    .where(*_IN_CATEGORY_WINDOW)
    .order_by(IncidentRow.reported_at.desc(), IncidentRow.id.desc())
    .limit(MAX_RELATED)
)


_EVENT_COUNT = select(func.count()).where(CaseEvent.incident_id == bindparam("case"))
_EVENT_PAGE = (
    select(CaseEvent.kind, CaseEvent.ts, CaseEvent.actor, CaseEvent.detail)
    .where(CaseEvent.incident_id == bindparam("case"))
    .order_by(CaseEvent.ts, CaseEvent.id)
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)
_CATEGORY_COUNTS = (
    select(IncidentRow.category, func.count())
    .where(IncidentRow.merchant_id == bindparam("merchant"))
    .group_by(IncidentRow.category)
)
# What incident_from_row reads: photos and reporters stay unread in a profile's list.
_MERCHANT_CASES = (
    select(
        IncidentRow.id,
        IncidentRow.source,
        IncidentRow.category,
        IncidentRow.status,
        IncidentRow.lat,
        IncidentRow.lon,
        IncidentRow.reported_at,
        IncidentRow.sla,
        IncidentRow.units,
        IncidentRow.text,
        IncidentRow.address,
        IncidentRow.priority,
        IncidentRow.merchant_id,
    )
    .where(IncidentRow.merchant_id == bindparam("merchant"))
    .order_by(IncidentRow.reported_at.desc(), IncidentRow.id.desc())
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)
_INSPECTIONS = (
    select(Inspection)
    .where(Inspection.merchant_id == bindparam("merchant"))
    .order_by(Inspection.ts.desc(), Inspection.id.desc())
    .limit(MAX_INSPECTIONS)
)
_TRACK = (
    select(Position.ts, Position.lat, Position.lon, Position.speed, Position.heading)
    .where(
        Position.officer_id == bindparam("unit"),
        Position.ts >= bindparam("start"),
        Position.ts <= bindparam("end"),
        # A report that was not a fix (JT/T 808 status bit 1 clear) is no track point.
        Position.fixed.is_(True),
    )
    .order_by(Position.ts)
)


def _nearest(case: IncidentRow, rows: Any, within: float | None = None) -> list[dict[str, Any]]:
    """Nearest first (newest first among equals), unlocated cases last; at most 50."""
    ranked = [(_distance(case, r.lat, r.lon), r) for r in rows]
    if within is not None:
        ranked = [(d, r) for d, r in ranked if d is not None and d <= within]
    ranked.sort(key=lambda dr: (dr[0] is None, dr[0] or 0.0, -dr[1].reported_at, dr[1].id))
    return [_summary(r, d) for d, r in ranked[:MAX_RELATED]]


def related_cases(session: Session, case: IncidentRow) -> dict[str, Any]:
    """The three neighbourhoods of ``case`` the drill-down shows (protocol.md, case.related)."""
    db = session.connection()
    same_merchant: list[dict[str, Any]] = []
    if case.merchant_id is not None:
        rows = db.execute(_SAME_MERCHANT, {"merchant": case.merchant_id, "case": case.id})
        same_merchant = [_summary(r, _distance(case, r.lat, r.lon)) for r in rows]

    nearby: list[dict[str, Any]] = []
    window = {
        "category": case.category,
        "since": case.reported_at - SAME_CATEGORY_SECONDS,
        "until": case.reported_at,
        "case": case.id,
    }
    if case.lat is not None and case.lon is not None:
        # A box a little larger than the circle, read from ix_incidents_lat_lon; the exact
        # distance then decides. Longitude degrees shrink with cos(lat).
        k = math.cos(math.radians(case.lat))
        dlat = math.degrees(NEARBY_METRES / EARTH_RADIUS_M) * 1.01
        dlon = dlat / max(k, 0.01)
        here = {"lat": case.lat, "lon": case.lon, "k": k}
        box = {
            "lat_lo": case.lat - dlat,
            "lat_hi": case.lat + dlat,
            "lon_lo": case.lon - dlon,
            "lon_hi": case.lon + dlon,
            "case": case.id,
        }
        nearby = _nearest(case, db.execute(_NEARBY, box | here), within=NEARBY_METRES)
        same_category = _nearest(case, db.execute(_SAME_CATEGORY_NEAREST, window | here))
    else:
        rows = db.execute(_SAME_CATEGORY_NEWEST, window)
        same_category = [_summary(r, None) for r in rows]
    return {
        "case_id": case.id,
        "same_merchant": same_merchant,
        "nearby": nearby,
        "same_category": same_category,
    }


def _audit(session: Session, who: Principal, action: str, subject: str, **detail: Any) -> None:
    # A plain INSERT in the caller's transaction: the ORM's unit of work would cost more
    # than the row itself on every drill-down.
    session.execute(
        insert(AuditEntry).values(
            ts=time.time(),
            actor=who.name,
            role=who.role,
            action=action,
            subject=subject,
            detail=detail or None,
        )
    )


def _audit_view(session: Session, who: Principal, action: str, subject: str, **detail: Any) -> None:
    """The audit row of a drill-down view, committed without waiting for the disk flush.

    On PostgreSQL the flush of every view's one-row commit was most of a drill-down's
    round trip (bench/drilldown.py). Asynchronous commit keeps the row atomic and
    visible at once, and a hub crash cannot lose it; only a crash of the database server
    or its machine within ~0.6 s can (SQLite's WAL with synchronous=NORMAL likewise may
    lose the last commits to a power cut, hub/store/db.py). Steps and dispatches keep
    synchronous commits.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    _audit(session, who, action, subject, **detail)


Handler = Callable[[Principal, dict[str, Any]], Awaitable[dict[str, Any]]]


class RequestRouter:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.ops: dict[str, Handler] = {
            "case.history": self.case_history,
            "case.related": self.case_related,
            "merchant.profile": self.merchant_profile,
            "merchant.list": self.merchant_list,
            "unit.track": self.unit_track,
            "dispatch": self.dispatch,
            "case.step": self.case_step,
            "alert.ack": self.alert_ack,
            "audit.query": self.audit_query,
            "wall.push": self.wall_push,
            "wall.list": self.wall_list,
        }
        #: Names of the wall-role clients on the stream now (by their token's name).
        self.walls_online: Counter[str] = Counter()

    async def handle(self, who: Principal, request: Request) -> bytes:
        handler = self.ops.get(request.op)
        if handler is None:
            return encode(
                Error(code="unknown_op", message=f"no op {request.op!r}", id=request.id, field="op")
            )
        if not who.may(request.op):
            return encode(
                Error(
                    code="forbidden",
                    message=f"role {who.role} may not {request.op}",
                    id=request.id,
                )
            )
        try:
            result = await handler(who, request.args)
        except RequestError as exc:
            return encode(Error(code=exc.code, message=exc.message, id=request.id, field=exc.field))
        except CaseRuleError as exc:
            # The lifecycle's verdict: forbidden (role), conflict (status) or invalid.
            return encode(Error(code=exc.code, message=str(exc), id=request.id))
        return encode(Response(id=request.id, result=result, ts=time.time()))

    async def _write(self, work: Callable[[Session, Emitter], dict[str, Any]]) -> dict[str, Any]:
        return await self.hub.writer.submit(work)

    # Reads that are audited still go through the writer: the audit row and the answer
    # belong together, and a read that could not be audited is not served.

    async def case_history(self, who: Principal, raw: dict[str, Any]) -> dict[str, Any]:
        args: CaseHistoryArgs = _args(CaseHistoryArgs, raw)
        offset, limit = _page(args.offset, args.limit, MAX_HISTORY_PAGE)

        def work(session: Session, _emitter: Emitter) -> dict[str, Any]:
            row = session.get(IncidentRow, args.case_id)
            if row is None:
                raise RequestError("not_found", f"no case {args.case_id}", "case_id")
            db = session.connection()
            total = int(db.execute(_EVENT_COUNT, {"case": row.id}).scalar() or 0)
            page = {"case": row.id, "offset": offset, "limit": limit}
            events = db.execute(_EVENT_PAGE, page).all()
            _audit_view(session, who, "view.case", row.id, offset=offset)
            incident = msgspec.to_builtins(incident_from_row(row))
            # Citizens' names and phones leave the hub only as the role may see them.
            incident["reporter"] = reporter_for(who.role, row.reporter)
            return {
                "case": incident,
                "photos": list(row.photos or [])[:MAX_PHOTOS],
                "events": [
                    {"kind": e.kind, "ts": e.ts, "actor": e.actor, "detail": e.detail or {}}
                    for e in events
                ],
                "total_events": total,
                "next_offset": _next_offset(offset, len(events), total),
            }

        return await self._write(work)

    async def case_related(self, who: Principal, raw: dict[str, Any]) -> dict[str, Any]:
        args: CaseRelatedArgs = _args(CaseRelatedArgs, raw)

        def work(session: Session, _emitter: Emitter) -> dict[str, Any]:
            row = session.get(IncidentRow, args.case_id, options=[defer(IncidentRow.photos)])
            if row is None:
                raise RequestError("not_found", f"no case {args.case_id}", "case_id")
            _audit_view(session, who, "view.related", row.id)
            return related_cases(session, row)

        return await self._write(work)

    async def merchant_profile(self, who: Principal, raw: dict[str, Any]) -> dict[str, Any]:
        args: MerchantArgs = _args(MerchantArgs, raw)
        offset, limit = _page(args.offset, args.limit, MAX_PROFILE_PAGE)

        def work(session: Session, _emitter: Emitter) -> dict[str, Any]:
            merchant = session.get(Merchant, args.merchant_id)
            if merchant is None:
                raise RequestError("not_found", f"no merchant {args.merchant_id}", "merchant_id")
            db = session.connection()
            counts = {
                str(category): int(n)
                for category, n in db.execute(_CATEGORY_COUNTS, {"merchant": merchant.id})
            }
            total = sum(counts.values())
            page = {"merchant": merchant.id, "offset": offset, "limit": limit}
            cases = db.execute(_MERCHANT_CASES, page).all()
            inspections = db.execute(_INSPECTIONS, {"merchant": merchant.id}).all()
            _audit_view(session, who, "view.merchant", merchant.id, offset=offset)
            return {
                "merchant": {
                    "id": merchant.id,
                    "name": merchant.name,
                    "credit_code": merchant.credit_code,
                    "address": merchant.address,
                    "category": merchant.category,
                    "risk": merchant.risk,
                    "lat": merchant.lat,
                    "lon": merchant.lon,
                },
                # A Core row has the attributes incident_from_row reads.
                "cases": [
                    msgspec.to_builtins(incident_from_row(cast(IncidentRow, c))) for c in cases
                ],
                "total_cases": total,
                "next_offset": _next_offset(offset, len(cases), total),
                "counts_by_category": counts,
                "inspections": [
                    {
                        "id": i.id,
                        "ts": i.ts,
                        "departments": list(i.departments or []),
                        "items": list(i.items or []),
                        "result": i.result,
                        "note": i.note,
                        "teams": list(i.teams or []),
                        "officers": list(i.officers or []),
                    }
                    for i in inspections
                ],
            }

        return await self._write(work)

    async def merchant_list(self, _who: Principal, raw: dict[str, Any]) -> dict[str, Any]:
        """Every merchant for the wall map's layer: reference data, so not a view to audit."""
        _args(MerchantListArgs, raw)

        def read() -> dict[str, Any]:
            with Session(self.hub.engine) as session:
                rows = session.execute(
                    select(
                        Merchant.id,
                        Merchant.name,
                        Merchant.category,
                        Merchant.risk,
                        Merchant.lat,
                        Merchant.lon,
                    ).order_by(Merchant.id)
                ).all()
            return {
                "merchants": [
                    {
                        "id": r.id,
                        "name": r.name,
                        "category": r.category,
                        "risk": r.risk,
                        "lat": r.lat,
                        "lon": r.lon,
                    }
                    for r in rows
                ]
            }

        return await asyncio.get_running_loop().run_in_executor(None, read)

    async def unit_track(self, who: Principal, raw: dict[str, Any]) -> dict[str, Any]:
        args: TrackArgs = _args(TrackArgs, raw)
        if args.end < args.start:
            raise RequestError("invalid", "end is before start", "end")
        if args.end - args.start > MAX_TRACK_SECONDS:
            raise RequestError("invalid", f"window longer than {MAX_TRACK_SECONDS} s", "end")

        def work(session: Session, _emitter: Emitter) -> dict[str, Any]:
            window = {"unit": args.unit_id, "start": args.start, "end": args.end}
            rows = session.connection().execute(_TRACK, window)
            points = [tuple(r) for r in rows]
            _audit_view(session, who, "view.track", args.unit_id, start=args.start, end=args.end)
            return {"unit_id": args.unit_id, "points": points}

        return await self._write(work)

    async def dispatch(self, who: Principal, raw: dict[str, Any]) -> dict[str, Any]:
        args: DispatchArgs = _args(DispatchArgs, raw)
        if not args.unit_ids:
            raise RequestError("invalid", "at least one unit", "unit_ids")
        unknown = [u for u in args.unit_ids if u not in self.hub.state.units]
        if unknown:
            raise RequestError("not_found", f"no unit {unknown[0]}", "unit_ids")
        result = await self._step(
            who,
            args.incident_id,
            CaseAction.DISPATCH,
            StepArgs(units=tuple(args.unit_ids)),
            "dispatch",
            "incident_id",
        )
        return {"incident_id": result.incident_id, "status": result.status, "seq": result.seq}

    async def case_step(self, who: Principal, raw: dict[str, Any]) -> dict[str, Any]:
        """One lifecycle step from a desk: ``{case_id, action, units?, outcome?, note?,
        deadline?}``; the lifecycle checks the role and the status again."""
        args: CaseStepArgs = _args(CaseStepArgs, raw)
        try:
            action = parse_action(args.action)
        except KeyError:
            raise RequestError("invalid", f"no action {args.action!r}", "action") from None
        unknown = [u for u in args.units if u not in self.hub.state.units]
        if unknown:
            raise RequestError("not_found", f"no unit {unknown[0]}", "units")
        step = StepArgs(
            units=tuple(args.units), outcome=args.outcome, note=args.note, deadline=args.deadline
        )
        result = await self._step(who, args.case_id, action, step, f"case.{action}", "case_id")
        return {
            "case_id": result.incident_id,
            "status": result.status,
            "seq": result.seq,
            "missed": list(result.missed),
        }

    async def _step(
        self,
        who: Principal,
        incident_id: str,
        action: CaseAction,
        args: StepArgs,
        audit_action: str,
        id_field: str,
    ) -> StepResult:
        def audit(session: Session, result: StepResult) -> None:
            detail: dict[str, Any] = {"units": list(args.units)} if args.units else {}
            _audit(session, who, audit_action, result.incident_id, **detail)

        work = self.hub.case_step_work(incident_id, action, who, None, args, also=audit)
        try:
            return await self.hub.writer.submit(work)
        except CaseNotFound:
            raise RequestError("not_found", f"no incident {incident_id}", id_field) from None

    async def alert_ack(self, who: Principal, raw: dict[str, Any]) -> dict[str, Any]:
        args: AlertAckArgs = _args(AlertAckArgs, raw)
        from hub.store.models import AlertRow

        def work(session: Session, emitter: Emitter) -> dict[str, Any]:
            alert = session.get(AlertRow, args.alert_id)
            if alert is None:
                raise RequestError("not_found", f"no alert {args.alert_id}", "alert_id")
            alert.acked_by = who.name
            _audit(session, who, "alert.ack", alert.id)
            if alert.kind in ACK_CLEARS and alert.cleared_at is None:
                # An SOS has no condition the patrol could see end: an operator's
                # acknowledgement is what clears it (from every wall).
                alert.cleared_at = time.time()
                cleared = alert.id
                emitter.emit(lambda seq, ts: AlertClear(seq=seq, ts=ts, alert_id=cleared))
            return {"alert_id": alert.id}

        return await self._write(work)

    async def wall_push(self, who: Principal, raw: dict[str, Any]) -> dict[str, Any]:
        """Pin a drill-down or a map view to a wall's situation slot (see hub/walls.py)."""
        args: WallPushArgs = _args(WallPushArgs, raw)
        try:
            check_push(args)
            return await self._write(push_work(args, who, _audit))
        except PushRejected as exc:
            raise RequestError(exc.code, exc.message, exc.field) from None

    async def wall_list(self, who: Principal, raw: dict[str, Any]) -> dict[str, Any]:
        """The walls a push can reach now; a desk offers these names."""
        return {"walls": sorted(name for name, n in self.walls_online.items() if n > 0)}

    async def audit_query(self, who: Principal, raw: dict[str, Any]) -> dict[str, Any]:
        args: AuditArgs = _args(AuditArgs, raw)
        limit = max(1, min(args.limit, MAX_AUDIT_ROWS))

        def read() -> dict[str, Any]:
            with Session(self.hub.engine) as session:
                query = (
                    select(AuditEntry)
                    .order_by(AuditEntry.ts.desc(), AuditEntry.id.desc())
                    .limit(limit)
                )
                if args.since is not None:
                    query = query.where(AuditEntry.ts >= args.since)
                if args.actor:
                    query = query.where(AuditEntry.actor == args.actor)
                entries = session.scalars(query).all()
                return {
                    "entries": [
                        {
                            "ts": e.ts,
                            "actor": e.actor,
                            "role": e.role,
                            "action": e.action,
                            "subject": e.subject,
                            "detail": e.detail or {},
                        }
                        for e in entries
                    ]
                }

        return await asyncio.get_running_loop().run_in_executor(None, read)
