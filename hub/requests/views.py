"""The drill-down reads: a case's timeline and neighbours, a merchant's profile and the
merchant register, an officer's track. Every view except the register is audited."""

from __future__ import annotations

import asyncio
from typing import cast

import msgspec
from sqlalchemy.orm import Session, defer

from backend_client.privacy import reporter_for
from backend_client.protocol.ops import (
    CaseFile,
    CaseHistoryAnswer,
    CaseHistoryArgs,
    CaseRelatedAnswer,
    CaseRelatedArgs,
    InspectionRecord,
    MerchantAnswer,
    MerchantArgs,
    MerchantInfo,
    MerchantListAnswer,
    MerchantListArgs,
    MerchantPlace,
    MergedChild,
    ReporterInfo,
    TimelineEvent,
    TrackAnswer,
    TrackArgs,
)
from hub.auth import Principal
from hub.deadlines import class_group
from hub.domain.duplicates import Place, distance
from hub.requests.audit import write_audit_view
from hub.requests.base import (
    MAX_HISTORY_PAGE,
    MAX_PHOTOS,
    MAX_PROFILE_PAGE,
    MAX_TRACK_SECONDS,
    Ops,
    RequestError,
    next_offset,
    page,
)
from hub.requests.queries import (
    CATEGORY_COUNTS,
    CHILD_VISITS,
    CHILDREN,
    EVENT_COUNT,
    EVENT_PAGE,
    INSPECTIONS,
    MERCHANT_CASES,
    MERCHANT_LIST,
    TRACK,
)
from hub.requests.related import related_cases
from hub.snapshot_load import incident_from_row
from hub.store.models import Incident as IncidentRow
from hub.store.models import Merchant
from hub.writer import Emitter


def merged_children(session: Session, case: IncidentRow, role: str) -> list[MergedChild]:
    """The cases merged into ``case``, oldest first: their reporters as ``role`` may see
    them, their distance from ``case`` and their latest 回访. One lookup of
    ix_incidents_parent_id (empty for most cases), and one of the visits when any."""
    db = session.connection()
    rows = db.execute(CHILDREN, {"case": case.id}).all()
    if not rows:
        return []
    latest = {
        str(v.incident_id): (str(v.result), float(v.ts))
        for v in db.execute(CHILD_VISITS, {"case": case.id})
    }
    here = Place(case.lat, case.lon, None, "")
    children: list[MergedChild] = []
    for r in rows:
        reporter = reporter_for(role, r.reporter)
        metres = distance(here, Place(r.lat, r.lon, None, ""))
        visit = latest.get(str(r.id))
        children.append(
            MergedChild(
                id=r.id,
                source=r.source,
                status=r.status,
                reported_at=r.reported_at,
                summary=r.summary or "",
                reporter=None if reporter is None else ReporterInfo(**reporter),
                distance_m=None if metres is None else round(metres, 1),
                visit=None if visit is None else visit[0],
                visited_at=None if visit is None else visit[1],
            )
        )
    return children


