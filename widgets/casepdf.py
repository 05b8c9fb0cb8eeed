"""A case's summary as a PDF for the paper case file, with Qt's own PDF writer.

QTextDocument lays out the HTML (tables, wrapping, page breaks) and QPdfWriter embeds the
CJK font, so no external PDF library has to ship in the installer. Needs a
QGuiApplication (fonts); the desk has one. It reads the case's story (the model the
drill-down draws), never the drill-down itself.
"""

from __future__ import annotations

import html
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from backend_client.stories import (
    CaseHistory,
    CaseStory,
    RelatedCases,
    parse_history,
    parse_related,
)
from backend_client.stories.case_documents import RecordRow
from widgets.drilldown.documents import record_cells, record_headers
from widgets.drilldown.formatting import (
    CHILD_COLUMNS,
    category_text,
    child_cells,
    clocks_stopped,
    in_time_order,
    reporter_text,
    sla_marks,
)
from widgets.drilldown.texts import TEXT
from widgets.drilldown.timeline import timeline_cells
from widgets.palette import colour
from widgets.text import translate
from widgets.vocabulary import source_label, status_label

#: The export stamp's grey: the PDF is paper, not the dark wall.
MUTED = colour("casepdf.muted")

#: Installed with the app's fonts; Qt falls back to any CJK font when it is missing.
PDF_FONT = "WenQuanYi Micro Hei"
RESOLUTION_DPI = 300


#: What the PDF is made from: the case's story, its parsed history, or a raw
#: ``case.history`` answer (parsed here).
CaseSource = CaseStory | CaseHistory | Mapping[str, Any]
RelatedSource = RelatedCases | Mapping[str, Any] | None


def _history(case: CaseSource) -> CaseHistory:
    if isinstance(case, CaseStory):
        if case.history is None:
            raise ValueError(f"case {case.case_id} has not loaded yet")
        return case.history
    if isinstance(case, CaseHistory):
        return case
    return parse_history(case)


def _related(case: CaseSource, related: RelatedSource) -> RelatedCases | None:
    if related is None:
        # A story brings its own related cases, when they came.
        return case.related if isinstance(case, CaseStory) else None
    if isinstance(related, RelatedCases):
        return related
    return parse_related(related)


def related_line(related: RelatedCases | None) -> str:
    """How many cases share the merchant, the place and the category (``case.related``)."""
    if related is None:
        return ""
    return translate("drilldown", TEXT["related_counts"]).format(
        a=len(related.same_merchant), b=len(related.nearby), c=len(related.same_category)
    )


