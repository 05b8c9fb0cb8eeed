"""The arguments of each request op, as the hub validates them (protocol.md, Requests)."""

from __future__ import annotations

import msgspec

from hub.requests.base import HISTORY_PAGE, PROFILE_PAGE


class CaseHistoryArgs(msgspec.Struct):
    case_id: str
    offset: int = 0
    limit: int = HISTORY_PAGE


class CaseRelatedArgs(msgspec.Struct):
    case_id: str


class MerchantArgs(msgspec.Struct):
    merchant_id: str
    offset: int = 0
    limit: int = PROFILE_PAGE


class MerchantListArgs(msgspec.Struct):
    pass


class TrackArgs(msgspec.Struct):
    unit_id: str
    start: float
    end: float


class DispatchArgs(msgspec.Struct):
    incident_id: str
    unit_ids: list[str]


class CaseStepArgs(msgspec.Struct):
    case_id: str
    action: str
    units: list[str] = msgspec.field(default_factory=list)
    outcome: str = ""
    note: str = ""
    deadline: float | None = None


class AlertAckArgs(msgspec.Struct):
    alert_id: str


class AuditArgs(msgspec.Struct):
    since: float | None = None
    actor: str | None = None
    limit: int = 200
