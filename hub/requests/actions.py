"""Ops that change something: dispatch, a lifecycle step, an alert's acknowledgement, a
push to a wall. Each is audited in the same transaction as the change."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from backend_client.protocol.messages import AlertClear
from hub.auth import Principal
from hub.cases import CaseNotFound, StepArgs, StepResult, parse_action
from hub.domain.lifecycle import CaseAction
from hub.requests.args import AlertAckArgs, CaseStepArgs, DispatchArgs
from hub.requests.audit import write_audit
from hub.requests.base import Ops, RequestError, parse_args
from hub.sos import ACK_CLEARS
from hub.store.models import AlertRow
from hub.walls import PushRejected, WallPushArgs, check_push, push_work
from hub.writer import Emitter


class ActionOps(Ops):
    #: Names of the wall-role clients on the stream now (by their token's name).
    walls_online: Counter[str]

    async def dispatch(self, who: Principal, raw: dict[str, Any]) -> dict[str, Any]:
        args = parse_args(DispatchArgs, raw)
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
        args = parse_args(CaseStepArgs, raw)
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
            write_audit(session, who, audit_action, result.incident_id, **detail)

        work = self.hub.case_step_work(incident_id, action, who, None, args, also=audit)
        try:
            return await self.hub.writer.submit(work)
        except CaseNotFound:
            raise RequestError("not_found", f"no incident {incident_id}", id_field) from None

    async def alert_ack(self, who: Principal, raw: dict[str, Any]) -> dict[str, Any]:
        args = parse_args(AlertAckArgs, raw)

        def work(session: Session, emitter: Emitter) -> dict[str, Any]:
            alert = session.get(AlertRow, args.alert_id)
            if alert is None:
                raise RequestError("not_found", f"no alert {args.alert_id}", "alert_id")
            alert.acked_by = who.name
            write_audit(session, who, "alert.ack", alert.id)
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
        args = parse_args(WallPushArgs, raw)
        try:
            check_push(args)
            return await self._write(push_work(args, who, write_audit))
        except PushRejected as exc:
            raise RequestError(exc.code, exc.message, exc.field) from None

    async def wall_list(self, who: Principal, raw: dict[str, Any]) -> dict[str, Any]:
        """The walls a push can reach now; a desk offers these names."""
        return {"walls": sorted(name for name, n in self.walls_online.items() if n > 0)}
