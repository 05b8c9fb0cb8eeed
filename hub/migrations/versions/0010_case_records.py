"""Electronic records (电子笔录) on cases: records, their versions, body-camera clips

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 14:30:00.000000

Three new tables and nothing else changes: ``case_records`` (one row per record of a
case, named by the terminal's record id), ``case_record_versions`` (every version as it
was sent: a signed one is never changed, a correction is the next version) and
``record_clips`` (the body-camera clips of a version: device, start, end). Decisions on
cases (裁量) are ``decision`` rows of the existing ``case_events``: no table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_records",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("latest", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_case_records_incident", "case_records", ["incident_id", "created_at"], unique=False
    )
    op.create_table(
        "case_record_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("template_version", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("ended_at", sa.Float(), nullable=False),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("corrects", sa.Integer(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["case_records.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("record_id", "version", name="uq_record_version"),
    )
    op.create_table(
        "record_clips",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=False),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("end", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["case_record_versions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_record_clips_version", "record_clips", ["version_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_record_clips_version", table_name="record_clips")
    op.drop_table("record_clips")
    op.drop_table("case_record_versions")
    op.drop_index("ix_case_records_incident", table_name="case_records")
    op.drop_table("case_records")
