"""``case.duplicates`` (the earlier cases that may be the same matter) and ``case.merge``
(a dispatcher makes a duplicate the child of a case), see :mod:`hub.domain.duplicates`.

What a merge means, and what it does not:

- One level only. A child's parent is never a child: merging into a merged child merges
  into that child's parent instead (the answer says so: ``into`` is the parent used,
  ``asked`` the case named), and a case merged away takes its own children with it.
  Merging a case into itself or into its own child, merging a case that is already
  merged, and naming an unknown case are refused, naming the field.
- The child keeps its row, reporters and timeline; it leaves the queue and the open
  count as separate work, and its 1-3-15 clock records no more misses (hub/cases.py).
  Steps already under way on it may still be recorded. Nothing un-merges.
- A later report of the same matter is a new case as always; its candidates offer the
  parent of any merged child it matches (``via`` names the child), never the child.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session, defer

from backend_client.geo import EARTH_RADIUS_M
from backend_client.protocol.messages import IncidentUpdate, Ticker
from backend_client.protocol.ops import (
    CaseDuplicatesAnswer,
    CaseDuplicatesArgs,
    CaseMergeAnswer,
    CaseMergeArgs,
    CaseSummary,
    DuplicateCandidate,
    DuplicateReason,
    DuplicateRulesInfo,
)
from hub.auth import Principal
from hub.domain.duplicates import (
    MERGED_CHILD_KIND,
    MERGED_KIND,
    NEVER_CANDIDATE,
    DuplicateRules,
    Place,
    distance,
    in_window,
)
from hub.domain.duplicates import reasons as match_reasons
from hub.domain.wording import word
from hub.requests.audit import write_audit, write_audit_view
from hub.requests.base import Ops, RequestError
from hub.snapshot_load import incident_from_row
from hub.store.models import CaseEvent as CaseEventRow
from hub.store.models import Incident as IncidentRow
from hub.writer import Emitter

#: The most candidates answered (a dispatcher compares a handful, not hundreds).
MAX_CANDIDATES = 50
#: The first characters of a report shown as its summary.
SUMMARY_CHARS = 60


def _place(row: IncidentRow) -> Place:
    return Place(row.lat, row.lon, row.merchant_id, row.address or "")


def _rounded(metres: float | None) -> float | None:
    return None if metres is None else round(metres, 1)


def _rules_info(rules: DuplicateRules) -> DuplicateRulesInfo:
    return DuplicateRulesInfo(
        rules.radius_m, rules.window_hours, rules.same_merchant, rules.same_address
    )


def _near(case: IncidentRow, rules: DuplicateRules) -> list[ColumnElement[bool]]:
    """SQL conditions a candidate meets one of (the exact rules then decide in Python)."""
    found: list[ColumnElement[bool]] = []
    if case.lat is not None and case.lon is not None:
        # A box a little larger than the circle, read from ix_incidents_lat_lon.
        dlat = math.degrees(rules.radius_m / EARTH_RADIUS_M) * 1.01
        dlon = dlat / max(math.cos(math.radians(case.lat)), 0.01)
        found.append(
            and_(
                IncidentRow.lat.between(case.lat - dlat, case.lat + dlat),
                IncidentRow.lon.between(case.lon - dlon, case.lon + dlon),
            )
        )
    if rules.same_merchant and case.merchant_id:
        found.append(IncidentRow.merchant_id == case.merchant_id)
    if rules.same_address and case.address and case.address.strip():
        found.append(IncidentRow.address == case.address)  # ix_incidents_address
    return found


def _closed_at(session: Session, ids: Iterable[str]) -> dict[str, float]:
    """When each of these cases was closed (its last ``closed`` step)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(CaseEventRow.incident_id, func.max(CaseEventRow.ts))
        .where(CaseEventRow.kind == "closed", CaseEventRow.incident_id.in_(wanted))
        .group_by(CaseEventRow.incident_id)
    )
    return {str(incident_id): float(ts) for incident_id, ts in rows}


