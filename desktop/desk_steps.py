"""The desk's case steps beyond accept and dispatch (issue 18's closed loop): 核实, 核查,
结案, 返工, 督办, 挂账 / 恢复, 作废, 回访 and 延期, offered in the case panel's 办理 menu
(Ctrl+K) for the selected case's status.

延期 (docs/casework.md): an operator relays an officer's call (申请延期: how long, in
working hours or days, and why); a supervisor's desk then offers 批准延期 / 驳回延期. The
desk knows a request waits from the case itself (``Incident.extension_asked``, rebuilt
by the hub from the timeline), and offers each side only to the role that may take it.

The menu offers what the status allows; the hub decides again (the role, the status by
then) and its refusal is said on the panel's status line, as it came (a close before a
passed 核查 is ``check_required``). A step that needs a reason asks for it first; an
empty answer sends nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from backend_client.api import HubApi
from backend_client.protocol.messages import OPEN_STATUSES
from backend_client.qt import QtFeed
from backend_client.stories.desk import DeskTriage
from backend_client.transport import RequestFailed
from desktop.desk_case import DetailPanel
from widgets.deadline_text import limit_label
from widgets.drilldown.texts import CHANNEL_TEXT
from widgets.text import QT_TRANSLATE_NOOP, translate

log = logging.getLogger("desktop.desk")

# Statuses a case is still worked in (as hub/domain/lifecycle.py rules them).
_OPEN = OPEN_STATUSES


@dataclass(frozen=True)
class StepChoice:
    """One entry of the 办理 menu: the ``case.step`` action (or ``visit``), its verdict,
    whether it asks for a reason first, and its label (Chinese source, ``desk`` context)."""

    action: str
    label: str
    result: str = ""
    reason: bool = False


VERIFY_TRUE = StepChoice("verify", QT_TRANSLATE_NOOP("desk", "核实：属实"), "confirmed")
VERIFY_FALSE = StepChoice(
    "verify", QT_TRANSLATE_NOOP("desk", "核实：不属实（作废）…"), "false", True
)
CHECK_PASSED = StepChoice("check", QT_TRANSLATE_NOOP("desk", "核查通过"), "passed")
CHECK_FAILED = StepChoice("check", QT_TRANSLATE_NOOP("desk", "核查不通过（返工）…"), "failed", True)
CLOSE = StepChoice("close", QT_TRANSLATE_NOOP("desk", "结案"))
REWORK = StepChoice("rework", QT_TRANSLATE_NOOP("desk", "返工…"), reason=True)
VISIT = StepChoice("visit", QT_TRANSLATE_NOOP("desk", "回访…"))
SUPERVISE = StepChoice("supervise", QT_TRANSLATE_NOOP("desk", "督办…"), reason=True)
SUSPEND = StepChoice("suspend", QT_TRANSLATE_NOOP("desk", "挂账…"), reason=True)
RESUME = StepChoice("resume", QT_TRANSLATE_NOOP("desk", "恢复办理"))
VOID = StepChoice("void", QT_TRANSLATE_NOOP("desk", "作废…"), reason=True)
REQUEST_EXTENSION = StepChoice("request_extension", QT_TRANSLATE_NOOP("desk", "申请延期…"))
APPROVE_EXTENSION = StepChoice("approve_extension", QT_TRANSLATE_NOOP("desk", "批准延期"))
REJECT_EXTENSION = StepChoice(
    "reject_extension", QT_TRANSLATE_NOOP("desk", "驳回延期…"), reason=True
)

# 延期 is asked and decided only while the deadline runs (hub/domain/lifecycle.py RULES),
# asked by the desk relaying an officer, decided by a supervisor.
_EXTENSION_STATUSES = ("dispatched", "arrived")
_ASKS_EXTENSION = frozenset({"operator"})
_DECIDES_EXTENSION = frozenset({"supervisor", "admin"})
#: The units a desk asks an extension in (the catalogue's limits are in these).
EXTENSION_UNITS: dict[str, str] = {
    "working_hours": QT_TRANSLATE_NOOP("desk", "工作时"),
    "working_days": QT_TRANSLATE_NOOP("desk", "工作日"),
}

VISIT_RESULTS: dict[str, str] = {
    "satisfied": QT_TRANSLATE_NOOP("desk", "满意"),
    "basic": QT_TRANSLATE_NOOP("desk", "基本满意"),
    "dissatisfied": QT_TRANSLATE_NOOP("desk", "不满意（返工）"),
    "unreached": QT_TRANSLATE_NOOP("desk", "未联系上"),
}


def step_choices(
    status: str,
    role: str | None = None,
    extension_asked: str = "",
    deadline: bool = True,
    parent_status: str | None = None,
) -> list[StepChoice]:
    """The steps a desk may offer on a case in ``status``, in the order a case goes.

    A merged child (``parent_status``: its parent's) is no separate work: only its
    reporter's 回访 once the parent is closed (docs/protocol.md, case.visit).

    延期 needs a running deadline (``deadline``); with a request waiting
    (``extension_asked``) a supervisor is offered its decision, else an operator may ask.
    ``role`` None (not yet welcomed) offers both sides: the hub decides again."""
    if parent_status is not None:
        return [VISIT] if parent_status == "closed" else []
    found: list[StepChoice] = []
    if status in _EXTENSION_STATUSES and deadline:
        if extension_asked and (role is None or role in _DECIDES_EXTENSION):
            found += [APPROVE_EXTENSION, REJECT_EXTENSION]
        elif not extension_asked and (role is None or role in _ASKS_EXTENSION):
            found.append(REQUEST_EXTENSION)
    if status == "reported":
        found += [VERIFY_TRUE, VERIFY_FALSE]
    if status == "handled":
        found += [CHECK_PASSED, CHECK_FAILED]
    if status in ("checked", "followup"):
        found.append(CLOSE)
    if status in ("handled", "checked"):
        found.append(REWORK)
    if status == "closed":
        found.append(VISIT)
    if status in (*_OPEN, "suspended"):
        found.append(SUPERVISE)
    if status in _OPEN:
        found.append(SUSPEND)
    if status == "suspended":
        found.append(RESUME)
    if status in (*_OPEN, "suspended"):
        found.append(VOID)
    return found


@dataclass(frozen=True)
class VisitForm:
    channel: str
    result: str
    note: str = ""


class VisitDialog(QDialog):
    """回访: how the citizen was reached, what they said, a note."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DeskVisit")
        self.setWindowTitle(translate("desk", "回访"))
        self.channel_box = QComboBox()
        # The channels as the drill-down's timeline words them (one list of them).
        for code, label in CHANNEL_TEXT.items():
            self.channel_box.addItem(translate("drilldown", label), code)
        self.result_box = QComboBox()
        for code, label in VISIT_RESULTS.items():
            self.result_box.addItem(translate("desk", label), code)
        self.note_box = QLineEdit()
        form = QFormLayout(self)
        form.addRow(translate("desk", "方式"), self.channel_box)
        form.addRow(translate("desk", "结果"), self.result_box)
        form.addRow(translate("desk", "备注"), self.note_box)
        form.addRow(_ok_cancel(self))

    def form(self) -> VisitForm:
        return VisitForm(
            str(self.channel_box.currentData()),
            str(self.result_box.currentData()),
            self.note_box.text(),
        )


