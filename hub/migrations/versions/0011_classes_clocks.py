"""Standard classes on cases and deadlines on working time (issue 18)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 17:00:00.000000

Four new columns of ``incidents`` (docs/casework.md): ``class_code`` (the catalogue's
five-digit class), ``deadline`` (the 处置时限 deadline, fixed at dispatch), ``deadline_limit``
(the limit it was counted from, as text) and ``overdue_at`` (the deadline whose miss is
recorded). Stored cases keep no deadline (none was fixed when they were dispatched).

The data step maps each stored case's free category name through the shipped catalogue
(``resources/classes/chengguan.toml``): a name, alias or old code gets its class's code,
and ``category`` becomes the class's name, as new reports store it (出店经营 → 09005
店外经营). A name no class has (typed by hand) keeps its text and a NULL code. The
downgrade drops the columns; the names stay the class names (both are valid free names).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.domain.classes import shipped_catalogue

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("class_code", sa.String(length=5), nullable=True))
        batch.add_column(sa.Column("deadline", sa.Float(), nullable=True))
        batch.add_column(sa.Column("deadline_limit", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("overdue_at", sa.Float(), nullable=True))
    connection = op.get_bind()
    incidents = sa.table(
        "incidents", sa.column("category", sa.String), sa.column("class_code", sa.String)
    )
    # One UPDATE per distinct name (16 in a store of this hub), not one per case.
    names = connection.execute(sa.select(incidents.c.category).distinct()).scalars().all()
    catalogue = shipped_catalogue()
    for name in names:
        matter = catalogue.find(name) if name is not None else None
        if matter is None:
            continue
        connection.execute(
            incidents.update()
            .where(incidents.c.category == name)
            .values(class_code=matter.code, category=matter.name)
        )
    # stats.query's kept day figures count by the old names: dropped, they are read
    # again from the cases (the table is a cache, valid only while a day is unchanged).
    op.execute("DELETE FROM case_day_figures WHERE grp = 'category'")


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("overdue_at")
        batch.drop_column("deadline_limit")
        batch.drop_column("deadline")
        batch.drop_column("class_code")
