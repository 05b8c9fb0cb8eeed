"""Request ops on the stream socket (``req`` -> ``res`` or ``error``), role-checked and audited."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend_client.privacy import reporter_for
from backend_client.protocol import Error, Request, Response, encode
from backend_client.protocol.codec import field_of
from hub.auth import Principal
from hub.cases import CaseNotFound, StepArgs, StepResult, parse_action
from hub.domain.lifecycle import CaseAction, CaseRuleError
from hub.service import Hub
from hub.snapshot_load import incident_from_row
from hub.store.models import AuditEntry, CaseEvent, Merchant, Position
from hub.store.models import Incident as IncidentRow
from hub.walls import PushRejected, WallPushArgs, check_push, push_work
from hub.writer import Emitter

MAX_TRACK_SECONDS = 24 * 3600
MAX_AUDIT_ROWS = 1000


class RequestError(Exception):
    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


class CaseHistoryArgs(msgspec.Struct):
    case_id: str


class MerchantArgs(msgspec.Struct):
    merchant_id: str


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


def _audit(session: Session, who: Principal, action: str, subject: str, **detail: Any) -> None:
    session.add(
        AuditEntry(
            ts=time.time(),
            actor=who.name,
            role=who.role,
            action=action,
            subject=subject,
            detail=detail or None,
        )
    )


Handler = Callable[[Principal, dict[str, Any]], Awaitable[dict[str, Any]]]


class RequestRouter:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.ops: dict[str, Handler] = {
            "case.history": self.case_history,
            "merchant.profile": self.merchant_profile,
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

        def work(session: Session, _emitter: Emitter) -> dict[str, Any]:
            row = session.get(IncidentRow, args.case_id)
            if row is None:
                raise RequestError("not_found", f"no case {args.case_id}", "case_id")
            events = session.scalars(
                select(CaseEvent)
                .where(CaseEvent.incident_id == row.id)
                .order_by(CaseEvent.ts, CaseEvent.id)
            ).all()
            _audit(session, who, "view.case", row.id)
            incident = msgspec.to_builtins(incident_from_row(row))
            # Citizens' names and phones leave the hub only as the role may see them.
            incident["reporter"] = reporter_for(who.role, row.reporter)
            return {
                "case": incident,
                "events": [
                    {"kind": e.kind, "ts": e.ts, "actor": e.actor, "detail": e.detail or {}}
                    for e in events
                ],
            }

        return await self._write(work)

    async def merchant_profile(self, who: Principal, raw: dict[str, Any]) -> dict[str, Any]:
        args: MerchantArgs = _args(MerchantArgs, raw)

        def work(session: Session, _emitter: Emitter) -> dict[str, Any]:
            merchant = session.get(Merchant, args.merchant_id)
            if merchant is None:
                raise RequestError("not_found", f"no merchant {args.merchant_id}", "merchant_id")
            cases = session.scalars(
                select(IncidentRow)
                .where(IncidentRow.merchant_id == merchant.id)
                .order_by(IncidentRow.reported_at)
            ).all()
            _audit(session, who, "view.merchant", merchant.id)
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
                "cases": [msgspec.to_builtins(incident_from_row(c)) for c in cases],
            }

        return await self._write(work)

    async def unit_track(self, who: Principal, raw: dict[str, Any]) -> dict[str, Any]:
        args: TrackArgs = _args(TrackArgs, raw)
        if args.end < args.start:
            raise RequestError("invalid", "end is before start", "end")
        if args.end - args.start > MAX_TRACK_SECONDS:
            raise RequestError("invalid", f"window longer than {MAX_TRACK_SECONDS} s", "end")

        def work(session: Session, _emitter: Emitter) -> dict[str, Any]:
            rows = session.execute(
                select(Position.ts, Position.lat, Position.lon, Position.speed, Position.heading)
                .where(
                    Position.officer_id == args.unit_id,
                    Position.ts >= args.start,
                    Position.ts <= args.end,
                )
                .order_by(Position.ts)
            ).all()
            _audit(session, who, "view.track", args.unit_id, start=args.start, end=args.end)
            return {"unit_id": args.unit_id, "points": [list(r) for r in rows]}

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

        def work(session: Session, _emitter: Emitter) -> dict[str, Any]:
            alert = session.get(AlertRow, args.alert_id)
            if alert is None:
                raise RequestError("not_found", f"no alert {args.alert_id}", "alert_id")
            alert.acked_by = who.name
            _audit(session, who, "alert.ack", alert.id)
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
