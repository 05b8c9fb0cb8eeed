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

import datetime as dt
from typing import Annotated, Any, Literal, NamedTuple

import msgspec

from backend_client.protocol.messages import Incident, SlaMarks

#: ``case.history``: events per page when the client names no ``limit``.
HISTORY_PAGE = 500
#: ``merchant.profile``: cases per page when the client names no ``limit``.
PROFILE_PAGE = 200
#: ``audit.query``: entries when the client names no ``limit``.
AUDIT_PAGE = 200
#: ``stats.query``: the longest period one request may cover, in days (a year and a
#: month: a year-on-year comparison of a month still fits).
STATS_MAX_DAYS = 400
#: stats.hotspots: the heat grid's cell side (about 500 m at Wucheng's latitude), the most
#: cells answered, and what makes a recurrence point (重复发生点, CASEWORK-NOTES: 3 or
#: more cases of one category at one place within 30 days; a place is a square of about
#: 50 m).
HOTSPOT_CELL_DEG = 0.005
HOTSPOT_MAX_CELLS = 2000
RECURRENCE_PLACE_DEG = 0.0005
RECURRENCE_DAYS = 30
RECURRENCE_MIN = 3
#: ``stats.query``: what a period's cases are grouped by (see :class:`StatsArgs`).
StatsGroup = Literal["source", "category", "team", "day", "stage", "class_group"]


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
    #: ``verify``: confirmed | false; ``check`` (核查): passed | failed.
    result: str = ""
    #: 延期: ``request_extension`` asks for this limit (``{"working_days": 2}``: one of
    #: minutes, working_hours, working_days), ``approve_extension`` grants it (absent:
    #: what was asked); see docs/casework.md.
    limit: dict[str, float] | None = None


class CaseVisitArgs(Args):
    """A follow-up visit (回访) of a closed case."""

    case_id: str
    channel: str
    result: str
    note: str = ""


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
    - ``stage``: the case's status now (``reported`` ... ``closed``);
    - ``class_group``: the 大类 of the case's category in the classes catalogue (its
      two-digit code, ``""`` for a category the catalogue does not know), its name in
      ``name``, and its 小类 (the ``category`` rows of its cases) in ``children``.
    """

    start: float
    end: float
    group: StatsGroup


class HotspotsArgs(Args):
    """``stats.hotspots``: where cases were reported in ``start <= t < end`` (hub epoch
    seconds, at most :data:`STATS_MAX_DAYS` days), as counts per map cell, and the
    recurrence points of the 30 days before ``end``."""

    start: float
    end: float


# ---- rows inside answers -----------------------------------------------------------------


class ReporterInfo(msgspec.Struct):
    """A case's reporter as the asking role may see it (masked unless a supervisor)."""

    name: str
    phone: str


class CaseFile(Incident, kw_only=True, omit_defaults=True):
    """``case.history``'s ``case``: the incident as the stream carries it, plus its
    reporter (always sent, ``null`` when nobody is recorded)."""

    reporter: ReporterInfo | None
    #: The class's 大类 (group) name, e.g. 街面秩序 ("" without a class).
    class_group: str = ""


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


class MergedChild(msgspec.Struct, kw_only=True):
    """A case merged into the asked one (``case.merge``), as the parent's drill-down
    lists it: who reported it (masked as the role may see it), how far from the parent
    (metres, 1 decimal; ``null`` when either has no location), and whether that
    reporter's own 回访 was made."""

    id: str
    source: str
    status: str
    reported_at: float
    #: The first characters of the report (the child's own drill-down has all of it).
    summary: str
    reporter: ReporterInfo | None
    distance_m: float | None
    #: The latest 回访 of this child (satisfied | basic | dissatisfied | unreached) and
    #: when; ``null`` while none was made.
    visit: str | None = None
    visited_at: float | None = None


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
    #: ``class_group``: the 大类's name (the key is its code); ``""`` otherwise.
    name: str = ""
    #: ``class_group``: the 小类 rows of the 大类 (category names as keys, key order);
    #: empty otherwise.
    children: list[StatsRow] = []


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


class HotCell(msgspec.Struct):
    """A square of the map grid (:data:`HOTSPOT_CELL_DEG` a side, WGS-84) and the cases
    reported in it: ``lat``/``lon`` is the mean place of those cases."""

    lat: float
    lon: float
    count: int