def _ok_cancel(dialog: QDialog) -> QDialogButtonBox:
    """OK / Cancel buttons that accept or reject ``dialog``."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


@dataclass(frozen=True)
class ExtensionForm:
    """申请延期 as the operator took it down: the limit (``{"working_days": 2}``), why."""

    limit: dict[str, float]
    note: str


class ExtensionDialog(QDialog):
    """申请延期: how much more time the officer asks (working hours or days), and why."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DeskExtension")
        self.setWindowTitle(translate("desk", "申请延期"))
        self.amount_box = QSpinBox()
        self.amount_box.setRange(1, 99)
        self.amount_box.setValue(1)
        self.unit_box = QComboBox()
        for code, label in EXTENSION_UNITS.items():
            self.unit_box.addItem(translate("desk", label), code)
        self.unit_box.setCurrentIndex(1)  # days: what officers usually ask
        self.note_box = QLineEdit()
        form = QFormLayout(self)
        form.addRow(translate("desk", "延期时长"), self.amount_box)
        form.addRow(translate("desk", "单位"), self.unit_box)
        form.addRow(translate("desk", "原因（必填）"), self.note_box)
        form.addRow(_ok_cancel(self))

    def form(self) -> ExtensionForm:
        unit = str(self.unit_box.currentData())
        return ExtensionForm({unit: float(self.amount_box.value())}, self.note_box.text())


def _ask_extension(parent: QWidget) -> ExtensionForm | None:
    dialog = ExtensionDialog(parent)
    return dialog.form() if dialog.exec() == QDialog.DialogCode.Accepted else None


def _ask_reason(parent: QWidget, label: str) -> str | None:
    text, ok = QInputDialog.getText(parent, label, translate("desk", "原因（必填）"))
    return text if ok else None


def _ask_visit(parent: QWidget) -> VisitForm | None:
    dialog = VisitDialog(parent)
    return dialog.form() if dialog.exec() == QDialog.DialogCode.Accepted else None


