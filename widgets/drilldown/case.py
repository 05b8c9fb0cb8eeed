"""The case drill-down: header, 1-3-15 marks, photos, a mini-map, the paged timeline, the
duplicate reports merged into the case and the related cases, drawn from a
:class:`~backend_client.stories.CaseStory`."""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QLabel,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from backend_client.deadlines import deadline_standing
from backend_client.stories import RELATED_KEYS, CaseStory, RelatedCases, Source
from backend_client.stories.case_documents import CaseDocuments
from backend_client.stories.replay import Clock
from backend_client.workcalendar import WorkingCalendar
from widgets.deadline_text import class_line, deadline_line
from widgets.drilldown.base import DrilldownPanel, Pager
from widgets.drilldown.documents import DocumentTabs, worded
from widgets.drilldown.formatting import (
    CHILD_COLUMNS,
    category_text,
    child_cells,
    clocks_stopped,
    date_time,
    in_time_order,
    rectification,
    reporter_text,
    sla_marks,
    visit_text,
)
from widgets.drilldown.photos import PhotoStrip
from widgets.drilldown.related import COLUMNS as RELATED_COLUMNS
from widgets.drilldown.related import RelatedTabs
from widgets.drilldown.tables import fill, form, heading, restyle, row_id, rows_of, table
from widgets.drilldown.texts import LINK_COLOUR, TEXT
from widgets.drilldown.timeline import COLUMNS as TIMELINE_COLUMNS
from widgets.drilldown.timeline import row_step, show_timeline, timeline_table
from widgets.minimap import Marker, MiniMap
from widgets.text import translate
from widgets.vocabulary import source_label, status_label, word