class ViewOps(Ops):
    async def case_history(self, who: Principal, args: CaseHistoryArgs) -> CaseHistoryAnswer:
        offset, limit = page(args.offset, args.limit, MAX_HISTORY_PAGE)

        def work(session: Session, _emitter: Emitter) -> CaseHistoryAnswer:
            row = session.get(IncidentRow, args.case_id)
            if row is None:
                raise RequestError("not_found", f"no case {args.case_id}", "case_id")
            db = session.connection()
            total = int(db.execute(EVENT_COUNT, {"case": row.id}).scalar() or 0)
            window = {"case": row.id, "offset": offset, "limit": limit}
            events = db.execute(EVENT_PAGE, window).all()
            write_audit_view(session, who, "view.case", row.id, offset=offset)
            # Citizens' names and phones leave the hub only as the role may see them.
            reporter = reporter_for(who.role, row.reporter)
            children = merged_children(session, row, who.role)
            case = CaseFile(
                **msgspec.structs.asdict(incident_from_row(row)),
                reporter=None if reporter is None else ReporterInfo(**reporter),
                class_group=class_group(row.class_code),
            )
            return CaseHistoryAnswer(
                case=case,
                photos=list(row.photos or [])[:MAX_PHOTOS],
                events=[TimelineEvent(e.kind, e.ts, e.actor, e.detail or {}) for e in events],
                total_events=total,
                next_offset=next_offset(offset, len(events), total),
                children=children,
            )

        return await self._write(work)

    async def case_related(self, who: Principal, args: CaseRelatedArgs) -> CaseRelatedAnswer:
        def work(session: Session, _emitter: Emitter) -> CaseRelatedAnswer:
            row = session.get(IncidentRow, args.case_id, options=[defer(IncidentRow.photos)])
            if row is None:
                raise RequestError("not_found", f"no case {args.case_id}", "case_id")
            write_audit_view(session, who, "view.related", row.id)
            return related_cases(session, row)

        return await self._write(work)

    async def merchant_profile(self, who: Principal, args: MerchantArgs) -> MerchantAnswer:
        offset, limit = page(args.offset, args.limit, MAX_PROFILE_PAGE)

        def work(session: Session, _emitter: Emitter) -> MerchantAnswer:
            merchant = session.get(Merchant, args.merchant_id)
            if merchant is None:
                raise RequestError("not_found", f"no merchant {args.merchant_id}", "merchant_id")
            db = session.connection()
            counts = {
                str(category): int(n)
                for category, n in db.execute(CATEGORY_COUNTS, {"merchant": merchant.id})
            }
            total = sum(counts.values())
            window = {"merchant": merchant.id, "offset": offset, "limit": limit}
            cases = db.execute(MERCHANT_CASES, window).all()
            inspections = db.execute(INSPECTIONS, {"merchant": merchant.id}).all()
            write_audit_view(session, who, "view.merchant", merchant.id, offset=offset)
            return MerchantAnswer(
                merchant=MerchantInfo(
                    id=merchant.id,
                    name=merchant.name,
                    credit_code=merchant.credit_code,
                    address=merchant.address,
                    category=merchant.category,
                    risk=merchant.risk,
                    lat=merchant.lat,
                    lon=merchant.lon,
                ),
                # A Core row has the attributes incident_from_row reads.
                cases=[incident_from_row(cast(IncidentRow, c)) for c in cases],
                total_cases=total,
                next_offset=next_offset(offset, len(cases), total),
                counts_by_category=counts,
                inspections=[
                    InspectionRecord(
                        id=i.id,
                        ts=i.ts,
                        departments=list(i.departments or []),
                        items=list(i.items or []),
                        result=i.result,
                        note=i.note,
                        teams=list(i.teams or []),
                        officers=list(i.officers or []),
                    )
                    for i in inspections
                ],
            )

        return await self._write(work)

    async def merchant_list(self, _who: Principal, _args: MerchantListArgs) -> MerchantListAnswer:
        """Every merchant for the wall map's layer: reference data, so not a view to audit."""

        def read() -> MerchantListAnswer:
            with Session(self.hub.engine) as session:
                rows = session.execute(MERCHANT_LIST).all()
            return MerchantListAnswer(
                [MerchantPlace(r.id, r.name, r.category, r.risk, r.lat, r.lon) for r in rows]
            )

        return await asyncio.get_running_loop().run_in_executor(None, read)

    async def unit_track(self, who: Principal, args: TrackArgs) -> TrackAnswer:
        if args.end < args.start:
            raise RequestError("invalid", "end is before start", "end")
        if args.end - args.start > MAX_TRACK_SECONDS:
            raise RequestError("invalid", f"window longer than {MAX_TRACK_SECONDS} s", "end")

        def work(session: Session, _emitter: Emitter) -> TrackAnswer:
            window = {"unit": args.unit_id, "start": args.start, "end": args.end}
            rows = session.connection().execute(TRACK, window)
            points = [(r.ts, r.lat, r.lon, r.speed, r.heading) for r in rows]
            write_audit_view(
                session, who, "view.track", args.unit_id, start=args.start, end=args.end
            )
            return TrackAnswer(args.unit_id, points)

        return await self._write(work)
