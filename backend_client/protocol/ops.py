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

from typing import Annotated, Any, Literal, NamedTuple

import msgspec

from backend_client.protocol.messages import Incident

#: ``case.history``: events per page when the client names no ``limit``.
HISTORY_PAGE = 500
#: ``merchant.profile``: cases per page when the client names no ``limit``.
PROFILE_PAGE = 200
#: ``audit.query``: entries when the client names no ``limit``.
AUDIT_PAGE = 200
#: ``stats.query``: the longest period one request may cover, in days (a year and a
#: month: a year-on-year comparison of a month still fits).
STATS_MAX_DAYS = 400
#: ``stats.query``: what a period's cases are grouped by (see :class:`StatsArgs`).
StatsGroup = Literal["source", "category", "team", "day", "stage"]


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


class StatsArgs(Args):
    """``stats.query``: the figures of the period ``start <= t < end`` (hub epoch seconds,
    at most :data:`STATS_MAX_DAYS` days), one row per value of ``group``:

    - ``source``: where the case came from (``hotline``, ``snap``, ``grid``, ``patrol``);
    - ``category``: the case's category (one level today: a case carries one category
      string, no 大类 -> 小类 split is stored);
    - ``team``: the team of the first officer dispatched to the case (its township or
      specialist team, a team id); ``""`` for a case no officer was sent to;
    - ``day``: the local day in Asia/Shanghai (UTC+8, no DST) as ``YYYY-MM-DD``; every
      day the period touches has a row, zeros included, so a trend has no holes;
    - ``stage``: the case's status now (``reported`` ... ``closed``).
    """

    start: float
    end: float
    group: StatsGroup


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


class StageFigures(msgspec.Struct):
    """One 1-3-15 stage over the cases received in the period, judged as
    :func:`backend_client.sla.judge_stage` judges it now: ``met`` done by its deadline
    (and no miss recorded), ``missed`` done late, not done past the deadline, or a miss
    recorded; ``pending`` not done and still inside the deadline; ``rate`` =
    met / (met + missed), ``null`` while nothing is decided. ``median_s``: the median of
    the seconds from the report to the stage being done (report -> accepted, -> moving,
    -> handled) over the cases where it is done, ``null`` when none is."""

    stage: str
    met: int
    missed: int
    pending: int
    rate: float | None
    median_s: float | None


class StatsRow(msgspec.Struct):
    """One group's figures (the formulas are :class:`StatsFormulas`)."""

    #: The group's value: a source, a category, a team id, a day or a status.
    key: str
    #: 受理: cases reported in the period.
    received: int
    #: 应结案: cases whose 1-3-15 handle deadline falls in the period.
    due: int
    #: 结案: of those due, the ones closed by now.
    closed: int
    #: 按期结案: of those closed, the ones handled on scene by their handle deadline.
    closed_on_time: int
    #: 结案率 = 结案 / 应结案; ``null`` when nothing was due.
    closure_rate: float | None
    #: 按期结案率 = 按期结案 / 应结案; ``null`` when nothing was due.
    on_time_rate: float | None
    #: accept, move, handle: compliance and median response time, over the received.
    stages: list[StageFigures]


class StatsFormulas(msgspec.Struct):
    """How each figure is made, worded for a wall to show beside it."""

    received: str = "受理 = 期内上报的案件数"
    due: str = "应结案 = 处置时限落在期内的案件数"
    closed: str = "结案 = 应结案中已结案的案件数"
    closed_on_time: str = "按期结案 = 结案中在处置时限内处置完毕的案件数"
    closure_rate: str = "结案率 = 结案 / 应结案"
    on_time_rate: str = "按期结案率 = 按期结案 / 应结案"
    compliance: str = "1-3-15 达标率 = 按时 / (按时 + 超时)（未到时限的案件不计）"
    median: str = "响应时间中位数 = 上报至受理 / 出发 / 处置完毕的秒数的中位数"


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


class StatsAnswer(Answer):
    start: float
    end: float
    group: StatsGroup
    #: The hub's clock when the figures were read: 结案 and the pending stages are as of it.
    as_of: float
    #: One row per group value, in ``key`` order (days in date order).
    rows: list[StatsRow]
    #: The whole period as one group (``key`` ""); medians are the period's, not a mean
    #: of the rows'.
    total: StatsRow
    formulas: StatsFormulas


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
    "stats.query": Op(
        StatsArgs,
        StatsAnswer,
        False,
        "the period's figures (`start <= t < end`, ≤ 400 days) per value of `group`"
        " (`source`, `category`, `team`, `day` (Asia/Shanghai), `stage`) and in total:"
        " 受理, 应结案, 结案, 按期结案, 结案率, 按期结案率, 1-3-15 compliance and response-time"
        " medians per stage, with the formulas (below)",
        "– (aggregates only)",
    ),
}


def to_result(answer: Answer) -> dict[str, Any]:
    """``answer`` as the ``result`` of a ``res`` frame (omitted defaults stay omitted)."""
    result: dict[str, Any] = msgspec.to_builtins(answer)
    return result
