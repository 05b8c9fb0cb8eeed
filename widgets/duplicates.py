"""The desk's 疑似重复 box: the earlier cases that may be the selected case's matter
(``case.duplicates``), each with its distance and why, a 合并 button that merges the
selected case into the chosen one, and the cases already merged into it.

Only a view: the desk (desktop/desk_duplicates.py) fetches the answer and sends the
merge the operator asked for (``mergeRequested``). Nothing is merged without a click.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from backend_client.protocol.ops import CaseDuplicatesAnswer, DuplicateCandidate
from widgets.text import QT_TRANSLATE_NOOP, translate
from widgets.vocabulary import status_label

CONTEXT = "duplicates"
TEXT: dict[str, str] = {
    "title": QT_TRANSLATE_NOOP("duplicates", "疑似重复 {n} 件"),
    "none": QT_TRANSLATE_NOOP("duplicates", "未发现疑似重复案件"),
    "case": QT_TRANSLATE_NOOP("duplicates", "案件"),
    "distance": QT_TRANSLATE_NOOP("duplicates", "距离"),
    "why": QT_TRANSLATE_NOOP("duplicates", "依据"),
    "status": QT_TRANSLATE_NOOP("duplicates", "状态"),
    "merge": QT_TRANSLATE_NOOP("duplicates", "合并"),
    "merge_tip": QT_TRANSLATE_NOOP("duplicates", "把当前案件并入所选案件（不会自动合并）"),
    "children": QT_TRANSLATE_NOOP("duplicates", "已并入本案：{ids}"),
    "child_of": QT_TRANSLATE_NOOP("duplicates", "本案已并入案件 {id}"),
    "metres": QT_TRANSLATE_NOOP("duplicates", "{m} 米"),
    "via": QT_TRANSLATE_NOOP("duplicates", "（经 {id}）"),
    # Between the items of a list (reasons, case ids).
    "separator": QT_TRANSLATE_NOOP("duplicates", "、"),
}
REASON_TEXT: dict[str, str] = {
    "distance": QT_TRANSLATE_NOOP("duplicates", "相距近"),
    "merchant": QT_TRANSLATE_NOOP("duplicates", "同一商户"),
    "address": QT_TRANSLATE_NOOP("duplicates", "同一地址"),
}


def _t(key: str) -> str:
    return translate(CONTEXT, TEXT[key])


def candidate_cells(candidate: DuplicateCandidate) -> list[str]:
    """One candidate's row: case (×N when it has children already, and the child it was
    matched through), distance, reasons, status."""
    case = candidate.id + (f" ×{1 + candidate.merged}" if candidate.merged else "")
    if candidate.via:
        case += _t("via").format(id=candidate.via)
    distance = (
        "—"
        if candidate.distance_m is None
        else _t("metres").format(m=f"{candidate.distance_m:.0f}")
    )
    why = _t("separator").join(translate(CONTEXT, REASON_TEXT.get(r, r)) for r in candidate.why)
    return [case, distance, why, status_label(candidate.status)]


class DuplicatesBox(QWidget):
    """Candidates as a table with a 合并 button; children and parent as a line."""

    #: (case to merge, case to merge it into): the operator clicked 合并.
    mergeRequested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DeskDuplicates")
        self.answer: CaseDuplicatesAnswer | None = None
        self.title = QLabel(_t("none"))
        self.title.setObjectName("DuplicatesTitle")
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("DuplicateCandidates")
        self.table.setHorizontalHeaderLabels([_t("case"), _t("distance"), _t("why"), _t("status")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.merge = QPushButton(_t("merge"))
        self.merge.setObjectName("MergeDuplicate")
        self.merge.setToolTip(_t("merge_tip"))
        self.merge.setEnabled(False)
        self.merge.clicked.connect(self._merge_clicked)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.family = QLabel("")
        self.family.setObjectName("DuplicatesFamily")
        self.family.setWordWrap(True)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.merge)
        box.addLayout(top)
        box.addWidget(self.table)
        box.addWidget(self.family)
        self.show_answer(None)

    def show_answer(self, answer: CaseDuplicatesAnswer | None) -> None:
        """Draw ``answer`` (None: no case, or not known yet)."""
        self.answer = answer
        candidates = answer.candidates if answer is not None else []
        self.title.setText(_t("title").format(n=len(candidates)) if candidates else _t("none"))
        self.table.setRowCount(len(candidates))
        for row, candidate in enumerate(candidates):
            for column, text in enumerate(candidate_cells(candidate)):
                item = QTableWidgetItem(text)
                if column == 0:
                    item.setData(Qt.ItemDataRole.UserRole, candidate.id)
                self.table.setItem(row, column, item)
        self.table.setVisible(bool(candidates))
        lines = []
        if answer is not None and answer.parent_id:
            lines.append(_t("child_of").format(id=answer.parent_id))
        if answer is not None and answer.children:
            ids = _t("separator").join(c.id for c in answer.children)
            lines.append(_t("children").format(ids=ids))
        self.family.setText("\n".join(lines))
        self.family.setVisible(bool(lines))
        # Nothing to say, nothing shown: the case panel keeps its room for the officers.
        self.setVisible(bool(candidates or lines))
        if candidates:
            self.table.selectRow(0)
        self._selection_changed()

    def chosen(self) -> str | None:
        """The candidate chosen in the table (the first one unless the operator picked)."""
        rows = {i.row() for i in self.table.selectedIndexes()}
        if not rows:
            return None
        item = self.table.item(min(rows), 0)
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def _selection_changed(self) -> None:
        self.merge.setEnabled(self.answer is not None and self.chosen() is not None)

    def _merge_clicked(self) -> None:
        into = self.chosen()
        if self.answer is not None and into is not None:
            self.mergeRequested.emit(self.answer.case_id, into)