def case_html(
    source: CaseSource,
    *,
    show_reporter: bool,
    now: float,
    related: RelatedSource = None,
    records: Sequence[RecordRow] = (),
    decisions: Sequence[str] = (),
) -> str:
    """The summary and the timeline of a case (its story, or a ``case.history`` answer)
    as simple HTML, with the related-case counts when they are known, the duplicate
    reports merged into it (as the drill-down lists them), and its records (文书) and
    penalty decisions when given."""
    history = _history(source)
    found = _related(source, related)
    case = history.case
    e = html.escape
    stamp = "%Y-%m-%d %H:%M:%S"
    reported = time.strftime(stamp, time.localtime(case.reported_at)) if case.reported_at else ""
    # A merged child's clocks stopped where it went: one line, not marks counting on.
    stopped = clocks_stopped(case)
    marks = [stopped] if stopped is not None else [m.text() for m in sla_marks(case, now)]
    # (label, HTML value): every value is escaped here, once.
    rows: list[tuple[str, str]] = [
        (translate("drilldown", TEXT["case"]), e(case.id)),
        (translate("drilldown", TEXT["reported_at"]), e(reported)),
        (translate("drilldown", TEXT["category"]), e(category_text(case.category))),
        (
            translate("drilldown", TEXT["source"]),
            e(source_label(case.source)),
        ),
        (
            translate("drilldown", TEXT["status"]),
            e(status_label(case.status)),
        ),
        (translate("drilldown", TEXT["address"]), e(case.address)),
        (translate("drilldown", TEXT["text"]), e(case.text)),
        (translate("drilldown", TEXT["reporter"]), e(reporter_text(case, show_reporter))),
        (
            translate("drilldown", TEXT["sla"]),
            "<br>".join(e(mark) for mark in marks),
        ),
    ]
    if found is not None:
        rows.append((translate("drilldown", TEXT["related"]), e(related_line(found))))
    summary = "".join(
        f"<tr><th align='left' width='18%'>{e(label)}</th><td>{value}</td></tr>"
        for label, value in rows
    )
    head = "".join(
        f"<th align='left'>{e(translate('drilldown', TEXT[c]))}</th>"
        for c in ("time", "kind", "actor", "detail")
    )
    timeline = "".join(
        "<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in timeline_cells(event)) + "</tr>"
        for event in in_time_order(history.events)
    )
    children = ""
    if case.children:
        # Every reporter of the same problem, on paper too: the drill-down's table.
        child_head = "".join(
            f"<th align='left'>{e(translate('drilldown', TEXT[c]))}</th>" for c in CHILD_COLUMNS
        )
        child_rows = "".join(
            "<tr>"
            + "".join(f"<td>{e(cell)}</td>" for cell in child_cells(child, show_reporter))
            + "</tr>"
            for child in case.children
        )
        title = translate("drilldown", TEXT["children"]).format(n=len(case.children))
        children = (
            f"<h3>{e(title)}</h3>"
            f"<table border='1' cellspacing='0' cellpadding='4' width='100%'>"
            f"<tr>{child_head}</tr>{child_rows}</table>"
        )
    documents = ""
    if records:
        record_head = "".join(f"<th align='left'>{e(h)}</th>" for h in record_headers())
        record_rows = "".join(
            "<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in record_cells(row)) + "</tr>"
            for row in records
        )
        documents += (
            f"<h3>{e(translate('drilldown', TEXT['pdf_records']))}</h3>"
            f"<table border='1' cellspacing='0' cellpadding='4' width='100%'>"
            f"<tr>{record_head}</tr>{record_rows}</table>"
        )
    if decisions:
        documents += f"<h3>{e(translate('drilldown', TEXT['pdf_decisions']))}</h3>" + "".join(
            f"<p>{e(line)}</p>" for line in decisions
        )
    printed = time.strftime(stamp, time.localtime(now))
    exported = translate("drilldown", TEXT["exported"]).format(t=printed)
    table = "<table border='1' cellspacing='0' cellpadding='4' width='100%'>"
    return (
        "<html><body>"
        f"<h2>{e(translate('drilldown', TEXT['pdf_heading']).format(case=case.id))}</h2>"
        f"{table}{summary}</table>"
        f"<h3>{e(translate('drilldown', TEXT['kind']))}</h3>"
        f"{table}<tr>{head}</tr>{timeline}</table>"
        f"{children}"
        f"{documents}"
        f"<p style='color:{MUTED}'>{e(exported)}</p>"
        "</body></html>"
    )


def export_case_pdf(
    source: CaseSource,
    path: Path,
    *,
    show_reporter: bool = False,
    now: float | None = None,
    related: RelatedSource = None,
    records: Sequence[RecordRow] = (),
    decisions: Sequence[str] = (),
) -> None:
    """Write the summary and timeline of a case to an A4 PDF at ``path``: its story (with
    its related cases), or a ``case.history`` answer (with the counts of ``related``, if
    given).

    The reporter is masked unless ``show_reporter``: a PDF leaves the room, so the safe
    choice is the default.
    """
    now = time.time() if now is None else now
    history = _history(source)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(path))
    writer.setResolution(RESOLUTION_DPI)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(15, 15, 15, 15),
            QPageLayout.Unit.Millimeter,
        )
    )
    # The title lands in the PDF's metadata, so a filed PDF is found by its case id.
    writer.setTitle(f"{translate('drilldown', TEXT['title'])} {history.case.id}")
    writer.setCreator("Watchfloor")
    document = QTextDocument()
    document.setDefaultFont(QFont(PDF_FONT, 10))
    html_text = case_html(
        history,
        show_reporter=show_reporter,
        now=now,
        related=_related(source, related),
        records=records,
        decisions=decisions,
    )
    document.setHtml(html_text)
    # Lay out in the writer's own device units, or the text comes out at 1/4 scale.
    document.documentLayout().setPaintDevice(writer)
    document.setPageSize(writer.pageLayout().paintRectPixels(RESOLUTION_DPI).size().toSizeF())
    document.print_(writer)
