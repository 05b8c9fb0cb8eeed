"""JT/T 808 gateway: positions flagged fixed or not; hub settings (the auth-code secret)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 07:00:00.000000

A JT/T 808 terminal reports positions whose status bit 1 says "not a fix" (the last known
place, or zeros): they are stored as sent with ``fixed`` false and never drawn, so the
column is added with a server default of true (every row stored before was a fix).
``hub_settings`` keeps, by name, small values the hub must keep across restarts: the
gateway's secret, from which each terminal's auth code is derived (an HMAC of its
number), so that a code issued before a restart is still accepted after it.
Plain ADD COLUMN and CREATE TABLE on both databases (no batch copy of positions).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "positions",
        sa.Column("fixed", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "hub_settings",
        sa.Column("name", sa.String(length=64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("hub_settings")
    with op.batch_alter_table("positions") as batch:
        batch.drop_column("fixed")
