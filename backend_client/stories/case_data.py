"""The typed records of a case's story: ``case.history`` and ``case.related`` answers.

Parsed once (:func:`parse_history`, :func:`parse_related`); a missing key becomes its
default (``""``, ``None``, ``()``), never an exception in a view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend_client.protocol.messages import SlaMarks
from backend_client.stories.parse import count, items, mapping, number, number_or, strings, text

#: The three lists of ``case.related``, in the order the views show them.
RELATED_KEYS: tuple[str, ...] = ("same_merchant", "nearby", "same_category")


@dataclass(frozen=True, slots=True)
class Reporter:
    name: str = ""
    phone: str = ""


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


def parse_sla(raw: object) -> SlaMarks | None:
    """``case.sla``; None when it is missing or lacks a deadline (nothing to judge)."""
    if not isinstance(raw, Mapping):
        return None
    deadlines = [number(raw.get(key)) for key in ("accept_by", "move_by", "handle_by")]
    accept_by, move_by, handle_by = deadlines
    if accept_by is None or move_by is None or handle_by is None:
        return None
    return SlaMarks(
        accept_by=accept_by,
        move_by=move_by,
        handle_by=handle_by,
        accepted_at=number(raw.get("accepted_at")),
        moving_at=number(raw.get("moving_at")),
        handled_at=number(raw.get("handled_at")),
        missed=list(strings(raw.get("missed"))),
    )


def parse_case(raw: object, default_id: str = "") -> CaseRecord:
    case = mapping(raw)
    reporter = case.get("reporter")
    merchant_id = case.get("merchant_id")
    return CaseRecord(
        id=text(case, "id", default_id),
        source=text(case, "source"),
        category=text(case, "category"),
        status=text(case, "status"),
        address=text(case, "address"),
        text=text(case, "text"),
        reported_at=number(case.get("reported_at")),
        lat=number(case.get("lat")),
        lon=number(case.get("lon")),
        merchant_id=str(merchant_id) if merchant_id else None,
        reporter=(
            Reporter(str(reporter.get("name") or ""), str(reporter.get("phone") or ""))
            if isinstance(reporter, Mapping)
            else None
        ),
        sla=parse_sla(case.get("sla")),
        photos=tuple(str(p) for p in case.get("photos") or () if p),
    )


def parse_detail(raw: object) -> EventDetail:
    detail = mapping(raw)
    inspection = detail.get("inspection")
    return EventDetail(
        stage=str(detail["stage"]) if "stage" in detail else None,
        units=strings(detail.get("units")),
        unit=str(detail["unit"]) if detail.get("unit") else "",
        inspection=inspection if inspection in ("passed", "failed") else "",
        outcome=str(detail["outcome"]) if detail.get("outcome") else "",
        note=str(detail["note"]) if detail.get("note") else "",
        deadline=number(detail.get("deadline")),
    )


def parse_event(raw: Mapping[str, Any]) -> CaseEvent:
    return CaseEvent(
        kind=text(raw, "kind"),
        ts=number_or(raw.get("ts")),
        actor=text(raw, "actor"),
        detail=parse_detail(raw.get("detail")),
    )


def parse_events(raw: object) -> tuple[CaseEvent, ...]:
    return tuple(parse_event(event) for event in items(raw))


def parse_history(raw: Mapping[str, Any], default_id: str = "") -> CaseHistory:
    case = parse_case(raw.get("case"), default_id)
    photos = raw.get("photos")
    merchant = mapping(raw.get("merchant"))
    return CaseHistory(
        case=case,
        events=parse_events(raw.get("events")),
        # The answer's own list wins (an older hub put the photos on the case only).
        photos=(case.photos if photos is None else tuple(str(p) for p in photos or () if p)),
        merchant_name=text(merchant, "name"),
        next_offset=count(raw.get("next_offset")),
        total_events=count(raw.get("total_events")),
    )


def parse_related_case(raw: Mapping[str, Any]) -> RelatedCase:
    return RelatedCase(
        id=text(raw, "id"),
        reported_at=number_or(raw.get("reported_at")),
        category=text(raw, "category"),
        status=text(raw, "status"),
        address=text(raw, "address"),
        distance_m=number(raw.get("distance_m")),
        lat=number(raw.get("lat")),
        lon=number(raw.get("lon")),
    )


def parse_related(raw: Mapping[str, Any]) -> RelatedCases:
    lists = {
        key: tuple(parse_related_case(item) for item in items(raw.get(key))) for key in RELATED_KEYS
    }
    return RelatedCases(**lists)