class RecurrencePoint(msgspec.Struct):
    """A recurrence point (重复发生点): :data:`RECURRENCE_MIN` or more cases of one
    category at one place (a :data:`RECURRENCE_PLACE_DEG` square) within
    :data:`RECURRENCE_DAYS` days."""

    lat: float
    lon: float
    category: str
    count: int
    first: float
    last: float
    #: One of the cases' addresses, to name the place.
    address: str


# ---- answers -----------------------------------------------------------------------------


class CaseHistoryAnswer(Answer, omit_defaults=True):
    # omit_defaults leaves only ``children`` off when empty (every other field has no
    # default): a case that has none answers the JSON it always did.
    case: CaseFile
    photos: list[str]
    events: list[TimelineEvent]
    total_events: int
    next_offset: int | None
    #: The cases merged into this one, oldest first (every page carries them).
    children: list[MergedChild] = msgspec.field(default_factory=list)


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


class CaseVisitAnswer(Answer):
    case_id: str
    #: ``closed``, or ``dispatched`` when a dissatisfied visit reopened it as 返工.
    status: str
    seq: int
    visit_id: int


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


class HotspotsAnswer(Answer):
    start: float
    end: float
    #: The grid's cell side in degrees.
    cell_deg: float
    #: Cells with cases, most first (at most :data:`HOTSPOT_MAX_CELLS`).
    cells: list[HotCell]
    #: The recurrence window: ``[recurrence_since, end)``.
    recurrence_since: float
    #: Most cases first.
    recurrences: list[RecurrencePoint]


# ---- records (电子笔录) and discretion (裁量): issue 19 ------------------------------------

RecordName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
RecordKind = Annotated[
    Literal["inquiry", "inspection", "survey"],
    msgspec.Meta(description="inquiry 询问笔录, inspection 现场检查笔录, survey 勘验笔录"),
]
SignatureState = Annotated[
    Literal["draft", "awaiting_signature", "signed", "refused"],
    msgspec.Meta(description="signed and refused are final: a later version is a correction"),
]
#: 裁量阶次: 轻微 / 一般 / 较重 / 严重.
Tier = Literal["minor", "general", "serious", "severe"]
#: A decision's tier: one of :data:`Tier`, or ``none`` (不予处罚, 首违不罚 included).
DecisionTier = Literal["none", "minor", "general", "serious", "severe"]


class RecordOfficer(msgspec.Struct):
    """An officer on the record, with the law-enforcement certificate number (执法证号)."""

    name: RecordName
    certificate: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    role: Annotated[
        Literal["interviewer", "recorder", "inspector"],
        msgspec.Meta(description="询问人, 记录人 or 检查人"),
    ] = "inspector"
    unit: Annotated[str, msgspec.Meta(max_length=64)] = ""


class RecordPerson(msgspec.Struct):
    """The person interviewed, or the party inspected; in an answer, masked unless the
    role may see citizens' data (as a case's reporter is)."""

    name: RecordName
    sex: Literal["", "男", "女"] = ""
    age: Annotated[int, msgspec.Meta(ge=0, le=150)] | None = None
    id_number: Annotated[str, msgspec.Meta(max_length=32)] = ""
    employer: Annotated[str, msgspec.Meta(max_length=128)] = ""
    address: Annotated[str, msgspec.Meta(max_length=256)] = ""
    phone: Annotated[str, msgspec.Meta(max_length=32)] = ""


class QA(msgspec.Struct):
    """One question and its answer, as read back to the interviewee."""

    q: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    a: Annotated[str, msgspec.Meta(max_length=4000)]


class Signature(msgspec.Struct):
    """Where the signing stands; a refusal names its reason and a witness (见证人)."""

    state: SignatureState
    at: float | None = None
    reason: Annotated[str, msgspec.Meta(max_length=256)] = ""
    witness: Annotated[str, msgspec.Meta(max_length=64)] = ""


class Clip(msgspec.Struct):
    """A body-camera clip of the interview or inspection (device number, start, end)."""

    device: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    start: float
    end: float


class RecordVersion(msgspec.Struct, kw_only=True):
    """One stored version of a record, as the asking role may see it."""

    version: int
    #: The signed (or refused) version this one corrects; ``null`` otherwise.
    corrects: int | None
    correction_reason: str
    received_at: float
    #: Who sent it (the terminal's token name).
    actor: str
    template_version: str
    number: str
    sitting: int
    officers: list[RecordOfficer]
    started_at: float
    ended_at: float
    place: str
    person: RecordPerson
    present: list[str]
    notice_read: bool
    qa: list[QA]
    findings: str
    signature: Signature
    clips: list[Clip]


