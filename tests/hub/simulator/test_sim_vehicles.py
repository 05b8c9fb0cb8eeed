"""The simulator's enforcement vehicles: plates, JT/T 808 terminals, driven like officers."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth import TokenRegistry
from hub.jt808.gateway import terminal_key
from hub.runtime import EmbeddedHub, HubRuntime
from hub.service import HubConfig
from hub.simdriver import simulator_extra, vehicles_for
from hub.simulator import Simulator, WuchengWorld
from hub.store.models import Officer

RESOURCES = Path(__file__).resolve().parents[3] / "resources"
NOW = 1_718_000_000.0


@pytest.fixture(scope="module")
def world() -> WuchengWorld:
    return WuchengWorld.load(RESOURCES, seed=41, officers=300, merchants=400, vehicles=114)


def test_wucheng_fields_114_vehicles_with_plates_and_jt808_terminals(world: WuchengWorld) -> None:
    assert vehicles_for(300) == 114  # the hub's default roster
    vehicles = world.vehicles
    assert len(vehicles) == 114 and len(world.officers) == 300 + 114
    assert [o.kind for o in world.officers[:300]] == ["officer"] * 300
    # Every team has cars, the busy township teams more than the small specialist ones.
    per_team = {t.id: sum(v.team_id == t.id for v in vehicles) for t in world.teams}
    assert min(per_team.values()) >= 1
    assert per_team["cz"] > per_team["wsjk"]
    assert len({v.plate for v in vehicles}) == 114
    assert len({v.id for v in world.officers}) == len({v.device for v in world.officers}) == 414
    for v in vehicles:
        assert re.fullmatch(r"浙G·[0-9A-HJ-NP-Z]{5}", v.plate), v.plate
        assert 1 <= sum(c.isalpha() for c in v.plate[3:]) <= 2
        # A 2013 header's 12 BCD digits; the gateway binds it by its digits.
        assert re.fullmatch(r"\d{12}", v.device)
        assert terminal_key(v.device) is not None
        assert v.mode == "car" and v.badge == "" and v.name.endswith("号执法车")


def test_vehicles_leave_the_officers_and_merchants_of_a_seed_as_they_were(
    world: WuchengWorld,
) -> None:
    plain = WuchengWorld.load(RESOURCES, seed=41, officers=300, merchants=400)
    assert world.officers[:300] == plain.officers
    assert world.merchants == plain.merchants
    assert np.array_equal(world.officer_speed[:300], plain.officer_speed)


def test_vehicles_drive_faster_and_are_never_sent_to_a_case_as_people(
    world: WuchengWorld,
) -> None:
    sim = Simulator(world, seed=5, incident_rate_per_hour=0, off_duty_share=0.0)
    is_car = np.array([o.kind == "vehicle" for o in world.officers])
    speeds: list[float] = []
    walk: list[float] = []
    for k in range(1, 61):
        fixes = sim.step(NOW + k, 1.0).fixes
        car = is_car[fixes.index]
        speeds.append(float(fixes.speed[car].mean()))
        walk.append(float(fixes.speed[~car].mean()))
        assert world.contains(fixes.lon, fixes.lat).all()
    assert np.mean(speeds) > 1.3 * np.mean(walk)
    for k in range(20):
        sim.on_incident(f"C{k}", 29.09 + 0.001 * k, 119.645, NOW + 60.0, "占道经营")
    chosen: set[str] = set()
    for k in range(61, 400):
        for action in sim.step(NOW + k, 1.0).actions:
            if action.action == "dispatch":
                chosen.update(action.officer_ids)
    assert chosen and not {o for o in chosen if o.startswith("WV")}
    # An operator may still send a car by its id.
    assert sim.on_dispatch("C0", [world.vehicles[0].id], NOW + 400.0)


def test_the_hub_simulator_seeds_its_vehicles_into_the_roster(tmp_path: Path) -> None:
    config = HubConfig(db_url=f"sqlite:///{tmp_path / 'demo.db'}", port=0, api_port=0)
    tokens, _ = TokenRegistry.generate()
    extra = simulator_extra(officers=30, merchants=200, incident_rate_per_hour=0.0)
    embedded = EmbeddedHub(HubRuntime(config, tokens, extras=[extra]))
    embedded.start(timeout=60)
    try:
        hub = embedded.runtime.hub
        assert hub is not None
        cars = [u for u in hub.state.units.values() if u.kind == "vehicle"]
        assert len(cars) == vehicles_for(30) == 11
        assert all(u.plate.startswith("浙G·") for u in cars)
        assert all(hub.devices[u.device] == u.id for u in cars)
        with Session(hub.engine) as session:
            stored = session.scalars(select(Officer).where(Officer.kind == "vehicle")).all()
        assert sorted(o.plate or "" for o in stored) == sorted(u.plate for u in cars)
    finally:
        embedded.stop()
