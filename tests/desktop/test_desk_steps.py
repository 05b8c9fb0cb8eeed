"""The desk's 办理 menu (issue 18): what it offers per status, and the steps it sends —
a close refused before the 核查, the 核查, the close, a 回访 that reopens the case, and
延期 asked by an operator and approved by a supervisor, moving the queue's deadline."""

from __future__ import annotations

import asyncio
import datetime as dt
from functools import partial
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtCore import QSettings, Qt

from backend_client.qt import QtFeed
from backend_client.stories.case_data import CaseEvent, detail_of
from desktop.desk import DeskWindow
from desktop.desk_steps import (
    APPROVE_EXTENSION,
    CHECK_FAILED,
    CHECK_PASSED,
    CLOSE,
    REJECT_EXTENSION,
    REQUEST_EXTENSION,
    RESUME,
    SUPERVISE,
    VERIFY_FALSE,
    VERIFY_TRUE,
    VISIT,
    VOID,
    ExtensionForm,
    VisitForm,
    step_choices,
)
from desktop.i18n import install_language
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import OFFICERS, LiveHub, report
from widgets.deadline_text import CST
from widgets.drilldown.timeline import timeline_cells
from widgets.queue import COL_DEADLINE


def test_the_menu_offers_what_the_status_allows() -> None:
    assert step_choices("reported")[:2] == [VERIFY_TRUE, VERIFY_FALSE]
    handled = step_choices("handled")
    assert handled[:2] == [CHECK_PASSED, CHECK_FAILED]
    # No 结案 for a handled case: only after a passed 核查.
    assert CLOSE not in handled and CLOSE in step_choices("checked")
    assert step_choices("closed") == [VISIT]
    assert RESUME in step_choices("suspended") and SUPERVISE in step_choices("suspended")
    assert step_choices("voided") == []
    assert VOID in step_choices("dispatched") and VISIT not in step_choices("dispatched")
    # A merged child: only its reporter's 回访, once its parent is closed.
    assert step_choices("reported", parent_status="closed") == [VISIT]
    assert step_choices("reported", parent_status="dispatched") == []
    assert step_choices("closed", parent_status="") == []


STEPS = [
    CaseEvent("checked", 0.0, "o-7", detail_of({"result": "failed", "note": "未清运"})),
    CaseEvent("rework", 0.0, "o-7", detail_of({"by": "check", "units": ["U001"]})),
    CaseEvent("visited", 0.0, "王敏", detail_of({"channel": "phone", "result": "unreached"})),
    CaseEvent("suspended", 0.0, "李强", detail_of({"reason": "待认定", "from": "accepted"})),
]


def test_the_timeline_words_each_node_in_chinese_and_in_english(qtbot: Any) -> None:
    chinese = [timeline_cells(e)[1:] for e in STEPS]
    assert chinese == [
        ("核查", "o-7", "核查不通过 · 未清运"),
        ("返工", "o-7", "U001 · 核查不通过"),
        ("回访", "王敏", "电话 · 未联系上"),
        ("挂账", "李强", "待认定"),
    ]
    install_language("en")
    try:
        english = [timeline_cells(e)[1:] for e in STEPS]
    finally:
        install_language("zh_CN")
    assert english == [
        ("On-site check", "o-7", "check failed · 未清运"),
        ("Rework", "o-7", "U001 · check failed"),
        ("Follow-up visit", "王敏", "by phone · not reached"),
        ("Suspended", "李强", "待认定"),
    ]


def test_the_desk_checks_closes_and_visits_a_case(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    feed = QtFeed(hub.stream_url, hub.token["operator"])
    settings = QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat)
    desk = DeskWindow(feed, settings=settings, with_map=False)
    qtbot.addWidget(desk)
    unit = OFFICERS[0].id
    visits = [VisitForm("phone", "dissatisfied", "又有人摆摊")]
    desk.steps.ask_visit = lambda _parent: visits.pop()

    async def scenario() -> None:
        feed.start()
        await until(feed.is_live)
        _, body = await asyncio.to_thread(hub.post, "/api/v1/reports", report("8890-steps"))
        case = body["id"]
        for action, units in (("dispatch", [unit]), ("arrive", [unit]), ("handle", [])):
            await asyncio.to_thread(
                hub.run, hub.hub.apply_case_action(case, action, "调度员", units=units)
            )
        await until(lambda: feed.state.incidents[case].status == "handled")
        desk.select_incident(case)
        desk.steps.fill_menu()
        labels = [a.text() for a in desk.details.steps_menu.actions()]
        assert labels[:2] == ["核查通过", "核查不通过（返工）…"] and "结案" not in labels

        # Closing before the 核查 is refused by the hub, and said so on the status line.
        sent = desk.steps.take(CLOSE)
        assert sent is not None
        await sent
        assert "结案失败" in desk.details.status.text()
        assert "核查" in desk.details.status.text()
        assert feed.state.incidents[case].status == "handled"

        for choice, status in ((CHECK_PASSED, "checked"), (CLOSE, "closed")):
            sent = desk.steps.take(choice)
            assert sent is not None
            await sent
            await until(partial(_is, feed, case, status))
        sent = desk.steps.take(VISIT)
        assert sent is not None
        await sent
        await until(lambda: feed.state.incidents[case].status == "dispatched")
        assert "已回访" in desk.details.status.text()
        await feed.stop()

    loop.run_until_complete(scenario())


def _is(feed: QtFeed, case: str, status: str) -> bool:
    return feed.state.incidents[case].status == status