class RecordInfo(msgspec.Struct, kw_only=True):
    """A record with every version, oldest first; ``state`` is the newest version's."""

    record_id: str
    kind: str
    created_at: float
    state: str
    #: An inquiry whose newest version links no body-camera clip (the drill-down's badge).
    missing_clip: bool
    versions: list[RecordVersion]


class BenchmarkTier(msgspec.Struct):
    """One 裁量阶次 of a benchmark: when it applies and the fine range (元)."""

    tier: Tier
    label: str
    conditions: list[str]
    fine_min: float
    fine_max: float
    measure: str = ""


class Benchmark(msgspec.Struct, kw_only=True):
    """One row of a 行政处罚裁量基准 (resources/discretion/): the matter, its legal basis,
    its tiers, the 首违不罚 conditions and where it was published. ``sample``: shipped as
    an example, to be replaced by the customer's published benchmark."""

    code: str
    name: str
    aliases: list[str]
    legal_basis: str
    tiers: list[BenchmarkTier]
    first_offence_waiver: bool
    first_offence_conditions: list[str]
    source: str
    sample: bool


class DiscretionFacts(msgspec.Struct, kw_only=True):
    """What the suggestion was read from."""

    #: No earlier penalty decision for this matter on the merchant's (or place's) cases.
    first_offence: bool
    #: The earlier cases with a penalty decision for the same matter.
    earlier_penalties: list[str]
    #: The case was handled and, if a rectification was ordered, followed up or closed.
    corrected: bool
    #: From the case's priority: ``minor`` (4-5), ``general`` (3), ``serious`` (1-2).
    harm: Literal["minor", "general", "serious"]


class Decision(msgspec.Struct, kw_only=True):
    """An officer's decision on a case (a ``decision`` step of its timeline)."""

    tier: DecisionTier
    amount: float
    reason: str
    matter: str
    suggested_tier: str
    waived: bool
    actor: str
    ts: float


class CaseRecordsArgs(Args):
    case_id: str


class DiscretionArgs(Args):
    case_id: str


class CaseDecideArgs(Args):
    """The officer's decision: the tier, the fine in 元 (0 for ``none``) and the reason
    (always required: the suggestion is advice, the reason is the officer's)."""

    case_id: str
    tier: DecisionTier
    amount: float
    reason: str
    #: 首违不罚 applied (``tier`` must then be ``none`` and ``amount`` 0).
    waived: bool = False


class CaseRecordsAnswer(Answer):
    case_id: str
    records: list[RecordInfo]


class DiscretionAnswer(Answer, kw_only=True):
    """The matching benchmark and a suggested tier with its reasons: advice only."""

    case_id: str
    #: The matter the case was matched to (benchmark code), ``null`` when none matches.
    matter: str | None
    benchmark: Benchmark | None
    suggested_tier: DecisionTier | None
    #: 首违不罚 conditions all met: the suggestion is no penalty.
    waiver_suggested: bool
    fine_min: float | None
    fine_max: float | None
    reasons: list[str]
    facts: DiscretionFacts
    #: The decisions taken on the case so far, oldest first.
    decisions: list[Decision]


class CaseDecideAnswer(Answer, kw_only=True):
    case_id: str
    seq: int
    tier: DecisionTier
    amount: float
    suggested_tier: str
    #: The decision's tier is the suggested one.
    follows_suggestion: bool


# ---- who was where at a moment (units.at): issue 18 ------------------------------------

#: ``units.at``: a unit's last fix counts for the moment asked when it is at most this old.
UNITS_AT_WINDOW_S = 600.0


class UnitsAtArgs(Args):
    """``units.at``: every officer and vehicle as it was at ``ts`` (hub epoch seconds)."""

    ts: float


# gc=False: 20,000 of them per answer, holding only strings, numbers and a tuple of
# numbers (no cycles); tracked, they set off collections while an answer is built.
class UnitAt(msgspec.Struct, gc=False):
    """One unit at the moment asked: its last fix at or before it, within
    :data:`UNITS_AT_WINDOW_S` (``fix`` is ``null``: no fix), and its duty status then
    (``null`` when the stored status changes do not tell it)."""

    id: str
    kind: str
    fix: TrackFix | None
    status: str | None


