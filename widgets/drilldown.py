"""Case drill-down: a supervisor opens a case and reads its whole story at once.

The panel never talks to the hub itself: it is handed a ``fetch(op, args)`` coroutine (or a
:class:`~backend_client.cache.CachedRequests`) and only renders what comes back, so a test
or the desk decides where answers come from. Rendering is split from loading
(:meth:`CaseDrilldown.show_answer`) so a cached or recorded answer draws the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from backend_client.cache import CachedRequests
from backend_client.privacy import mask_name, mask_phone
from backend_client.transport import RequestFailed
from widgets.replay import SPEEDS, TrackReplay
from widgets.text import tr

log = logging.getLogger(__name__)

#: ``(answer, cached, age_s)``: the hub's result, whether it came from the local cache, and
#: how old the cached copy is (``None`` for a fresh answer).
Fetched = tuple[dict[str, Any], bool, float | None]
Fetch = Callable[[str, dict[str, Any]], Awaitable[Fetched]]
Clock = Callable[[], float]

# Every user-visible text of this panel, in one table so the English catalogue
# (desktop.i18n.EN) can be checked against it like widgets.banner.TEXT.
TEXT: dict[str, str] = {
    "title": "案件详情",
    "loading": "正在加载案件 {case}…",
    "failed": "加载失败：{message}",
    "cached": "缓存数据 · {m} 分钟前",
    "case": "案件编号",
    "category": "案件类别",
    "source": "来源",
    "status": "状态",
    "address": "地点",
    "text": "案情",
    "reporter": "报案人",
    "no_reporter": "未登记",
    "sla": "1-3-15 时限",
    "time": "时间",
    "kind": "环节",
    "actor": "经办人",
    "detail": "说明",
    "met": "{stage} 达标 · 提前 {s} 秒",
    "missed": "{stage} 超时 {s} 秒",
    "pending": "{stage} 计时中 · 剩余 {s} 秒",
    "overdue": "{stage} 已超时 {s} 秒（未完成）",
    "reported_at": "上报时间",
    "pdf_heading": "婺城区综合行政执法 · 案件详情 {case}",
    "exported": "导出时间 {t}",
}

SOURCE_TEXT: dict[str, str] = {
    "hotline": "8890热线",
    "snap": "随手拍",
    "grid": "网格上报",
    "patrol": "巡查发现",
}
KIND_TEXT: dict[str, str] = {
    "reported": "上报",
    "accepted": "受理",
    "dispatched": "派遣",
    "moving": "出发",
    "arrived": "到场",
    "handled": "处置",
    "rectification_deadline": "整改期限",
    "followup": "复查",
    "closed": "结案",
    "sla_missed": "超时",
}
STATUS_TEXT: dict[str, str] = {
    "reported": "待受理",
    "accepted": "已受理",
    "dispatched": "已派遣",
    "arrived": "已到场",
    "handled": "已处置",
    "rectifying": "整改中",
    "followup": "待复查",
    "closed": "已结案",
}
STAGE_TEXT: dict[str, str] = {"accept": "受理", "move": "出发", "handle": "处置"}
#: The 1-3-15 stages: (stage, deadline field, done field) of ``case.sla``.
STAGES: tuple[tuple[str, str, str], ...] = (
    ("accept", "accept_by", "accepted_at"),
    ("move", "move_by", "moving_at"),
    ("handle", "handle_by", "handled_at"),
)
MARK_COLOURS: dict[str, str] = {"met": "#3ddc84", "missed": "#ff6b6b", "pending": "#ffc94d"}

MarkState = Literal["met", "missed", "pending"]

# The merchant and officer panels' texts (checked against desktop.i18n.EN by the tests).
MERCHANT_TEXT: dict[str, str] = {
    "title": "商户详情",
    "loading": "正在加载商户 {merchant}…",
    "name": "商户名称",
    "credit_code": "统一社会信用代码",
    "address": "经营地址",
    "category": "经营类别",
    "risk": "风险等级",
    "counts": "各类案件数",
    "count": "件数",
    "cases": "案件记录（新→旧）",
    "case": "案件编号",
}
OFFICER_TEXT: dict[str, str] = {
    "title": "警员详情",
    "loading": "正在加载警员 {unit} 的轨迹…",
    "name": "姓名",
    "team": "中队",
    "status": "状态",
    "window": "回放时段",
    "play": "播放",
    "pause": "暂停",
    "speed": "倍速",
    "no_track": "该时段无轨迹",
    "cases": "时段内案件",
    "position": "{t} · {lat:.5f}, {lon:.5f}",
}


# ---- pure helpers (shared with widgets.casepdf) -------------------------------------------


def reporter_text(case: Mapping[str, Any], show_reporter: bool) -> str:
    """The reporter line, masked unless this role may see who reported."""
    reporter = case.get("reporter")
    if not isinstance(reporter, Mapping):
        return tr(TEXT["no_reporter"])
    name = str(reporter.get("name") or "")
    phone = str(reporter.get("phone") or "")
    if not show_reporter:
        name, phone = mask_name(name), mask_phone(phone)
    return " ".join(part for part in (name, phone) if part) or tr(TEXT["no_reporter"])


def clock_time(ts: float) -> str:
    """``HH:MM:SS`` in the workstation's local time (the command centre's own clock)."""
    return time.strftime("%H:%M:%S", time.localtime(ts))


@dataclass(frozen=True, slots=True)
class SlaMark:
    """One 1-3-15 stage as judged from the recorded marks."""

    stage: str
    state: MarkState
    #: Seconds early (met), late (missed), or left (pending); never negative.
    seconds: int
    #: Still open: ``missed`` means overdue now, not late when done.
    open: bool

    def text(self) -> str:
        stage = tr(STAGE_TEXT[self.stage])
        key = "overdue" if self.state == "missed" and self.open else self.state
        return tr(TEXT[key]).format(stage=stage, s=self.seconds)


def sla_marks(case: Mapping[str, Any], now: float) -> list[SlaMark]:
    """The accept/move/handle marks from ``case.sla``; empty when the case has none."""
    sla = case.get("sla")
    if not isinstance(sla, Mapping):
        return []
    recorded_missed = set(sla.get("missed") or ())
    marks: list[SlaMark] = []
    for stage, by_field, at_field in STAGES:
        by = float(sla[by_field])
        at = sla.get(at_field)
        if at is not None:
            late = float(at) - by
            state: MarkState = "missed" if late > 0 or stage in recorded_missed else "met"
            marks.append(SlaMark(stage, state, round(abs(late)), open=False))
        elif now > by or stage in recorded_missed:
            marks.append(SlaMark(stage, "missed", round(max(0.0, now - by)), open=True))
        else:
            marks.append(SlaMark(stage, "pending", round(by - now), open=True))
    return marks


def event_detail(event: Mapping[str, Any]) -> str:
    """The few detail fields a reader needs, in words; the rest stays in the audit trail."""
    detail = event.get("detail")
    if not isinstance(detail, Mapping):
        return ""
    parts: list[str] = []
    if event.get("kind") == "sla_missed" and "stage" in detail:
        parts.append(tr(STAGE_TEXT.get(str(detail["stage"]), str(detail["stage"]))))
    units = detail.get("units")
    if isinstance(units, list) and units:
        parts.append("、".join(str(u) for u in units))
    for key in ("outcome", "note"):
        if detail.get(key):
            parts.append(str(detail[key]))
    if detail.get("deadline"):
        # Rectification deadlines are days away: the date matters more than the second.
        parts.append(time.strftime("%Y-%m-%d %H:%M", time.localtime(float(detail["deadline"]))))
    return " · ".join(parts)


def as_fetch(source: Fetch | CachedRequests) -> Fetch:
    """A fetch callable from either a plain callable or the cached requests of a desk."""
    if not isinstance(source, CachedRequests):
        return source
    requests = source

    async def fetch(op: str, args: dict[str, Any]) -> Fetched:
        answer = await requests.request(op, args)
        return (
            answer.result,
            answer.cached,
            (answer.age(requests.clock()) if answer.cached else None),
        )

    return fetch


# ---- the panel ----------------------------------------------------------------------------


class _Loading(QWidget):
    """Background loading, the cached-data banner and the status line of every drill-down."""

    loaded = Signal()
    failed = Signal(str)

    def __init__(self, fetch: Fetch | CachedRequests, parent: QWidget | None) -> None:
        super().__init__(parent)
        self._fetch = as_fetch(fetch)
        self._task: asyncio.Task[None] | None = None
        self.answer: dict[str, Any] | None = None
        self.cached = False
        self.age_s: float | None = None
        self.box = QVBoxLayout(self)
        self.banner = QLabel()
        self.banner.setObjectName("CachedBanner")
        self.banner.setStyleSheet("background:#5a4300;color:#ffe08a;padding:4px;")
        self.banner.hide()
        self.box.addWidget(self.banner)
        self.status = QLabel()
        self.status.setObjectName("DrilldownStatus")
        self.box.addWidget(self.status)

    def start(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = asyncio.ensure_future(self.load())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _request(self) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    async def load(self) -> None:
        op, args = self._request()
        try:
            answer, cached, age_s = await self._fetch(op, args)
        except RequestFailed as exc:
            self.status.setText(tr(TEXT["failed"]).format(message=exc.message))
            self.status.show()
            self.failed.emit(exc.code)
            return
        self.show_answer(answer, cached=cached, age_s=age_s)

    def show_answer(
        self, answer: dict[str, Any], *, cached: bool = False, age_s: float | None = None
    ) -> None:
        self.answer, self.cached, self.age_s = answer, cached, age_s
        self.status.hide()
        if cached:
            self.banner.setText(tr(TEXT["cached"]).format(m=int((age_s or 0.0) // 60)))
            self.banner.show()
        else:
            self.banner.hide()
        self._render(answer)
        self.loaded.emit()

    def _render(self, answer: dict[str, Any]) -> None:
        raise NotImplementedError

    def banner_text(self) -> str:
        return self.banner.text() if self.cached else ""


def _form(box: QVBoxLayout, keys: tuple[str, ...], text: Mapping[str, str]) -> dict[str, QLabel]:
    form = QFormLayout()
    fields: dict[str, QLabel] = {}
    for key in keys:
        label = QLabel()
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        fields[key] = label
        form.addRow(tr(text[key]), label)
    box.addLayout(form)
    return fields


class CaseDrilldown(_Loading):
    """One case: header, 1-3-15 marks, reporter (masked by role) and the full timeline.

    Call :meth:`start` on a running qasync loop (or ``await load()``); ``loaded`` fires
    after each answer is shown, ``failed`` with the reason when there was none to show.
    """

    HEADER_FIELDS = ("case", "category", "source", "status", "address", "text")
    TIMELINE_COLUMNS = ("time", "kind", "actor", "detail")

    def __init__(
        self,
        case_id: str,
        fetch: Fetch | CachedRequests,
        *,
        show_reporter: bool,
        clock: Clock = time.time,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(fetch, parent)
        self.setObjectName("CaseDrilldown")
        self.case_id = case_id
        self.show_reporter = show_reporter
        self._clock = clock
        self.status.setText(tr(TEXT["loading"]).format(case=case_id))
        layout = self.box

        self.fields = _form(layout, (*self.HEADER_FIELDS, "reporter"), TEXT)

        self.marks: list[QLabel] = []
        marks_form = QFormLayout()
        self._marks_row = QVBoxLayout()
        marks_box = QWidget()
        marks_box.setLayout(self._marks_row)
        marks_form.addRow(tr(TEXT["sla"]), marks_box)
        layout.addLayout(marks_form)

        self.timeline = QTableWidget(0, len(self.TIMELINE_COLUMNS))
        self.timeline.setObjectName("CaseTimeline")
        self.timeline.setHorizontalHeaderLabels([tr(TEXT[c]) for c in self.TIMELINE_COLUMNS])
        self.timeline.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.timeline.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.timeline.verticalHeader().hide()
        header = self.timeline.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(self.TIMELINE_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.timeline, 1)

    def _request(self) -> tuple[str, dict[str, Any]]:
        return "case.history", {"case_id": self.case_id}

    # ---- rendering --------------------------------------------------------------------

    def _render(self, answer: dict[str, Any]) -> None:
        """Draw a ``case.history`` answer (fresh or cached)."""
        case: Mapping[str, Any] = answer.get("case") or {}
        events: list[Mapping[str, Any]] = list(answer.get("events") or [])

        source = str(case.get("source", ""))
        status = str(case.get("status", ""))
        values = {
            "case": str(case.get("id", self.case_id)),
            "category": str(case.get("category", "")),
            "source": tr(SOURCE_TEXT.get(source, source)),
            "status": tr(STATUS_TEXT.get(status, status)),
            "address": str(case.get("address", "")),
            "text": str(case.get("text", "")),
            "reporter": reporter_text(case, self.show_reporter),
        }
        for key, value in values.items():
            self.fields[key].setText(value)

        for label in self.marks:
            label.deleteLater()
        self.marks = []
        for mark in sla_marks(case, self._clock()):
            label = QLabel(mark.text())
            label.setStyleSheet(f"color:{MARK_COLOURS[mark.state]};")
            label.setProperty("state", mark.state)
            self._marks_row.addWidget(label)
            self.marks.append(label)

        # The hub answers in stored order; sort again so a merged or cached answer still
        # reads top to bottom in time (stable: same-instant steps keep the hub's order).
        ordered = sorted(events, key=lambda e: float(e.get("ts", 0.0)))
        self.timeline.setRowCount(len(ordered))
        for row, event in enumerate(ordered):
            kind = str(event.get("kind", ""))
            cells = (
                clock_time(float(event.get("ts", 0.0))),
                tr(KIND_TEXT.get(kind, kind)),
                str(event.get("actor", "")),
                event_detail(event),
            )
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if kind == "sla_missed":
                    item.setForeground(QColor(MARK_COLOURS["missed"]))
                self.timeline.setItem(row, column, item)

    # ---- reading back (tests, export, the desk) ---------------------------------------

    def timeline_rows(self) -> list[tuple[str, ...]]:
        """The timeline as shown: (time, kind, actor, detail) per row."""
        rows: list[tuple[str, ...]] = []
        for row in range(self.timeline.rowCount()):
            cells = (self.timeline.item(row, c) for c in range(self.timeline.columnCount()))
            rows.append(tuple(item.text() if item is not None else "" for item in cells))
        return rows

    def mark_texts(self) -> list[str]:
        return [label.text() for label in self.marks]


# ---- merchant and officer panels ------------------------------------------------------------


def _table(columns: list[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(columns)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(len(columns) - 1, QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
    table.setRowCount(len(rows))
    for row, cells in enumerate(rows):
        for column, value in enumerate(cells):
            table.setItem(row, column, QTableWidgetItem(value))


def _rows(table: QTableWidget) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for row in range(table.rowCount()):
        cells = (table.item(row, c) for c in range(table.columnCount()))
        rows.append(tuple(item.text() if item is not None else "" for item in cells))
    return rows


def date_time(ts: float) -> str:
    """``YYYY-MM-DD HH:MM`` in local time: a merchant's history spans months."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


