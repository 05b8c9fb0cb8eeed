"""Supervision alerts as the map shows them: a pulsing ring around the subject.

Pure Python (no Qt). An alert's subject is a bare id whose kind follows from the alert
kind (``hub/domain/supervision.py``): officers for idle / outside-zone / silent-device,
cases for missed 1-3-15 stages and overdue rectifications, merchants for repeat
complaints. Kinds this map does not know are looked up among all three on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from backend_client.protocol.messages import Alert

SubjectKind = Literal["unit", "incident", "merchant", "any"]

SUBJECT_KINDS: Final[dict[str, SubjectKind]] = {
    "officer_idle": "unit",
    "outside_zone": "unit",
    "device_silent": "unit",
    "sla_missed": "incident",
    "rectification_overdue": "incident",
    "repeat_complaints": "merchant",
    "sos": "unit",
}


@dataclass(frozen=True, slots=True)
class AlertInfo:
    """What the map needs of one alert."""

    id: str
    subject: str
    #: 1 notice, 2 warning, 3 urgent (as on the wire).
    severity: int = 2
    kind: str = ""
    subject_kind: SubjectKind = "any"

    def __post_init__(self) -> None:
        if not 1 <= self.severity <= 3:
            raise ValueError(f"alert severity must be 1..3, got {self.severity}")

    @classmethod
    def from_alert(cls, alert: Alert) -> AlertInfo:
        return cls(
            id=alert.id,
            subject=alert.subject,
            severity=min(3, max(1, alert.severity)),
            kind=alert.kind,
            subject_kind=SUBJECT_KINDS.get(alert.kind, "any"),
        )

    def page_item(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "subject": self.subject,
            "subjectKind": self.subject_kind,
            "severity": self.severity,
            "kind": self.kind,
        }


__all__ = ["SUBJECT_KINDS", "AlertInfo", "SubjectKind"]
