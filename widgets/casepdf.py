"""A case's summary as a PDF for the paper case file, with Qt's own PDF writer.

QTextDocument lays out the HTML (tables, wrapping, page breaks) and QPdfWriter embeds the
CJK font, so no external PDF library has to ship in the installer. Needs a
QGuiApplication (fonts); the desk has one.
"""

from __future__ import annotations

import html
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from widgets.drilldown import (
    KIND_TEXT,
    RELATED_KEYS,
    SOURCE_TEXT,
    TEXT,
    clock_time,
    event_detail,
    reporter_text,
    sla_marks,
)
from widgets.queue import STATUS_TEXT
from widgets.text import tr

#: Installed with the app's fonts; Qt falls back to any CJK font when it is missing.
PDF_FONT = "WenQuanYi Micro Hei"
RESOLUTION_DPI = 300


def related_line(related: Mapping[str, Any] | None) -> str:
    """How many cases share the merchant, the place and the category (``case.related``)."""
    if related is None:
        return ""
    a, b, c = (len(related.get(key) or ()) for key in RELATED_KEYS)
    return tr(TEXT["related_counts"]).format(a=a, b=b, c=c)


def case_html(
    answer: Mapping[str, Any],
    *,
    show_reporter: bool,
    now: float,
    related: Mapping[str, Any] | None = None,
) -> str:
    """The summary and the timeline of a ``case.history`` answer as simple HTML, with
    the related-case counts when a ``case.related`` answer is given."""
    case: Mapping[str, Any] = answer.get("case") or {}
    events: list[Mapping[str, Any]] = sorted(
        answer.get("events") or [], key=lambda e: float(e.get("ts", 0.0))
    )
    e = html.escape
    source = str(case.get("source", ""))
    status = str(case.get("status", ""))
    reported_at = case.get("reported_at")
    stamp = "%Y-%m-%d %H:%M:%S"
    # (label, HTML value): every value is escaped here, once.
    rows: list[tuple[str, str]] = [
        (tr(TEXT["case"]), e(str(case.get("id", "")))),
        (
            tr(TEXT["reported_at"]),
            e(time.strftime(stamp, time.localtime(reported_at))) if reported_at else "",
        ),
        (tr(TEXT["category"]), e(str(case.get("category", "")))),
        (tr(TEXT["source"]), e(tr(SOURCE_TEXT.get(source, source)))),
        (tr(TEXT["status"]), e(tr(STATUS_TEXT.get(status, status)))),
        (tr(TEXT["address"]), e(str(case.get("address", "")))),
        (tr(TEXT["text"]), e(str(case.get("text", "")))),
        (tr(TEXT["reporter"]), e(reporter_text(case, show_reporter))),
        (tr(TEXT["sla"]), "<br>".join(e(m.text()) for m in sla_marks(case, now))),
    ]
    if related is not None:
        rows.append((tr(TEXT["related"]), e(related_line(related))))
    summary = "".join(
        f"<tr><th align='left' width='18%'>{e(label)}</th><td>{value}</td></tr>"
        for label, value in rows
    )
    head = "".join(
        f"<th align='left'>{e(tr(TEXT[c]))}</th>" for c in ("time", "kind", "actor", "detail")
    )
    timeline = "".join(
        "<tr>"
        f"<td>{e(clock_time(float(ev.get('ts', 0.0))))}</td>"
        f"<td>{e(tr(KIND_TEXT.get(str(ev.get('kind')), str(ev.get('kind')))))}</td>"
        f"<td>{e(str(ev.get('actor', '')))}</td>"
        f"<td>{e(event_detail(ev))}</td>"
        "</tr>"
        for ev in events
    )
    printed = time.strftime(stamp, time.localtime(now))
    table = "<table border='1' cellspacing='0' cellpadding='4' width='100%'>"
    return (
        "<html><body>"
        f"<h2>{e(tr(TEXT['pdf_heading']).format(case=case.get('id', '')))}</h2>"
        f"{table}{summary}</table>"
        f"<h3>{e(tr(TEXT['kind']))}</h3>"
        f"{table}<tr>{head}</tr>{timeline}</table>"
        f"<p style='color:#666'>{e(tr(TEXT['exported']).format(t=printed))}</p>"
        "</body></html>"
    )


def export_case_pdf(
    answer: Mapping[str, Any],
    path: Path,
    *,
    show_reporter: bool = False,
    now: float | None = None,
    related: Mapping[str, Any] | None = None,
) -> None:
    """Write the summary and timeline of a ``case.history`` answer to an A4 PDF at ``path``
    (with the counts of a ``case.related`` answer, if given).

    The reporter is masked unless ``show_reporter``: a PDF leaves the room, so the safe
    choice is the default.
    """
    now = time.time() if now is None else now
    case: Mapping[str, Any] = answer.get("case") or {}
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
    writer.setTitle(f"{tr(TEXT['title'])} {case.get('id', '')}")
    writer.setCreator("Watchfloor")
    document = QTextDocument()
    document.setDefaultFont(QFont(PDF_FONT, 10))
    document.setHtml(case_html(answer, show_reporter=show_reporter, now=now, related=related))
    # Lay out in the writer's own device units, or the text comes out at 1/4 scale.
    document.documentLayout().setPaintDevice(writer)
    document.setPageSize(writer.pageLayout().paintRectPixels(RESOLUTION_DPI).size().toSizeF())
    document.print_(writer)
