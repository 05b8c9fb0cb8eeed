"""Alembic migrations: the revisions build exactly the models' schema; old stores upgrade."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from hub.store.db import BASELINE_REVISION, _alembic_config, make_engine, upgrade_schema
from hub.store.models import Base
from tests.support.hubs import LiveHub, report


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
