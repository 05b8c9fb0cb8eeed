"""Vehicles in the roster: enforcement vehicles with JT/T 808 terminals beside officers.

A vehicle is a unit of ``kind`` "vehicle" with a ``plate``, in the officers' table (Alembic
0006), so positions, ``unit.track``, the JT/T 808 binding and the stream work for it
unchanged. SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import msgspec
import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from backend_client.protocol.messages import Snapshot, Unit, UnitStatus
from backend_client.transport import FeedClient
from hub.roster import OfficerRecord
from hub.store.db import _alembic_config, make_engine, upgrade_schema
from tests.hub.jt808.client import TerminalClient
from tests.hub.jt808.terminal import Fix as TerminalFix
from tests.hub.test_migrations import _differences, head_revision
from tests.hub.test_positions_track import _until
from tests.support.hubs import OFFICERS, TEAMS, LiveHub

PLATE = "浙G·A1234"
# A patrol car's JT/T 808 terminal: the 12 digits of its 2013 header.
CAR = OfficerRecord(
    "V001", "城中片区01号执法车", "", TEAMS[0].id, "014707020001", kind="vehicle", plate=PLATE
)


def test_a_0005_store_upgrades_and_keeps_its_officers_as_officers(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "0005")
            connection.execute(
                text(
                    "INSERT INTO teams (id, name, kind, colour) "
                    "VALUES ('T1', '城中', 'township', '#E53935')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO officers (id, name, badge, team_id, device, status) "
                    "VALUES (:id, :name, :badge, 'T1', :device, 'available')"
                ),
                [
                    {"id": "U001", "name": "张三", "badge": "0702010001", "device": "dev-1"},
                    {"id": "U002", "name": "李四", "badge": "0702010002", "device": "13800138001"},
                ],
            )
            connection.execute(
                text("INSERT INTO positions (officer_id, ts, lat, lon) VALUES ('U001', 1, 29, 119)")
            )
        assert upgrade_schema(engine) == head_revision()
        with engine.begin() as connection:
            rows = connection.execute(
                text("SELECT id, name, device, kind, plate FROM officers ORDER BY id")
            ).all()
            assert [tuple(r) for r in rows] == [
                ("U001", "张三", "dev-1", "officer", None),
                ("U002", "李四", "13800138001", "officer", None),
            ]
            assert connection.execute(text("SELECT count(*) FROM positions")).scalar_one() == 1
            connection.execute(
                text(
                    "INSERT INTO officers (id, name, badge, team_id, device, status, kind, plate) "
                    "VALUES ('V001', '执法车', '', 'T1', '014707020001', 'available', "
                    "'vehicle', :plate)"
                ),
                {"plate": PLATE},
            )
        # A plate names one vehicle; officers (NULL plates) never clash.
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO officers (id, name, badge, team_id, device, status, kind, plate) "
                    "VALUES ('V002', '执法车', '', 'T1', '014707020002', 'available', "
                    "'vehicle', :plate)"
                ),
                {"plate": PLATE},
            )
        # And back: 0005 without the columns, the officers still there.
        with engine.begin() as connection:
            command.downgrade(_alembic_config(connection), "0005")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("officers")}
            assert not {"kind", "plate"} & columns
            assert connection.execute(text("SELECT count(*) FROM officers")).scalar_one() == 3
    finally:
        engine.dispose()
    engine = make_engine(db_url)
    try:
        assert upgrade_schema(engine) == head_revision()
    finally:
        engine.dispose()
    assert _differences(db_url) == []
    # The hub starts on the upgraded store: its officers are officers on the wire.
    live = LiveHub(db_url).start(seed=False)
    try:
        units = live.hub.state.units
        assert units["U002"].kind == "officer" and units["U002"].plate == ""
        # The downgrade forgot what V001 was; upgraded again, every row is an officer.
        assert units["V001"].kind == "officer"
        assert live.hub.devices["13800138001"] == "U002"
    finally:
        live.stop()


@pytest.fixture
def fleet(db_url: str) -> Iterator[LiveHub]:
    live = LiveHub(db_url, jt808_port=0).start()
    live.run(live.hub.seed(TEAMS, [CAR]))
    yield live
    live.stop()


def test_a_vehicle_is_on_the_wire_tracked_over_jt808_and_kept_across_a_restart(
    fleet: LiveHub,
) -> None:
    hub = fleet
    now = int(time.time())
    fixes = [
        TerminalFix(ts=now - 40.0 + 10 * k, lat=29.08 + 0.001 * k, lon=119.64, speed_kmh=36.0)
        for k in range(4)
    ]

    async def scenario() -> None:
        wall = FeedClient(hub.stream_url, hub.token["wall"])
        wall_task = asyncio.create_task(wall.run())
        await wall.wait_synced()
        car = wall.state.units[CAR.id]
        assert (car.kind, car.plate, car.device) == ("vehicle", PLATE, CAR.device)
        assert wall.state.units[OFFICERS[0].id].kind == "officer"
        # Bound by its digits like any terminal (the header drops no digit here).
        terminal = await TerminalClient(CAR.device).connect(hub.jt808_port)
        await terminal.login()
        for fix in fixes:
            assert await terminal.location(fix) == 0
        await _until(lambda: wall.state.units[CAR.id].ts == fixes[-1].ts)
        reply = await wall.request(
            "unit.track", {"unit_id": CAR.id, "start": now - 60.0, "end": float(now)}
        )
        assert [p[0] for p in reply["points"]] == [f.ts for f in fixes]
        assert reply["points"][-1][3] == pytest.approx(10.0, abs=0.03)  # 36 km/h
        # A status change keeps what the unit is.
        await asyncio.to_thread(hub.run, hub.hub.set_unit_status(CAR.id, "busy"))
        await _until(lambda: wall.state.units[CAR.id].status == "busy")
        car = wall.state.units[CAR.id]
        assert (car.kind, car.plate) == ("vehicle", PLATE)
        assert car.ts == fixes[-1].ts
        await terminal.close()
        await wall.stop()
        await wall_task

    asyncio.run(scenario())
    hub.stop()
    hub.start(seed=False)
    unit = hub.hub.state.units[CAR.id]
    assert (unit.kind, unit.plate, unit.status) == ("vehicle", PLATE, "busy")
    assert hub.hub.devices[CAR.device] == CAR.id


class OldUnit(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Unit as clients before vehicles decode it."""

    id: str
    name: str
    team: str
    device: str = ""
    status: str = "available"


