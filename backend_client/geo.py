"""WGS-84 geometry shared by the hub and the clients: datums, distances, polygons.

Distances and point-in-polygon live here once (the hub's requests, AI patrol and
simulator, and the desk's recommendations all use them); see the end of this module.

WGS-84 <-> GCJ-02 datum conversion, for scalars and NumPy arrays.

GCJ-02 is the obfuscated datum that Chinese base maps (Amap, Tencent) are drawn in. Every
device protocol we ingest delivers WGS-84, so the hub stores WGS-84 and the map shifts
positions to its base layer's datum just before display.

The forward transform is the published GB algorithm (Krasovsky ellipsoid constants). Its
inverse has no closed form; :func:`gcj02_to_wgs84` iterates the forward transform to a
fixed point, which converges to well under a millimetre in a few steps because the offset
field varies slowly (its derivative is ~1e-5).

Points outside the rough China bounding box used by every GCJ-02 implementation pass
through unchanged: that box is what the map providers apply, so using a finer border
(Mongolia, Korea, Japan) would mis-align with the tiles rather than help.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final, Literal, overload

import numpy as np
import numpy.typing as npt

Datum = Literal["wgs84", "gcj02"]
DATUMS: Final[tuple[Datum, ...]] = ("wgs84", "gcj02")

FloatArray = npt.NDArray[np.float64]

_A: Final = 6378245.0  # Krasovsky 1940 semi-major axis, as the GCJ-02 algorithm uses
_EE: Final = 0.00669342162296594323  # Krasovsky first eccentricity squared

_LON_MIN: Final = 72.004
_LON_MAX: Final = 137.8347
_LAT_MIN: Final = 0.8293
_LAT_MAX: Final = 55.8271

# One millimetre is ~1e-8 degrees; stopping at 1e-10 costs one more step and leaves the
# inverse limited by float64 round-off, not by the iteration.
_INVERSE_TOLERANCE_DEG: Final = 1e-10
_INVERSE_MAX_STEPS: Final = 12


def in_china(lat: float, lon: float) -> bool:
    """Whether GCJ-02 applies at this point (the bounding box all providers use)."""
    return _LAT_MIN <= lat <= _LAT_MAX and _LON_MIN <= lon <= _LON_MAX


def _offset(lat: FloatArray, lon: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 minus WGS-84, in degrees, evaluated at ``(lat, lon)`` (no China check)."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    x_pi = x * math.pi
    y_pi = y * math.pi
    common = 20.0 * np.sin(6.0 * x_pi) + 20.0 * np.sin(2.0 * x_pi)
    d_lat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * sqrt_abs_x
        + (
            common
            + 20.0 * np.sin(y_pi)
            + 40.0 * np.sin(y_pi / 3.0)
            + 160.0 * np.sin(y_pi / 12.0)
            + 320.0 * np.sin(y_pi / 30.0)
        )
        * (2.0 / 3.0)
    )
    d_lon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * sqrt_abs_x
        + (
            common
            + 20.0 * np.sin(x_pi)
            + 40.0 * np.sin(x_pi / 3.0)
            + 150.0 * np.sin(x_pi / 12.0)
            + 300.0 * np.sin(x_pi / 30.0)
        )
        * (2.0 / 3.0)
    )
    rad_lat = np.radians(lat)
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * math.pi)
    return d_lat, d_lon


def _mask_in_china(lat: FloatArray, lon: FloatArray) -> npt.NDArray[np.bool_]:
    return (lat >= _LAT_MIN) & (lat <= _LAT_MAX) & (lon >= _LON_MIN) & (lon <= _LON_MAX)


def wgs84_to_gcj02_array(lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Vectorised WGS-84 -> GCJ-02. Returns new float64 arrays; NaN stays NaN."""
    lat_a = np.asarray(lat, dtype=np.float64)
    lon_a = np.asarray(lon, dtype=np.float64)
    inside = _mask_in_china(lat_a, lon_a)
    d_lat, d_lon = _offset(lat_a, lon_a)
    return (
        np.where(inside, lat_a + d_lat, lat_a),
        np.where(inside, lon_a + d_lon, lon_a),
    )


