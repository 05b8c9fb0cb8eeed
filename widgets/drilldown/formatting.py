"""The drill-downs' words for a case's data: reporter, 1-3-15 marks, timeline details,
rectification deadlines, times. Shared by the case view and the case PDF (widgets.casepdf)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from backend_client.privacy import mask_name, mask_phone
from backend_client.protocol.messages import SlaMarks
from backend_client.sla import StageState, stage_standings
from backend_client.stories.case_data import (
    CaseEvent,
    CaseRecord,
    MergedReport,
    Reporter,
    parse_sla,
)
from widgets.deadline_text import limit_label
from widgets.drilldown.texts import (
    CHANNEL_TEXT,
    RECORD_KIND_TEXT,
    RECORD_STATE_TEXT,
    REWORK_BY_TEXT,
    TEXT,
    TIER_TEXT,
    VERDICT_TEXT,
)
from widgets.minimap import distance_text
from widgets.text import translate
from widgets.vocabulary import source_label, stage_label, word

MarkState = Literal["met", "missed", "pending"]
_MARK_STATE: dict[StageState, MarkState] = {
    StageState.MET: "met",
    StageState.MISSED: "missed",
    StageState.PENDING: "pending",
}


def category_text(category: str) -> str:
    """A case category in the UI language (``backend_client/vocabulary.py``), as in the
    queue; one not listed shows as sent."""
    return word(category)


def reporter_text(case: CaseRecord, show_reporter: bool) -> str:
    """The reporter line, masked unless this role may see who reported."""
    return reporter_line(case.reporter, show_reporter)


def reporter_line(reporter: Reporter | None, show_reporter: bool) -> str:
    """One reporter (a case's, or a merged child's), masked unless this role may see
    who reported: the hub masks already; this keeps a supervisor's panel shown to an
    operator's eyes (a recorded answer, a wall) honest too."""
    if reporter is None:
        return translate("drilldown", TEXT["no_reporter"])
    name, phone = reporter.name, reporter.phone
    if not show_reporter:
        name, phone = mask_name(name), mask_phone(phone)
    return " ".join(part for part in (name, phone) if part) or translate(
        "drilldown", TEXT["no_reporter"]
    )


def clock_time(ts: float) -> str:
    """``HH:MM:SS`` in the workstation's local time (the command centre's own clock)."""
    return time.strftime("%H:%M:%S", time.localtime(ts))


def date_time(ts: float) -> str:
    """``YYYY-MM-DD HH:MM`` in local time: a merchant's history spans months."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


@dataclass(frozen=True, slots=True)
class SlaMark:
    """One 1-3-15 stage as judged from the recorded marks."""

    stage: str
    state: MarkState
    #: Seconds early (met), late (missed), or left (pending); never negative.
    seconds: int
    #: Still open: ``missed`` means overdue now, not late when done.
    open: bool

    def text(self) -> str:
        stage = stage_label(self.stage)
        key = "overdue" if self.state == "missed" and self.open else self.state
        return translate("drilldown", TEXT[key]).format(stage=stage, s=self.seconds)


def sla_marks(case: CaseRecord | Mapping[str, Any], now: float) -> list[SlaMark]:
    """The accept/move/handle marks from the case's ``sla``; empty when it has none.

    Takes the parsed case, or a wire case dict (parsed here)."""
    sla: SlaMarks | None = case.sla if isinstance(case, CaseRecord) else parse_sla(case.get("sla"))
    if sla is None:
        return []
    marks: list[SlaMark] = []
    for standing in stage_standings(sla, now):
        # Met: the margin; missed: how late (done, or by now); pending: the time left.
        seconds = standing.seconds_late if standing.state == StageState.MISSED else None
        if seconds is None:
            seconds = standing.seconds_left or 0.0
        marks.append(
            SlaMark(
                str(standing.stage),
                _MARK_STATE[standing.state],
                round(seconds),
                open=standing.done_at is None,
            )
        )
    return marks


def clocks_stopped(case: CaseRecord) -> str | None:
    """For a case merged into another (``parent_id``), the line saying its clocks stopped
    there: the hub records no more 1-3-15 or 处置时限 misses for it (hub/deadlines.py,
    hub/cases.py), so the marks' countdown would mislead. None for any other case."""
    if not case.parent_id:
        return None
    return translate("drilldown", TEXT["clocks_stopped"]).format(id=case.parent_id)


# Timeline kinds of issue 18's lifecycle nodes (hub/domain/lifecycle.py CaseEventKind).
_NODE_KINDS = frozenset(
    {"verified", "checked", "rework", "supervised", "voided", "suspended", "resumed", "visited"}
)


