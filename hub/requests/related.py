"""``case.related``: the three neighbourhoods of a case (same merchant, nearby, same
category), nearest first, each case with its distance (protocol.md, case.related)."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.orm import Session

from backend_client.geo import EARTH_RADIUS_M, distance_m
from backend_client.protocol.ops import CaseRelatedAnswer, CaseSummary
from hub.requests.queries import (
    MAX_RELATED,
    NEARBY,
    SAME_CATEGORY_NEAREST,
    SAME_CATEGORY_NEWEST,
    SAME_MERCHANT,
)
from hub.store.models import Incident as IncidentRow

NEARBY_METRES = 100.0
SAME_CATEGORY_SECONDS = 30 * 86400.0


def _distance(origin: IncidentRow, lat: float | None, lon: float | None) -> float | None:
    if origin.lat is None or origin.lon is None or lat is None or lon is None:
        return None
    return distance_m(origin.lat, origin.lon, lat, lon)


def _summary(row: Any, distance: float | None) -> CaseSummary:
    return CaseSummary(
        id=row.id,
        source=row.source,
        category=row.category,
        status=row.status,
        reported_at=row.reported_at,
        address=row.address,
        lat=row.lat,
        lon=row.lon,
        distance_m=None if distance is None else round(distance, 1),
    )


def _nearest(case: IncidentRow, rows: Any, within: float | None = None) -> list[CaseSummary]:
    """Nearest first (newest first among equals), unlocated cases last; at most 50."""
    ranked = [(_distance(case, r.lat, r.lon), r) for r in rows]
    if within is not None:
        ranked = [(d, r) for d, r in ranked if d is not None and d <= within]
    ranked.sort(key=lambda dr: (dr[0] is None, dr[0] or 0.0, -dr[1].reported_at, dr[1].id))
    return [_summary(r, d) for d, r in ranked[:MAX_RELATED]]


def related_cases(session: Session, case: IncidentRow) -> CaseRelatedAnswer:
    """The three neighbourhoods of ``case`` the drill-down shows (protocol.md, case.related)."""
    db = session.connection()
    same_merchant: list[CaseSummary] = []
    if case.merchant_id is not None:
        rows = db.execute(SAME_MERCHANT, {"merchant": case.merchant_id, "case": case.id})
        same_merchant = [_summary(r, _distance(case, r.lat, r.lon)) for r in rows]

    nearby: list[CaseSummary] = []
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
        nearby = _nearest(case, db.execute(NEARBY, box | here), within=NEARBY_METRES)
        same_category = _nearest(case, db.execute(SAME_CATEGORY_NEAREST, window | here))
    else:
        rows = db.execute(SAME_CATEGORY_NEWEST, window)
        same_category = [_summary(r, None) for r in rows]
    return CaseRelatedAnswer(case.id, same_merchant, nearby, same_category)
