"""WGS-84 <-> GCJ-02 against published reference points and the shipped boundary pair."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from backend_client import geo

RESOURCES = Path(__file__).resolve().parents[2] / "resources" / "geo"

# (wgs lat, wgs lon, gcj lat, gcj lon): googollee/eviltransform's test table (Shanghai,
# Shenzhen, Beijing) and wandergis/coordtransform's README example (Tiananmen area).
REFERENCE = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
    (39.915, 116.404, 39.91640428150164, 116.41024449916938),
]


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance: exact enough below a kilometre."""
    k = 6371008.8 * math.pi / 180.0
    return math.hypot((lat1 - lat2) * k, (lon1 - lon2) * k * math.cos(math.radians(lat1)))


@pytest.mark.parametrize(("w_lat", "w_lon", "g_lat", "g_lon"), REFERENCE)
def test_forward_matches_reference(w_lat, w_lon, g_lat, g_lon):
    lat, lon = geo.wgs84_to_gcj02(w_lat, w_lon)
    assert metres(lat, lon, g_lat, g_lon) < 0.01
    # The offset is hundreds of metres: a no-op transform must not pass this test.
    assert metres(w_lat, w_lon, g_lat, g_lon) > 100


@pytest.mark.parametrize(("w_lat", "w_lon", "g_lat", "g_lon"), REFERENCE)
def test_inverse_matches_reference(w_lat, w_lon, g_lat, g_lon):
    lat, lon = geo.gcj02_to_wgs84(g_lat, g_lon)
    assert metres(lat, lon, w_lat, w_lon) < 0.01


def _vertices(path: Path) -> tuple[np.ndarray, np.ndarray]:
    data = json.loads(path.read_text(encoding="utf-8"))
    wucheng = next(f for f in data["features"] if f["properties"]["adcode"] == "330702")
    pts = np.array(
        [pt for poly in wucheng["geometry"]["coordinates"] for ring in poly for pt in ring]
    )
    return pts[:, 1], pts[:, 0]


def test_vectorised_matches_shipped_wucheng_boundary_pair():
    # The GCJ-02 file is Amap's published outline; the WGS-84 file was derived from it by
    # a third-party exact inverse and rounded to 6 decimals (~0.1 m).
    g_lat, g_lon = _vertices(RESOURCES / "jinhua-gcj02.geojson")
    w_lat, w_lon = _vertices(RESOURCES / "jinhua-wgs84.geojson")
    assert len(g_lat) > 1000

    f_lat, f_lon = geo.wgs84_to_gcj02_array(w_lat, w_lon)
    fwd_err = np.hypot((f_lat - g_lat) * 111_195, (f_lon - g_lon) * 111_195 * 0.875)
    assert fwd_err.max() < 0.5

    i_lat, i_lon = geo.gcj02_to_wgs84_array(g_lat, g_lon)
    inv_err = np.hypot((i_lat - w_lat) * 111_195, (i_lon - w_lon) * 111_195 * 0.875)
    assert inv_err.max() < 0.5

    shift = np.hypot((g_lat - w_lat) * 111_195, (g_lon - w_lon) * 111_195 * 0.875)
    assert 500 < np.median(shift) < 650  # the ~565 m offset the data README states


def test_round_trip_is_sub_millimetre_across_china():
    rng = np.random.default_rng(7)
    lat = rng.uniform(18.0, 53.0, 20_000)
    lon = rng.uniform(74.0, 134.0, 20_000)
    g_lat, g_lon = geo.wgs84_to_gcj02_array(lat, lon)
    b_lat, b_lon = geo.gcj02_to_wgs84_array(g_lat, g_lon)
    assert np.abs(b_lat - lat).max() < 1e-8
    assert np.abs(b_lon - lon).max() < 1e-8


def test_scalar_and_vectorised_agree():
    lat = np.array([29.08, 28.9, 30.0])
    lon = np.array([119.64, 119.5, 120.2])
    v_lat, v_lon = geo.wgs84_to_gcj02_array(lat, lon)
    for i in range(3):
        assert geo.wgs84_to_gcj02(float(lat[i]), float(lon[i])) == (v_lat[i], v_lon[i])


def test_out_of_china_passes_through():
    points = [(48.8584, 2.2945), (51.5, -0.12), (-33.86, 151.21), (60.0, 120.0), (0.5, 100.0)]
    for lat, lon in points:
        assert geo.wgs84_to_gcj02(lat, lon) == (lat, lon)
        assert geo.gcj02_to_wgs84(lat, lon) == (lat, lon)
    lat_a = np.array([p[0] for p in points] + [29.08])
    lon_a = np.array([p[1] for p in points] + [119.64])
    out_lat, out_lon = geo.wgs84_to_gcj02_array(lat_a, lon_a)
    assert np.array_equal(out_lat[:-1], lat_a[:-1])
    assert np.array_equal(out_lon[:-1], lon_a[:-1])
    assert out_lon[-1] != lon_a[-1]  # the Wucheng point in the same batch does move