class OldSnapshot(msgspec.Struct, tag="snapshot", tag_field="type", kw_only=True):
    seq: int
    ts: float
    units: list[OldUnit] = msgspec.field(default_factory=list)


def test_the_roster_on_the_wire_carries_kind_and_plate_and_older_clients_still_read_it() -> None:
    car = Unit(
        id="V001", name="执法车", team="cz", device="014707020001", kind="vehicle", plate=PLATE
    )
    officer = Unit(id="U001", name="张三", team="cz", device="dev-1")
    frame = msgspec.json.encode(Snapshot(seq=1, ts=0.0, units=[car, officer]))
    raw = msgspec.json.decode(frame)
    assert raw["units"][0]["kind"] == "vehicle" and raw["units"][0]["plate"] == PLATE
    # An officer's entry is what it was before vehicles: no kind, no plate.
    assert "kind" not in raw["units"][1] and "plate" not in raw["units"][1]
    assert msgspec.json.decode(frame, type=Snapshot).units == [car, officer]

    old = msgspec.json.decode(frame, type=OldSnapshot)
    assert [u.id for u in old.units] == ["V001", "U001"]
    # A kind this client does not know yet is still a unit (a string, not a Literal).
    future = msgspec.json.encode(
        UnitStatus(seq=2, ts=0.0, unit=Unit(id="D1", name="无人机", team="cz", kind="drone"))
    )
    assert msgspec.json.decode(future, type=UnitStatus).unit.kind == "drone"