def find_candidates(
    session: Session, case: IncidentRow, rules: DuplicateRules
) -> list[DuplicateCandidate]:
    """The earlier cases that may be ``case``'s matter, each offered as the case to merge
    into (a merged child as its parent); most reasons first, then nearest, then newest."""
    if case.parent_id is not None:
        return []  # merged already: its parent is the case that counts
    near = _near(case, rules)
    if not near:
        return []
    # One query per condition, each read from its own index (the place's box, the
    # merchant, the address), the category and time then checked here: with them in the
    # SQL, SQLite read every earlier case of the category instead (75 ms at 300,000).
    query = select(IncidentRow).options(defer(IncidentRow.photos), defer(IncidentRow.reporter))
    read: dict[str, IncidentRow] = {}
    for condition in near:
        for row in session.scalars(query.where(condition)):
            if (
                row.id != case.id
                and row.category == case.category
                and row.reported_at <= case.reported_at
                and row.status not in NEVER_CANDIDATE
            ):
                read[row.id] = row
    rows = sorted(read.values(), key=lambda r: r.id)
    here = _place(case)
    closed = _closed_at(session, (r.id for r in rows if r.status == "closed"))
    matches: list[tuple[IncidentRow, str | None, list[str]]] = []
    for row in rows:
        why = match_reasons(rules, here, _place(row))
        if not why or not in_window(rules, row.status, closed.get(row.id), case.reported_at):
            continue
        target, via = row, None
        if row.parent_id is not None:
            if row.parent_id == case.id:
                continue  # already merged into this very case
            parent = session.get(IncidentRow, row.parent_id)
            if parent is None or parent.status in NEVER_CANDIDATE:
                continue
            target, via = parent, row.id
        matches.append((target, via, why))
    # A parent offered through its child may not be among the rows read: its closing too.
    closed |= _closed_at(
        session,
        (t.id for t, _via, _why in matches if t.status == "closed" and t.id not in closed),
    )
    found: dict[str, DuplicateCandidate] = {}
    for target, via, why in matches:
        _offer(found, case, target, via, why, closed.get(target.id))
    ranked = sorted(
        found.values(),
        key=lambda c: (
            -len(c.why),
            c.distance_m is None,
            c.distance_m or 0.0,
            -c.reported_at,
            c.id,
        ),
    )
    return ranked[:MAX_CANDIDATES]


def _offer(
    found: dict[str, DuplicateCandidate],
    case: IncidentRow,
    target: IncidentRow,
    via: str | None,
    why: list[str],
    closed_at: float | None,
) -> None:
    """Add ``target`` as a candidate, or widen the one already found (a parent may match
    by itself and through its children: its own match wins, the reasons add up)."""
    order: tuple[DuplicateReason, ...] = ("distance", "merchant", "address")
    before = found.get(target.id)
    reasons = set(why) | (set(before.why) if before else set())
    if before is not None:
        via = None if before.via is None or via is None else before.via
    found[target.id] = DuplicateCandidate(
        id=target.id,
        category=target.category,
        status=target.status,
        reported_at=target.reported_at,
        address=target.address,
        summary=(target.text or "")[:SUMMARY_CHARS],
        distance_m=_rounded(distance(_place(case), _place(target))),
        why=[r for r in order if r in reasons],
        closed_at=closed_at if target.status == "closed" else None,
        via=via,
        merged=target.merged or 0,
    )


def children_of(session: Session, case: IncidentRow) -> list[CaseSummary]:
    """The cases merged into ``case``, oldest first, with their distance from it."""
    rows = session.scalars(
        select(IncidentRow)
        .options(defer(IncidentRow.photos), defer(IncidentRow.reporter))
        .where(IncidentRow.parent_id == case.id)
        .order_by(IncidentRow.reported_at, IncidentRow.id)
    ).all()
    return [
        CaseSummary(
            id=r.id,
            source=r.source,
            category=r.category,
            status=r.status,
            reported_at=r.reported_at,
            address=r.address,
            lat=r.lat,
            lon=r.lon,
            distance_m=_rounded(distance(_place(case), _place(r))),
        )
        for r in rows
    ]


