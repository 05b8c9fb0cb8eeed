"""The hub's request ops as typed calls: :class:`HubApi`.

One async method per op of :data:`backend_client.protocol.ops.OPS`: it builds the op's
arguments Struct, sends it through the answer cache (or any ``fetch``), and decodes the
answer into the op's answer Struct. Reads come back as a :class:`Reply` (the answer, the
result dict as the hub sent it, whether it came from the local cache and how old it is);
writes come back as their answer. A malformed answer raises :class:`MalformedAnswer`, a
:class:`RequestFailed`, so a story shows it as its error state rather than crashing.

No I/O here (this is the shared core): the cache and the transport are handed in. The
cache module is only named for the type checker, so a wall that never opens a
drill-down never loads SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar

import msgspec

from backend_client.errors import RequestFailed
from backend_client.protocol.codec import field_of
from backend_client.protocol.ops import (
    AUDIT_PAGE,
    EXPORT_PAGE,
    HISTORY_PAGE,
    OPS,
    PROFILE_PAGE,
    AlertAckAnswer,
    AlertAckArgs,
    Answer,
    Args,
    AuditAnswer,
    AuditArgs,
    CalendarAnswer,
    CalendarArgs,
    CaseDecideAnswer,
    CaseDecideArgs,
    CaseDuplicatesAnswer,
    CaseDuplicatesArgs,
    CaseHistoryAnswer,
    CaseHistoryArgs,
    CaseMergeAnswer,
    CaseMergeArgs,
    CaseRecordsAnswer,
    CaseRecordsArgs,
    CaseRelatedAnswer,
    CaseRelatedArgs,
    CaseStepAnswer,
    CaseStepArgs,
    CaseVisitAnswer,
    CaseVisitArgs,
    DecisionTier,
    DiscretionAnswer,
    DiscretionArgs,
    DispatchAnswer,
    DispatchArgs,
    ExportAnswer,
    ExportArgs,
    ExportKey,
    HotspotsAnswer,
    HotspotsArgs,
    MerchantAnswer,
    MerchantArgs,
    MerchantListAnswer,
    MerchantListArgs,
    ServiceStatsAnswer,
    ServiceStatsArgs,
    StatsAnswer,
    StatsArgs,
    StatsGroup,
    TrackAnswer,
    TrackArgs,
    UnitsAtAnswer,
    UnitsAtArgs,
    WallListAnswer,
    WallListArgs,
    WallPushAnswer,
    WallPushArgs,
)

if TYPE_CHECKING:
    from backend_client.cache import CachedRequests

__all__ = [
    "Fetch",
    "Fetched",
    "HubApi",
    "MalformedAnswer",
    "Reply",
    "Requester",
    "Source",
    "as_fetch",
    "decode_answer",
    "op_of",
]

AnswerT = TypeVar("AnswerT", bound=Answer)

#: ``(answer, cached, age_s)``: the hub's result, whether it came from the local cache, and
#: how old the cached copy is (``None`` for a fresh answer).
Fetched = tuple[dict[str, Any], bool, float | None]
Fetch = Callable[[str, dict[str, Any]], Awaitable[Fetched]]
#: A plain request, as :meth:`backend_client.transport.FeedClient.request` makes it.
Requester = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]
Source: TypeAlias = "Fetch | CachedRequests"


def as_fetch(source: Source) -> Fetch:
    """A fetch callable from either a plain callable or the cached requests of a desk."""
    if callable(source):
        return source
    requests = source

    async def fetch(op: str, args: dict[str, Any]) -> Fetched:
        answer = await requests.request(op, args)
        return (
            answer.result,
            answer.cached,
            (answer.age(requests.clock()) if answer.cached else None),
        )

    return fetch


def fetch_of(request: Requester) -> Fetch:
    """A fetch over a plain request: every answer fresh."""

    async def fetch(op: str, args: dict[str, Any]) -> Fetched:
        return await request(op, args), False, None

    return fetch


class MalformedAnswer(RequestFailed):
    """The hub's answer does not have its op's shape (a wrong type, a missing field)."""

    def __init__(self, op: str, detail: str) -> None:
        super().__init__("malformed_answer", f"{op}: {detail}", field_of(detail))
        self.op = op


#: Each op's name by its arguments Struct (the table is keyed by name).
_OP_BY_ARGS: dict[type[Args], str] = {op.args: name for name, op in OPS.items()}


def op_of(args: Args) -> str:
    """The op whose arguments ``args`` are."""
    return _OP_BY_ARGS[type(args)]


def decode_answer(op: str, result: Mapping[str, Any], kind: type[AnswerT]) -> AnswerT:
    """``result`` (a ``res`` frame's) as ``op``'s answer Struct, or :class:`MalformedAnswer`."""
    try:
        return msgspec.convert(result, kind)
    except msgspec.ValidationError as exc:
        raise MalformedAnswer(op, str(exc)) from None


@dataclass(frozen=True, slots=True)
class Reply(Generic[AnswerT]):
    """A read op's answer, decoded, with where it came from."""

    answer: AnswerT
    #: The result as the hub sent it (what a story keeps for the cache, the PDF, a re-render).
    result: dict[str, Any]
    #: It came from the local cache (the hub is away); ``age_s`` says how old it is.
    cached: bool = False
    age_s: float | None = None


class HubApi:
    """The hub's ops as typed calls over one :data:`Source` (the desk's or wall's
    :class:`~backend_client.cache.CachedRequests`, or a ``fetch`` coroutine).

    Write ops go through the same source: the cache keys no write op, so it hands them
    straight to the transport and never answers one from the cache.
    """

    def __init__(self, source: Source) -> None:
        self._fetch = as_fetch(source)

    @classmethod
    def over(cls, request: Requester) -> HubApi:
        """Over a plain request (a client's ``request``): nothing cached."""
        return cls(fetch_of(request))

    async def ask(self, args: Args) -> Reply[Answer]:
        """Any op, by its arguments Struct; the answer is that op's answer Struct."""
        op = op_of(args)
        return await self._ask(op, args, OPS[op].answer)

    async def ask_as(self, args: Args, kind: type[AnswerT]) -> Reply[AnswerT]:
        """:meth:`ask` with the answer Struct named, for a caller generic over its op (a
        story): the answer comes back as ``kind``, which must be the op's."""
        op = op_of(args)
        if OPS[op].answer is not kind:
            raise TypeError(f"{op} answers {OPS[op].answer.__name__}, not {kind.__name__}")
        return await self._ask(op, args, kind)

    async def _ask(self, op: str, args: Args, kind: type[AnswerT]) -> Reply[AnswerT]:
        # Every field, defaults too: the cache keys answers by these arguments, and the
        # stories always named offset and limit.
        wire: dict[str, Any] = msgspec.to_builtins(args)
        result, cached, age_s = await self._fetch(op, wire)
        return Reply(decode_answer(op, result, kind), result, cached, age_s)

    async def _tell(self, op: str, args: Args, kind: type[AnswerT]) -> AnswerT:
        return (await self._ask(op, args, kind)).answer

    # ---- reads ------------------------------------------------------------------------

    async def case_history(
        self, case_id: str, offset: int = 0, limit: int = HISTORY_PAGE
    ) -> Reply[CaseHistoryAnswer]:
        args = CaseHistoryArgs(case_id, offset, limit)
        return await self._ask("case.history", args, CaseHistoryAnswer)

    async def case_related(self, case_id: str) -> Reply[CaseRelatedAnswer]:
        return await self._ask("case.related", CaseRelatedArgs(case_id), CaseRelatedAnswer)

    async def merchant_profile(
        self, merchant_id: str, offset: int = 0, limit: int = PROFILE_PAGE
    ) -> Reply[MerchantAnswer]:
        args = MerchantArgs(merchant_id, offset, limit)
        return await self._ask("merchant.profile", args, MerchantAnswer)

    async def merchant_list(self) -> Reply[MerchantListAnswer]:
        return await self._ask("merchant.list", MerchantListArgs(), MerchantListAnswer)

    async def unit_track(self, unit_id: str, start: float, end: float) -> Reply[TrackAnswer]:
        return await self._ask("unit.track", TrackArgs(unit_id, start, end), TrackAnswer)

    async def audit_query(
        self, since: float | None = None, actor: str | None = None, limit: int = AUDIT_PAGE
    ) -> Reply[AuditAnswer]:
        return await self._ask("audit.query", AuditArgs(since, actor, limit), AuditAnswer)

    async def wall_list(self) -> WallListAnswer:
        return await self._tell("wall.list", WallListArgs(), WallListAnswer)

    async def stats_query(self, start: float, end: float, group: StatsGroup) -> Reply[StatsAnswer]:
        """The period ``start <= t < end``'s figures per ``group`` (see StatsArgs)."""
        return await self._ask("stats.query", StatsArgs(start, end, group), StatsAnswer)

    async def stats_hotspots(self, start: float, end: float) -> Reply[HotspotsAnswer]:
        """Case counts per map cell in ``start <= t < end`` and the recurrence points of
        the 30 days before ``end`` (see HotspotsArgs)."""
        return await self._ask("stats.hotspots", HotspotsArgs(start, end), HotspotsAnswer)

    async def case_records(self, case_id: str) -> Reply[CaseRecordsAnswer]:
        """The case's electronic records, every version (the person masked by role)."""
        return await self._ask("case.records", CaseRecordsArgs(case_id), CaseRecordsAnswer)

    async def discretion_suggest(self, case_id: str) -> Reply[DiscretionAnswer]:
        """The benchmark, a suggested tier and why (advice), and the decisions taken."""
        return await self._ask("discretion.suggest", DiscretionArgs(case_id), DiscretionAnswer)

    async def case_duplicates(self, case_id: str) -> Reply[CaseDuplicatesAnswer]:
        """The earlier cases that may be the same matter (candidates, never merged by
        themselves) and the cases merged into this one."""
        args = CaseDuplicatesArgs(case_id)
        return await self._ask("case.duplicates", args, CaseDuplicatesAnswer)

    async def stats_service(self, start: float, end: float) -> Reply[ServiceStatsAnswer]:
        """The period's 受理, 并案件 and 重复派单率, its 回访 by result and 满意率."""
        args = ServiceStatsArgs(start, end)
        return await self._ask("stats.service", args, ServiceStatsAnswer)

    async def calendar_get(self) -> Reply[CalendarAnswer]:
        """The working calendar the hub counts 处置时限 deadlines on."""
        return await self._ask("calendar.get", CalendarArgs(), CalendarAnswer)

    async def units_at(self, ts: float) -> Reply[UnitsAtAnswer]:
        """Every officer and vehicle at ``ts``: its last fix within 10 minutes before it
        (or none) and its duty status then, when known (supervisors; audited)."""
        return await self._ask("units.at", UnitsAtArgs(ts), UnitsAtAnswer)

    async def cases_export(
        self,
        start: float,
        end: float,
        *,
        after: ExportKey | None = None,
        limit: int = EXPORT_PAGE,
        ids: Sequence[str] | None = None,
        count: bool = False,
    ) -> ExportAnswer:
        """One page of the case register of ``start <= t < end`` after the key ``after``
        (supervisors; every page audited). Never cached: a page is personal data."""
        args = ExportArgs(start, end, after, limit, None if ids is None else list(ids), count)
        return await self._tell("cases.export", args, ExportAnswer)

    # ---- writes -----------------------------------------------------------------------

    async def dispatch(self, incident_id: str, unit_ids: Sequence[str]) -> DispatchAnswer:
        args = DispatchArgs(incident_id, list(unit_ids))
        return await self._tell("dispatch", args, DispatchAnswer)

    async def case_step(
        self,
        case_id: str,
        action: str,
        *,
        units: Sequence[str] = (),
        outcome: str = "",
        note: str = "",
        deadline: float | None = None,
        result: str = "",
        limit: Mapping[str, float] | None = None,
    ) -> CaseStepAnswer:
        """One lifecycle step; ``result`` is the verdict of ``verify`` (confirmed | false)
        and ``check`` (核查: passed | failed); ``note`` the reason a step needs; ``limit``
        the 延期 asked or granted (``{"working_days": 2}``)."""
        args = CaseStepArgs(
            case_id,
            action,
            list(units),
            outcome,
            note,
            deadline,
            result,
            limit=dict(limit) if limit is not None else None,
        )
        return await self._tell("case.step", args, CaseStepAnswer)

    async def case_visit(
        self, case_id: str, channel: str, result: str, note: str = ""
    ) -> CaseVisitAnswer:
        """A 回访 of a closed case (operator and above; audited)."""
        args = CaseVisitArgs(case_id, channel, result, note)
        return await self._tell("case.visit", args, CaseVisitAnswer)

    async def alert_ack(self, alert_id: str) -> AlertAckAnswer:
        return await self._tell("alert.ack", AlertAckArgs(alert_id), AlertAckAnswer)

    async def wall_push(
        self,
        kind: str,
        *,
        wall: str = "",
        id: str = "",
        lat: float | None = None,
        lon: float | None = None,
        zoom: float | None = None,
    ) -> WallPushAnswer:
        args = WallPushArgs(kind, wall, id, lat, lon, zoom)
        return await self._tell("wall.push", args, WallPushAnswer)

    async def case_merge(self, case_id: str, into: str) -> CaseMergeAnswer:
        """Merge ``case_id`` into ``into`` (operator and above; audited)."""
        return await self._tell("case.merge", CaseMergeArgs(case_id, into), CaseMergeAnswer)

    async def case_decide(
        self, case_id: str, tier: DecisionTier, amount: float, reason: str, *, waived: bool = False
    ) -> CaseDecideAnswer:
        """The officer's decision on the case (a ``decision`` step of its timeline)."""
        args = CaseDecideArgs(case_id, tier, amount, reason, waived)
        return await self._tell("case.decide", args, CaseDecideAnswer)
