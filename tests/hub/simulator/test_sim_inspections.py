"""The simulator's joint inspections: deterministic, plausible, and what a profile shows."""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend_client.resources import resources_dir
from backend_client.transport import FeedClient
from hub.auth import TokenRegistry
from hub.roster import MerchantRecord, OfficerRecord, TeamRecord
from hub.runtime import EmbeddedHub, HubRuntime
from hub.service import HubConfig
from hub.simdriver import simulator_extra, store_inspections
from hub.simulator import WuchengWorld
from hub.simulator.inspections import BY_SHOP_KIND, DEPARTMENTS, make_inspections
from hub.store.models import Inspection, Merchant
from tests.support.hubs import LiveHub

NOW = 1_790_000_000.0
YEAR = 365 * 86400.0


@pytest.fixture(scope="module")
def world() -> WuchengWorld:
    return WuchengWorld.load(resources_dir(), seed=41, officers=300, merchants=1000)


def test_inspections_are_deterministic_from_the_seed(world: WuchengWorld) -> None:
    assert make_inspections(world, 41, NOW) == make_inspections(world, 41, NOW)
    assert make_inspections(world, 41, NOW) != make_inspections(world, 42, NOW)


def test_a_fraction_of_merchants_has_a_few_plausible_joint_inspections(
    world: WuchengWorld,
) -> None:
    records = make_inspections(world, 41, NOW)
    merchants = {m.id: m for m in world.merchants}
    officers = {o.id: o.team_id for o in world.officers}
    teams = {t.id for t in world.teams}
    inspected = {r.merchant_id for r in records}
    assert 0.1 * len(merchants) < len(inspected) < 0.4 * len(merchants)
    assert len({r.id for r in records}) == len(records)
    per_merchant = [sum(1 for r in records if r.merchant_id == m) for m in inspected]
    assert max(per_merchant) <= 6
    for r in records:
        shop = merchants[r.merchant_id]
        # A joint inspection: two or more of the departments concerned with that trade.
        assert len(r.departments) >= 2
        assert set(r.departments) <= set(BY_SHOP_KIND[shop.category])
        assert len(set(r.departments)) == len(r.departments)
        checkable = {item for d in r.departments for item in DEPARTMENTS[d][1]}
        assert r.items and set(r.items) <= checkable
        assert r.result in {"pass", "rectify", "fail"} and r.note
        assert set(r.teams) <= teams and r.teams
        assert all(officers[o] in r.teams for o in r.officers)
        assert NOW - YEAR <= r.ts <= NOW
    results = [r.result for r in records]
    assert results.count("pass") > results.count("rectify") > results.count("fail") > 0


def test_seeded_inspections_are_stored_once_and_shown_newest_first(
    world: WuchengWorld, tmp_path: Path
) -> None:
    hub = LiveHub(tmp_path / "hub.db").start()
    try:
        everything = make_inspections(world, 41, NOW)
        shop = next(m for m in world.merchants if m.id == everything[0].merchant_id)
        records = [r for r in everything if r.merchant_id == shop.id]
        hub.run(
            hub.hub.seed(
                [TeamRecord(t.id, t.name, t.kind, t.colour) for t in world.teams],
                [OfficerRecord(o.id, o.name, o.badge, o.team_id, o.device) for o in world.officers],
                [
                    MerchantRecord(
                        m.id, m.name, m.credit_code, m.address, m.category, m.risk, m.lat, m.lon
                    )
                    for m in (shop, world.merchants[1])
                ],
            )
        )
        stored = partial(store_inspections, records=records)
        assert hub.run(hub.hub.writer.submit(stored)) == len(records)
        assert hub.run(hub.hub.writer.submit(stored)) == 0  # a restarted demo seeds again

        async def profile() -> dict[str, object]:
            client = FeedClient(hub.stream_url, hub.token["supervisor"])
            task = asyncio.create_task(client.run())
            await client.wait_synced()
            answer = await client.request("merchant.profile", {"merchant_id": shop.id})
            await client.stop()
            await task
            return answer

        answer = asyncio.run(profile())
        shown = answer["inspections"]
        assert isinstance(shown, list)
        newest_first = sorted(records, key=lambda r: r.ts, reverse=True)
        assert [i["id"] for i in shown] == [r.id for r in newest_first]
        assert shown[0]["departments"] == list(newest_first[0].departments)
    finally:
        hub.stop()


def test_the_demo_simulator_seeds_inspections_into_the_hub(tmp_path: Path) -> None:
    config = HubConfig(db_url=f"sqlite:///{tmp_path / 'demo.db'}", port=0, api_port=0)
    tokens, _ = TokenRegistry.generate()
    extra = simulator_extra(officers=30, merchants=300, incident_rate_per_hour=1.0)
    embedded = EmbeddedHub(HubRuntime(config, tokens, extras=[extra]))
    embedded.start(timeout=60)
    try:
        hub = embedded.runtime.hub
        assert hub is not None
        with Session(hub.engine) as session:
            stored = session.scalars(select(Inspection)).all()
            merchants = set(session.scalars(select(Merchant.id)))
    finally:
        embedded.stop()
    assert stored, "no inspections seeded"
    assert {i.merchant_id for i in stored} <= merchants
    assert len({i.merchant_id for i in stored}) < len(merchants)  # a share, not everyone
