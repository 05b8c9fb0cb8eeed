"""SOS: a device's emergency button becomes an ``sos`` alert on every wall.

A JT/T 808 terminal sets alarm bit 0 in its location reports while its SOS button has
been pressed (the standard has it cleared once the platform answered). The hub raises one
``alert.new`` of kind ``sos`` for the officer carrying it (subject: the officer's id,
severity 3, urgent) and raises no other while that one is active; it clears only when an
operator acknowledges it (``alert.ack``), which then emits ``alert.clear``. A later press
after that is a new alert. The alert id is ``sos:<officer>@<fix time>``: the same report
sent again (a retry) never raises a second alert.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from backend_client.protocol.messages import Alert, AlertNew
from hub.domain.wording import sos_wording
from hub.store.models import AlertRow
from hub.writer import Emitter

SOS_KIND = "sos"
SOS_SEVERITY = 3
#: Alert kinds that an acknowledgement clears (no condition the patrol could see end).
# A 督办 (hub/cases.py announce_supervision) likewise: its order stands once read.
ACK_CLEARS = frozenset({SOS_KIND, "supervised"})


def sos_alert(officer_id: str, officer_name: str, ts: float, source: str) -> Alert:
    """The wire alert for an SOS from ``officer_id``'s device at fix time ``ts``."""
    return Alert(
        id=f"{SOS_KIND}:{officer_id}@{int(ts)}",
        kind=SOS_KIND,
        subject=officer_id,
        ts=ts,
        **sos_wording(officer_name or officer_id, source),
        severity=SOS_SEVERITY,
    )


def raise_sos_work(alert: Alert) -> Callable[[Session, Emitter], bool]:
    """A writer unit of work storing ``alert`` and emitting its ``alert.new``; returns
    whether it was raised (False when the same alert id is already stored: a retry)."""

    def work(session: Session, emitter: Emitter) -> bool:
        if session.get(AlertRow, alert.id) is not None:
            return False
        session.add(
            AlertRow(
                id=alert.id,
                kind=alert.kind,
                subject=alert.subject,
                text=alert.text,
                ts=alert.ts,
                cleared_at=None,
                # Kept so that after a restart the snapshot still words it per wall.
                code=alert.code or None,
                args=dict(alert.args) if alert.code else None,
            )
        )
        emitter.emit(lambda seq, ts: AlertNew(seq=seq, ts=ts, alert=alert))
        return True

    return work
