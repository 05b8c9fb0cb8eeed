"""The drill-down reads' SQL: Core statements built once, bound per request.

The ORM's per-row bookkeeping and the statement building cost more than the index
lookups at these sizes (bench/drilldown.py), so every read is a prepared Core select.
"""

from __future__ import annotations

from sqlalchemy import bindparam, func, select

from hub.store.models import CaseEvent, CaseVisitRow, Inspection, Merchant, Position
from hub.store.models import Incident as IncidentRow

MAX_INSPECTIONS = 100
#: The first characters of a merged child's report in its parent's list (case.history).
CHILD_SUMMARY_CHARS = 60
MAX_RELATED = 50
RANK_MARGIN = 10

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


SAME_MERCHANT = (
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
NEARBY = select(*_SUMMARY).where(
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
SAME_CATEGORY_NEAREST = select(*_SUMMARY).where(
    IncidentRow.id.in_(
        select(IncidentRow.id)
        .where(*_IN_CATEGORY_WINDOW)
        .order_by((IncidentRow.lat.is_(None)) | (IncidentRow.lon.is_(None)), _FLAT, IncidentRow.id)
        .limit(MAX_RELATED + RANK_MARGIN)
    )
)
SAME_CATEGORY_NEWEST = (
    select(*_SUMMARY)
    .where(*_IN_CATEGORY_WINDOW)
    .order_by(IncidentRow.reported_at.desc(), IncidentRow.id.desc())
    .limit(MAX_RELATED)
)


EVENT_COUNT = select(func.count()).where(CaseEvent.incident_id == bindparam("case"))
EVENT_PAGE = (
    select(CaseEvent.kind, CaseEvent.ts, CaseEvent.actor, CaseEvent.detail)
    .where(CaseEvent.incident_id == bindparam("case"))
    .order_by(CaseEvent.ts, CaseEvent.id)
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)
CATEGORY_COUNTS = (
    select(IncidentRow.category, func.count())
    .where(IncidentRow.merchant_id == bindparam("merchant"))
    .group_by(IncidentRow.category)
)
# What incident_from_row reads: photos and reporters stay unread in a profile's list.
MERCHANT_CASES = (
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
        # What incident_from_row reads of the class and the working-time clock (0011).
        IncidentRow.class_code,
        IncidentRow.deadline,
        IncidentRow.deadline_limit,
        IncidentRow.overdue_at,
        # ... and of a merge (0013).
        IncidentRow.parent_id,
        IncidentRow.merged,
    )
    .where(IncidentRow.merchant_id == bindparam("merchant"))
    .order_by(IncidentRow.reported_at.desc(), IncidentRow.id.desc())
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)
INSPECTIONS = (
    select(Inspection)
    .where(Inspection.merchant_id == bindparam("merchant"))
    .order_by(Inspection.ts.desc(), Inspection.id.desc())
    .limit(MAX_INSPECTIONS)
)
TRACK = (
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
MERCHANT_LIST = select(
    Merchant.id,
    Merchant.name,
    Merchant.category,
    Merchant.risk,
    Merchant.lat,
    Merchant.lon,
).order_by(Merchant.id)

# case.history's ``children``: the cases merged into one (case.merge), read by
# ix_incidents_parent_id; only the start of each report (the list shows a line of it).
CHILDREN = (
    select(
        IncidentRow.id,
        IncidentRow.source,
        IncidentRow.status,
        IncidentRow.reported_at,
        func.substr(IncidentRow.text, 1, CHILD_SUMMARY_CHARS).label("summary"),
        IncidentRow.reporter,
        IncidentRow.lat,
        IncidentRow.lon,
    )
    .where(IncidentRow.parent_id == bindparam("case"))
    .order_by(IncidentRow.reported_at, IncidentRow.id)
)
# ... and their 回访 (a child's reporter is visited on the child: hub/requests/visits.py),
# oldest first so the last one read per child is its latest (ix_case_visits_incident_ts).
CHILD_VISITS = (
    select(CaseVisitRow.incident_id, CaseVisitRow.result, CaseVisitRow.ts)
    .join(IncidentRow, IncidentRow.id == CaseVisitRow.incident_id)
    .where(IncidentRow.parent_id == bindparam("case"))
    .order_by(CaseVisitRow.incident_id, CaseVisitRow.ts, CaseVisitRow.id)
)
