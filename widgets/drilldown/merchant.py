"""The merchant drill-down, drawn from a :class:`~backend_client.stories.MerchantStory`."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QWidget

from backend_client.codes import merchant_code
from backend_client.stories import Inspection, MerchantStory, Source
from widgets.drilldown.base import DrilldownPanel, Pager
from widgets.drilldown.formatting import category_text, date_time
from widgets.drilldown.tables import fill, form, heading, restyle, rows_of, table, wrap_rows
from widgets.drilldown.texts import (
    MERCHANT_TEXT,
    RESULT_COLOURS,
    RESULT_TEXT,
    RISK_TEXT,
    TEXT,
)
from widgets.minimap import Marker, MiniMap
from widgets.qrcode import qr_pixmap
from widgets.text import translate
from widgets.vocabulary import status_label


def inspection_cells(inspection: Inspection) -> tuple[str, ...]:
    """(time, departments, items, result, note) of one joint inspection."""
    return (
        date_time(inspection.ts),
        "、".join(inspection.departments),
        "、".join(inspection.items),
        translate("drilldown", RESULT_TEXT.get(inspection.result, inspection.result)),
        inspection.note,
    )


class MerchantDrilldown(DrilldownPanel):
    """One merchant (``merchant.profile``): profile and place, cases per category, the
    joint inspections, and the cases newest first (paged)."""

    KIND = "merchant"
    PROFILE_FIELDS = ("name", "credit_code", "address", "category", "risk")
    INSPECTION_COLUMNS = ("inspected_at", "departments", "items", "result", "note")
    #: Cases per ``merchant.profile`` page (the hub's own default).
    PAGE_SIZE = MerchantStory.PAGE_SIZE

    story: MerchantStory

    def __init__(
        self,
        merchant_id: str,
        fetch: Source | MerchantStory,
        parent: QWidget | None = None,
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        story = (
            fetch
            if isinstance(fetch, MerchantStory)
            else MerchantStory(merchant_id, fetch, page_size=page_size)
        )
        super().__init__(story, parent, merchant_id, MERCHANT_TEXT["title"])
        self.setObjectName("MerchantDrilldown")
        self.merchant_id = merchant_id
        self.status.setText(
            translate("drilldown", MERCHANT_TEXT["loading"]).format(merchant=merchant_id)
        )
        left = self.left
        _, self.fields = form(left, self.PROFILE_FIELDS, MERCHANT_TEXT)
        # 一户一码: the merchant's code; a desk's scanner gun typing it into the search box
        # opens this file (desktop/desk_window.py, backend_client/codes.py).
        self.code = merchant_code(merchant_id)
        self.qr = QLabel()
        self.qr.setObjectName("MerchantQr")
        self.qr.setPixmap(qr_pixmap(self.code))
        self.qr.setToolTip(self.code)
        qr_row = QHBoxLayout()
        qr_row.addWidget(self.qr)
        caption = QLabel(translate("drilldown", MERCHANT_TEXT["qr"]))
        caption.setObjectName("MerchantQrCaption")
        caption.setWordWrap(True)
        qr_row.addWidget(caption, 1)
        left.addLayout(qr_row)
        left.addWidget(
            heading(translate("drilldown", MERCHANT_TEXT["counts"]), "MerchantCountsHeading")
        )
        self.counts = table(
            [
                translate("drilldown", TEXT["category"]),
                translate("drilldown", MERCHANT_TEXT["count"]),
            ],
            "MerchantCategoryCounts",
        )
        left.addWidget(self.counts, 1)
        self.minimap = MiniMap()
        self.minimap.markerActivated.connect(self._on_marker)
        left.addWidget(self.minimap, 2)

        right = self.right
        self.inspections_heading = heading(
            translate("drilldown", MERCHANT_TEXT["inspections"]), "MerchantInspectionsHeading"
        )
        right.addWidget(self.inspections_heading)
        self.inspections = table(
            [translate("drilldown", MERCHANT_TEXT[c]) for c in self.INSPECTION_COLUMNS],
            "MerchantInspections",
        )
        wrap_rows(self.inspections)
        inspection_header = self.inspections.horizontalHeader()
        # Departments and items are lists that wrap; time and result stay one line.
        for column in (1, 2, 4):
            inspection_header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        right.addWidget(self.inspections, 2)
        self.cases_heading = heading(
            translate("drilldown", MERCHANT_TEXT["cases"]), "MerchantCasesHeading"
        )
        right.addWidget(self.cases_heading)
        self.case_table = table(
            [
                translate("drilldown", TEXT["reported_at"]),
                translate("drilldown", MERCHANT_TEXT["case"]),
                translate("drilldown", TEXT["category"]),
                translate("drilldown", TEXT["status"]),
            ],
            "MerchantCases",
        )
        self.case_table.itemActivated.connect(
            lambda item: self._open_row(self.case_table, item.row())
        )
        right.addWidget(self.case_table, 3)
        self.pager = Pager(right, "MerchantCasesMore", story.paging)
        self.pager.button.clicked.connect(self._on_more)

    async def load_more(self) -> bool:
        """The next page of cases, appended; False when there was none or it failed."""
        return await self.story.load_more()

    def _render(self) -> None:
        profile = self.story.profile
        for key in self.PROFILE_FIELDS:
            self.fields[key].setText(profile.field(key))
        # The store keeps 1..3; a supervisor reads words (and a high risk in red).
        if profile.risk is not None:
            self.fields["risk"].setText(translate("drilldown", RISK_TEXT[profile.risk]))
            restyle(self.fields["risk"], "risk", "high" if profile.risk == 3 else "")
        fill(self.counts, [(category_text(c), str(n)) for c, n in self.story.counts])
        self._render_inspections()
        self._render_page()

    def _render_paging(self) -> None:
        self.pager.show(len(self.story.cases))

    def _render_page(self) -> None:
        newest = sorted(self.story.cases, key=lambda c: c.reported_at, reverse=True)
        rows = [
            (
                date_time(case.reported_at),
                case.id,
                category_text(case.category),
                status_label(case.status),
            )
            for case in newest
        ]
        fill(self.case_table, rows, [c.id for c in newest])
        total = self.story.paging.total if self.story.paging.total is not None else len(newest)
        self.cases_heading.setText(
            translate("drilldown", MERCHANT_TEXT["cases_total"]).format(n=total)
        )
        self.pager.show(len(newest))
        self._render_map()

    def _render_inspections(self) -> None:
        newest = sorted(self.story.inspections, key=lambda i: i.ts, reverse=True)
        fill(self.inspections, [inspection_cells(i) for i in newest], [i.id for i in newest])
        for row, inspection in enumerate(newest):
            result_item = self.inspections.item(row, 3)
            colour = RESULT_COLOURS.get(inspection.result)
            if result_item is not None and colour is not None:
                result_item.setForeground(QColor(colour))
            who = translate("drilldown", MERCHANT_TEXT["team_officers"]).format(
                teams="、".join(inspection.teams) or "—",
                officers="、".join(inspection.officers) or "—",
            )
            for column in range(self.inspections.columnCount()):
                cell = self.inspections.item(row, column)
                if cell is not None:
                    cell.setToolTip(who)
        self.inspections.resizeRowsToContents()
        self.inspections_heading.setText(
            translate("drilldown", MERCHANT_TEXT["inspections_n"]).format(n=len(newest))
        )

    def _render_map(self) -> None:
        profile = self.story.profile
        markers = [
            Marker(case.id, case.lat, case.lon, "nearby")
            for case in self.story.cases
            if case.lat is not None and case.lon is not None
        ]
        if profile.lat is not None and profile.lon is not None:
            markers.append(Marker(self.merchant_id, profile.lat, profile.lon, "case"))
        self.minimap.set_markers(markers)
        self.minimap.fit([(m.lat, m.lon) for m in markers], min_span_m=400.0)

    def _on_marker(self, key: str) -> None:
        if key and key != self.merchant_id:
            self.openRequested.emit("incident", key)

    def count_rows(self) -> list[tuple[str, ...]]:
        """(category, count) as shown, most cases first."""
        return rows_of(self.counts)

    def case_rows(self) -> list[tuple[str, ...]]:
        """(reported at, case, category, status) as shown, newest first."""
        return rows_of(self.case_table)

    def inspection_rows(self) -> list[tuple[str, ...]]:
        """(time, departments, items, result, note) as shown, newest first."""
        return rows_of(self.inspections)
