"""``case.visit``: a follow-up visit (回访) of a closed case, by a desk (operator and up).

The visit is a lifecycle step (:func:`hub.domain.lifecycle.visit`: only on a closed case,
a ``visited`` timeline row, and a 返工 back to the officers when the citizen is
dissatisfied) plus a ``case_visits`` row, which the service statistics (满意率) read, and
an audit row: all in one transaction.

An ``unreached`` visit (未联系上) is stored like any other and is not a rating; the desk
calls again later and each attempt is its own row, so the table shows how many tries it
took. The case stays closed until a rated visit says otherwise.

A merged child (``case.merge``) keeps its reporter, who gets their own 回访 once the
parent is closed: the child keeps its own status (it is no separate work), so the step is
taken on the parent, whose work it judges. The ``case_visits`` row and the audit row are
the child's (whose reporter was called; 满意率 counts the visit once, by that row), the
``visited`` timeline row the parent's with ``detail.child`` naming the child, and a
dissatisfied child's visit reopens the parent as 返工. A child whose parent is not closed
is ``conflict`` naming ``case_id``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend_client.protocol.ops import CaseVisitAnswer, CaseVisitArgs
from hub.auth import Principal
from hub.cases import CaseNotFound, StepArgs, StepResult
from hub.domain.lifecycle import VISIT_CHANNELS, VISIT_RESULTS, CaseAction
from hub.requests.audit import write_audit
from hub.requests.base import Ops, RequestError
from hub.store.models import CaseVisitRow
from hub.store.models import Incident as IncidentRow
from hub.writer import Emitter

MAX_NOTE = 2000


class VisitOps(Ops):
    async def case_visit(self, who: Principal, args: CaseVisitArgs) -> CaseVisitAnswer:
        # Checked here too (the lifecycle checks again) so that bad input never queues
        # behind the writer.
        if args.channel not in VISIT_CHANNELS:
            raise RequestError(
                "invalid", f"channel is one of {', '.join(VISIT_CHANNELS)}", "channel"
            )
        if args.result not in VISIT_RESULTS:
            raise RequestError("invalid", f"result is one of {', '.join(VISIT_RESULTS)}", "result")
        if len(args.note) > MAX_NOTE:
            raise RequestError("invalid", f"note is longer than {MAX_NOTE} characters", "note")
        stored: list[int] = []

        def also(session: Session, result: StepResult) -> None:
            # The visit is the one whose reporter was called: the child's, when it was one
            # (result.incident_id is then the parent's).
            visited = args.case_id
            row = CaseVisitRow(
                incident_id=visited,
                # The visit's own step is the case's last: its time is the row's.
                ts=result.case.last_step_at,
                channel=args.channel,
                result=args.result,
                note=args.note,
                actor=who.name,
            )
            session.add(row)
            session.flush()
            stored.append(row.id)
            extra = {} if visited == result.incident_id else {"parent": result.incident_id}
            write_audit(
                session,
                who,
                "case.visit",
                visited,
                channel=args.channel,
                result=args.result,
                visit_id=row.id,
                **extra,
            )

        def work(session: Session, emitter: Emitter) -> StepResult:
            case = session.get(IncidentRow, args.case_id)
            if case is None:
                raise CaseNotFound(args.case_id)
            target, child = case.id, ""
            if case.parent_id is not None:
                parent = session.get(IncidentRow, case.parent_id)
                if parent is None:  # pragma: no cover - parent_id always names a stored case
                    raise CaseNotFound(case.parent_id)
                if parent.status != "closed":
                    raise RequestError(
                        "conflict",
                        f"case {case.id} is merged into {parent.id}, which is {parent.status}:"
                        " its reporter is visited once that case is closed",
                        "case_id",
                    )
                target, child = parent.id, case.id
            step = StepArgs(note=args.note, result=args.result, channel=args.channel, child=child)
            unit = self.hub.case_step_work(target, CaseAction.VISIT, who, None, step, also=also)
            return unit(session, emitter)

        try:
            result = await self.hub.writer.submit(work)
        except CaseNotFound:
            raise RequestError("not_found", f"no incident {args.case_id}", "case_id") from None
        # For a child, ``status`` is its parent's: the case the visit may have reopened.
        return CaseVisitAnswer(args.case_id, result.status, result.seq, stored[0])
