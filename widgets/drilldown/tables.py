"""The read-only tables, headings and forms every drill-down is made of."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from widgets.text import translate


def table(columns: list[str], name: str) -> QTableWidget:
    """Rows selected whole, never edited; the last column takes the spare width."""
    view = QTableWidget(0, len(columns))
    view.setObjectName(name)
    view.setHorizontalHeaderLabels(columns)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(len(columns) - 1, QHeaderView.ResizeMode.Stretch)
    return view


def fill(
    view: QTableWidget, rows: Sequence[tuple[str, ...]], ids: Sequence[str] | None = None
) -> None:
    """Rows of text; ``ids`` (one per row) ride on the first cell for activation."""
    view.setRowCount(len(rows))
    for row, cells in enumerate(rows):
        for column, value in enumerate(cells):
            item = QTableWidgetItem(value)
            if ids is not None and column == 0:
                item.setData(Qt.ItemDataRole.UserRole, ids[row])
            view.setItem(row, column, item)


def wrap_rows(view: QTableWidget) -> None:
    """Long cells wrap instead of ending in "…", re-measured whenever a column resizes
    (the widths are only known once the panel is laid out)."""
    view.setWordWrap(True)
    view.setTextElideMode(Qt.TextElideMode.ElideNone)
    # Deferred: stretched columns settle their widths after the signal.
    view.horizontalHeader().sectionResized.connect(
        lambda *_: QTimer.singleShot(0, view, view.resizeRowsToContents)
    )


def rows_of(view: QTableWidget) -> list[tuple[str, ...]]:
    """The table's text as shown, row by row."""
    rows: list[tuple[str, ...]] = []
    for row in range(view.rowCount()):
        cells = (view.item(row, c) for c in range(view.columnCount()))
        rows.append(tuple(item.text() if item is not None else "" for item in cells))
    return rows


def row_id(view: QTableWidget, row: int) -> str:
    """The entity id a row stands for (set by :func:`fill`), or ``""``."""
    item = view.item(row, 0)
    value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
    return str(value) if value else ""


def restyle(widget: QWidget, name: str, value: object) -> None:
    """Set the dynamic property ``name`` that ``drilldown.qss`` selects on, and re-polish:
    a style sheet reads properties when a widget is polished, not when they change."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def heading(text: str, name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setProperty("role", "heading")  # drilldown.qss makes it bold
    return label


def form(
    box: QVBoxLayout, keys: tuple[str, ...], text: Mapping[str, str]
) -> tuple[QFormLayout, dict[str, QLabel]]:
    """A form of selectable value labels, one row per key, labelled from ``text``."""
    layout = QFormLayout()
    fields: dict[str, QLabel] = {}
    for key in keys:
        label = QLabel()
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        fields[key] = label
        layout.addRow(translate("drilldown", text[key]), label)
    box.addLayout(layout)
    return layout, fields
