"""The case drill-down's documents: 文书 (the electronic records, their state, a badge for
an inquiry without a body-camera clip) and 裁量 (the suggestion beside the decision),
drawn from a :class:`~backend_client.stories.case_documents.CaseDocuments`."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTableWidget, QTabWidget, QVBoxLayout, QWidget

from backend_client.stories.case_documents import WORDING, CaseDocuments, Line, RecordRow
from widgets.drilldown.tables import fill, heading, rows_of, table
from widgets.drilldown.texts import RECORD_KIND_TEXT, RECORD_STATE_TEXT, TIER_TEXT
from widgets.text import QT_TRANSLATE_NOOP, translate

TEXT: dict[str, str] = {
    "records": QT_TRANSLATE_NOOP("drilldown", "文书 {n}"),
    "discretion": QT_TRANSLATE_NOOP("drilldown", "裁量"),
    "record_kind": QT_TRANSLATE_NOOP("drilldown", "文书类型"),
    "record_number": QT_TRANSLATE_NOOP("drilldown", "编号"),
    "record_state": QT_TRANSLATE_NOOP("drilldown", "签名状态"),
    "record_versions": QT_TRANSLATE_NOOP("drilldown", "版本"),
    "record_officers": QT_TRANSLATE_NOOP("drilldown", "执法人员（证号）"),
    "record_clip": QT_TRANSLATE_NOOP("drilldown", "执法记录仪"),
    "no_clip": QT_TRANSLATE_NOOP("drilldown", "⚠ 无视频"),
    "has_clip": QT_TRANSLATE_NOOP("drilldown", "{n} 段"),
    "corrects": QT_TRANSLATE_NOOP("drilldown", "{n}（更正第 {v} 版）"),
    "no_records": QT_TRANSLATE_NOOP("drilldown", "暂无文书"),
    "records_failed": QT_TRANSLATE_NOOP("drilldown", "文书暂不可用：{message}"),
    "suggestion": QT_TRANSLATE_NOOP("drilldown", "裁量建议（仅供参考）"),
    "decision": QT_TRANSLATE_NOOP("drilldown", "处罚决定"),
    "no_decision": QT_TRANSLATE_NOOP("drilldown", "尚未决定"),
    "advice_failed": QT_TRANSLATE_NOOP("drilldown", "裁量建议暂不可用：{message}"),
}
COLUMNS = (
    "record_kind",
    "record_number",
    "record_state",
    "record_versions",
    "record_officers",
    "record_clip",
)


def _box(title: str, name: str) -> tuple[QWidget, QLabel]:
    box = QWidget()
    box.setObjectName(name)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(4, 4, 4, 4)
    layout.addWidget(heading(title, f"{name}Heading"))
    body = QLabel()
    body.setObjectName(f"{name}Text")
    body.setWordWrap(True)
    body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    layout.addWidget(body, 1)
    return box, body


def _word(table: dict[str, str], code: str) -> str:
    label = table.get(code)
    return translate("drilldown", label) if label else code


def worded(line: Line) -> str:
    """A line of the advice or the decisions in the UI's language (tiers worded too; the
    benchmark's name, basis and the hub's reasons are data, shown as they come)."""
    args = dict(line.args)
    if "tier" in args:
        args["tier"] = _word(TIER_TEXT, args["tier"])
    return translate("drilldown", WORDING[line.key]).format(**args)


def record_headers() -> list[str]:
    return [translate("drilldown", TEXT[c]) for c in COLUMNS]


def record_cells(row: RecordRow) -> tuple[str, ...]:
    """One record as the 文书 tab and the case PDF show it."""
    versions = (
        translate("drilldown", TEXT["corrects"]).format(n=row.versions, v=row.corrects)
        if row.corrects
        else str(row.versions)
    )
    if row.missing_clip:
        clip = translate("drilldown", TEXT["no_clip"])
    elif row.clips:
        clip = translate("drilldown", TEXT["has_clip"]).format(n=row.clips)
    else:
        clip = "—"
    kind = _word(RECORD_KIND_TEXT, row.kind)
    state = _word(RECORD_STATE_TEXT, row.state)
    return (kind, row.number, state, versions, row.officers, clip)


class DocumentTabs(QTabWidget):
    """Two tabs: the records (one row per record, its newest version) and the discretion
    view (the suggestion on the left, the decisions on the right: the officer decides)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CaseDocuments")
        self.records_table: QTableWidget = table(record_headers(), "CaseRecords")
        self.records_note = QLabel()
        self.records_note.setObjectName("CaseRecordsNote")
        records_page = QWidget()
        records_layout = QVBoxLayout(records_page)
        records_layout.setContentsMargins(0, 0, 0, 0)
        records_layout.addWidget(self.records_note)
        records_layout.addWidget(self.records_table, 1)
        self.addTab(records_page, translate("drilldown", TEXT["records"]).format(n=0))

        discretion_page = QWidget()
        side_by_side = QHBoxLayout(discretion_page)
        side_by_side.setContentsMargins(0, 0, 0, 0)
        suggestion_box, self.suggestion = _box(
            translate("drilldown", TEXT["suggestion"]), "DiscretionSuggestion"
        )
        decision_box, self.decision = _box(
            translate("drilldown", TEXT["decision"]), "DiscretionDecision"
        )
        side_by_side.addWidget(suggestion_box, 1)
        side_by_side.addWidget(decision_box, 1)
        self.addTab(discretion_page, translate("drilldown", TEXT["discretion"]))

    def show_documents(self, documents: CaseDocuments) -> None:
        rows = documents.rows()
        fill(self.records_table, [record_cells(r) for r in rows], [r.record_id for r in rows])
        for index, row in enumerate(rows):
            badge = self.records_table.item(index, len(COLUMNS) - 1)
            if badge is not None and row.missing_clip:
                # The badge a supervisor looks for: an inquiry no footage proves.
                badge.setForeground(Qt.GlobalColor.yellow)
                badge.setToolTip(row.record_id)
        if documents.records is None:
            note = translate("drilldown", TEXT["records_failed"]).format(
                message=documents.records_error
            )
        elif not rows:
            note = translate("drilldown", TEXT["no_records"])
        else:
            note = ""
        self.records_note.setText(note)
        self.records_note.setVisible(bool(note))
        self.setTabText(0, translate("drilldown", TEXT["records"]).format(n=len(rows)))

        if documents.advice is None:
            self.suggestion.setText(
                translate("drilldown", TEXT["advice_failed"]).format(message=documents.advice_error)
            )
            self.decision.setText("")
            return
        self.suggestion.setText("\n".join(worded(x) for x in documents.suggestion_lines()))
        decided = [worded(line) for line in documents.decision_lines()]
        self.decision.setText(
            "\n".join(decided) if decided else translate("drilldown", TEXT["no_decision"])
        )

    def record_rows(self) -> list[tuple[str, ...]]:
        return rows_of(self.records_table)
