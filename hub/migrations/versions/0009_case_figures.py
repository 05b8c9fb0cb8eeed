"""A case's figures as columns: the 1-3-15 marks and the first officer sent

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 14:00:00.000000

``stats.query`` aggregates the 1-3-15 marks of a year of cases. Read out of the JSON
``incidents.sla`` (and ``units``) row by row, a year of 300,000 cases took 6 to 12 s; as
plain columns the databases aggregate them directly. The columns are derived: the hub
refreshes them from ``sla`` and ``units`` on every write of a case
(``hub.store.models.case_figures``). This revision adds them, the index of the handle
deadline (the 应结案 cohort is one range of it), and fills them for every stored case with
one UPDATE per database, the JSON read by each database's own functions (the same
expressions on SQLite and PostgreSQL, compiled by SQLAlchemy). Plain ADD COLUMN on both
(no batch copy of the table); the booleans get a server default so that the rows stored
before have a value while the UPDATE runs.

Two tables for the figures of whole past days (``case_day_figures``, and the change count
of each day that tells when they are stale, ``case_day_changes``): they start empty, and
stats.query fills them as it reads days (hub/requests/stats.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMES = ("accept_by", "move_by", "handle_by", "accepted_at", "moving_at", "handled_at")
STAGES = ("accept", "move", "handle")
#: The stored ``missed`` list holds each stage at most once, in stage order.
MAX_MISSED = len(STAGES)


def upgrade() -> None:
    for name in TIMES:
        op.add_column("incidents", sa.Column(name, sa.Float(), nullable=True))
    for stage in STAGES:
        op.add_column(
            "incidents",
            sa.Column(f"missed_{stage}", sa.Boolean(), nullable=False, server_default=sa.false()),
        )
    op.add_column("incidents", sa.Column("first_unit", sa.String(length=32), nullable=True))

    # The table as this revision knows it (not the models: they move on after it).
    incidents = sa.table(
        "incidents",
        sa.column("sla", sa.JSON()),
        sa.column("units", sa.JSON()),
        *(sa.column(name, sa.Float()) for name in TIMES),
        *(sa.column(f"missed_{stage}", sa.Boolean()) for stage in STAGES),
        sa.column("first_unit", sa.String()),
    )
    sla = incidents.c.sla
    missed = [sla[("missed", i)].as_string() for i in range(MAX_MISSED)]
    values: dict[str, sa.ColumnElement[object]] = {name: sla[name].as_float() for name in TIMES}
    for stage in STAGES:
        # COALESCE: a case without marks (JSON null, or no ``missed``) compares NULL.
        values[f"missed_{stage}"] = sa.func.coalesce(
            sa.or_(*(m == stage for m in missed)), sa.false()
        )
    values["first_unit"] = incidents.c.units[0].as_string()
    op.get_bind().execute(sa.update(incidents).values(values))

    op.create_index("ix_incidents_handle_by", "incidents", ["handle_by"])

    # The kept figures of past days start empty: stats.query makes them as it reads days.
    op.create_table(
        "case_day_changes",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("gen", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "case_day_figures",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("grp", sa.String(length=16), nullable=False),
        sa.Column("gen", sa.Integer(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("tallies", sa.JSON(), nullable=False),
        sa.Column("durations", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("day", "grp"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Not compressed: reading a year of them is faster (hub.store.models).
        op.execute("ALTER TABLE case_day_figures ALTER COLUMN durations SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table("case_day_figures")
    op.drop_table("case_day_changes")
    op.drop_index("ix_incidents_handle_by", table_name="incidents")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("first_unit")
        for stage in reversed(STAGES):
            batch.drop_column(f"missed_{stage}")
        for name in reversed(TIMES):
            batch.drop_column(name)