def gcj02_to_wgs84_array(lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Vectorised exact GCJ-02 -> WGS-84 (fixed-point iteration, sub-millimetre)."""
    g_lat = np.asarray(lat, dtype=np.float64)
    g_lon = np.asarray(lon, dtype=np.float64)
    inside = _mask_in_china(g_lat, g_lon)
    # Starting from the GCJ point itself, each step removes the forward error measured at
    # the current guess; the map is a contraction, so this is Newton's method with the
    # Jacobian approximated by the identity.
    w_lat = g_lat.copy()
    w_lon = g_lon.copy()
    for _ in range(_INVERSE_MAX_STEPS):
        d_lat, d_lon = _offset(w_lat, w_lon)
        e_lat = w_lat + d_lat - g_lat
        e_lon = w_lon + d_lon - g_lon
        w_lat -= e_lat
        w_lon -= e_lon
        err = np.maximum(np.abs(e_lat), np.abs(e_lon))
        # NaN positions (unknown fixes) must not keep the loop running forever.
        if not np.any(err[np.isfinite(err)] > _INVERSE_TOLERANCE_DEG):
            break
    return np.where(inside, w_lat, g_lat), np.where(inside, w_lon, g_lon)


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """WGS-84 -> GCJ-02 for one point; ``(lat, lon)`` in, ``(lat, lon)`` out."""
    if not in_china(lat, lon):
        return lat, lon
    d_lat, d_lon = _offset(np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64))
    return lat + float(d_lat), lon + float(d_lon)


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Exact GCJ-02 -> WGS-84 for one point (sub-millimetre round trip)."""
    if not in_china(lat, lon):
        return lat, lon
    w_lat, w_lon = gcj02_to_wgs84_array(lat, lon)
    return float(w_lat), float(w_lon)


@overload
def convert(lat: float, lon: float, src: Datum, dst: Datum) -> tuple[float, float]: ...
@overload
def convert(
    lat: FloatArray, lon: FloatArray, src: Datum, dst: Datum
) -> tuple[FloatArray, FloatArray]: ...
def convert(
    lat: float | FloatArray, lon: float | FloatArray, src: Datum, dst: Datum
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert between datums; scalars give floats, arrays give float64 arrays."""
    for datum in (src, dst):
        if datum not in DATUMS:
            raise ValueError(f"unknown datum {datum!r}; expected one of {DATUMS}")
    scalar = isinstance(lat, float | int) and isinstance(lon, float | int)
    if src == dst:
        if scalar:
            return float(lat), float(lon)
        return np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
    if scalar:
        fn_s = wgs84_to_gcj02 if src == "wgs84" else gcj02_to_wgs84
        return fn_s(float(lat), float(lon))
    fn_a = wgs84_to_gcj02_array if src == "wgs84" else gcj02_to_wgs84_array
    return fn_a(lat, lon)


def check_datum(value: str) -> Datum:
    """Validate a datum name from config or the wire, naming the bad value."""
    if value == "wgs84":
        return "wgs84"
    if value == "gcj02":
        return "gcj02"
    raise ValueError(f"unknown datum {value!r}; expected one of {DATUMS}")


# ---- distances and polygons ----------------------------------------------------------

#: The IUGG mean Earth radius, (2a + b) / 3 of the WGS-84 ellipsoid. A sphere of this
#: radius gives the smallest error over all directions (< 0.5 % anywhere, far less over a
#: district) and is what the haversine formula is usually quoted with; the 6,371,000 m
#: some copies used is the same figure rounded.
EARTH_RADIUS_M: Final = 6_371_008.8

#: A point as GeoJSON and the store keep it: (longitude, latitude).
LonLat = tuple[float, float]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres between two WGS-84 points, each given
    latitude first, as every function in this module takes them."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    # Rounding can push h a hair past 1 for antipodal points; asin would then fail.
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def points_in_ring(ring: FloatArray, x: npt.ArrayLike, y: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Even-odd rule for many points against one ring: ``ring`` is an ``(n, 2)`` array of
    ``(x, y)`` vertices (lon/lat or metres; closing it is optional), ``x`` and ``y`` the
    points in the same units. Points exactly on an edge may fall either way.

    Points are taken in chunks, each tested against all edges at once: a single point
    costs microseconds and 20,000 officers against a district outline of ~1,400 vertices
    stay within a few MB of scratch memory.
    """
    px = np.asarray(x, dtype=np.float64)
    py = np.asarray(y, dtype=np.float64)
    fx, fy = px.ravel(), py.ravel()
    x1, y1 = ring[:, 0], ring[:, 1]
    x2, y2 = np.roll(x1, 1), np.roll(y1, 1)
    dy = y2 - y1
    flat = dy == 0
    # Horizontal edges never count as crossings; a zero slope keeps the division quiet.
    slope = np.divide(x2 - x1, dy, out=np.zeros_like(dy), where=~flat)
    out = np.empty(fx.shape, dtype=np.bool_)
    chunk = max(1, 1_000_000 // max(len(ring), 1))
    for start in range(0, len(fx), chunk):
        cx = fx[start : start + chunk, None]
        cy = fy[start : start + chunk, None]
        crosses = (y1 > cy) != (y2 > cy)
        x_at = x1 + (cy - y1) * slope
        hits = crosses & (cx < x_at)
        out[start : start + chunk] = (hits.sum(axis=1) & 1).astype(np.bool_)
    return out.reshape(px.shape)


def inside(lat: float, lon: float, ring: Sequence[LonLat]) -> bool:
    """Whether one WGS-84 point lies inside a polygon of ``(lon, lat)`` pairs (even-odd
    rule; closing the ring is optional). Points exactly on an edge may fall either way:
    callers add a margin."""
    if len(ring) < 3:
        return False
    return bool(points_in_ring(np.asarray(ring, dtype=np.float64)[:, :2], lon, lat))


def distance_to_edge_m(lat: float, lon: float, ring: Sequence[LonLat]) -> float:
    """Distance in metres from the point to the polygon's boundary (inside or out)."""
    # Project around the point itself: metres east (x) and north (y) of it. At district
    # scale (tens of km) this flat frame is accurate to well under a metre.
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
