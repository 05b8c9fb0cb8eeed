"""The request ops, typed: one arguments Struct and one answer Struct per op.

The hub decodes a request's ``args`` with the op's arguments Struct and answers with its
answer Struct; the client (:mod:`backend_client.api`) builds the same arguments and
decodes the answer into the same Struct. ``docs/protocol.md``'s op table is generated
from :data:`OPS` (``scripts/protocol_ops.py``), so the wire, the code and the page cannot
drift apart. Pure data: no I/O (this is the shared core).

Field order is wire order: the answers encode to the JSON the hub sent before these
Structs existed (tests/hub compare them). Who may ask for what stays in the hub's role
table (``hub.auth.PERMISSIONS``), the one place roles are granted.
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

import msgspec

from backend_client.protocol.messages import Incident

#: ``case.history``: events per page when the client names no ``limit``.
HISTORY_PAGE = 500
#: ``merchant.profile``: cases per page when the client names no ``limit``.
PROFILE_PAGE = 200
#: ``audit.query``: entries when the client names no ``limit``.
AUDIT_PAGE = 200


class Args(msgspec.Struct):
    """The base of every op's arguments. Unknown fields are ignored (as they always
    were): a newer client may send an argument an older hub does not know."""


class Answer(msgspec.Struct):
    """The base of every op's answer (the ``result`` of a ``res`` frame)."""


# ---- arguments ---------------------------------------------------------------------------


class CaseHistoryArgs(Args):
    case_id: str
    offset: int = 0
    limit: int = HISTORY_PAGE


class CaseRelatedArgs(Args):
    case_id: str


class MerchantArgs(Args):
    merchant_id: str
    offset: int = 0
    limit: int = PROFILE_PAGE


class MerchantListArgs(Args):
    pass


class TrackArgs(Args):
    unit_id: str
    start: float
    end: float


class DispatchArgs(Args):
    incident_id: str
    unit_ids: list[str]


class CaseStepArgs(Args):
    case_id: str
    action: str
    units: list[str] = msgspec.field(default_factory=list)
    outcome: str = ""
    note: str = ""
    deadline: float | None = None


class AlertAckArgs(Args):
    alert_id: str


class AuditArgs(Args):
    since: float | None = None
    actor: str | None = None
    limit: int = AUDIT_PAGE


class WallPushArgs(Args):
    kind: str
    wall: str = ""
    id: str = ""
    lat: float | None = None
    lon: float | None = None
    zoom: float | None = None


class WallListArgs(Args):
    pass


# ---- rows inside answers -----------------------------------------------------------------


class ReporterInfo(msgspec.Struct):
    """A case's reporter as the asking role may see it (masked unless a supervisor)."""

    name: str
    phone: str


class CaseFile(Incident, kw_only=True, omit_defaults=True):
    """``case.history``'s ``case``: the incident as the stream carries it, plus its
    reporter (always sent, ``null`` when nobody is recorded)."""

    reporter: ReporterInfo | None


class TimelineEvent(msgspec.Struct):
    """One step of a case's timeline (``sla_missed`` notes included)."""

    kind: str
    ts: float
    actor: str
    detail: dict[str, Any]


class CaseSummary(msgspec.Struct):
    """A related case, with its distance in metres from the asked case (1 decimal;
    ``null`` when either has no location)."""

    id: str
    source: str
    category: str
    status: str
    reported_at: float
    address: str
    lat: float | None
    lon: float | None
    distance_m: float | None


class MerchantInfo(msgspec.Struct):
    id: str
    name: str
    credit_code: str
    address: str
    category: str
    risk: int
    lat: float
    lon: float


class InspectionRecord(msgspec.Struct):
    """One joint inspection (several departments in one visit)."""

    id: str
    ts: float
    departments: list[str]
    items: list[str]
    result: str
    note: str
    teams: list[str]
    officers: list[str]


class MerchantPlace(msgspec.Struct):
    """A merchant as the map's merchants layer draws it."""

    id: str
    name: str
    category: str
    risk: int
    lat: float
    lon: float


#: One stored fix: ``[ts, lat, lon, speed, heading]`` (an array, to keep a day's track small).
TrackFix = Annotated[
    tuple[float, float, float, float | None, float | None],
    msgspec.Meta(description="[ts, lat, lon, speed, heading]"),
]


class AuditRecord(msgspec.Struct):
    ts: float
    actor: str
    role: str
    action: str
    subject: str
    detail: dict[str, Any]


# ---- answers -----------------------------------------------------------------------------


class CaseHistoryAnswer(Answer):
    case: CaseFile
    photos: list[str]
    events: list[TimelineEvent]
    total_events: int
    next_offset: int | None


