"""``case.records``: a case's electronic records (电子笔录), every version, the person
masked for roles that may not see citizens' data. Audited as a view."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend_client.protocol.ops import CaseRecordsAnswer, CaseRecordsArgs
from hub.auth import Principal
from hub.records import records_of
from hub.requests.audit import write_audit_view
from hub.requests.base import Ops, RequestError
from hub.store.models import Incident as IncidentRow
from hub.writer import Emitter


class RecordOps(Ops):
    async def case_records(self, who: Principal, args: CaseRecordsArgs) -> CaseRecordsAnswer:
        def work(session: Session, _emitter: Emitter) -> CaseRecordsAnswer:
            if session.get(IncidentRow, args.case_id) is None:
                raise RequestError("not_found", f"no case {args.case_id}", "case_id")
            write_audit_view(session, who, "view.records", args.case_id)
            return records_of(session, args.case_id, who.role)

        return await self._write(work)
