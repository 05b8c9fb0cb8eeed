"""Alembic migrations: the revisions build exactly the models' schema; old stores upgrade."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from hub.store.db import (
    BASELINE_REVISION,
    MIGRATIONS,
    _alembic_config,
    make_engine,
    upgrade_schema,
)
from hub.store.models import Base
from tests.support.hubs import LiveHub, report


def head_revision() -> str:
    """The newest revision: an old store's upgrade must end there, whatever comes next."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def _differences(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_replaying_every_revision_builds_the_models_schema(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        head = upgrade_schema(engine, replay_empty=True)
        assert head is not None
        assert upgrade_schema(engine) == head  # at the head: nothing to do
    finally:
        engine.dispose()
    assert _differences(db_url) == []


def test_a_fresh_store_is_created_from_the_models_and_stamped(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        head = upgrade_schema(engine)
        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == head
    finally:
        engine.dispose()
    assert _differences(db_url) == []


def test_a_store_of_the_first_release_is_stamped_upgraded_and_keeps_its_data(
    db_url: str,
) -> None:
    # What the first release's create_all() left: the baseline tables, no alembic_version.
    engine = make_engine(db_url)
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), BASELINE_REVISION)
        connection.execute(text("DROP TABLE alembic_version"))
    engine.dispose()
    hub = LiveHub(db_url).start()
    try:
        status, body = hub.post("/api/v1/reports", report("8890-old"))
        assert status == 201
    finally:
        hub.stop()
    hub.start(seed=False)
    try:
        assert body["id"] in hub.hub.state.incidents
        with hub.hub.engine.connect() as connection:
            indexes = {i["name"] for i in inspect(connection).get_indexes("events")}
        assert "ix_events_ts" in indexes
    finally:
        hub.stop()
    assert _differences(db_url) == []


def test_a_store_holding_a_fix_twice_keeps_the_first_and_gets_one_fix_per_time(
    db_url: str,
) -> None:
    # Revision 0004: a store of 0003 could hold the same fix twice (a device's retry).
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "0003")
            connection.execute(
                text(
                    "INSERT INTO positions (officer_id, ts, lat, lon, speed) "
                    "VALUES (:officer, :ts, :lat, 119.6, :speed)"
                ),
                [
                    {"officer": "U001", "ts": 100.0, "lat": 29.1, "speed": 1.0},
                    {"officer": "U001", "ts": 100.0, "lat": 29.9, "speed": 2.0},  # the retry
                    {"officer": "U001", "ts": 110.0, "lat": 29.2, "speed": None},
                    {"officer": "U002", "ts": 100.0, "lat": 29.3, "speed": None},
                    {"officer": "U001", "ts": 100.0, "lat": 29.8, "speed": 3.0},  # and again
                    {"officer": "U002", "ts": 110.0, "lat": 29.4, "speed": None},
                ],
            )
        assert upgrade_schema(engine) == head_revision()
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT officer_id, ts, lat FROM positions ORDER BY officer_id, ts")
            ).all()
            indexes = {i["name"]: i for i in inspect(connection).get_indexes("positions")}
        assert [tuple(r) for r in rows] == [
            ("U001", 100.0, 29.1),
            ("U001", 110.0, 29.2),
            ("U002", 100.0, 29.3),
            ("U002", 110.0, 29.4),
        ]
        assert set(indexes) == {"uq_positions_officer_ts", "ix_positions_fix_time"}
        assert indexes["uq_positions_officer_ts"]["unique"]
        assert indexes["uq_positions_officer_ts"]["column_names"] == ["officer_id", "ts"]
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text("INSERT INTO positions (officer_id, ts, lat, lon) VALUES ('U002', 110, 0, 0)")
            )
        # And back: the revision downgrades to the plain index.
        with engine.begin() as connection:
            command.downgrade(_alembic_config(connection), "0003")
        with engine.connect() as connection:
            names = {i["name"] for i in inspect(connection).get_indexes("positions")}
        assert names == {"ix_positions_officer_ts"}
    finally:
        engine.dispose()
    engine = make_engine(db_url)
    try:
        upgrade_schema(engine)
    finally:
        engine.dispose()
    assert _differences(db_url) == []


def test_fixes_stored_before_0005_are_fixes_and_the_hub_settings_table_appears(
    db_url: str,
) -> None:
    # Revision 0005: positions gain ``fixed`` (JT/T 808 reports without a fix are kept
    # flagged); every row stored before was a fix. hub_settings holds the gateway secret.
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "0004")
            connection.execute(
                text("INSERT INTO positions (officer_id, ts, lat, lon) VALUES ('U001', 1, 29, 119)")
            )
        assert upgrade_schema(engine) == head_revision()
        with engine.begin() as connection:
            assert connection.execute(text("SELECT fixed FROM positions")).scalar_one() == 1
            connection.execute(
                text(
                    "INSERT INTO positions (officer_id, ts, lat, lon, fixed) "
                    "VALUES ('U001', 2, 29, 119, false)"
                )
            )
            connection.execute(text("INSERT INTO hub_settings (name, value) VALUES ('a', 'b')"))
        with engine.begin() as connection:
            command.downgrade(_alembic_config(connection), "0004")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("positions")}
            assert "fixed" not in columns
            assert "hub_settings" not in inspect(connection).get_table_names()
            assert connection.execute(text("SELECT count(*) FROM positions")).scalar_one() == 2
    finally:
        engine.dispose()
    engine = make_engine(db_url)
    try:
        upgrade_schema(engine)
    finally:
        engine.dispose()
    assert _differences(db_url) == []


def test_alerts_stored_before_0007_have_no_code_and_are_shown_by_their_text(
    db_url: str,
) -> None:
    # Revision 0007: alerts keep their event code and args; a row stored before has
    # neither (NULL) and a restarted hub loads it with its Chinese text alone.
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "0006")
            connection.execute(
                text(
                    "INSERT INTO alerts (id, kind, subject, text, ts) "
                    "VALUES ('sos:U001@100', 'sos', 'U001', :text, 100)"
                ),
                {"text": "警员001 紧急求助（SOS，手机）"},
            )
        assert upgrade_schema(engine) == head_revision()
        with engine.connect() as connection:
            row = connection.execute(text("SELECT text, code, args FROM alerts")).one()
        assert tuple(row) == ("警员001 紧急求助（SOS，手机）", None, None)
        # And back: 0006 without the columns, the alert still there.
        with engine.begin() as connection:
            command.downgrade(_alembic_config(connection), "0006")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("alerts")}
            assert not {"code", "args"} & columns
            assert connection.execute(text("SELECT count(*) FROM alerts")).scalar_one() == 1
    finally:
        engine.dispose()
    engine = make_engine(db_url)
    try:
        upgrade_schema(engine)
    finally:
        engine.dispose()
    assert _differences(db_url) == []
    live = LiveHub(db_url).start(seed=False)
    try:
        alert = live.hub.state.alerts["sos:U001@100"]
        assert (alert.text, alert.code, alert.args) == ("警员001 紧急求助（SOS，手机）", "", {})
    finally:
        live.stop()