class UnitsAtAnswer(Answer):
    ts: float
    #: How old a fix may be and still count (seconds).
    window: float
    #: Every unit of the roster, in id order.
    units: list[UnitAt]


# ---- duplicates and service statistics (issue 18) -------------------------------------

#: Why an earlier case is a duplicate candidate: within the radius, the same merchant, the
#: same address (every reason that holds is listed).
DuplicateReason = Literal["distance", "merchant", "address"]


class CaseDuplicatesArgs(Args):
    case_id: str


class CaseMergeArgs(Args):
    """Merge ``case_id`` (the duplicate) into ``into``: it becomes ``into``'s child."""

    case_id: str
    into: str


class ServiceStatsArgs(Args):
    """``stats.service``: the service figures of ``start <= t < end`` (hub epoch seconds,
    at most :data:`STATS_MAX_DAYS` days)."""

    start: float
    end: float


class DuplicateRulesInfo(msgspec.Struct):
    """The thresholds the hub found candidates with (its configuration)."""

    radius_m: float
    window_hours: float
    same_merchant: bool
    same_address: bool


class DuplicateCandidate(msgspec.Struct, kw_only=True):
    """An earlier case of the same class that may be the same matter. ``id`` is the case
    to merge into: when the case that matched is itself a merged child, its parent (and
    ``via`` names the child that matched)."""

    id: str
    category: str
    status: str
    reported_at: float
    address: str
    #: The first words of the report (the summary a dispatcher compares).
    summary: str
    #: Metres between the two cases (1 decimal); ``null`` when either has no location.
    distance_m: float | None
    why: list[DuplicateReason]
    #: When the case that matched was closed (``null``: not closed).
    closed_at: float | None = None
    via: str | None = None
    #: Cases merged into the candidate already.
    merged: int = 0


class CaseDuplicatesAnswer(Answer, kw_only=True):
    case_id: str
    #: The case this one is merged into, ``null`` when none.
    parent_id: str | None
    rules: DuplicateRulesInfo
    #: Most reasons first, then nearest, then newest. Empty for a merged child.
    candidates: list[DuplicateCandidate]
    #: The cases merged into this one, oldest first (the drill-down lists them).
    children: list[CaseSummary]


class CaseMergeAnswer(Answer, kw_only=True):
    case_id: str
    #: The parent the case now belongs to: ``asked`` itself, or, when ``asked`` was a
    #: merged child, that child's parent (merges never chain).
    into: str
    asked: str
    #: The parent's ×N: 1 + its children.
    count: int
    #: Children of ``case_id`` that moved with it to ``into`` (one level only).
    moved: list[str]
    seq: int


class ServiceFormulas(msgspec.Struct):
    """How the two rates are made, as a wall shows them under the figures."""

    duplicate_rate: str = "重复派单率 = 并案件 / 受理"
    satisfaction_rate: str = "满意率 = 满意 / 已评价回访（满意 + 基本满意 + 不满意；未联系上不计）"


class ServiceStatsAnswer(Answer, kw_only=True):
    """Received (受理) are cases reported in the period; merged (并案件) those of them
    merged into another case (now); visits are 回访 made in the period."""

    start: float
    end: float
    received: int
    merged: int
    #: merged / received; ``null`` when nothing was received.
    duplicate_rate: float | None
    visits: int
    satisfied: int
    basic: int
    dissatisfied: int
    unreached: int
    #: satisfied + basic + dissatisfied.
    rated: int
    #: satisfied / rated; ``null`` when no visit was rated.
    satisfaction_rate: float | None
    formulas: ServiceFormulas = msgspec.field(default_factory=ServiceFormulas)


# ---- the case register, exported (cases.export): issue 18 --------------------------------

#: ``cases.export``: rows per page when the client names no ``limit``, and the most.
EXPORT_PAGE = 2000
EXPORT_MAX_PAGE = 5000
#: ``cases.export``: the most ``ids`` one export may name (a desk's filtered queue).
EXPORT_MAX_IDS = 5000
#: ``cases.export``'s key: a place in the ``(reported_at, id)`` order.
ExportKey = Annotated[tuple[float, str], msgspec.Meta(description="[reported_at, id]")]


