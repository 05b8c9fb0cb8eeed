"""Lifecycle nodes (核实, 核查, 返工, 督办, 作废, 挂账) and follow-up visits (回访) (issue 18)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 17:00:00.000000

One new table, ``case_visits``: the follow-up visits (回访) of closed cases. The new
lifecycle nodes need no column: their steps are ``case_events`` rows (kind up to 32
characters) and the new statuses (``voided``, ``suspended``, ``verified``, ``checking``)
fit the existing ``incidents.status`` column.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_visits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.Float(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_case_visits_incident_ts", "case_visits", ["incident_id", "ts"], unique=False
    )
    op.create_index("ix_case_visits_ts", "case_visits", ["ts"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_case_visits_ts", table_name="case_visits")
    op.drop_index("ix_case_visits_incident_ts", table_name="case_visits")
    op.drop_table("case_visits")
