"""Duplicate reports: a case merged into another (issue 18)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 17:00:00.000000

Two columns on ``incidents``: ``parent_id`` (the case a duplicate was merged into, NULL
for every case stored before, which merged into nothing) with its index (a parent's
drill-down lists its children by it), and ``merged`` (how many children a case has, 0
for every stored case). And an index of the address: duplicate candidates at the same
address are one lookup of it. Plain ADD COLUMN on both databases: SQLite adds a nullable
column and one with a constant default without copying the table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("incidents", sa.Column("parent_id", sa.String(length=32), nullable=True))
    op.add_column(
        "incidents",
        sa.Column("merged", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    op.create_index("ix_incidents_parent_id", "incidents", ["parent_id"], unique=False)
    op.create_index("ix_incidents_address", "incidents", ["address"], unique=False)


def downgrade() -> None:
    # SQLite drops a column by copying the table: batch mode does that on SQLite and is a
    # plain ALTER TABLE on PostgreSQL.
    op.drop_index("ix_incidents_address", table_name="incidents")
    op.drop_index("ix_incidents_parent_id", table_name="incidents")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("merged")
        batch.drop_column("parent_id")
