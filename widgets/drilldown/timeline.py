"""A case's timeline as a table: time, step, who, details; misses red, deadlines amber."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
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
        elif event.kind in ("rectification_deadline", "followup", "rework", "supervised"):
            colour = QColor(MARK_COLOURS["pending"])
        for column, value in enumerate(timeline_cells(event)):
            item = QTableWidgetItem(value)
            if colour is not None:
                item.setForeground(colour)
            if column == 0:
                # What a jump into an officer's replay needs of the row (row_step).
                item.setData(Qt.ItemDataRole.UserRole, (event.ts, named_units(event)))
            view.setItem(row, column, item)
    view.resizeRowsToContents()
    return len(ordered)


def named_units(event: CaseEvent) -> tuple[str, ...]:
    """The officers a step names, once each: the one who reported it (moving, arrival,
    follow-up), then those it sent (dispatch)."""
    named = [event.detail.unit] if event.detail.unit else []
    named += [unit for unit in event.detail.units if unit and unit not in named]
    return tuple(named)


def row_step(view: QTableWidget, row: int) -> tuple[float, tuple[str, ...]] | None:
    """A shown row's moment and the officers it names (:func:`show_timeline` keeps them
    on the row), or None for no such row."""
    item = view.item(row, 0)
    value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
    # Qt may hand a stored tuple back as a list.
    if not isinstance(value, tuple | list) or len(value) != 2:
        return None
    ts, units = value
    return float(ts), tuple(str(unit) for unit in units)
