"""Live positions leave the event log: the old ``unit.positions`` rows are deleted

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 13:00:00.000000

Positions are now live frames with no ``seq`` (the ``positions`` table is their record,
and a wall is resynced with each unit's newest fix), so the batches the log still holds
would only be replayed to resuming walls as events they no longer expect. They go.

``seq`` numbers are never handed out twice: before deleting, the highest ``seq`` ever
used is kept as ``hub_settings.events_seq_floor`` and the writer numbers on above it
(the deleted batch may have been the newest event). A client resuming from before the
deletion finds a hole in the log and is answered with a snapshot, as for any event the
log no longer has. Nothing to undo on downgrade: the batches are not recoverable, and an
older hub reads a log without them as one that pruned them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLOOR = "events_seq_floor"


def upgrade() -> None:
    bind = op.get_bind()
    top = bind.execute(sa.text("SELECT MAX(seq) FROM events")).scalar()
    if top is not None:
        floor = bind.execute(
            sa.text("SELECT value FROM hub_settings WHERE name = :name"), {"name": FLOOR}
        ).scalar()
        if floor is None:
            bind.execute(
                sa.text("INSERT INTO hub_settings (name, value) VALUES (:name, :value)"),
                {"name": FLOOR, "value": str(int(top))},
            )
        elif int(floor) < int(top):
            bind.execute(
                sa.text("UPDATE hub_settings SET value = :value WHERE name = :name"),
                {"name": FLOOR, "value": str(int(top))},
            )
    bind.execute(sa.text("DELETE FROM events WHERE type = 'unit.positions'"))


def downgrade() -> None:
    pass
