"""District-scale WGS-84 geometry: distances and patrol-zone polygons."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.geo import distance_m, distance_to_edge_m, inside

# Around Wucheng district, Jinhua.
LAT, LON = 29.08, 119.65
SQUARE = [(LON, LAT), (LON + 0.01, LAT), (LON + 0.01, LAT + 0.01), (LON, LAT + 0.01)]
# An L shape: the notch (upper right) is outside though inside the bounding box.
ELL = [
    (LON, LAT),
    (LON + 0.02, LAT),
    (LON + 0.02, LAT + 0.01),
    (LON + 0.01, LAT + 0.01),
    (LON + 0.01, LAT + 0.02),
    (LON, LAT + 0.02),
]


def test_distance_matches_known_figures() -> None:
    # One minute of latitude is one nautical mile, near enough (1852 m).
    assert distance_m(LAT, LON, LAT + 1 / 60, LON) == pytest.approx(1853, abs=2)
    assert distance_m(LAT, LON, LAT, LON) == 0
    # A degree of longitude on the equator: a 360th of the mean circumference.
    assert distance_m(0, 10, 0, 11) == pytest.approx(111_195, abs=1)
    # East-west distances shrink with the cosine of the latitude.
    assert distance_m(LAT, LON, LAT, LON + 0.01) == pytest.approx(1111.95 * 0.87391, rel=1e-3)


def test_a_concave_zone_excludes_its_notch() -> None:
    assert inside(LAT + 0.005, LON + 0.005, ELL)
    assert inside(LAT + 0.005, LON + 0.015, ELL)
    assert inside(LAT + 0.015, LON + 0.005, ELL)
    assert not inside(LAT + 0.015, LON + 0.015, ELL)
    assert not inside(LAT - 0.001, LON + 0.005, ELL)


def test_a_closed_ring_reads_the_same_as_an_open_one() -> None:
    closed = [*SQUARE, SQUARE[0]]
    for lat, lon in [(LAT + 0.005, LON + 0.005), (LAT + 0.02, LON), (LAT + 0.001, LON - 0.001)]:
        assert inside(lat, lon, closed) == inside(lat, lon, SQUARE)


def test_distance_to_the_edge_from_either_side() -> None:
    metres_per_deg_lat = distance_m(LAT, LON, LAT + 1, LON)
    below = distance_to_edge_m(LAT - 0.001, LON + 0.005, SQUARE)
    centre = distance_to_edge_m(LAT + 0.005, LON + 0.005, SQUARE)
    assert below == pytest.approx(0.001 * metres_per_deg_lat, rel=0.01)
    # Longitude degrees are shorter here, so the nearest edge of the centre is east/west.
    assert centre == pytest.approx(distance_m(LAT + 0.005, LON, LAT + 0.005, LON + 0.005), rel=0.01)
    # Beyond a corner, the nearest point is the corner itself.
    corner = distance_to_edge_m(LAT - 0.001, LON - 0.001, SQUARE)
    assert corner == pytest.approx(distance_m(LAT - 0.001, LON - 0.001, LAT, LON), rel=0.01)


fractions = st.floats(min_value=-1.0, max_value=2.0, allow_nan=False)


@given(fractions, fractions)
def test_inside_a_square_is_within_its_bounds(fx: float, fy: float) -> None:
    lat, lon = LAT + 0.01 * fy, LON + 0.01 * fx
    # Exactly on an edge either answer is allowed; the alerts add a margin.
    edge = min(abs(fx), abs(fx - 1), abs(fy), abs(fy - 1))
    if edge > 1e-9:
        assert inside(lat, lon, SQUARE) == (0 < fx < 1 and 0 < fy < 1)


@given(fractions, fractions)
def test_the_edge_is_no_farther_than_any_corner(fx: float, fy: float) -> None:
    lat, lon = LAT + 0.01 * fy, LON + 0.01 * fx
    to_edge = distance_to_edge_m(lat, lon, SQUARE)
    nearest_corner = min(distance_m(lat, lon, y, x) for x, y in SQUARE)
    assert to_edge <= nearest_corner * 1.001 + 0.01
