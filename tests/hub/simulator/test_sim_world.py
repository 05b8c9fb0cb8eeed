"""The simulator's static world: zones, officers and merchants of Wucheng."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest

from backend_client.geo import points_in_ring
from hub.simulator import Simulator, WuchengWorld, geo, names
from hub.simulator.world import TEAM_SPECS

RESOURCES = Path(__file__).resolve().parents[3] / "resources"
NOW = 1_718_000_000.0  # 2024-06-10 14:13 Beijing time


@pytest.fixture(scope="module")
def world() -> WuchengWorld:
    return WuchengWorld.load(RESOURCES, seed=7, officers=400, merchants=3000)


def _area_km2(ring_lonlat: np.ndarray) -> float:
    return geo.ring_area(ring_lonlat) * geo.M_PER_DEG_LON * geo.M_PER_DEG_LAT / 1e6


def test_outline_is_wucheng(world: WuchengWorld) -> None:
    lon0, lat0 = world.outline.min(axis=0)
    lon1, lat1 = world.outline.max(axis=0)
    # data/README.md: lon 119.299-119.765, lat 28.732-29.243.
    assert (round(lon0, 2), round(lon1, 2)) == (119.30, 119.77)
    assert (round(lat0, 2), round(lat1, 2)) == (28.73, 29.24)
    assert 1300 < _area_km2(world.outline) < 1450  # Wucheng is about 1,390 km²


def test_teams_are_six_township_teams_and_the_five_specialists(world: WuchengWorld) -> None:
    township = [t for t in world.teams if t.kind == "township"]
    specialist = [t for t in world.teams if t.kind == "specialist"]
    assert len(township) == 6
    joined = "".join(t.name for t in specialist)
    for word in ("市场监管", "交通运输", "生态环境", "卫生健康", "消防"):
        assert word in joined
    assert len({t.id for t in world.teams}) == len(world.teams)
    for team in world.teams:
        assert re.fullmatch(r"#[0-9A-F]{6}", team.colour)
        assert len(team.id) <= 32


def test_township_zones_tile_the_district_and_cover_all_26_townships(
    world: WuchengWorld,
) -> None:
    township = [t for t in world.teams if t.kind == "township"]
    total = sum(_area_km2(np.array(t.zone)) for t in township)
    assert total == pytest.approx(_area_km2(world.outline), rel=1e-3)
    covered = [name for t in township for name in t.townships]
    assert sorted(covered) == sorted(t.name for t in world.townships)
    assert len(world.townships) == 26


@pytest.mark.parametrize("spec", TEAM_SPECS, ids=[s.key for s in TEAM_SPECS])
def test_each_zone_lies_inside_the_district_in_one_piece(world: WuchengWorld, spec: object) -> None:
    team = world.teams[world.team_index(spec.key)]  # type: ignore[attr-defined]
    ring = np.array(team.zone)
    rng = np.random.default_rng(1)
    lon = rng.uniform(ring[:, 0].min(), ring[:, 0].max(), 20_000)
    lat = rng.uniform(ring[:, 1].min(), ring[:, 1].max(), 20_000)
    in_zone = geo.contains(ring, lon, lat)
    assert in_zone.sum() > 500
    assert world.contains(lon[in_zone], lat[in_zone]).all()
    # A clip in several pieces would be joined by zero-width bridges running outside
    # the district: every edge's midpoint must be on or inside the outline.
    mid = (ring + np.roll(ring, -1, axis=0)) / 2
    ext = ~world.contains(mid[:, 0], mid[:, 1])
    x0, y0, x1, y1 = spec.window  # type: ignore[attr-defined]
    a, b = ring, np.roll(ring, -1, axis=0)

    def on(v: np.ndarray, c: float) -> np.ndarray:
        return np.abs(v - c) < 1e-9

    on_cut = (
        (on(a[:, 0], x0) & on(b[:, 0], x0))
        | (on(a[:, 0], x1) & on(b[:, 0], x1))
        | (on(a[:, 1], y0) & on(b[:, 1], y0))
        | (on(a[:, 1], y1) & on(b[:, 1], y1))
    )
    assert not (ext & on_cut).any()


def test_patrol_waypoints_are_inside_their_zones(world: WuchengWorld) -> None:
    g = world.graph
    for t in range(len(world.teams)):
        nodes = g.zone_nodes[t]
        assert len(nodes) >= 50
        assert geo.contains(world.zone_rings_xy[t], g.x[nodes], g.y[nodes]).all()
        assert (g.degree[nodes] > 0).all()


def test_officers_have_names_badges_devices_and_teams(world: WuchengWorld) -> None:
    officers = world.officers
    assert len(officers) == 400
    assert len({o.id for o in officers}) == 400
    assert len({o.badge for o in officers}) == 400
    assert len({o.device for o in officers}) == 400
    assert {o.team_id for o in officers} == {t.id for t in world.teams}
    for o in officers:
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", o.name), o.name
        assert re.fullmatch(r"\d{15}", o.device)
        assert names.luhn_digit(o.device[:14]) == o.device[14]
        assert re.fullmatch(r"1[3-9]\d{9}", o.phone)
        assert o.mode in ("walk", "ebike", "car")
    family = {o.name[0] for o in officers}
    assert len(family) > 20  # a cast, not a family


def test_merchants_are_registered_shops_inside_wucheng(world: WuchengWorld) -> None:
    ms = world.merchants
    assert len(ms) == 3000
    assert world.contains(world.merchant_lon, world.merchant_lat).all()
    townships = {t.name for t in world.townships}
    for m in ms:
        assert names.valid_credit_code(m.credit_code), m.credit_code
        assert m.credit_code[2:8] == "330702"
        assert m.credit_code[:2] in ("91", "92")
        assert m.address.startswith("金华市婺城区" + m.township)
        assert m.township in townships
        assert m.risk in (1, 2, 3)
    cats = {m.category for m in ms}
    assert {"餐饮", "便利店", "建材", "汽修", "服装"} <= cats
    assert len({m.credit_code for m in ms}) == len(ms)


def test_merchants_concentrate_in_the_urban_core(world: WuchengWorld) -> None:
    core = (
        (world.merchant_lon > 119.59)
        & (world.merchant_lon < 119.70)
        & (world.merchant_lat > 29.04)
        & (world.merchant_lat < 29.13)
    )
    # The core is ~5 % of the district's area and holds most of its shops.
    assert core.mean() > 0.6


def test_credit_code_checker_accepts_a_published_code() -> None:
    # Tencent's unified social credit code, as printed on its business licence.
    assert names.valid_credit_code("91440300708461136T")
    assert not names.valid_credit_code("91440300708461136A")


def test_same_seed_same_world_other_seed_other_world() -> None:
    a = WuchengWorld.load(RESOURCES, seed=3, officers=200, merchants=300)
    b = WuchengWorld.load(RESOURCES, seed=3, officers=200, merchants=300)
    c = WuchengWorld.load(RESOURCES, seed=4, officers=200, merchants=300)
    assert a.officers == b.officers and a.merchants == b.merchants and a.teams == b.teams
    assert np.array_equal(a.graph.x, b.graph.x)
    assert a.officers != c.officers and a.merchants != c.merchants


def test_twenty_thousand_officers_build_and_step_quickly() -> None:
    t0 = time.perf_counter()
    world = WuchengWorld.load(RESOURCES, seed=1, officers=20_000, merchants=3000)
    t1 = time.perf_counter()
    sim = Simulator(world, seed=1, incident_rate_per_hour=0, off_duty_share=0.0)
    steps = []
    for k in range(1, 61):
        s0 = time.perf_counter()
        step = sim.step(NOW + k, 1.0)
        steps.append(time.perf_counter() - s0)
    print(
        f"\n20k officers: load {t1 - t0:.3f} s, step p50 {np.median(steps) * 1e3:.2f} ms, "
        f"max {max(steps) * 1e3:.2f} ms"
    )
    assert len(step.fixes) == 20_000
    assert len(world.officers) == 20_000
    # Generous bound: the budget is 2 s on the reference machine; only catch blow-ups.
    assert t1 - t0 < 10.0


def test_the_outline_index_answers_as_the_full_ring_test(world: WuchengWorld) -> None:
    # WuchengWorld.contains tests a point against the edges of its band only (history's
    # 90 days of reports ask it tens of thousands of times): the same answers, edge for
    # edge, inside, outside, beyond the outline's extent and on its extreme vertices.
    r = np.random.default_rng(8)
    ring = world.outline
    lon = r.uniform(ring[:, 0].min() - 0.05, ring[:, 0].max() + 0.05, 5000)
    lat = r.uniform(ring[:, 1].min() - 0.05, ring[:, 1].max() + 0.05, 5000)
    lon = np.concatenate([lon, ring[:, 0], ring[:5, 0] + 1e-9])
    lat = np.concatenate([lat, ring[:, 1], ring[:5, 1]])
    one_by_one = np.array(
        [world.contains(np.array([a]), np.array([b]))[0] for a, b in zip(lon, lat, strict=True)]
    )
    assert np.array_equal(one_by_one, points_in_ring(ring, lon, lat))
    assert 0.2 < one_by_one[:5000].mean() < 0.8
