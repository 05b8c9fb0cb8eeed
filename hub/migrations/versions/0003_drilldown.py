"""drill-down: joint inspections, indexes for related cases

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 22:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inspections",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("merchant_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.Float(), nullable=False),
        sa.Column("teams", sa.JSON(), nullable=False),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("officers", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.create_index("ix_inspections_merchant_ts", ["merchant_id", "ts"], unique=False)
    # Plain CREATE INDEX on both databases: batch mode would copy the incidents table on
    # SQLite, which a large store does not need for an index.
    op.create_index("ix_incidents_lat_lon", "incidents", ["lat", "lon", "id"], unique=False)
    op.create_index(
        "ix_incidents_category_reported",
        "incidents",
        ["category", "reported_at", "lat", "lon", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_incidents_category_reported", table_name="incidents")
    op.drop_index("ix_incidents_lat_lon", table_name="incidents")
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_index("ix_inspections_merchant_ts")
    op.drop_table("inspections")
