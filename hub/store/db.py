"""Engine creation and schema set-up for the hub store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url

from hub.store.models import Base

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# The revision that create_all() of the first release matches: a store made before the
# hub used Alembic is stamped with it, then upgraded like any other.
BASELINE_REVISION = "0001"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (drill-downs, resumes) run while the writer commits; NORMAL sync
    # in WAL mode is still durable across an application crash (kill -9), which is the
    # failure the hub must survive; only a power cut can lose the last commit.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def make_engine(url: str, *, background_checkpoint: bool = False) -> Engine:
    """An engine for ``url`` with the settings the hub relies on.

    ``background_checkpoint`` (SQLite): commits never checkpoint the WAL themselves; the
    owner must call :func:`checkpoint` every second or so. By default the commit that
    crosses 1,000 WAL pages copies them into the database and syncs it, on the writer
    thread: at 5,000 officers that was a 100-250 ms hole in the position stream every
    few seconds (bench/map_e2e.py, the hub stage's p99).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        if background_checkpoint:
            event.listen(engine, "connect", _no_autocheckpoint)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


def checkpoint(engine: Engine) -> tuple[int, int, int] | None:
    """Copy what the WAL holds into the database without blocking the writer (PASSIVE).

    Returns SQLite's ``(busy, wal_pages, checkpointed_pages)``, or None for a store that
    is not SQLite. Runs its I/O on the calling thread: call it off the event loop.
    """
    if engine.dialect.name != "sqlite":
        return None
    with engine.connect() as connection:
        row = connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
    return int(row[0]), int(row[1]), int(row[2])


def create_schema(engine: Engine) -> None:
    """Tables straight from the models (throw-away stores in tools); the hub migrates."""
    Base.metadata.create_all(engine)


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade_schema(engine: Engine, replay_empty: bool = False) -> str | None:
    """Bring the store to the newest revision; returns the revision it is at.

    Start-up must stay fast: a store already at the head costs one query; an empty one
    gets the tables from the models and is stamped at the head (the Alembic cookbook's
    recipe: ~20 ms instead of ~200 ms replaying every revision; ``replay_empty`` replays
    them, which the tests use to prove the revisions build the same schema). Only an
    older store runs alembic's command machinery.
    """
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        if current == head:
            return current
        tables = set(inspect(connection).get_table_names())
    if current is None and not tables and not replay_empty:
        with engine.begin() as connection:
            Base.metadata.create_all(connection)
            MigrationContext.configure(connection).stamp(script, "head")
        return head
    from alembic import command

    with engine.begin() as connection:
        config = _alembic_config(connection)
        if current is None and "events" in tables:
            command.stamp(config, BASELINE_REVISION)
        command.upgrade(config, "head")
    return head
