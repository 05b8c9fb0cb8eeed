"""Alerts keep their event code: alerts.code and alerts.args

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:00:00.000000

An ``alert.new`` carries a ``code`` and its ``args`` beside the Chinese ``text`` so that
each wall words the alert in its own language (backend_client/events.py). The alerts
table stored only the text, so the uncleared alerts a restarted hub loads into its
snapshot lost their code and an English wall showed them in Chinese. Both columns are
nullable with no default: rows stored before keep ``code`` and ``args`` NULL and are
shown by their text, as before. Plain ADD COLUMN on both databases (no batch copy of the
table).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("alerts", sa.Column("code", sa.String(length=64), nullable=True))
    op.add_column("alerts", sa.Column("args", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("args")
        batch.drop_column("code")