def test_nan_positions_stay_nan_and_do_not_stall_inverse():
    lat = np.array([np.nan, 29.08])
    lon = np.array([np.nan, 119.64])
    g_lat, g_lon = geo.wgs84_to_gcj02_array(lat, lon)
    assert np.isnan(g_lat[0]) and np.isnan(g_lon[0])
    w_lat, w_lon = geo.gcj02_to_wgs84_array(g_lat, g_lon)
    assert np.isnan(w_lat[0])
    assert abs(w_lat[1] - 29.08) < 1e-9 and abs(w_lon[1] - 119.64) < 1e-9


def test_convert_dispatch_and_validation():
    assert geo.convert(29.08, 119.64, "wgs84", "wgs84") == (29.08, 119.64)
    assert geo.convert(29.08, 119.64, "wgs84", "gcj02") == geo.wgs84_to_gcj02(29.08, 119.64)
    lat, lon = geo.convert(np.array([29.08]), np.array([119.64]), "gcj02", "wgs84")
    assert (float(lat[0]), float(lon[0])) == geo.gcj02_to_wgs84(29.08, 119.64)
    with pytest.raises(ValueError, match="bd09"):
        geo.convert(29.08, 119.64, "wgs84", "bd09")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="WGS84"):
        geo.check_datum("WGS84")


def test_cross_check_with_prcoords():
    # Test-time only cross-check against an independent implementation (public domain).
    prcoords = pytest.importorskip("prcoords")
    rng = np.random.default_rng(11)
    lat = rng.uniform(20.0, 50.0, 200)
    lon = rng.uniform(80.0, 130.0, 200)
    g_lat, g_lon = geo.wgs84_to_gcj02_array(lat, lon)
    w_lat, w_lon = geo.gcj02_to_wgs84_array(g_lat, g_lon)
    for i in range(len(lat)):
        ref_g = prcoords.wgs_gcj((lat[i], lon[i]))
        assert metres(g_lat[i], g_lon[i], ref_g.lat, ref_g.lon) < 0.01
        ref_w = prcoords.gcj_wgs_bored((g_lat[i], g_lon[i]))
        assert metres(w_lat[i], w_lon[i], ref_w.lat, ref_w.lon) < 0.01


# ---- distances and polygons (the one copy hub and clients share) ----------------------

# Two points in Wucheng on one meridian: on a sphere the great circle between them is the
# meridian itself, so the distance is exactly R times the latitude difference in radians,
# a figure that needs no haversine (R = 6,371,008.8 m, the IUGG mean radius).
WUCHENG_SOUTH = (29.0790, 119.6470)
WUCHENG_NORTH = (29.1050, 119.6470)
MERIDIAN_ARC_M = 6_371_008.8 * math.radians(29.1050 - 29.0790)  # 2,891.07 m


def test_distance_pins_a_known_figure_in_wucheng() -> None:
    metres = geo.distance_m(*WUCHENG_SOUTH, *WUCHENG_NORTH)
    assert metres == pytest.approx(MERIDIAN_ARC_M, abs=1e-6)
    assert metres == pytest.approx(2891.07, abs=0.01)
    # Symmetric, and zero for the same point.
    assert geo.distance_m(*WUCHENG_NORTH, *WUCHENG_SOUTH) == geo.distance_m(
        *WUCHENG_SOUTH, *WUCHENG_NORTH
    )
    assert geo.distance_m(*WUCHENG_SOUTH, *WUCHENG_SOUTH) == 0.0


def test_distance_takes_latitude_first() -> None:
    lat, lon = WUCHENG_SOUTH
    # 0.01 degree east at 29 N is cos(29 deg) of 0.01 degree north: only (lat, lon, lat,
    # lon) order gives both figures (a swapped order would read 119.6 as a latitude).
    north = geo.distance_m(lat, lon, lat + 0.01, lon)
    east = geo.distance_m(lat, lon, lat, lon + 0.01)
    assert north == pytest.approx(6_371_008.8 * math.radians(0.01), rel=1e-9)
    assert east == pytest.approx(north * math.cos(math.radians(lat)), rel=1e-6)


def test_hub_and_desk_use_the_one_distance() -> None:
    from backend_client.stories import desk  # the desk's recommend() lives there
    from hub.domain import geo as domain_geo
    from hub.requests import haversine_m

    assert domain_geo.distance_m is geo.distance_m
    assert haversine_m is geo.distance_m
    assert desk.distance_m is geo.distance_m


SQUARE = [(119.64, 29.08), (119.65, 29.08), (119.65, 29.09), (119.64, 29.09)]


def test_inside_and_points_in_ring_agree() -> None:
    ring = np.array(SQUARE)
    lats = np.array([29.085, 29.079, 29.085, 29.0899])
    lons = np.array([119.645, 119.645, 119.651, 119.6401])
    expected = [True, False, False, True]
    assert geo.points_in_ring(ring, lons, lats).tolist() == expected
    assert [geo.inside(a, o, SQUARE) for a, o in zip(lats, lons, strict=True)] == expected
    # Closing the ring changes nothing; fewer than three vertices hold nothing.
    assert geo.inside(29.085, 119.645, [*SQUARE, SQUARE[0]])
    assert not geo.inside(29.085, 119.645, SQUARE[:2])
