"""A case's related cases as three tabs: same merchant, within 100 m, same category."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QTableWidget, QTabWidget, QWidget

from backend_client.stories import RELATED_KEYS, RelatedCase, RelatedCases
from widgets.drilldown.formatting import category_text, date_time
from widgets.drilldown.tables import fill, row_id, rows_of, table
from widgets.drilldown.texts import TEXT
from widgets.minimap import distance_text
from widgets.text import translate
from widgets.vocabulary import status_label

COLUMNS = ("reported_at", "category", "status", "distance", "address")


def related_cells(item: RelatedCase) -> tuple[str, ...]:
    """(reported at, category, status, distance, address) of one related case."""
    return (
        date_time(item.reported_at),
        category_text(item.category),
        status_label(item.status),
        distance_text(item.distance_m) if item.distance_m is not None else "—",
        item.address,
    )


class RelatedTabs(QTabWidget):
    """One tab per list of ``case.related``; activating a row asks for that case."""

    #: The id of the related case a reader activated.
    caseActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RelatedCases")
        # At a desk's dock width three tabs must all stay in sight: narrowed and elided
        # (the full title in the tooltip), never scrolled out of view behind arrows.
        bar = self.tabBar()
        bar.setElideMode(Qt.TextElideMode.ElideRight)
        bar.setUsesScrollButtons(False)
        bar.setExpanding(False)
        self.tables: dict[str, QTableWidget] = {}
        for key in RELATED_KEYS:
            view = table([translate("drilldown", TEXT[c]) for c in COLUMNS], f"Related-{key}")
            view.itemActivated.connect(lambda item, v=view: self._activated(row_id(v, item.row())))
            self.tables[key] = view
            title = translate("drilldown", TEXT[key]).format(n=0)
            self.setTabToolTip(self.addTab(view, title), title)

    def _activated(self, case_id: str) -> None:
        if case_id:
            self.caseActivated.emit(case_id)

    def show_related(self, related: RelatedCases | None) -> None:
        """Draw the lists (all empty when there are none)."""
        for index, key in enumerate(RELATED_KEYS):
            items = related.of(key) if related is not None else ()
            view = self.tables[key]
            fill(view, [related_cells(item) for item in items], [item.id for item in items])
            for row, item in enumerate(items):
                cell = view.item(row, 0)
                if cell is not None:
                    cell.setToolTip(item.id)
            title = translate("drilldown", TEXT[key]).format(n=len(items))
            self.setTabText(index, title)
            self.setTabToolTip(index, title)

    def rows(self, key: str) -> list[tuple[str, ...]]:
        return rows_of(self.tables[key])

    def ids(self, key: str) -> list[str]:
        view = self.tables[key]
        return [row_id(view, row) for row in range(view.rowCount())]