def test_the_menu_offers_extension_to_who_may_take_it() -> None:
    # An operator relays an officer's request while the deadline runs; a supervisor is
    # offered the decision only when one waits, and never the request.
    assert step_choices("dispatched", "operator")[0] == REQUEST_EXTENSION
    assert REQUEST_EXTENSION in step_choices("arrived", "operator")
    assert REQUEST_EXTENSION not in step_choices("dispatched", "supervisor")
    waiting = step_choices("dispatched", "supervisor", "2 working_days")
    assert waiting[:2] == [APPROVE_EXTENSION, REJECT_EXTENSION]
    assert APPROVE_EXTENSION not in step_choices("dispatched", "operator", "2 working_days")
    assert REQUEST_EXTENSION not in step_choices("dispatched", "operator", "2 working_days")
    # No deadline (no class, not dispatched) or a disposed case: nothing to extend.
    assert REQUEST_EXTENSION not in step_choices("dispatched", "operator", deadline=False)
    assert REQUEST_EXTENSION not in step_choices("handled", "operator")
    assert APPROVE_EXTENSION not in step_choices("handled", "supervisor", "2 working_days")


def test_an_operator_asks_an_extension_and_a_supervisor_approves_it(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    desks: dict[str, DeskWindow] = {}
    feeds: dict[str, QtFeed] = {}
    for role in ("operator", "supervisor"):
        feeds[role] = QtFeed(hub.stream_url, hub.token[role])
        ini = QSettings(str(tmp_path / f"{role}.ini"), QSettings.Format.IniFormat)
        desks[role] = DeskWindow(feeds[role], settings=ini, with_map=False)
        qtbot.addWidget(desks[role])
    operator, supervisor = desks["operator"], desks["supervisor"]
    asked: list[ExtensionForm | None] = [
        ExtensionForm({"working_days": 2.0}, "当事人自行拆除，需等待吊车"),
        ExtensionForm({"working_days": 2.0}, "  "),  # no reason: nothing is sent
        None,  # cancelled
    ]
    operator.steps.ask_extension = lambda _parent: asked.pop()

    async def scenario() -> None:
        for feed in feeds.values():
            feed.start()
        for feed in feeds.values():
            await until(feed.is_live)
        # 违章停车 is 机动车乱停放: 2 working hours from the dispatch.
        _, body = await asyncio.to_thread(
            hub.post, "/api/v1/reports", report("8890-ext", category="违章停车")
        )
        case = body["id"]
        await asyncio.to_thread(
            hub.run, hub.hub.apply_case_action(case, "dispatch", "调度员", units=[OFFICERS[0].id])
        )
        for feed in feeds.values():
            await until(partial(_has_deadline, feed, case))
        before = feeds["operator"].state.incidents[case].deadline
        assert before is not None

        operator.select_incident(case)
        operator.steps.fill_menu()
        labels = [a.text() for a in operator.details.steps_menu.actions()]
        assert labels[0] == "申请延期…" and "批准延期" not in "".join(labels)
        supervisor.select_incident(case)
        supervisor.steps.fill_menu()
        labels = [a.text() for a in supervisor.details.steps_menu.actions()]
        assert "申请延期…" not in labels and "批准延期" not in "".join(labels)

        # Cancelled, then no reason: nothing is sent, and the status line says why.
        assert operator.steps.take(REQUEST_EXTENSION) is None
        assert operator.steps.take(REQUEST_EXTENSION) is None
        assert operator.details.status.text() == "未填写原因，未发送"
        sent = operator.steps.take(REQUEST_EXTENSION)
        assert sent is not None
        await sent
        assert "申请延期" in operator.details.status.text()
        await until(partial(_asked, feeds["supervisor"], case, "2 working_days"))

        # The supervisor's menu now offers the decision, naming what was asked.
        supervisor.steps.fill_menu()
        labels = [a.text() for a in supervisor.details.steps_menu.actions()]
        assert labels[:2] == ["批准延期（2个工作日）", "驳回延期…"]
        operator.steps.fill_menu()
        labels = [a.text() for a in operator.details.steps_menu.actions()]
        assert "申请延期…" not in labels and "批准延期" not in "".join(labels)

        sent = supervisor.steps.take(APPROVE_EXTENSION)
        assert sent is not None
        await sent
        await until(partial(_asked, feeds["operator"], case, ""))
        after = feeds["operator"].state.incidents[case].deadline
        assert after is not None and after > before
        # Both queues' 处置时限 column show the moved deadline.
        moment = dt.datetime.fromtimestamp(after, CST).strftime("%Y-%m-%d %H:%M")
        old = dt.datetime.fromtimestamp(before, CST).strftime("%Y-%m-%d %H:%M")
        for desk in desks.values():
            await until(partial(_shows, desk, case, moment))
            assert old not in _deadline_cell(desk, case, tip=True)
            assert _deadline_cell(desk, case).startswith("剩")
        for feed in feeds.values():
            await feed.stop()

    loop.run_until_complete(scenario())


def _has_deadline(feed: QtFeed, case: str) -> bool:
    incident = feed.state.incidents.get(case)
    return incident is not None and incident.deadline is not None


def _asked(feed: QtFeed, case: str, limit: str) -> bool:
    return feed.state.incidents[case].extension_asked == limit


def _deadline_cell(desk: DeskWindow, case: str, tip: bool = False) -> str:
    """The queue's 处置时限 cell of ``case``: its text, or its tooltip (the moment)."""
    cell = desk.model.index(desk.model.row_of(case), COL_DEADLINE)
    role = Qt.ItemDataRole.ToolTipRole if tip else Qt.ItemDataRole.DisplayRole
    return str(cell.data(role))


def _shows(desk: DeskWindow, case: str, moment: str) -> bool:
    return moment in _deadline_cell(desk, case, tip=True)
