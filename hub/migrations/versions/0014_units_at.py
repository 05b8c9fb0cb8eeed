"""units.at: the fixes of a moment side by side (issue 18)

``ix_positions_fix_time`` (ts, officer, and the fix's columns): ``units.at``
reads back in time from the moment asked, index only, instead of one random index page
per unit (hub/requests/units_at.py, bench/units_at.py).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 17:05:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["ts", "officer_id", "lat", "lon", "speed", "heading", "fixed"]


def upgrade() -> None:
    # Every column units.at reads of a fix, ``fixed`` included: the read is index only.
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_positions_fix_time",
            COLUMNS,
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.drop_index("ix_positions_fix_time")
