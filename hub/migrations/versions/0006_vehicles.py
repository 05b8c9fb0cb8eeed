"""Vehicles in the roster: officers.kind ("officer" | "vehicle") and officers.plate

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 07:00:00.000000

Enforcement vehicles carry JT/T 808 terminals and are tracked exactly like officers
(positions, ``unit.track``, the gateway's binding by device digits, the stream), so they
are rows of the same table: ``kind`` with a server default of "officer" (every row stored
before is an officer) and a nullable ``plate``, unique where present (NULLs never clash
on SQLite or PostgreSQL). Plain ADD COLUMN and CREATE INDEX on both databases (no batch
copy of the table).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "officers",
        sa.Column("kind", sa.String(length=16), nullable=False, server_default="officer"),
    )
    op.add_column("officers", sa.Column("plate", sa.String(length=16), nullable=True))
    op.create_index("uq_officers_plate", "officers", ["plate"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_officers_plate", table_name="officers")
    with op.batch_alter_table("officers") as batch:
        batch.drop_column("plate")
        batch.drop_column("kind")
