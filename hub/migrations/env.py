"""Alembic environment: the hub passes its own connection; the ``alembic`` CLI gives a URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from hub.store.db import make_engine
from hub.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite alters tables by copying them; batch mode does that for us.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set sqlalchemy.url (alembic -x or alembic.ini) to the hub database")
    engine = make_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
