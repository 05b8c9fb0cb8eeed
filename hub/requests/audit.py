"""The audit log from the requests' side: the rows views and actions write, and
``audit.query`` (supervisors) reading them back."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from backend_client.protocol.ops import AuditAnswer, AuditArgs, AuditRecord
from hub.auth import Principal
from hub.requests.base import MAX_AUDIT_ROWS, Ops
from hub.store.models import AuditEntry


def write_audit(session: Session, who: Principal, action: str, subject: str, **detail: Any) -> None:
    """One audit row, in the caller's transaction."""
    # A plain INSERT: the ORM's unit of work would cost more than the row itself on every
    # drill-down.
    session.execute(
        insert(AuditEntry).values(
            ts=time.time(),
            actor=who.name,
            role=who.role,
            action=action,
            subject=subject,
            detail=detail or None,
        )
    )


def write_audit_view(
    session: Session, who: Principal, action: str, subject: str, **detail: Any
) -> None:
    """The audit row of a drill-down view, committed without waiting for the disk flush.

    On PostgreSQL the flush of every view's one-row commit was most of a drill-down's
    round trip (bench/drilldown.py). Asynchronous commit keeps the row atomic and
    visible at once, and a hub crash cannot lose it; only a crash of the database server
    or its machine within ~0.6 s can (SQLite's WAL with synchronous=NORMAL likewise may
    lose the last commits to a power cut, hub/store/db.py). Steps and dispatches keep
    synchronous commits.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    write_audit(session, who, action, subject, **detail)


class AuditOps(Ops):
    async def audit_query(self, _who: Principal, args: AuditArgs) -> AuditAnswer:
        limit = max(1, min(args.limit, MAX_AUDIT_ROWS))

        def read() -> AuditAnswer:
            with Session(self.hub.engine) as session:
                query = (
                    select(AuditEntry)
                    .order_by(AuditEntry.ts.desc(), AuditEntry.id.desc())
                    .limit(limit)
                )
                if args.since is not None:
                    query = query.where(AuditEntry.ts >= args.since)
                if args.actor:
                    query = query.where(AuditEntry.actor == args.actor)
                entries = session.scalars(query).all()
                return AuditAnswer(
                    [
                        AuditRecord(e.ts, e.actor, e.role, e.action, e.subject, e.detail or {})
                        for e in entries
                    ]
                )

        return await asyncio.get_running_loop().run_in_executor(None, read)
