"""Plane geometry for the simulator: local metric frame, point-in-polygon, clipping.

No shapely or scipy in the product's dependencies, and the district outline is a single
ring of ~1,400 vertices, so a few vectorised numpy routines are all that is needed.
Rings are ``(n, 2)`` float arrays of ``(lon, lat)``, open (first vertex not repeated).
Great-circle distances are :func:`backend_client.geo.distance_m`.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from backend_client.geo import points_in_ring

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Local equirectangular frame centred on Wucheng: over ~50 km it is within 0.1 % of the
# true distance, far below the noise of a GPS fix, and keeps every step plain arithmetic.
ORIGIN_LON = 119.55
ORIGIN_LAT = 29.0
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(ORIGIN_LAT))


def to_xy(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return (lon - ORIGIN_LON) * M_PER_DEG_LON, (lat - ORIGIN_LAT) * M_PER_DEG_LAT


def to_lonlat(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    return x / M_PER_DEG_LON + ORIGIN_LON, y / M_PER_DEG_LAT + ORIGIN_LAT


def open_ring(coords: list[list[float]]) -> FloatArray:
    ring = np.asarray(coords, dtype=np.float64)[:, :2]
    if len(ring) > 1 and np.allclose(ring[0], ring[-1]):
        ring = ring[:-1]
    return ring


# Point-in-polygon is the shared one (backend_client/geo.py), under the name the
# simulator's callers use; it works in any units, here the local metric frame.
contains = points_in_ring


def ring_area(ring: FloatArray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return float(0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def clip_convex(subject: FloatArray, window: FloatArray) -> FloatArray:
    """Sutherland-Hodgman: the part of ``subject`` inside the convex, CCW ``window``.

    If the intersection is in several pieces the result joins them with zero-width
    bridges along the window's edge; the zone windows are chosen to avoid that, and
    the tests check every zone for such bridges.
    """
    out = subject
    n = len(window)
    for i in range(n):
        ax, ay = window[i]
        bx, by = window[(i + 1) % n]
        if len(out) == 0:
            break
        px, py = out[:, 0], out[:, 1]
        side = (bx - ax) * (py - ay) - (by - ay) * (px - ax)
        keep = side >= 0
        prev_side = np.roll(side, 1)
        prev_keep = np.roll(keep, 1)
        prev = np.roll(out, 1, axis=0)
        crossing = keep != prev_keep
        t = np.divide(prev_side, prev_side - side, out=np.zeros_like(side), where=crossing)
        cross_pts = prev + (out - prev) * t[:, None]
        # Per vertex: an entering/leaving crossing point first, then the vertex if kept.
        stacked = np.stack([cross_pts, out], axis=1)
        mask = np.stack([crossing, keep], axis=1)
        out = stacked[mask]
    return out


def segments_cross_ring(
    ax: FloatArray, ay: FloatArray, bx: FloatArray, by: FloatArray, ring: FloatArray
) -> BoolArray:
    """Whether each segment a-b properly crosses or touches any edge of ``ring``."""
    hit = np.zeros(np.shape(ax), dtype=np.bool_)
    xs, ys = ring[:, 0], ring[:, 1]
    xe, ye = np.roll(xs, -1), np.roll(ys, -1)
    for cx, cy, dx, dy in zip(xs.tolist(), ys.tolist(), xe.tolist(), ye.tolist(), strict=True):
        d1 = (dx - cx) * (ay - cy) - (dy - cy) * (ax - cx)
        d2 = (dx - cx) * (by - cy) - (dy - cy) * (bx - cx)
        d3 = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
        d4 = (bx - ax) * (dy - ay) - (by - ay) * (dx - ax)
        hit |= (d1 * d2 <= 0) & (d3 * d4 <= 0)
    return hit


class RingIndex:
    """:func:`points_in_ring` for one fixed ring, its edges binned by band of ``y``: a
    point is tested against the edges whose ``y`` range meets its band only (a few
    dozen, not the ~1,400 of the district outline). The crossing test is
    points_in_ring's, edge for edge, so the answers are the same; the simulator asks
    about one point at a time (where a report is, where history's 90 days of reports
    are), and there the full test cost a quarter of the back-fill."""

    def __init__(self, ring: FloatArray, bands: int = 256) -> None:
        self._ring = ring
        x1, y1 = ring[:, 0], ring[:, 1]
        y2 = np.roll(y1, 1)
        dy = y2 - y1
        flat = dy == 0
        self._x1, self._y1, self._y2 = x1, y1, y2
        self._slope = np.divide(np.roll(x1, 1) - x1, dy, out=np.zeros_like(dy), where=~flat)
        self._y0 = float(y1.min())
        self._h = max(float(y1.max()) - self._y0, 1e-12) / bands
        self._bands = bands
        lo = np.floor((np.minimum(y1, y2) - self._y0) / self._h).astype(np.int64)
        hi = np.floor((np.maximum(y1, y2) - self._y0) / self._h).astype(np.int64)
        self._edges = [np.flatnonzero((lo <= b) & (hi >= b)) for b in range(bands)]

    def __call__(self, x: npt.ArrayLike, y: npt.ArrayLike) -> BoolArray:
        px = np.asarray(x, dtype=np.float64)
        py = np.asarray(y, dtype=np.float64)
        if px.size > 64:
            return points_in_ring(self._ring, px, py)
        out = np.zeros(px.shape, dtype=np.bool_)
        flat_out = out.reshape(-1)
        for k, (cx, cy) in enumerate(zip(px.ravel().tolist(), py.ravel().tolist(), strict=True)):
            band = math.floor((cy - self._y0) / self._h)
            # Beyond every edge's y range: no edge is crossed, the point is outside.
            if not 0 <= band < self._bands:
                continue
            e = self._edges[band]
            y1, y2 = self._y1[e], self._y2[e]
            crosses = (y1 > cy) != (y2 > cy)
            x_at = self._x1[e] + (cy - y1) * self._slope[e]
            flat_out[k] = bool(int(np.count_nonzero(crosses & (cx < x_at))) & 1)
        return out
