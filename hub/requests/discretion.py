"""``discretion.suggest`` (advice: the benchmark, a tier and why) and ``case.decide``
(the officer's decision, a timeline step), see :mod:`hub.discretion`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend_client.protocol.ops import (
    CaseDecideAnswer,
    CaseDecideArgs,
    DiscretionAnswer,
    DiscretionArgs,
)
from hub.auth import Principal
from hub.discretion import DecisionRefused, advise, check_decision, decide_work, shipped_benchmarks
from hub.requests.audit import write_audit, write_audit_view
from hub.requests.base import Ops, RequestError
from hub.store.models import Incident as IncidentRow
from hub.writer import Emitter


class DiscretionOps(Ops):
    async def discretion_suggest(self, who: Principal, args: DiscretionArgs) -> DiscretionAnswer:
        benchmarks = shipped_benchmarks()

        def work(session: Session, _emitter: Emitter) -> DiscretionAnswer:
            row = session.get(IncidentRow, args.case_id)
            if row is None:
                raise RequestError("not_found", f"no case {args.case_id}", "case_id")
            write_audit_view(session, who, "view.discretion", row.id)
            return advise(session, row, benchmarks)

        return await self._write(work)

    async def case_decide(self, who: Principal, args: CaseDecideArgs) -> CaseDecideAnswer:
        try:
            check_decision(args)
        except DecisionRefused as exc:
            raise RequestError("invalid", str(exc), exc.field) from None
        benchmarks = shipped_benchmarks()

        def work(session: Session, emitter: Emitter) -> CaseDecideAnswer:
            try:
                answer = decide_work(session, emitter, args, who.name, benchmarks)
            except LookupError:
                raise RequestError("not_found", f"no case {args.case_id}", "case_id") from None
            except DecisionRefused as exc:
                raise RequestError("invalid", str(exc), exc.field) from None
            write_audit(
                session,
                who,
                "case.decide",
                args.case_id,
                tier=args.tier,
                amount=args.amount,
                suggested_tier=answer.suggested_tier,
            )
            return answer

        return await self._write(work)
