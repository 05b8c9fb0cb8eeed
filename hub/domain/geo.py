"""WGS-84 geometry at district scale: distances in metres, patrol zones as polygons.

Zones are rings of ``(lon, lat)`` pairs, as the store keeps them (GeoJSON order). At the
scale of one district (tens of kilometres, far from the poles and the antimeridian) a
local flat projection is accurate to well under a metre, which is all the alerts need.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

EARTH_RADIUS_M = 6_371_008.8

LonLat = tuple[float, float]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance between two WGS-84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def inside(lat: float, lon: float, ring: Sequence[LonLat]) -> bool:
    """Whether the point lies inside the polygon (even-odd rule; closing the ring is
    optional). Points exactly on an edge may fall either way: callers add a margin."""
    hit = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        if (y1 > lat) != (y2 > lat):
            x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x_cross:
                hit = not hit
    return hit


def distance_to_edge_m(lat: float, lon: float, ring: Sequence[LonLat]) -> float:
    """Distance from the point to the polygon's boundary (inside or out)."""
    # Project around the point itself: metres east (x) and north (y) of it.
    k_y = math.pi * EARTH_RADIUS_M / 180.0
    k_x = k_y * math.cos(math.radians(lat))
    pts = [((x - lon) * k_x, (y - lat) * k_y) for x, y in ring]
    best = math.inf
    for i in range(len(pts)):
        (ax, ay), (bx, by) = pts[i], pts[(i + 1) % len(pts)]
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
        best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best