def event_detail(event: CaseEvent) -> str:
    """The few detail fields a reader needs, in words; the rest stays in the audit trail."""
    detail = event.detail
    parts: list[str] = []
    if event.kind == "sla_missed" and detail.stage is not None:
        parts.append(stage_label(detail.stage))
    if detail.units:
        parts.append("、".join(detail.units))
    if detail.unit:
        # Moving, arrival and follow-up name the one officer who reported them.
        parts.append(translate("drilldown", TEXT["unit"]).format(unit=detail.unit))
    if detail.inspection:
        # Closing after a follow-up means it passed; a new deadline from one, it failed.
        parts.append(translate("drilldown", TEXT[f"inspection_{detail.inspection}"]))
    if event.kind in _NODE_KINDS:
        # Issue 18's nodes: how (回访), the verdict, what sent it back, the reason;
        # before any note, which says more of the same.
        for table, key in (
            (CHANNEL_TEXT, detail.channel),
            (VERDICT_TEXT, detail.result),
            (REWORK_BY_TEXT, detail.by),
        ):
            if key in table:
                parts.append(translate("drilldown", table[key]))
        if detail.reason and detail.reason not in parts:
            parts.append(detail.reason)
    if detail.limit:
        # 延期: the limit asked or granted (4个工作时); the new deadline follows.
        parts.append(limit_label(detail.limit))
    parts.extend(part for part in (detail.outcome, detail.note) if part)
    if detail.deadline:
        # Rectification deadlines are days away: the date matters more than the second.
        parts.append(date_time(detail.deadline))
    if event.kind == "record":
        kind = RECORD_KIND_TEXT.get(detail.record_kind)
        parts.append(translate("drilldown", kind) if kind else detail.record_kind)
        parts.append(detail.record_id)
        if detail.version is not None:
            parts.append(
                translate("drilldown", TEXT["record_version"]).format(version=detail.version)
            )
        state = RECORD_STATE_TEXT.get(detail.state)
        if state:
            parts.append(translate("drilldown", state))
    if event.kind == "decision":
        tier = TIER_TEXT.get(detail.tier)
        parts.append(translate("drilldown", tier) if tier else detail.tier)
        if detail.amount:
            amount = f"{detail.amount:g}"
            parts.append(translate("drilldown", TEXT["fine"]).format(amount=amount))
        if detail.reason:
            parts.append(detail.reason)
    if event.kind == "merged" and detail.into:
        parts.append(translate("drilldown", TEXT["merged_into"]).format(id=detail.into))
    if event.kind == "merged_child" and detail.merged_case:
        n = detail.count if detail.count is not None else ""
        parts.append(
            translate("drilldown", TEXT["merged_child"]).format(id=detail.merged_case, n=n)
        )
    return " · ".join(p for p in parts if p)


def in_time_order(events: Sequence[CaseEvent]) -> list[CaseEvent]:
    """The hub answers in stored order; sorted again so merged pages or a cached answer
    still read top to bottom in time (stable: same-instant steps keep their order)."""
    return sorted(events, key=lambda e: e.ts)


def span_text(seconds: float) -> str:
    """Whole days, or hours under a day: a rectification runs for days."""
    seconds = max(0.0, seconds)
    if seconds >= 86400:
        return translate("drilldown", TEXT["days"]).format(n=int(seconds // 86400))
    return translate("drilldown", TEXT["hours"]).format(n=max(1, int(seconds // 3600)))


def rectification(
    case: CaseRecord, events: Sequence[CaseEvent], now: float
) -> tuple[str, bool] | None:
    """The rectification deadline line and whether it is overdue, from the latest
    ``rectification_deadline`` step (a failed follow-up sets a new one); None if never
    ordered."""
    deadline: float | None = None
    for event in in_time_order(events):
        if event.kind == "rectification_deadline" and event.detail.deadline is not None:
            deadline = event.detail.deadline
    if deadline is None:
        return None
    date = date_time(deadline)
    if case.status != "rectifying":
        return date, False  # checked or closed: the date is history now
    if now > deadline:
        return translate("drilldown", TEXT["rectify_overdue"]).format(
            date=date, span=span_text(now - deadline)
        ), True
    return translate("drilldown", TEXT["rectify_left"]).format(
        date=date, span=span_text(deadline - now)
    ), False


#: The merged children's table (a parent's drill-down): its columns, in order.
CHILD_COLUMNS = ("case", "reported_at", "source", "child_reporter", "distance", "visit", "text")


def visit_text(child: MergedReport) -> str:
    """The latest 回访 of a merged child's reporter, in words ("未回访" while none)."""
    if not child.visit:
        return translate("drilldown", TEXT["not_visited"])
    verdict = VERDICT_TEXT.get(child.visit)
    return translate("drilldown", verdict) if verdict else child.visit


def child_cells(child: MergedReport, show_reporter: bool) -> tuple[str, ...]:
    """One merged child as its parent lists it (:data:`CHILD_COLUMNS`)."""
    return (
        child.id,
        date_time(child.reported_at) if child.reported_at is not None else "—",
        source_label(child.source) if child.source else "—",
        reporter_line(child.reporter, show_reporter),
        distance_text(child.distance_m) if child.distance_m is not None else "—",
        visit_text(child),
        child.summary,
    )