class MerchantDrilldown(_Loading):
    """One merchant (``merchant.profile``): profile, cases per category, cases newest first."""

    PROFILE_FIELDS = ("name", "credit_code", "address", "category", "risk")

    def __init__(
        self, merchant_id: str, fetch: Fetch | CachedRequests, parent: QWidget | None = None
    ) -> None:
        super().__init__(fetch, parent)
        self.setObjectName("MerchantDrilldown")
        self.merchant_id = merchant_id
        self.status.setText(tr(MERCHANT_TEXT["loading"]).format(merchant=merchant_id))
        self.fields = _form(self.box, self.PROFILE_FIELDS, MERCHANT_TEXT)
        self.box.addWidget(QLabel(tr(MERCHANT_TEXT["counts"])))
        self.counts = _table(
            [tr(TEXT["category"]), tr(MERCHANT_TEXT["count"])], "MerchantCategoryCounts"
        )
        self.box.addWidget(self.counts)
        self.box.addWidget(QLabel(tr(MERCHANT_TEXT["cases"])))
        self.cases = _table(
            [
                tr(TEXT["reported_at"]),
                tr(MERCHANT_TEXT["case"]),
                tr(TEXT["category"]),
                tr(TEXT["status"]),
            ],
            "MerchantCases",
        )
        self.box.addWidget(self.cases, 1)

    def _request(self) -> tuple[str, dict[str, Any]]:
        return "merchant.profile", {"merchant_id": self.merchant_id}

    def _render(self, answer: dict[str, Any]) -> None:
        merchant: Mapping[str, Any] = answer.get("merchant") or {}
        for key in self.PROFILE_FIELDS:
            self.fields[key].setText(str(merchant.get(key, "")))
        cases: list[Mapping[str, Any]] = list(answer.get("cases") or [])
        per_category: dict[str, int] = {}
        for case in cases:
            category = str(case.get("category", ""))
            per_category[category] = per_category.get(category, 0) + 1
        counts = sorted(per_category.items(), key=lambda kv: (-kv[1], kv[0]))
        _fill(self.counts, [(category, str(n)) for category, n in counts])
        newest = sorted(cases, key=lambda c: float(c.get("reported_at", 0.0)), reverse=True)
        rows: list[tuple[str, ...]] = []
        for case in newest:
            status = str(case.get("status", ""))
            rows.append(
                (
                    date_time(float(case.get("reported_at", 0.0))),
                    str(case.get("id", "")),
                    str(case.get("category", "")),
                    tr(STATUS_TEXT.get(status, status)),
                )
            )
        _fill(self.cases, rows)

    def count_rows(self) -> list[tuple[str, ...]]:
        """(category, count) as shown, most cases first."""
        return _rows(self.counts)

    def case_rows(self) -> list[tuple[str, ...]]:
        """(reported at, case, category, status) as shown, newest first."""
        return _rows(self.cases)