class ExportArgs(Args):
    """``cases.export``: the cases reported in ``start <= t < end`` (hub epoch seconds), in
    ``(reported_at, id)`` order, ``limit`` rows after the key ``after`` (none: from the
    first). ``ids``: only these cases (at most :data:`EXPORT_MAX_IDS`). ``count``: also
    answer how many cases the whole export has (``total``)."""

    start: float
    end: float
    after: ExportKey | None = None
    limit: int = EXPORT_PAGE
    ids: list[str] | None = None
    count: bool = False


class ExportRow(msgspec.Struct, array_like=True):
    """One case of the register, as an array (field order is wire order). ``sla``: the
    1-3-15 marks (deadlines, accepted / moving / handled times, recorded misses);
    ``team``: the first officer's team (its township or specialist team), ``""`` when no
    officer was sent; ``officers``: the names of ``units``, same order; ``reporter`` as
    the role may see it."""

    id: str
    source: str
    category: str
    status: str
    priority: int
    reported_at: float
    dispatched_at: float | None
    arrived_at: float | None
    closed_at: float | None
    sla: SlaMarks | None
    team_id: str
    team: str
    address: str
    lat: float | None
    lon: float | None
    merchant_id: str | None
    merchant: str
    units: list[str]
    officers: list[str]
    reporter: ReporterInfo | None
    text: str


class ExportAnswer(Answer):
    start: float
    end: float
    #: The hub's clock when the page was read (the 1-3-15 marks are judged as of it).
    as_of: float
    rows: list[ExportRow]
    #: The key to ask the next page ``after``; ``null`` on the last page.
    next: ExportKey | None
    #: How many cases the whole export has, when ``count`` was asked; else ``null``.
    total: int | None


# ---- the hub's working calendar (calendar.get): issue 18 --------------------------------

#: A weekday as the calendar file and ``calendar.get`` name it.
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class CalendarArgs(Args):
    pass


