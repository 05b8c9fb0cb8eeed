"""A case's timeline as a table: time, step, who, details; misses red, deadlines amber."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

from backend_client.stories import CaseEvent
from widgets.drilldown.formatting import clock_time, event_detail, in_time_order
from widgets.drilldown.tables import table, wrap_rows
from widgets.drilldown.texts import KIND_TEXT, MARK_COLOURS, TEXT
from widgets.text import translate

COLUMNS = ("time", "kind", "actor", "detail")


def timeline_table() -> QTableWidget:
    view = table([translate("drilldown", TEXT[c]) for c in COLUMNS], "CaseTimeline")
    wrap_rows(view)
    return view


def timeline_cells(event: CaseEvent) -> tuple[str, str, str, str]:
    """One step as the table and the PDF show it: (time, step, who, details)."""
    return (
        clock_time(event.ts),
        translate("drilldown", KIND_TEXT.get(event.kind, event.kind)),
        event.actor,
        event_detail(event),
    )


def show_timeline(view: QTableWidget, events: Sequence[CaseEvent]) -> int:
    """Draw ``events`` in time order; returns how many rows are shown."""
    ordered = in_time_order(events)
    view.setRowCount(len(ordered))
    for row, event in enumerate(ordered):
        colour: QColor | None = None
        if event.kind == "sla_missed":
            colour = QColor(MARK_COLOURS["missed"])
        elif event.kind in ("rectification_deadline", "followup"):
            colour = QColor(MARK_COLOURS["pending"])
        for column, value in enumerate(timeline_cells(event)):
            item = QTableWidgetItem(value)
            if colour is not None:
                item.setForeground(colour)
            view.setItem(row, column, item)
    view.resizeRowsToContents()
    return len(ordered)