class OfficerDrilldown(_Loading):
    """One officer: profile, the window's cases and a track replay (``unit.track``).

    ``positionChanged(lat, lon, ts)`` fires whenever the replayed position moves (slider,
    playing, load); the desk may feed it to a map. ``cases`` are incident dicts (as on the
    wire); those the officer was on and reported within the window are marked.
    """

    positionChanged = Signal(float, float, float)

    #: How often the cursor advances while playing, ms.
    TICK_MS = 200

    def __init__(
        self,
        unit_id: str,
        fetch: Fetch | CachedRequests,
        *,
        start: float,
        end: float,
        cases: Sequence[Mapping[str, Any]] = (),
        profile: Mapping[str, str] | None = None,
        clock: Clock = time.monotonic,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(fetch, parent)
        self.setObjectName("OfficerDrilldown")
        self.unit_id = unit_id
        self.start_ts, self.end_ts = float(start), float(end)
        self._cases = list(cases)
        self._clock = clock
        self.replay = TrackReplay([], start, end, unit_id=unit_id, cases=self._cases, clock=clock)
        self.status.setText(tr(OFFICER_TEXT["loading"]).format(unit=unit_id))
        self.fields = _form(self.box, ("name", "team", "status", "window"), OFFICER_TEXT)
        profile = profile or {}
        self.fields["name"].setText(profile.get("name", unit_id))
        self.fields["team"].setText(profile.get("team", ""))
        self.fields["status"].setText(profile.get("status", ""))
        self.fields["window"].setText(f"{date_time(start)} – {clock_time(end)}")

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("ReplaySlider")
        self.slider.setRange(0, max(0, round(end - start)))
        self.slider.valueChanged.connect(self._on_slider)
        self.play_button = QPushButton(tr(OFFICER_TEXT["play"]))
        self.play_button.setObjectName("ReplayPlay")
        self.play_button.clicked.connect(self.toggle)
        self.speed_box = QComboBox()
        self.speed_box.setObjectName("ReplaySpeed")
        for speed in SPEEDS:
            self.speed_box.addItem(f"x{speed}", speed)
        self.speed_box.currentIndexChanged.connect(self._on_speed)
        self.position_label = QLabel()
        self.position_label.setObjectName("ReplayPosition")
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(QLabel(tr(OFFICER_TEXT["speed"])))
        controls.addWidget(self.speed_box)
        controls.addWidget(self.slider, 1)
        self.box.addLayout(controls)
        self.box.addWidget(self.position_label)
        self.box.addWidget(QLabel(tr(OFFICER_TEXT["cases"])))
        self.case_table = _table(
            [tr(TEXT["reported_at"]), tr(MERCHANT_TEXT["case"]), tr(TEXT["category"])],
            "OfficerCases",
        )
        self.box.addWidget(self.case_table, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(self.TICK_MS)
        self._timer.timeout.connect(self.tick)
        self._fill_cases()

    def _request(self) -> tuple[str, dict[str, Any]]:
        return "unit.track", {"unit_id": self.unit_id, "start": self.start_ts, "end": self.end_ts}

    def _render(self, answer: dict[str, Any]) -> None:
        self.pause()
        self.replay = TrackReplay(
            answer.get("points") or [],
            self.start_ts,
            self.end_ts,
            unit_id=self.unit_id,
            cases=self._cases,
            clock=self._clock,
        )
        self.replay.set_speed(float(self.speed_box.currentData()))
        self._fill_cases()
        if not self.replay.points:
            self.position_label.setText(tr(OFFICER_TEXT["no_track"]))
        self.seek(self.replay.points[0].ts if self.replay.points else self.start_ts)

    def _fill_cases(self) -> None:
        _fill(
            self.case_table,
            [(clock_time(m.ts), m.case_id, m.category) for m in self.replay.cases],
        )

    # ---- replay controls --------------------------------------------------------------

    def seek(self, ts: float) -> None:
        """Show the officer at ``ts`` (clamped to the window)."""
        self.replay.seek(ts)
        self._show(self.replay.cursor())

    def toggle(self) -> None:
        if self.replay.toggle():
            self._timer.start()
        else:
            self._timer.stop()
        self._label_button()

    def pause(self) -> None:
        self.replay.pause()
        self._timer.stop()
        self._label_button()

    def set_speed(self, speed: int) -> None:
        index = self.speed_box.findData(speed)
        if index < 0:
            raise ValueError(f"speed x{speed} not offered")
        self.speed_box.setCurrentIndex(index)

    def tick(self) -> None:
        """Advance while playing (the timer calls this; tests may too)."""
        ts = self.replay.cursor()
        self._show(ts)
        if not self.replay.playing:
            self._timer.stop()
            self._label_button()

    def _on_speed(self, _index: int) -> None:
        self.replay.set_speed(float(self.speed_box.currentData()))

    def _on_slider(self, value: int) -> None:
        self.replay.seek(self.start_ts + value)
        self._show(self.replay.cursor(), from_slider=True)

    def _label_button(self) -> None:
        key = "pause" if self.replay.playing else "play"
        self.play_button.setText(tr(OFFICER_TEXT[key]))

    def _show(self, ts: float, *, from_slider: bool = False) -> None:
        if not from_slider:
            self.slider.blockSignals(True)
            self.slider.setValue(round(ts - self.start_ts))
            self.slider.blockSignals(False)
        where = self.replay.position_at(ts)
        if where is None:
            return
        lat, lon = where
        self.position_label.setText(
            tr(OFFICER_TEXT["position"]).format(t=clock_time(ts), lat=lat, lon=lon)
        )
        self.positionChanged.emit(lat, lon, ts)

    def case_rows(self) -> list[tuple[str, ...]]:
        """(reported at, case, category) of the window's cases, oldest first."""
        return _rows(self.case_table)
