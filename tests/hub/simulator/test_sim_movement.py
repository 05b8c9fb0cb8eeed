"""Officers on patrol: inside their zones, at plausible speeds, deterministic by seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hub.simulator import Simulator, WuchengWorld
from hub.simulator.world import SPEED_RANGES

RESOURCES = Path(__file__).resolve().parents[3] / "resources"
NOW = 1_718_000_000.0


@pytest.fixture(scope="module")
def world() -> WuchengWorld:
    return WuchengWorld.load(RESOURCES, seed=11, officers=600, merchants=500)


def test_patrolling_officers_never_leave_their_zone(world: WuchengWorld) -> None:
    sim = Simulator(world, seed=5, incident_rate_per_hour=0, off_duty_share=0.0)
    team = world.officer_team
    start = sim.step(NOW, 1.0).fixes
    # Two simulated hours in 5 s steps: many waypoints per officer. Legs never touch a
    # zone's outline by construction; sampling every sixth step keeps the check fast.
    for k in range(1, 1441):
        fixes = sim.step(NOW + 5 * k, 5.0).fixes
        if k % 6:
            continue
        for t in range(len(world.teams)):
            sel = team[fixes.index] == t
            assert world.in_zone(t, fixes.lon[sel], fixes.lat[sel]).all()
        assert world.contains(fixes.lon, fixes.lat).all()
    moved = (fixes.lat != start.lat) | (fixes.lon != start.lon)
    assert moved.mean() > 0.9


def test_fixes_carry_plausible_speed_and_heading(world: WuchengWorld) -> None:
    sim = Simulator(world, seed=5, incident_rate_per_hour=0, off_duty_share=0.0)
    mode = world.officer_mode
    limit = np.array([SPEED_RANGES[m][1] for m in ("walk", "ebike", "car")])
    idle_seen = 0
    for k in range(1, 301):
        f = sim.step(NOW + k, 1.0).fixes
        assert len(f) == len(world.officers)
        assert f.ids.tolist() == [world.officers[i].id for i in f.index]
        assert ((f.heading >= 0) & (f.heading < 360)).all()
        # Cruise speed times the +15 % step-to-step pace jitter.
        assert (f.speed <= limit[mode[f.index]] * 1.15 + 1e-9).all()
        assert (f.speed >= 0).all()
        idle_seen += int((f.speed == 0).sum())
    walkers = f.speed[mode[f.index] == 0]
    assert 0.5 < float(np.median(walkers[walkers > 0])) < 2.0
    assert idle_seen > 0  # officers pause at some stops


def test_off_duty_officers_go_silent_and_come_back(world: WuchengWorld) -> None:
    sim = Simulator(world, seed=2, incident_rate_per_hour=0, off_duty_share=0.3)
    counts = []
    changes = []
    for k in range(1, 121):  # ten hours in 5-minute steps
        step = sim.step(NOW + 300 * k, 300.0)
        counts.append(len(step.fixes))
        changes.extend(step.status_changes)
    n = len(world.officers)
    assert 0.55 * n < np.mean(counts) < 0.85 * n
    kinds = {c.status for c in changes}
    assert kinds == {"off_duty", "available"}
    off = next(c for c in changes if c.status == "off_duty")
    assert sim.officer_status(off.officer_id) in ("off_duty", "available")


def test_same_seed_same_tracks_other_seed_other_tracks(world: WuchengWorld) -> None:
    def run(seed: int) -> list[np.ndarray]:
        sim = Simulator(world, seed=seed, incident_rate_per_hour=60)
        out = []
        for k in range(1, 200):
            step = sim.step(NOW + 2 * k, 2.0)
            for j, r in enumerate(step.reports):
                sim.on_incident(f"{k}-{j}", r["lat"], r["lon"], r["reported_at"], r["category"])
            out.append(np.concatenate([step.fixes.lat, step.fixes.lon, step.fixes.speed]))
        return out

    a, b, c = run(1), run(1), run(2)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, c, strict=True))