class CalendarAnswer(Answer, kw_only=True):
    """``calendar.get``: the working calendar the hub counts 处置时限 deadlines on (its
    ``--calendar`` file or the shipped one), so a desk words the time left in working
    time as the hub counts it (backend_client/workcalendar.py reads it back)."""

    #: The daily working periods, local time (Asia/Shanghai), in order: ``"08:30-12:00"``.
    periods: list[str]
    #: The weekend days.
    weekend: list[Weekday]
    #: What N working days means: ``whole_days`` or ``hours`` (docs/casework.md).
    working_day: Literal["whole_days", "hours"]
    #: Public holidays off, and the make-up working days (调休上班) on, sorted.
    holidays: list[dt.date]
    workdays: list[dt.date]
    #: The years whose holidays the calendar holds (beyond them only weekends are known),
    #: and those of them not yet from an official notice.
    years: list[int]
    provisional: list[int]


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
        " `null` on the last page; `children`, left off when none, the cases merged into it"
        " (see *Duplicates*)",
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
    "case.visit": Op(
        CaseVisitArgs,
        CaseVisitAnswer,
        True,
        "the 回访 stored (`case_visits`) and on the timeline (`visited`); only on a closed"
        " case (a merged child: once its parent is closed); `dissatisfied` reopens it (a"
        " child's parent) as 返工 (`dispatched`, to its officers)",
        "`case.visit` (`detail: {channel, result}`)",
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
        " (`source`, `category`, `team`, `day` (Asia/Shanghai), `stage`, `class_group`"
        " (大类, with its 小类 in `children`)) and in total:"
        " 受理, 应结案, 结案, 按期结案, 结案率, 按期结案率, 1-3-15 compliance and response-time"
        " medians per stage, with the formulas (below)",
        "– (aggregates only)",
    ),
    "stats.hotspots": Op(
        HotspotsArgs,
        HotspotsAnswer,
        False,
        "where the period's cases were reported (`start <= t < end`, ≤ 400 days): counts"
        " per grid cell (`cell_deg` a side, WGS-84), most first, and the recurrence points"
        " of the 30 days before `end` (3 or more cases of one category within about 50 m)",
        "– (aggregates only)",
    ),
    # ---- records and discretion (issue 19) ----
    "case.records": Op(
        CaseRecordsArgs,
        CaseRecordsAnswer,
        False,
        "the case's electronic records (电子笔录), each with every version oldest first (a"
        " signed version is never changed: a correction is a new version); the person is"
        " masked unless the role sees citizens' data; `missing_clip` flags an inquiry with"
        " no body-camera clip",
        "`view.records`",
    ),
    "discretion.suggest": Op(
        DiscretionArgs,
        DiscretionAnswer,
        False,
        "the benchmark matching the case's category, a suggested tier (or 首违不罚) and why:"
        " first offence from the merchant's earlier penalty decisions for the matter, harm"
        " and correction from the case; advice only; plus the decisions taken",
        "`view.discretion`",
    ),
    "case.decide": Op(
        CaseDecideArgs,
        CaseDecideAnswer,
        True,
        "the officer's decision (tier, amount in 元, reason) as a `decision` step of the"
        " case's timeline, beside the suggestion it was given",
        "`case.decide`",
    ),
    # ---- who was where (issue 18) ----
    "units.at": Op(
        UnitsAtArgs,
        UnitsAtAnswer,
        False,
        "every officer and vehicle at `ts`: its last fix with `ts - 600 <= fix ts <= ts`"
        " (`null`: no fix), and its duty status then from the stored `unit.status` changes"
        " (`null` when they do not tell it)",
        "`view.units_at` (`detail.ts`)",
    ),
    # ---- the case register (issue 18) ----
    "cases.export": Op(
        ExportArgs,
        ExportAnswer,
        False,
        "one page of the cases reported in `start <= t < end` (optionally only `ids`, ≤ 5000),"
        " in `(reported_at, id)` order after the key `after`: each case's register row"
        " (below); `limit` clamped to 1–5000; `next` is the key of the next page, `null` on"
        " the last; `total` when `count` is asked",
        "`export.cases` (every page; `detail: {start, end, limit, after, ids}`)",
    ),
    # ---- duplicates and service statistics (issue 18) ----
    "case.duplicates": Op(
        CaseDuplicatesArgs,
        CaseDuplicatesAnswer,
        False,
        "the earlier cases of the same category that may be the same matter (within 50 m,"
        " the same merchant or the same address; open, or closed within 72 h of this"
        " report; thresholds are the hub's), each with its distance and why, and the cases"
        " merged into this one",
        "`view.duplicates`",
    ),
    "case.merge": Op(
        CaseMergeArgs,
        CaseMergeAnswer,
        True,
        "`case_id` becomes a child of `into` (a merged child's parent when `into` is one):"
        " off the queue, reporters kept, a `merged`/`merged_child` timeline row on both;"
        " refused into itself, into its own child, for a case already merged, an unknown case",
        "`case.merge` (`detail: {into, asked, moved}`)",
    ),
    "stats.service": Op(
        ServiceStatsArgs,
        ServiceStatsAnswer,
        False,
        "the period's cases received and merged, 重复派单率, the 回访 made by result and 满意率,"
        " with the formulas (below)",
        "– (aggregates only)",
    ),
    # ---- the working calendar (issue 18) ----
    "calendar.get": Op(
        CalendarArgs,
        CalendarAnswer,
        False,
        "the working calendar the hub counts 处置时限 deadlines on (`--calendar` or the"
        " shipped one): daily working periods, weekend, holidays, make-up working days"
        " (调休上班), the years it covers and which of them are provisional",
        "– (reference data)",
    ),
}


class _AnswerFrame(msgspec.Struct, tag="res", tag_field="type", kw_only=True):
    """A ``res`` frame (:class:`~backend_client.protocol.messages.Response`) whose result is
    the answer already encoded: the same JSON, written straight from the answer's Struct."""

    id: int
    result: msgspec.Raw
    ts: float = 0.0


_answer_encoder = msgspec.json.Encoder()


def answer_frame(request_id: int, answer: Answer, ts: float) -> bytes:
    """The ``res`` frame of ``answer``, the bytes ``encode(Response(id=request_id,
    result=to_result(answer), ts=ts))`` gives, without building the answer again as dicts
    and lists first (20,000 units of ``units.at``: ~17 ms of a request)."""
    result = msgspec.Raw(_answer_encoder.encode(answer))
    return _answer_encoder.encode(_AnswerFrame(id=request_id, result=result, ts=ts))


def to_result(answer: Answer) -> dict[str, Any]:
    """``answer`` as the ``result`` of a ``res`` frame (omitted defaults stay omitted).
    A ``msgspec.Raw`` part (an answer encoded ahead, as ``cases.export``'s rows) passes
    through as it is, to be written into the frame unchanged."""
    result: dict[str, Any] = msgspec.to_builtins(answer, builtin_types=(msgspec.Raw,))
    return result