def merge_work(
    session: Session, emitter: Emitter, who: Principal, args: CaseMergeArgs, now: float
) -> CaseMergeAnswer:
    """Make ``args.case_id`` a child of ``args.into`` (or of its parent), in the caller's
    transaction: both rows, a timeline row on each, the stream's updates and a ticker line."""
    child = session.get(IncidentRow, args.case_id)
    if child is None:
        raise RequestError("not_found", f"no case {args.case_id}", "case_id")
    target = session.get(IncidentRow, args.into)
    if target is None:
        raise RequestError("not_found", f"no case {args.into}", "into")
    if target.id == child.id:
        raise RequestError("invalid", "a case cannot be merged into itself", "into")
    if child.parent_id is not None:
        raise RequestError(
            "conflict", f"case {child.id} is already merged into {child.parent_id}", "case_id"
        )
    if target.parent_id == child.id:
        raise RequestError(
            "conflict", f"case {target.id} is merged into {child.id}: it is its child", "into"
        )
    parent = target
    if target.parent_id is not None:
        # One level only: into a merged child means into its parent.
        found = session.get(IncidentRow, target.parent_id)
        if found is None:  # pragma: no cover - parent_id always names a stored case
            raise RequestError("not_found", f"no case {target.parent_id}", "into")
        parent = found
    if parent.status in NEVER_CANDIDATE:
        raise RequestError("conflict", f"case {parent.id} is void ({parent.status})", "into")
    moved = session.scalars(
        select(IncidentRow).where(IncidentRow.parent_id == child.id).order_by(IncidentRow.id)
    ).all()
    moved_ids = [m.id for m in moved]
    for row in (child, *moved):
        row.parent_id = parent.id
        detail: dict[str, object] = {"into": parent.id}
        if row is child:
            detail["asked"] = args.into
        else:
            detail["with"] = child.id
        session.add(
            CaseEventRow(
                incident_id=row.id, kind=MERGED_KIND, ts=now, actor=who.name, detail=detail
            )
        )
    child.merged = 0
    parent.merged = (parent.merged or 0) + 1 + len(moved)
    count = 1 + parent.merged
    session.add(
        CaseEventRow(
            incident_id=parent.id,
            kind=MERGED_CHILD_KIND,
            ts=now,
            actor=who.name,
            detail={"case_id": child.id, "moved": moved_ids, "count": count},
        )
    )
    for row in (child, *moved):
        _emit_update(emitter, row)
    update = _emit_update(emitter, parent)
    line = word(
        "ticker.merged",
        case_id=child.id,
        parent_id=parent.id,
        category=parent.category,
        place=parent.address or parent.category,
        count=count,
    )
    emitter.emit(lambda seq, ts: Ticker(seq=seq, ts=ts, incident_id=parent.id, **line))
    write_audit(
        session, who, "case.merge", child.id, into=parent.id, asked=args.into, moved=moved_ids
    )
    return CaseMergeAnswer(
        case_id=child.id, into=parent.id, asked=args.into, count=count, moved=moved_ids, seq=update
    )


def _emit_update(emitter: Emitter, row: IncidentRow) -> int:
    incident = incident_from_row(row)
    event = emitter.emit(
        lambda seq, ts: IncidentUpdate(seq=seq, ts=ts, incident=incident, change=MERGED_KIND)
    )
    return event.seq


class DuplicateOps(Ops):
    async def case_duplicates(
        self, who: Principal, args: CaseDuplicatesArgs
    ) -> CaseDuplicatesAnswer:
        rules = self.hub.config.duplicates

        def work(session: Session, _emitter: Emitter) -> CaseDuplicatesAnswer:
            row = session.get(IncidentRow, args.case_id, options=[defer(IncidentRow.photos)])
            if row is None:
                raise RequestError("not_found", f"no case {args.case_id}", "case_id")
            write_audit_view(session, who, "view.duplicates", row.id)
            return CaseDuplicatesAnswer(
                case_id=row.id,
                parent_id=row.parent_id,
                rules=_rules_info(rules),
                candidates=find_candidates(session, row, rules),
                children=children_of(session, row),
            )

        return await self._write(work)

    async def case_merge(self, who: Principal, args: CaseMergeArgs) -> CaseMergeAnswer:
        def work(session: Session, emitter: Emitter) -> CaseMergeAnswer:
            return merge_work(session, emitter, who, args, time.time())

        return await self._write(work)
