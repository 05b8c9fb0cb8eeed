"""Lifecycle nodes (核实, 核查, 返工, 督办, 作废, 挂账) and follow-up visits (回访) (issue 18)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 17:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