class DeskSteps(QObject):
    """Fills the case panel's 办理 menu for the selected case and sends the chosen step.

    ``ask_reason``, ``ask_visit`` and ``ask_extension`` ask the operator (dialogs by
    default; a test answers them itself); None is a cancel and sends nothing.
    """

    def __init__(
        self,
        feed: QtFeed,
        triage: DeskTriage,
        panel: DetailPanel,
        desk: QWidget,
        ask_reason: Callable[[QWidget, str], str | None] = _ask_reason,
        ask_visit: Callable[[QWidget], VisitForm | None] = _ask_visit,
        ask_extension: Callable[[QWidget], ExtensionForm | None] = _ask_extension,
    ) -> None:
        super().__init__(desk)
        self.feed = feed
        self.triage = triage
        self.panel = panel
        self.desk = desk
        self.ask_reason = ask_reason
        self.ask_visit = ask_visit
        self.ask_extension = ask_extension
        self.sending: asyncio.Future[None] | None = None
        panel.steps_menu.aboutToShow.connect(self.fill_menu)

    def choices(self) -> list[StepChoice]:
        """What the menu offers now: nothing without a selected case the feed knows."""
        case_id = self.triage.selected
        incident = self.feed.state.incidents.get(case_id) if case_id else None
        if incident is None:
            return []
        parent = self.feed.state.incidents.get(incident.parent_id or "")
        return step_choices(
            incident.status,
            self.feed.client.role,
            incident.extension_asked,
            incident.deadline is not None,
            # A child whose parent the desk no longer holds: nothing to offer.
            None if incident.parent_id is None else (parent.status if parent else ""),
        )

    def label(self, choice: StepChoice) -> str:
        """The menu's words for ``choice``; 批准延期 names what was asked."""
        label = translate("desk", choice.label)
        case_id = self.triage.selected
        incident = self.feed.state.incidents.get(case_id) if case_id else None
        if choice == APPROVE_EXTENSION and incident is not None and incident.extension_asked:
            asked = limit_label(incident.extension_asked)
            return translate("desk", "批准延期（{limit}）").format(limit=asked)
        return label

    def fill_menu(self) -> None:
        menu = self.panel.steps_menu
        menu.clear()
        choices = self.choices()
        if not choices:
            menu.addAction(translate("desk", "请先选择案件")).setEnabled(False)
        for choice in choices:
            action = menu.addAction(self.label(choice))
            action.triggered.connect(lambda _=False, c=choice: self.take(c))

    def take(self, choice: StepChoice) -> asyncio.Future[None] | None:
        """Ask what the step needs, then send it; None when nothing was sent."""
        case_id = self.triage.selected
        if case_id is None:
            self.panel.status.setText(translate("desk", "请先选择案件"))
            return None
        if self.sending is not None and not self.sending.done():
            return None
        label = translate("desk", choice.label)
        if choice.action == "visit":
            form = self.ask_visit(self.desk)
            if form is None:
                return None
            self.sending = asyncio.ensure_future(self._visit(case_id, form))
            return self.sending
        limit: dict[str, float] | None = None
        note = ""
        if choice == REQUEST_EXTENSION:
            asked = self.ask_extension(self.desk)
            if asked is None:
                return None
            if not asked.note.strip():
                self.panel.status.setText(translate("desk", "未填写原因，未发送"))
                return None
            limit, note = asked.limit, asked.note.strip()
        if choice.reason:
            answer = self.ask_reason(self.desk, label)
            if answer is None or not answer.strip():
                self.panel.status.setText(translate("desk", "未填写原因，未发送"))
                return None
            note = answer.strip()
        self.panel.status.setText(translate("desk", "正在办理…"))
        self.sending = asyncio.ensure_future(self._step(case_id, choice, note, label, limit))
        return self.sending

    async def _step(
        self,
        case_id: str,
        choice: StepChoice,
        note: str,
        label: str,
        limit: dict[str, float] | None = None,
    ) -> None:
        api = HubApi.over(self.feed.client.request)
        try:
            await api.case_step(
                case_id, choice.action, note=note, result=choice.result, limit=limit
            )
        except RequestFailed as exc:
            log.warning("%s of %s refused: %s", choice.action, case_id, exc)
            self.panel.status.setText(
                translate("desk", "{step}失败：{e}").format(step=label, e=str(exc))
            )
        else:
            self.panel.status.setText(
                translate("desk", "案件 {id}：{step}").format(id=case_id, step=label)
            )

    async def _visit(self, case_id: str, form: VisitForm) -> None:
        api = HubApi.over(self.feed.client.request)
        try:
            answer = await api.case_visit(case_id, form.channel, form.result, form.note)
        except RequestFailed as exc:
            log.warning("visit of %s refused: %s", case_id, exc)
            self.panel.status.setText(translate("desk", "回访失败：{e}").format(e=str(exc)))
        else:
            result = translate("desk", VISIT_RESULTS.get(form.result, form.result))
            self.panel.status.setText(
                translate("desk", "案件 {id} 已回访：{result}").format(
                    id=answer.case_id, result=result
                )
            )