class CaseDrilldown(DrilldownPanel):
    """One case: header, 1-3-15 marks, photos, a mini-map, the timeline (paged) and the
    related cases (``case.related``).

    Call :meth:`start` on a running qasync loop (or ``await load()``); ``loaded`` fires
    after each answer is shown, ``failed`` with the reason when there was none to show.
    """

    KIND = "incident"
    #: ``replayRequested(unit_id, ts)``: a timeline row asks for that officer's replay at
    #: its moment (double-click, or the row's menu when it names several).
    replayRequested = Signal(str, float)
    HEADER_FIELDS = ("case", "category", "source", "status", "address", "text")
    TIMELINE_COLUMNS = TIMELINE_COLUMNS
    RELATED_COLUMNS = RELATED_COLUMNS
    CHILD_COLUMNS = CHILD_COLUMNS
    #: Merged children shown without scrolling.
    CHILD_ROWS = 5
    #: Events per ``case.history`` page (the hub's own default).
    PAGE_SIZE = CaseStory.PAGE_SIZE

    story: CaseStory

    def __init__(
        self,
        case_id: str,
        fetch: Source | CaseStory,
        *,
        show_reporter: bool,
        clock: Clock = time.time,
        calendar: Callable[[], WorkingCalendar | None] | None = None,
        page_size: int = PAGE_SIZE,
        parent: QWidget | None = None,
    ) -> None:
        # The desk may hand in a story it made; else the panel makes one on ``fetch``.
        story = (
            fetch
            if isinstance(fetch, CaseStory)
            else CaseStory(case_id, fetch, page_size=page_size)
        )
        super().__init__(story, parent, case_id, TEXT["title"])
        self.setObjectName("CaseDrilldown")
        self.case_id = case_id
        self.show_reporter = show_reporter
        self._clock = clock
        # The hub's working calendar as the client holds it now (None: not known, clock
        # time), asked on each render: one that arrives after opening words the next.
        self._calendar = calendar or (lambda: None)
        self.status.setText(translate("drilldown", TEXT["loading"]).format(case=case_id))

        left = self.left
        self.form, self.fields = form(
            left,
            (*self.HEADER_FIELDS, "parent", "merchant", "reporter", "rectify_by", "deadline"),
            TEXT,
        )
        for key in ("parent", "merchant"):
            self.fields[key].setTextInteractionFlags(
                Qt.TextInteractionFlag.LinksAccessibleByMouse
                | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
            )
        self.fields["merchant"].linkActivated.connect(self._open_merchant)
        # A merged child names the case it went into: one click opens that case.
        self.fields["parent"].linkActivated.connect(self._open_parent)
        for key in ("parent", "merchant", "rectify_by", "deadline"):
            self.form.setRowVisible(self.fields[key], False)

        self.marks: list[QLabel] = []
        marks_form = QFormLayout()
        self._marks_row = QVBoxLayout()
        marks_box = QWidget()
        marks_box.setLayout(self._marks_row)
        marks_form.addRow(translate("drilldown", TEXT["sla"]), marks_box)
        left.addLayout(marks_form)

        # The duplicate reports merged into this case (case.merge), one row each, so a
        # supervisor sees every reporter at a glance: beside the case's own reporter, where
        # the column is wide enough for every column; hidden while there are none.
        self.children_heading = heading(
            translate("drilldown", TEXT["children"]).format(n=0), "CaseChildrenHeading"
        )
        left.addWidget(self.children_heading)
        self.children_table = table(
            [translate("drilldown", TEXT[c]) for c in CHILD_COLUMNS], "CaseChildren"
        )
        # The report's text takes the spare width and is elided (whole in its tooltip).
        self.children_table.setWordWrap(False)
        self.children_table.setTextElideMode(Qt.TextElideMode.ElideRight)
        # Double-click or Enter opens the child's own drill-down, as a related case does.
        self.children_table.itemActivated.connect(
            lambda item: self._open_row(self.children_table, item.row())
        )
        left.addWidget(self.children_table)
        self.children_heading.hide()
        self.children_table.hide()

        self.photos_heading = heading(translate("drilldown", TEXT["photos"]), "CasePhotosHeading")
        left.addWidget(self.photos_heading)
        self.photos_scroll = PhotoStrip()
        left.addWidget(self.photos_scroll)
        self.photos_heading.hide()
        self.photos_scroll.hide()

        self.minimap = MiniMap()
        self.minimap.markerActivated.connect(self._on_marker)
        left.addWidget(self.minimap, 1)

        right = self.right
        self.timeline_heading = heading(
            translate("drilldown", TEXT["timeline"]), "CaseTimelineHeading"
        )
        right.addWidget(self.timeline_heading)
        self.timeline = timeline_table()
        # A row naming an officer (dispatch, moving, arrival, follow-up) jumps into the
        # officer's replay at that moment.
        # A merge row (并案, 重复件并入) opens the case it names instead.
        self.timeline.itemDoubleClicked.connect(lambda item: self._timeline_row(item.row()))
        self.timeline.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.timeline.customContextMenuRequested.connect(self._timeline_menu)
        right.addWidget(self.timeline, 3)
        self.pager = Pager(right, "CaseTimelineMore", story.paging)
        self.pager.button.clicked.connect(self._on_more)

        self.related_heading = heading(translate("drilldown", TEXT["related"]), "RelatedHeading")
        right.addWidget(self.related_heading)
        self.related_tabs = RelatedTabs()
        self.related_tabs.caseActivated.connect(
            lambda key: self.openRequested.emit("incident", key)
        )
        self.related_tables = self.related_tabs.tables
        right.addWidget(self.related_tabs, 2)

        # 文书 and 裁量 (issue 19): the records and the discretion advice beside the decision.
        self.documents = CaseDocuments(case_id, story.api)
        self.document_tabs = DocumentTabs()
        self.documents.changed.connect(
            lambda _topic: self.document_tabs.show_documents(self.documents)
        )
        right.addWidget(self.document_tabs, 2)
        self.pdf_button = QPushButton(translate("drilldown", TEXT["export_pdf"]))
        self.pdf_button.setObjectName("ExportPdf")
        self.pdf_button.clicked.connect(lambda: self.export_pdf())
        self.bar.insertWidget(self.bar.count() - 1, self.pdf_button)

    def export_pdf(self, path: Path | None = None) -> Path | None:
        """The case as an A4 PDF (summary, timeline, records and decisions), written to
        ``path`` or where the user chooses; the reporter as this panel shows it."""
        if self.story.history is None:
            return None
        if path is None:
            suggested = str(Path.home() / f"{self.case_id}.pdf")
            chosen, _ = QFileDialog.getSaveFileName(
                self, translate("drilldown", TEXT["export_pdf"]), suggested, "PDF (*.pdf)"
            )
            if not chosen:
                return None
            path = Path(chosen)
        from widgets.casepdf import export_case_pdf

        export_case_pdf(
            self.story,
            path,
            show_reporter=self.show_reporter,
            records=self.documents.rows(),
            decisions=[worded(line) for line in self.documents.decision_lines()],
        )
        self.status.setText(translate("drilldown", TEXT["exported_to"]).format(path=path))
        return path

    # ---- the story, read through -------------------------------------------------------

    @property
    def related(self) -> RelatedCases | None:
        return self.story.related

    @property
    def merchant_id(self) -> str | None:
        return self.story.case.merchant_id

    @property
    def photo_labels(self) -> list[QLabel]:
        return self.photos_scroll.labels

    async def load(self) -> None:
        """The case and its related cases, and beside them its records and discretion."""
        await asyncio.gather(self.story.load(), self.documents.load())

    async def load_more(self) -> bool:
        """The next page of the timeline, appended; False when there was none or it failed."""
        return await self.story.load_more()

    def show_related(self, related: dict[str, Any] | None, error: str = "") -> None:
        """Draw a ``case.related`` answer; None (with the reason) when there was none."""
        self.story.set_related(related, error)

    # ---- rendering --------------------------------------------------------------------

    def _render(self) -> None:
        """Draw a ``case.history`` answer (fresh or cached)."""
        story = self.story
        case = story.case
        values = {
            "case": case.id,
            # The class: name, code and 大类 (walls and the queue show the name only).
            "category": class_line(
                category_text(case.category), case.class_code, word(case.class_group)
            ),
            "source": source_label(case.source),
            "status": status_label(case.status),
            "address": case.address,
            "text": case.text,
            "reporter": reporter_text(case, self.show_reporter),
        }
        for key, value in values.items():
            self.fields[key].setText(value)

        if case.merchant_id:
            name = story.history.merchant_name if story.history is not None else ""
            shown = f"{name}（{case.merchant_id}）" if name else case.merchant_id
            self.fields["merchant"].setText(
                f'<a href="merchant" style="color:{LINK_COLOUR}">{html.escape(shown)}</a>'
            )
        self.form.setRowVisible(self.fields["merchant"], case.merchant_id is not None)

        self._render_deadline()
        self._render_family()
        for label in self.marks:
            label.deleteLater()
        self.marks = []
        stopped = clocks_stopped(case)
        # A merged child: one line in place of marks that would count on (or read as
        # missed) though the hub no longer times it.
        lines: list[tuple[str, str]] = (
            [(stopped, "stopped")]
            if stopped is not None
            else [(mark.text(), mark.state) for mark in sla_marks(case, self._clock())]
        )
        for text, state in lines:
            label = QLabel(text)
            label.setObjectName("SlaMark")
            label.setProperty("state", state)  # coloured by drilldown.qss
            self._marks_row.addWidget(label)
            self.marks.append(label)

        photos = list(story.history.photos) if story.history is not None else []
        self.photos_scroll.show_photos(photos)
        self.photos_heading.setVisible(bool(photos))
        self.photos_scroll.setVisible(bool(photos))
        self._render_map()
        self._render_page()

    def _render_deadline(self) -> None:
        """The 处置时限 row: the deadline fixed at dispatch, its limit and its standing,
        in working time once the hub's calendar is known (as the queue beside it words it).
        A merged child's says its clocks stopped."""
        case = self.story.case
        label = self.fields["deadline"]
        stopped = clocks_stopped(case)
        if case.deadline is not None and stopped is not None:
            label.setText(stopped)
            restyle(label, "overdue", False)
        elif case.deadline is not None:
            handled_at = case.sla.handled_at if case.sla is not None else None
            standing = deadline_standing(
                case.deadline,
                case.status,
                handled_at,
                self._clock(),
                calendar=self._calendar(),
                limit=case.deadline_limit,
            )
            label.setText(deadline_line(case.deadline, case.deadline_limit, standing))
            restyle(label, "overdue", standing.state in ("overdue", "late"))
        self.form.setRowVisible(label, case.deadline is not None)

    def _render_family(self) -> None:
        """The case a merged child went into (a link), and a parent's merged children."""
        case = self.story.case
        parent = self.fields["parent"]
        if case.parent_id:
            parent.setText(
                f'<a href="parent" style="color:{LINK_COLOUR}">{html.escape(case.parent_id)}</a>'
            )
        self.form.setRowVisible(parent, case.parent_id is not None)

        children = case.children
        view = self.children_table
        fill(
            view,
            [child_cells(child, self.show_reporter) for child in children],
            [child.id for child in children],
        )
        last = len(CHILD_COLUMNS) - 1
        for row, child in enumerate(children):
            text = view.item(row, last)
            if text is not None:
                text.setToolTip(child.summary)
            visit = view.item(row, CHILD_COLUMNS.index("visit"))
            if visit is not None and child.visited_at is not None:
                visit.setToolTip(
                    translate("drilldown", TEXT["visited_at"]).format(
                        result=visit_text(child), t=date_time(child.visited_at)
                    )
                )
        self.children_heading.setText(
            translate("drilldown", TEXT["children"]).format(n=len(children))
        )
        self.children_heading.setVisible(bool(children))
        view.setVisible(bool(children))
        # As tall as its rows, up to CHILD_ROWS of them (then it scrolls), and room for a
        # horizontal scroll bar (a narrow panel has one): the map below keeps the rest.
        shown = min(len(children), self.CHILD_ROWS)
        rows = sum(view.rowHeight(row) for row in range(shown))
        bar = view.horizontalScrollBar().sizeHint().height()
        view.setFixedHeight(
            view.horizontalHeader().sizeHint().height() + rows + bar + 2 * view.frameWidth()
        )

    def _render_paging(self) -> None:
        self.pager.show(len(self.story.events))

    def _render_page(self) -> None:
        shown = show_timeline(self.timeline, self.story.events)
        self.pager.show(shown)
        line = rectification(self.story.case, self.story.events, self._clock())
        label = self.fields["rectify_by"]
        if line is not None:
            label.setText(line[0])
            restyle(label, "overdue", line[1])
        self.form.setRowVisible(label, line is not None)

    def _render_related(self) -> None:
        story = self.story
        if story.related is None:
            title = translate("drilldown", TEXT["related_failed"]).format(
                message=story.related_error
            )
        else:
            title = translate("drilldown", TEXT["related"])
        self.related_heading.setText(title)
        self.related_tabs.show_related(story.related)
        self._render_map()

    def _render_map(self) -> None:
        case = self.story.case
        markers: list[Marker] = []
        if case.lat is not None and case.lon is not None:
            markers.append(Marker(self.case_id, case.lat, case.lon, "case"))
        for item in self.related.nearby if self.related is not None else ():
            if item.lat is not None and item.lon is not None:
                markers.append(Marker(item.id, item.lat, item.lon, "nearby"))
        self.minimap.set_markers(markers)
        self.minimap.fit([(m.lat, m.lon) for m in markers], min_span_m=400.0)

    def replay_row(self, row: int, unit: str | None = None) -> bool:
        """Ask for the replay of ``unit`` (else the first officer the row names) at the
        row's moment; False when the row names no officer."""
        step = row_step(self.timeline, row)
        if step is None or not step[1]:
            return False
        ts, units = step
        self.replayRequested.emit(unit if unit in units else units[0], ts)
        return True

    def timeline_menu(self, row: int) -> QMenu:
        """The row's menu: one "replay" entry per officer it names (none: empty)."""
        menu = QMenu(self.timeline)
        step = row_step(self.timeline, row)
        for unit in step[1] if step is not None else ():
            text = translate("drilldown", "回放 {unit} 在此刻的轨迹").format(unit=unit)
            action = menu.addAction(text)
            action.triggered.connect(lambda _=False, u=unit: self.replay_row(row, u))
        return menu

    def _timeline_menu(self, at: QPoint) -> None:
        menu = self.timeline_menu(self.timeline.rowAt(at.y()))
        if not menu.isEmpty():
            menu.exec(self.timeline.viewport().mapToGlobal(at))

    def _timeline_row(self, row: int) -> None:
        """A double-clicked timeline row: the officer's replay when it names one, else
        the case a merge row names."""
        if not self.replay_row(row):
            self.open_merged_row(row)

    def open_merged_row(self, row: int) -> bool:
        """Open the case a shown merge row names (并案: the parent; 重复件并入: the child);
        False when the row is no merge row."""
        shown = in_time_order(self.story.events)
        if not 0 <= row < len(shown):
            return False
        event = shown[row]
        named = {"merged": event.detail.into, "merged_child": event.detail.merged_case}
        target = named.get(event.kind, "")
        if target and target != self.case_id:
            self.openRequested.emit("incident", target)
            return True
        return False

    def _open_parent(self, _link: str) -> None:
        parent = self.story.case.parent_id
        if parent:
            self.openRequested.emit("incident", parent)

    def _open_merchant(self, _link: str) -> None:
        if self.merchant_id:
            self.openRequested.emit("merchant", self.merchant_id)

    def _on_marker(self, key: str) -> None:
        if key and key != self.case_id:
            self.openRequested.emit("incident", key)

    # ---- reading back (tests, export, the desk) ---------------------------------------

    def timeline_rows(self) -> list[tuple[str, ...]]:
        """The timeline as shown: (time, kind, actor, detail) per row."""
        return rows_of(self.timeline)

    def mark_texts(self) -> list[str]:
        return [label.text() for label in self.marks]

    def related_rows(self, key: str) -> list[tuple[str, ...]]:
        """One related list as shown: (reported at, category, status, distance, address)."""
        return self.related_tabs.rows(key)

    def related_ids(self, key: str) -> list[str]:
        return self.related_tabs.ids(key)

    def related_counts(self) -> dict[str, int]:
        return {key: self.related_tables[key].rowCount() for key in RELATED_KEYS}

    def children_rows(self) -> list[tuple[str, ...]]:
        """The merged children as shown (:data:`CHILD_COLUMNS`), oldest first."""
        return rows_of(self.children_table)

    def children_ids(self) -> list[str]:
        view = self.children_table
        return [row_id(view, row) for row in range(view.rowCount())]