class CaseRelatedAnswer(Answer):
    case_id: str
    same_merchant: list[CaseSummary]
    nearby: list[CaseSummary]
    same_category: list[CaseSummary]


class MerchantAnswer(Answer):
    merchant: MerchantInfo
    cases: list[Incident]
    total_cases: int
    next_offset: int | None
    #: Over all the merchant's cases, not just the page.
    counts_by_category: Annotated[dict[str, int], msgspec.Meta(description="{category: n}")]
    inspections: list[InspectionRecord]


class MerchantListAnswer(Answer):
    merchants: list[MerchantPlace]


class TrackAnswer(Answer):
    unit_id: str
    points: list[TrackFix]


class DispatchAnswer(Answer):
    incident_id: str
    status: str
    seq: int


class CaseStepAnswer(Answer):
    case_id: str
    status: str
    seq: int
    #: The 1-3-15 stages this step found missed.
    missed: list[str]


class AlertAckAnswer(Answer):
    alert_id: str


class AuditAnswer(Answer):
    entries: list[AuditRecord]


class WallPushAnswer(Answer):
    seq: int
    wall: str
    kind: str
    id: str


class WallListAnswer(Answer):
    walls: list[str]


# ---- the op table ------------------------------------------------------------------------


class Op(NamedTuple):
    """One op: its arguments and answer, and what the docs say of it."""

    args: type[Args]
    answer: type[Answer]
    #: It changes something (not cached on the client; audited synchronously).
    writes: bool
    #: What it returns, in a sentence of docs/protocol.md's op table.
    doc: str
    #: The audit action it writes, "" when it writes none.
    audit: str = ""


OPS: dict[str, Op] = {
    "case.history": Op(
        CaseHistoryArgs,
        CaseHistoryAnswer,
        False,
        "the case (the incident, plus its `reporter` as the role may see it), its photos as"
        " stored (base64 data or URLs, ≤ 9), one page of the timeline in `(ts, id)` order"
        " (including `sla_missed` notes); `limit` is clamped to 1–2000; `next_offset` is"
        " `null` on the last page",
        "`view.case` (every page; `detail.offset`)",
    ),
    "case.related": Op(
        CaseRelatedArgs,
        CaseRelatedAnswer,
        False,
        "the case's three neighbourhoods, as case summaries (below)",
        "`view.related`",
    ),
    "merchant.profile": Op(
        MerchantArgs,
        MerchantAnswer,
        False,
        "the merchant, one page of its cases (newest first by `reported_at`; `limit`"
        " clamped to 1–1000), counts per category over all its cases, inspections (below)",
        "`view.merchant` (`detail.offset`)",
    ),
    "merchant.list": Op(
        MerchantListArgs,
        MerchantListAnswer,
        False,
        "every merchant (WGS-84), for the map's merchants layer",
        "– (reference data)",
    ),
    "unit.track": Op(
        TrackArgs,
        TrackAnswer,
        False,
        "every stored fix with `start <= ts <= end` (≤ 24 h), in fix-time order (one per"
        " `ts`); positions stored as *not a fix* (JT/T 808 status bit 1 clear) are left out",
        "`view.track`",
    ),
    "dispatch": Op(DispatchArgs, DispatchAnswer, True, "the case's new status", "`dispatch`"),
    "case.step": Op(
        CaseStepArgs,
        CaseStepAnswer,
        True,
        "the case's new status and the stages this step found missed",
        "`case.<action>`",
    ),
    "alert.ack": Op(
        AlertAckArgs,
        AlertAckAnswer,
        True,
        "an `sos` alert not cleared yet is cleared (`alert.clear` follows)",
        "`alert.ack`",
    ),
    "audit.query": Op(
        AuditArgs, AuditAnswer, False, "the newest audit rows first (`limit` ≤ 1000)", "–"
    ),
    "wall.push": Op(
        WallPushArgs,
        WallPushAnswer,
        True,
        "`id` must exist for `incident`/`merchant`/`officer`; `lat`, `lon`, `zoom` (3–20)"
        " are for `view`",
        "`wall.push` (`detail: {wall, kind}`)",
    ),
    "wall.list": Op(
        WallListArgs,
        WallListAnswer,
        False,
        "the names of the wall-role clients on the stream now",
        "–",
    ),
}


def to_result(answer: Answer) -> dict[str, Any]:
    """``answer`` as the ``result`` of a ``res`` frame (omitted defaults stay omitted)."""
    result: dict[str, Any] = msgspec.to_builtins(answer)
    return result
