"""positions: one row per officer and fix time (duplicates removed, unique index)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 10:00:00.000000

Every fix is now stored (the table is the track of record) and a device's retry of a fix
must be stored once: ``(officer_id, ts)`` becomes unique, and the hub inserts positions
with ON CONFLICT DO NOTHING. A store from before may hold the same fix twice (a retry
that was stored again); the oldest row of each such pair is kept and the others deleted
first. The unique index replaces ``ix_positions_officer_ts`` (same columns, same order),
so ``unit.track`` reads along it as before. Plain CREATE/DROP INDEX on both databases:
batch mode would copy the whole positions table on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Portable (SQLite and PostgreSQL), and it walks ix_positions_officer_ts, which still
# exists at this point: for each row, is there an older one with the same key?
_DEDUPE = sa.text(
    "DELETE FROM positions WHERE EXISTS ("
    " SELECT 1 FROM positions AS older"
    " WHERE older.officer_id = positions.officer_id"
    " AND older.ts = positions.ts"
    " AND older.id < positions.id)"
)


def upgrade() -> None:
    op.get_bind().execute(_DEDUPE)
    op.create_index("uq_positions_officer_ts", "positions", ["officer_id", "ts"], unique=True)
    op.drop_index("ix_positions_officer_ts", table_name="positions")


def downgrade() -> None:
    op.create_index("ix_positions_officer_ts", "positions", ["officer_id", "ts"], unique=False)
    op.drop_index("uq_positions_officer_ts", table_name="positions")
