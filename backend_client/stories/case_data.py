"""The typed records of a case's story: ``case.history`` and ``case.related`` answers.

Read once: from the answer Structs' attributes (each record's ``of``), or, for an answer
its Struct does not accept (an older hub's, one written by hand), field by field
(:func:`read_history`, :func:`read_related`), where a missing key becomes its default
(``""``, ``None``, ``()``), never an exception in a view. :func:`parse_history` and
:func:`parse_related` take an answer as sent and choose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from backend_client.protocol.messages import SlaMarks
from backend_client.protocol.ops import (
    CaseFile,
    CaseHistoryAnswer,
    CaseRelatedAnswer,
    CaseSummary,
    MergedChild,
    ReporterInfo,
    TimelineEvent,
)
from backend_client.stories.parse import Fields, decoded

#: The three lists of ``case.related``, in the order the views show them.
RELATED_KEYS: tuple[str, ...] = ("same_merchant", "nearby", "same_category")


@dataclass(frozen=True, slots=True)
class Reporter:
    name: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class MergedReport:
    """A case merged into the one being read (``case.history``'s ``children``)."""

    id: str
    source: str = ""
    status: str = ""
    reported_at: float | None = None
    #: The start of the report (the child's own drill-down has all of it).
    summary: str = ""
    #: As the hub let this role see it; None when nobody is recorded.
    reporter: Reporter | None = None
    #: Metres from the parent; None when either has no location.
    distance_m: float | None = None
    #: The latest 回访 of this child's reporter (satisfied | basic | dissatisfied |
    #: unreached) and when; "" / None while none was made.
    visit: str = ""
    visited_at: float | None = None


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """The case itself, as the header, the marks and the PDF read it."""

    id: str
    source: str = ""
    category: str = ""
    status: str = ""
    address: str = ""
    text: str = ""
    reported_at: float | None = None
    lat: float | None = None
    lon: float | None = None
    merchant_id: str | None = None
    #: None when the answer names nobody (the view says "not recorded").
    reporter: Reporter | None = None
    sla: SlaMarks | None = None  # judged by backend_client.sla
    photos: tuple[str, ...] = ()
    #: The class (docs/casework.md): code, 大类 name; the 处置时限 deadline fixed at
    #: dispatch, the limit it counts (``"4 working_hours"``), whether its miss is recorded.
    class_code: str = ""
    class_group: str = ""
    deadline: float | None = None
    deadline_limit: str = ""
    overdue: bool = False
    #: Duplicates (case.merge): the case this one was merged into (None: none), and the
    #: cases merged into this one, oldest first. On the case rather than the history
    #: because the story rebuilds the history page by page and keeps the case whole.
    parent_id: str | None = None
    children: tuple[MergedReport, ...] = ()


@dataclass(frozen=True, slots=True)
class EventDetail:
    """The few detail fields a reader needs; the rest stays in the audit trail."""

    #: The 1-3-15 stage a ``sla_missed`` step names (None: it names none).
    stage: str | None = None
    units: tuple[str, ...] = ()
    #: The one officer who reported moving, arrival or a follow-up.
    unit: str = ""
    #: ``passed`` or ``failed`` after a follow-up inspection, else "".
    inspection: str = ""
    outcome: str = ""
    note: str = ""
    deadline: float | None = None
    #: A ``record`` step (电子笔录): which record, its type, version and signature state.
    record_id: str = ""
    record_kind: str = ""
    version: int | None = None
    state: str = ""
    #: A ``decision`` step (裁量): the officer's tier, fine in 元 and reason.
    tier: str = ""
    amount: float | None = None
    reason: str = ""
    #: A 延期 step's limit asked or granted, as ``"2 working_days"`` ("" for none).
    limit: str = ""
    #: A merge (case.merge): on the child the case it went into (``merged``); on the
    #: parent the child merged in and its ×N after it (``merged_child``).
    into: str = ""
    merged_case: str = ""
    count: int | None = None
    #: Issue 18's nodes: the verdict of a 核实 (confirmed | false), 核查 (passed | failed)
    #: or 回访 (satisfied | basic | dissatisfied | unreached); a 回访's channel (phone |
    #: sms | on_site); what sent a 返工 back (check | visit | desk).
    result: str = ""
    channel: str = ""
    by: str = ""


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One step of the timeline."""

    kind: str
    ts: float
    actor: str = ""
    detail: EventDetail = EventDetail()


@dataclass(frozen=True, slots=True)
class RelatedCase:
    id: str
    reported_at: float = 0.0
    category: str = ""
    status: str = ""
    address: str = ""
    #: From the case being read; None when the hub did not measure it.
    distance_m: float | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True)
class RelatedCases:
    """``case.related``: same merchant, within 100 m, same category in 30 days."""

    same_merchant: tuple[RelatedCase, ...] = ()
    nearby: tuple[RelatedCase, ...] = ()
    same_category: tuple[RelatedCase, ...] = ()

    def of(self, key: str) -> tuple[RelatedCase, ...]:
        """One list by its ``case.related`` key (:data:`RELATED_KEYS`)."""
        found: tuple[RelatedCase, ...] = getattr(self, key)
        return found

    def counts(self) -> dict[str, int]:
        return {key: len(self.of(key)) for key in RELATED_KEYS}


@dataclass(frozen=True, slots=True)
class CaseHistory:
    """A ``case.history`` answer (one page, or the pages loaded so far merged)."""

    case: CaseRecord
    events: tuple[CaseEvent, ...] = ()
    #: The photos to show: the answer's own list, else the case's.
    photos: tuple[str, ...] = ()
    merchant_name: str = ""
    next_offset: int | None = None
    total_events: int | None = None


#: What a follow-up inspection found (``detail.inspection``); anything else is not shown.
INSPECTED: tuple[str, ...] = ("passed", "failed")


# ---- from the answer Structs -------------------------------------------------------------


def reporter_of(reporter: ReporterInfo | None) -> Reporter | None:
    return None if reporter is None else Reporter(reporter.name, reporter.phone)


def child_of(child: MergedChild) -> MergedReport:
    return MergedReport(
        id=child.id,
        source=child.source,
        status=child.status,
        reported_at=child.reported_at,
        summary=child.summary,
        reporter=reporter_of(child.reporter),
        distance_m=child.distance_m,
        visit=child.visit or "",
        visited_at=child.visited_at,
    )


def case_of(case: CaseFile, children: Sequence[MergedChild] = ()) -> CaseRecord:
    return CaseRecord(
        id=case.id,
        source=case.source,
        category=case.category,
        status=case.status,
        address=case.address,
        text=case.text,
        reported_at=case.reported_at,
        lat=case.lat,
        lon=case.lon,
        merchant_id=case.merchant_id or None,
        reporter=reporter_of(case.reporter),
        class_code=case.class_code or "",
        class_group=case.class_group,
        deadline=case.deadline,
        deadline_limit=case.deadline_limit,
        overdue=case.overdue,
        sla=case.sla,
        parent_id=case.parent_id or None,
        children=tuple(child_of(child) for child in children),
    )


def limit_text(raw: object) -> str:
    """A 延期 limit as sent (``{"working_days": 2}``) in the form the case's
    ``deadline_limit`` has (``"2 working_days"``); "" for anything else."""
    if not isinstance(raw, Mapping) or len(raw) != 1:
        return ""
    ((unit, amount),) = raw.items()
    if not isinstance(amount, int | float) or isinstance(amount, bool):
        return ""
    return f"{amount:g} {unit}"


def detail_of(raw: object) -> EventDetail:
    """A step's ``detail``: free-form on the wire (``TimelineEvent.detail`` is a dict), as
    each kind of step records its own keys; the one place they are looked up."""
    detail = Fields(raw)
    inspection = detail.value("inspection")
    return EventDetail(
        stage=str(detail.value("stage")) if "stage" in detail else None,
        units=detail.strings("units"),
        unit=detail.filled("unit"),
        inspection=inspection if isinstance(inspection, str) and inspection in INSPECTED else "",
        outcome=detail.filled("outcome"),
        note=detail.filled("note"),
        deadline=detail.number("deadline"),
        record_id=detail.filled("record_id"),
        record_kind=detail.filled("record_kind"),
        version=int(version) if (version := detail.number("version")) is not None else None,
        state=detail.filled("state"),
        tier=detail.filled("tier"),
        amount=detail.number("amount"),
        limit=limit_text(detail.value("limit")),
        into=detail.filled("into"),
        merged_case=detail.filled("case_id"),
        count=int(count) if (count := detail.number("count")) is not None else None,
        reason=detail.filled("reason"),
        result=detail.filled("result"),
        channel=detail.filled("channel"),
        by=detail.filled("by"),
    )


def event_of(event: TimelineEvent) -> CaseEvent:
    return CaseEvent(event.kind, event.ts, event.actor, detail_of(event.detail))


def history_of(answer: CaseHistoryAnswer, merchant_name: str = "") -> CaseHistory:
    case = case_of(answer.case, answer.children)
    return CaseHistory(
        case=case,
        events=tuple(event_of(event) for event in answer.events),
        photos=photo_list(answer.photos),
        merchant_name=merchant_name,
        next_offset=answer.next_offset,
        total_events=answer.total_events,
    )


def related_case_of(summary: CaseSummary) -> RelatedCase:
    return RelatedCase(
        id=summary.id,
        reported_at=summary.reported_at,
        category=summary.category,
        status=summary.status,
        address=summary.address,
        distance_m=summary.distance_m,
        lat=summary.lat,
        lon=summary.lon,
    )


def related_of(answer: CaseRelatedAnswer) -> RelatedCases:
    return RelatedCases(
        same_merchant=tuple(related_case_of(s) for s in answer.same_merchant),
        nearby=tuple(related_case_of(s) for s in answer.nearby),
        same_category=tuple(related_case_of(s) for s in answer.same_category),
    )


# ---- from an answer no Struct accepts ----------------------------------------------------


def parse_sla(raw: object) -> SlaMarks | None:
    """``case.sla`` as sent; None when it is missing or lacks a deadline (nothing to judge)."""
    if not isinstance(raw, Mapping):
        return None
    sla = Fields(raw)
    accept_by, move_by, handle_by = (
        sla.number(key) for key in ("accept_by", "move_by", "handle_by")
    )
    if accept_by is None or move_by is None or handle_by is None:
        return None
    return SlaMarks(
        accept_by=accept_by,
        move_by=move_by,
        handle_by=handle_by,
        accepted_at=sla.number("accepted_at"),
        moving_at=sla.number("moving_at"),
        handled_at=sla.number("handled_at"),
        missed=list(sla.strings("missed")),
    )


def read_reporter(raw: object) -> Reporter | None:
    if not isinstance(raw, Mapping):
        return None
    who = Fields(raw)
    return Reporter(who.filled("name"), who.filled("phone"))


def read_child(child: Fields) -> MergedReport:
    return MergedReport(
        id=child.text("id"),
        source=child.text("source"),
        status=child.text("status"),
        reported_at=child.number("reported_at"),
        summary=child.text("summary"),
        reporter=read_reporter(child.value("reporter")),
        distance_m=child.number("distance_m"),
        visit=child.filled("visit"),
        visited_at=child.number("visited_at"),
    )


def read_case(case: Fields, default_id: str = "", children: Sequence[Fields] = ()) -> CaseRecord:
    return CaseRecord(
        id=case.text("id", default_id),
        source=case.text("source"),
        category=case.text("category"),
        status=case.text("status"),
        address=case.text("address"),
        text=case.text("text"),
        reported_at=case.number("reported_at"),
        lat=case.number("lat"),
        lon=case.number("lon"),
        merchant_id=case.filled("merchant_id") or None,
        reporter=read_reporter(case.value("reporter")),
        class_code=case.filled("class_code"),
        class_group=case.filled("class_group"),
        deadline=case.number("deadline"),
        deadline_limit=case.filled("deadline_limit"),
        overdue=case.value("overdue") is True,
        sla=parse_sla(case.value("sla")),
        photos=photo_list(case.value("photos")),
        parent_id=case.filled("parent_id") or None,
        # A child without an id is nothing to list or open.
        children=tuple(c for c in map(read_child, children) if c.id),
    )


def read_event(event: Fields) -> CaseEvent:
    return CaseEvent(
        kind=event.text("kind"),
        ts=event.number_or("ts"),
        actor=event.text("actor"),
        detail=detail_of(event.value("detail")),
    )


def read_history(answer: Fields, default_id: str = "") -> CaseHistory:
    case = read_case(answer.nested("case"), default_id, answer.rows("children"))
    photos = answer.value("photos")
    return CaseHistory(
        case=case,
        events=tuple(read_event(event) for event in answer.rows("events")),
        # The answer's own list wins (an older hub put the photos on the case only).
        photos=case.photos if photos is None else photo_list(photos),
        merchant_name=named_merchant(answer),
        next_offset=answer.count("next_offset"),
        total_events=answer.count("total_events"),
    )


def read_related_case(summary: Fields) -> RelatedCase:
    return RelatedCase(
        id=summary.text("id"),
        reported_at=summary.number_or("reported_at"),
        category=summary.text("category"),
        status=summary.text("status"),
        address=summary.text("address"),
        distance_m=summary.number("distance_m"),
        lat=summary.number("lat"),
        lon=summary.number("lon"),
    )


def read_related(answer: Fields) -> RelatedCases:
    lists = {
        key: tuple(read_related_case(summary) for summary in answer.rows(key))
        for key in RELATED_KEYS
    }
    return RelatedCases(**lists)


# ---- an answer as sent -------------------------------------------------------------------


def parse_history(raw: Mapping[str, Any], default_id: str = "") -> CaseHistory:
    """A ``case.history`` answer as sent (recorded, or handed to the PDF)."""
    answer = decoded(raw, CaseHistoryAnswer)
    if answer is None:
        return read_history(Fields(raw), default_id)
    return history_of(answer, named_merchant(Fields(raw)))


def parse_related(raw: Mapping[str, Any]) -> RelatedCases:
    """A ``case.related`` answer as sent."""
    answer = decoded(raw, CaseRelatedAnswer)
    return read_related(Fields(raw)) if answer is None else related_of(answer)


def named_merchant(answer: Fields) -> str:
    """``case.history``'s ``merchant.name``: no field of :class:`CaseHistoryAnswer` (this
    hub does not send it), so only an answer handed in names the merchant."""
    return answer.nested("merchant").text("name")


def photo_list(raw: object) -> tuple[str, ...]:
    """The photos to show, empty entries dropped (nothing to draw)."""
    if not isinstance(raw, list | tuple):
        return ()
    return tuple(str(photo) for photo in raw if photo)
