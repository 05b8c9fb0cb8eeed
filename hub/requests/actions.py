"""Ops that change something: dispatch, a lifecycle step, an alert's acknowledgement, a
push to a wall. Each is audited in the same transaction as the change."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from backend_client.protocol.messages import AlertClear
from backend_client.protocol.ops import (
    AlertAckAnswer,
    AlertAckArgs,
    CaseStepAnswer,
    CaseStepArgs,
    DispatchAnswer,
    DispatchArgs,
    WallListAnswer,
    WallListArgs,
    WallPushAnswer,
    WallPushArgs,
)
from hub.auth import Principal
from hub.cases import CaseNotFound, StepArgs, StepResult, parse_action
from hub.domain.lifecycle import CaseAction
from hub.requests.audit import write_audit
from hub.requests.base import Ops, RequestError
from hub.sos import ACK_CLEARS
from hub.store.models import AlertRow
from hub.walls import PushRejected, check_push, push_work
from hub.writer import Emitter


class ActionOps(Ops):
    #: Names of the wall-role clients on the stream now (by their token's name).
    walls_online: Counter[str]

    async def dispatch(self, who: Principal, args: DispatchArgs) -> DispatchAnswer:
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
        return DispatchAnswer(result.incident_id, result.status, result.seq)

    async def case_step(self, who: Principal, args: CaseStepArgs) -> CaseStepAnswer:
        """One lifecycle step from a desk: ``{case_id, action, units?, outcome?, note?,
        deadline?}``; the lifecycle checks the role and the status again."""
        try:
            action = parse_action(args.action)
        except KeyError:
            raise RequestError("invalid", f"no action {args.action!r}", "action") from None
        unknown = [u for u in args.units if u not in self.hub.state.units]
        if unknown:
            raise RequestError("not_found", f"no unit {unknown[0]}", "units")
        step = StepArgs(
            units=tuple(args.units),
            outcome=args.outcome,
            note=args.note,
            deadline=args.deadline,
            result=args.result,
            limit=args.limit,
        )
        result = await self._step(who, args.case_id, action, step, f"case.{action}", "case_id")
        return CaseStepAnswer(result.incident_id, result.status, result.seq, list(result.missed))

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

    async def alert_ack(self, who: Principal, args: AlertAckArgs) -> AlertAckAnswer:
        def work(session: Session, emitter: Emitter) -> AlertAckAnswer:
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
            return AlertAckAnswer(alert.id)

        return await self._write(work)

    async def wall_push(self, who: Principal, args: WallPushArgs) -> WallPushAnswer:
        """Pin a drill-down or a map view to a wall's situation slot (see hub/walls.py)."""
        try:
            check_push(args)
            pushed = await self._write(push_work(args, who, write_audit))
        except PushRejected as exc:
            raise RequestError(exc.code, exc.message, exc.field) from None
        return pushed

    async def wall_list(self, _who: Principal, _args: WallListArgs) -> WallListAnswer:
        """The walls a push can reach now; a desk offers these names."""
        return WallListAnswer(sorted(name for name, n in self.walls_online.items() if n > 0))
