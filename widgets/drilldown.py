"""Drill-downs: a supervisor opens a case, a merchant or an officer and reads its whole story.

The panels never talk to the hub themselves: each is handed a ``fetch(op, args)`` coroutine
(or a :class:`~backend_client.cache.CachedRequests`) and only renders what comes back, so a
test or the desk decides where answers come from. Rendering is split from loading
(:meth:`_Loading.show_answer`) so a cached or recorded answer draws the same way.

Every panel asks for more rather than acting: ``openRequested(kind, id)`` when a related
case, a merchant or a marked case is activated, ``pushRequested(kind, id)`` for "push to
the wall". The desk or the wall decides what that means.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import html
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from backend_client.cache import CachedRequests
from backend_client.privacy import mask_name, mask_phone
from backend_client.transport import RequestFailed
from widgets.minimap import Marker, MiniMap, distance_text
from widgets.queue import STATUS_TEXT
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
    "merchant": "涉事商户",
    "rectify_by": "整改期限",
    "rectify_left": "{date} · 剩余 {span}",
    "rectify_overdue": "{date} · 已逾期 {span}",
    "days": "{n} 天",
    "hours": "{n} 小时",
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
    "push": "推送到大屏",
    "more": "加载更多",
    "shown": "已显示 {shown} / 共 {total} 条",
    "timeline": "办理经过",
    "photos": "现场照片",
    "photo_broken": "图片无法显示",
    "photo_url": "照片链接：{url}",
    "related": "关联案件",
    "related_failed": "关联案件暂不可用：{message}",
    "same_merchant": "同一商户 {n}",
    "nearby": "100 米内 {n}",
    "same_category": "同类 30 天 {n}",
    "distance": "距离",
    "related_counts": "同一商户 {a} 件 · 100 米内 {b} 件 · 同类 30 天 {c} 件",
    "unit": "警员 {unit}",
    "inspection_passed": "复查合格",
    "inspection_failed": "复查不合格",
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
STAGE_TEXT: dict[str, str] = {"accept": "受理", "move": "出发", "handle": "处置"}
#: The 1-3-15 stages: (stage, deadline field, done field) of ``case.sla``.
STAGES: tuple[tuple[str, str, str], ...] = (
    ("accept", "accept_by", "accepted_at"),
    ("move", "move_by", "moving_at"),
    ("handle", "handle_by", "handled_at"),
)
MARK_COLOURS: dict[str, str] = {"met": "#3ddc84", "missed": "#ff6b6b", "pending": "#ffc94d"}

MarkState = Literal["met", "missed", "pending"]

#: The three lists of ``case.related``, in the order the tabs show them.
RELATED_KEYS: tuple[str, ...] = ("same_merchant", "nearby", "same_category")

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
    "cases_total": "案件记录（新→旧）· 共 {n} 件",
    "case": "案件编号",
    "inspections": "联合检查记录",
    "inspections_n": "联合检查记录 · {n} 次",
    "inspected_at": "检查时间",
    "departments": "检查部门",
    "items": "检查事项",
    "result": "结果",
    "note": "备注",
    "team_officers": "参检中队：{teams}\n参检人员：{officers}",
}
RESULT_TEXT: dict[str, str] = {"pass": "合格", "rectify": "限期整改", "fail": "不合格"}
RESULT_COLOURS: dict[str, str] = {"pass": "#3ddc84", "rectify": "#ffc94d", "fail": "#ff6b6b"}
OFFICER_TEXT: dict[str, str] = {
    "title": "警员详情",
    "vehicle_title": "车辆详情",
    "loading": "正在加载警员 {unit} 的轨迹…",
    "name": "姓名",
    "plate": "车牌",
    "vehicle_name": "车辆",
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

#: The drill-downs' own look, dark like the desk and the wall around them. Set on the panel
#: so it wins over the app-wide theme's big wall buttons (a drill-down is read at a desk).
PANEL_QSS = """
QTableWidget { background: #0f1830; color: #e6edf7; gridline-color: #1d2a45;
  border: 1px solid #1d2a45; selection-background-color: #1f6feb; selection-color: #ffffff; }
QTableWidget QHeaderView::section { background: #13203b; color: #9fb3d1; padding: 3px 6px;
  border: none; border-bottom: 1px solid #1f6feb; }
QTabWidget::pane { border: 1px solid #1d2a45; }
QTabBar::tab { background: #13203b; color: #9fb3d1; padding: 4px 12px; margin-right: 2px; }
QTabBar::tab:selected { background: #1f6feb; color: #ffffff; }
QScrollArea#CasePhotos { background: transparent; border: none; }
QScrollArea#CasePhotos > QWidget > QWidget { background: transparent; }
QLabel#CasePhoto[photo="broken"], QLabel#CasePhoto[photo="url"] {
  border: 1px dashed #6b7a90; color: #9fb3d1; padding: 4px; }
QPushButton { background: #1f6feb; color: #ffffff; font-size: 14px; font-weight: bold;
  padding: 5px 14px; border-radius: 4px; }
QPushButton:disabled { background: #2a3550; color: #6b7a95; }
QComboBox { background: #13203b; color: #e6edf7; padding: 2px 6px; }
"""
LINK_COLOUR = "#6fb3ff"

#: Photo thumbnails fit in this box; smaller photos are shown at their own size.
THUMB = QSize(120, 90)
_DATA_URL = re.compile(r"^data:image/[\w.+-]+;base64,", re.IGNORECASE)


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
    if detail.get("unit"):
        # Moving, arrival and follow-up name the one officer who reported them.
        parts.append(tr(TEXT["unit"]).format(unit=detail["unit"]))
    inspection = detail.get("inspection")
    if inspection in ("passed", "failed"):
        # Closing after a follow-up means it passed; a new deadline from one, it failed.
        parts.append(tr(TEXT[f"inspection_{inspection}"]))
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


def span_text(seconds: float) -> str:
    """Whole days, or hours under a day: a rectification runs for days."""
    seconds = max(0.0, seconds)
    if seconds >= 86400:
        return tr(TEXT["days"]).format(n=int(seconds // 86400))
    return tr(TEXT["hours"]).format(n=max(1, int(seconds // 3600)))


def rectification(
    case: Mapping[str, Any], events: Sequence[Mapping[str, Any]], now: float
) -> tuple[str, bool] | None:
    """The rectification deadline line and whether it is overdue, from the latest
    ``rectification_deadline`` step (a failed follow-up sets a new one); None if never
    ordered."""
    deadline: float | None = None
    for event in sorted(events, key=lambda e: float(e.get("ts", 0.0))):
        detail = event.get("detail")
        if event.get("kind") == "rectification_deadline" and isinstance(detail, Mapping):
            value = detail.get("deadline")
            if isinstance(value, int | float):
                deadline = float(value)
    if deadline is None:
        return None
    date = time.strftime("%Y-%m-%d %H:%M", time.localtime(deadline))
    if case.get("status") != "rectifying":
        return date, False  # checked or closed: the date is history now
    if now > deadline:
        return tr(TEXT["rectify_overdue"]).format(date=date, span=span_text(now - deadline)), True
    return tr(TEXT["rectify_left"]).format(date=date, span=span_text(deadline - now)), False


def photo_pixmap(photo: str) -> QPixmap | None:
    """A photo sent as base64 (with or without a ``data:image/...;base64,`` prefix) as a
    pixmap; None when it does not decode to an image (truncated, not base64, not a
    picture): a broken upload must not cost the supervisor the rest of the case."""
    data = _DATA_URL.sub("", photo.strip(), count=1)
    try:
        raw = base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    pixmap = QPixmap()
    if not raw or not pixmap.loadFromData(raw):
        return None
    return pixmap


def is_photo_url(photo: str) -> bool:
    return photo.strip().lower().startswith(("http://", "https://"))


def thumbnail(pixmap: QPixmap, box: QSize = THUMB) -> QPixmap:
    """``pixmap`` shrunk to fit ``box`` (aspect kept); never enlarged."""
    if pixmap.width() <= box.width() and pixmap.height() <= box.height():
        return pixmap
    return pixmap.scaled(
        box, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


# ---- shared widgets -------------------------------------------------------------------------


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


def _fill(
    table: QTableWidget, rows: Sequence[tuple[str, ...]], ids: Sequence[str] | None = None
) -> None:
    """Rows of text; ``ids`` (one per row) ride on the first cell for activation."""
    table.setRowCount(len(rows))
    for row, cells in enumerate(rows):
        for column, value in enumerate(cells):
            item = QTableWidgetItem(value)
            if ids is not None and column == 0:
                item.setData(Qt.ItemDataRole.UserRole, ids[row])
            table.setItem(row, column, item)


def _wrap_rows(table: QTableWidget) -> None:
    """Long cells wrap instead of ending in "…", re-measured whenever a column resizes
    (the widths are only known once the panel is laid out)."""
    table.setWordWrap(True)
    table.setTextElideMode(Qt.TextElideMode.ElideNone)
    # Deferred: stretched columns settle their widths after the signal.
    table.horizontalHeader().sectionResized.connect(
        lambda *_: QTimer.singleShot(0, table, table.resizeRowsToContents)
    )


def _rows(table: QTableWidget) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for row in range(table.rowCount()):
        cells = (table.item(row, c) for c in range(table.columnCount()))
        rows.append(tuple(item.text() if item is not None else "" for item in cells))
    return rows


def row_id(table: QTableWidget, row: int) -> str:
    """The entity id a row stands for (set by :func:`_fill`), or ``""``."""
    item = table.item(row, 0)
    value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
    return str(value) if value else ""


def date_time(ts: float) -> str:
    """``YYYY-MM-DD HH:MM`` in local time: a merchant's history spans months."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def _heading(text: str, name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setStyleSheet("font-weight:bold;padding-top:4px;")
    return label


def _form(
    box: QVBoxLayout, keys: tuple[str, ...], text: Mapping[str, str]
) -> tuple[QFormLayout, dict[str, QLabel]]:
    form = QFormLayout()
    fields: dict[str, QLabel] = {}
    for key in keys:
        label = QLabel()
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        fields[key] = label
        form.addRow(tr(text[key]), label)
    box.addLayout(form)
    return form, fields


# ---- the panels -------------------------------------------------------------------------------


class _Loading(QWidget):
    """Loading, the cached-data banner, the status line, the title bar with "push to wall",
    and the two columns (side by side when wide, stacked in a narrow dock) of every
    drill-down."""

    loaded = Signal()
    failed = Signal(str)
    #: ``(kind, id)``: the reader wants another drill-down ("incident", "merchant").
    openRequested = Signal(str, str)
    #: ``(kind, id)``: show this drill-down on the video wall.
    pushRequested = Signal(str, str)

    #: The kind this panel is pushed as (``wall.push`` kinds: incident, merchant, officer).
    KIND = ""
    #: Below this width the two columns stack.
    STACK_BELOW_PX = 880

    def __init__(
        self, fetch: Fetch | CachedRequests, parent: QWidget | None, entity_id: str, title: str
    ) -> None:
        super().__init__(parent)
        self.setStyleSheet(PANEL_QSS)
        self._fetch = as_fetch(fetch)
        self._task: asyncio.Task[None] | None = None
        self._more_task: asyncio.Task[bool] | None = None
        self.entity_id = entity_id
        self.answer: dict[str, Any] | None = None
        self.cached = False
        self.age_s: float | None = None
        self.box = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.title = QLabel(f"{tr(title)} · {entity_id}")
        self.title.setObjectName("DrilldownTitle")
        self.title.setStyleSheet("font-size:16px;font-weight:bold;")
        self.push_button = QPushButton(tr(TEXT["push"]))
        self.push_button.setObjectName("PushToWall")
        self.push_button.clicked.connect(lambda: self.pushRequested.emit(self.KIND, self.entity_id))
        bar.addWidget(self.title, 1)
        bar.addWidget(self.push_button)
        self.box.addLayout(bar)
        self.banner = QLabel()
        self.banner.setObjectName("CachedBanner")
        self.banner.setStyleSheet("background:#5a4300;color:#ffe08a;padding:4px;")
        self.banner.hide()
        self.box.addWidget(self.banner)
        self.status = QLabel()
        self.status.setObjectName("DrilldownStatus")
        self.box.addWidget(self.status)
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.setChildrenCollapsible(False)
        left, right = QWidget(), QWidget()
        self.left = QVBoxLayout(left)
        self.right = QVBoxLayout(right)
        for column in (self.left, self.right):
            column.setContentsMargins(0, 0, 0, 0)
        self.split.addWidget(left)
        self.split.addWidget(right)
        self.box.addWidget(self.split, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        wide = event.size().width() >= self.STACK_BELOW_PX
        self.split.setOrientation(Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical)
        super().resizeEvent(event)

    def start(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = asyncio.ensure_future(self.load())

    async def stop(self) -> None:
        for task in (self._task, self._more_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def _request(self) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    #: Set by the paged panels (case timeline, merchant cases).
    pager: _Pager
    page_size: int

    async def load_more(self) -> bool:
        raise NotImplementedError

    def _on_more(self) -> None:
        if self._more_task is None or self._more_task.done():
            self._more_task = asyncio.ensure_future(self.load_more())

    async def _next_page(
        self, op: str, args: dict[str, Any], shown: int, total_key: str
    ) -> dict[str, Any] | None:
        """The page after the ``shown`` items of a paged answer, or None when there is no
        more (or a page is already on its way, or it failed: the status line says so)."""
        pager = self.pager
        if pager.next_offset is None or pager.busy or self.answer is None:
            return None
        pager.busy = True
        pager.show(shown)
        try:
            page, _cached, _age = await self._fetch(
                op, {**args, "offset": pager.next_offset, "limit": self.page_size}
            )
        except RequestFailed as exc:
            self.status.setText(tr(TEXT["failed"]).format(message=exc.message))
            self.status.show()
            return None
        finally:
            pager.busy = False
        pager.update(page.get("next_offset"), page.get(total_key))
        return page

    async def load(self) -> None:
        await self._load_main()

    async def _load_main(self) -> bool:
        op, args = self._request()
        try:
            answer, cached, age_s = await self._fetch(op, args)
        except RequestFailed as exc:
            self.status.setText(tr(TEXT["failed"]).format(message=exc.message))
            self.status.show()
            self.failed.emit(exc.code)
            return False
        self.show_answer(answer, cached=cached, age_s=age_s)
        return True

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

    def _open_row(self, table: QTableWidget, row: int, kind: str = "incident") -> None:
        entity_id = row_id(table, row)
        if entity_id:
            self.openRequested.emit(kind, entity_id)


class _Pager:
    """ "Load more" under a paged list: a button plus how much of the total is shown."""

    def __init__(self, box: QVBoxLayout, name: str) -> None:
        row = QHBoxLayout()
        self.button = QPushButton(tr(TEXT["more"]))
        self.button.setObjectName(name)
        self.label = QLabel()
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        box.addLayout(row)
        self.next_offset: int | None = None
        self.total: int | None = None
        self.busy = False
        self.show(0)

    def update(self, next_offset: Any, total: Any) -> None:
        self.next_offset = int(next_offset) if isinstance(next_offset, int) else None
        self.total = int(total) if isinstance(total, int) else None

    def show(self, shown: int) -> None:
        more = self.next_offset is not None
        self.button.setVisible(more)
        self.button.setEnabled(more and not self.busy)
        total = self.total if self.total is not None else shown
        self.label.setText(tr(TEXT["shown"]).format(shown=shown, total=total))
        self.label.setVisible(more or total > shown)


class CaseDrilldown(_Loading):
    """One case: header, 1-3-15 marks, photos, a mini-map, the timeline (paged) and the
    related cases (``case.related``).

    Call :meth:`start` on a running qasync loop (or ``await load()``); ``loaded`` fires
    after each answer is shown, ``failed`` with the reason when there was none to show.
    """

    KIND = "incident"
    HEADER_FIELDS = ("case", "category", "source", "status", "address", "text")
    TIMELINE_COLUMNS = ("time", "kind", "actor", "detail")
    RELATED_COLUMNS = ("reported_at", "category", "status", "distance", "address")
    #: Events per ``case.history`` page (the hub's own default).
    PAGE_SIZE = 500

    def __init__(
        self,
        case_id: str,
        fetch: Fetch | CachedRequests,
        *,
        show_reporter: bool,
        clock: Clock = time.time,
        page_size: int = PAGE_SIZE,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(fetch, parent, case_id, TEXT["title"])
        self.setObjectName("CaseDrilldown")
        self.case_id = case_id
        self.show_reporter = show_reporter
        self.page_size = page_size
        self._clock = clock
        self.events: list[Mapping[str, Any]] = []
        self.related: dict[str, Any] | None = None
        self.merchant_id: str | None = None
        self.status.setText(tr(TEXT["loading"]).format(case=case_id))

        left = self.left
        self.form, self.fields = _form(
            left, (*self.HEADER_FIELDS, "merchant", "reporter", "rectify_by"), TEXT
        )
        self.fields["merchant"].setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.fields["merchant"].linkActivated.connect(self._open_merchant)
        for key in ("merchant", "rectify_by"):
            self.form.setRowVisible(self.fields[key], False)

        self.marks: list[QLabel] = []
        marks_form = QFormLayout()
        self._marks_row = QVBoxLayout()
        marks_box = QWidget()
        marks_box.setLayout(self._marks_row)
        marks_form.addRow(tr(TEXT["sla"]), marks_box)
        left.addLayout(marks_form)

        self.photos_heading = _heading(tr(TEXT["photos"]), "CasePhotosHeading")
        left.addWidget(self.photos_heading)
        self.photo_strip = QWidget()
        self._photo_row = QHBoxLayout(self.photo_strip)
        self._photo_row.setContentsMargins(0, 0, 0, 0)
        self._photo_row.addStretch(1)
        self.photos_scroll = QScrollArea()
        self.photos_scroll.setObjectName("CasePhotos")
        self.photos_scroll.setWidget(self.photo_strip)
        self.photos_scroll.setWidgetResizable(True)
        self.photos_scroll.viewport().setAutoFillBackground(False)
        self.photo_strip.setAutoFillBackground(False)
        self.photos_scroll.setFixedHeight(THUMB.height() + 28)
        self.photos_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left.addWidget(self.photos_scroll)
        self.photo_labels: list[QLabel] = []
        self.photos_heading.hide()
        self.photos_scroll.hide()

        self.minimap = MiniMap()
        self.minimap.markerActivated.connect(self._on_marker)
        left.addWidget(self.minimap, 1)

        right = self.right
        self.timeline_heading = _heading(tr(TEXT["timeline"]), "CaseTimelineHeading")
        right.addWidget(self.timeline_heading)
        self.timeline = QTableWidget(0, len(self.TIMELINE_COLUMNS))
        self.timeline.setObjectName("CaseTimeline")
        self.timeline.setHorizontalHeaderLabels([tr(TEXT[c]) for c in self.TIMELINE_COLUMNS])
        self.timeline.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.timeline.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.timeline.verticalHeader().hide()
        header = self.timeline.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(self.TIMELINE_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        _wrap_rows(self.timeline)
        right.addWidget(self.timeline, 3)
        self.pager = _Pager(right, "CaseTimelineMore")
        self.pager.button.clicked.connect(self._on_more)

        self.related_heading = _heading(tr(TEXT["related"]), "RelatedHeading")
        right.addWidget(self.related_heading)
        self.related_tabs = QTabWidget()
        self.related_tabs.setObjectName("RelatedCases")
        self.related_tables: dict[str, QTableWidget] = {}
        for key in RELATED_KEYS:
            table = _table([tr(TEXT[c]) for c in self.RELATED_COLUMNS], f"Related-{key}")
            table.itemActivated.connect(lambda item, t=table: self._open_row(t, item.row()))
            self.related_tables[key] = table
            self.related_tabs.addTab(table, tr(TEXT[key]).format(n=0))
        right.addWidget(self.related_tabs, 2)

    def _request(self) -> tuple[str, dict[str, Any]]:
        # Always the same first page: the local cache keeps pages apart, by these args.
        return "case.history", {"case_id": self.case_id, "offset": 0, "limit": self.page_size}

    async def load(self) -> None:
        """The history and the related cases, asked for together (one round trip).

        A reload (the desk reloads on every step of the case) reads as many pages as
        were shown before, so the reader does not lose their place.
        """
        shown_before = len(self.events)
        related = asyncio.ensure_future(self._fetch_related())
        try:
            shown = await self._load_main()
            result = await related
        finally:
            if not related.done():
                related.cancel()
        if shown:
            self.show_related(*result)
            while len(self.events) < shown_before and await self.load_more():
                pass

    async def _fetch_related(self) -> tuple[dict[str, Any] | None, str]:
        try:
            answer, _cached, _age = await self._fetch("case.related", {"case_id": self.case_id})
        except RequestFailed as exc:
            return None, exc.message
        return answer, ""

    async def load_more(self) -> bool:
        """The next page of the timeline, appended; False when there was none or it failed."""
        page = await self._next_page(
            "case.history", {"case_id": self.case_id}, len(self.events), "total_events"
        )
        if page is None:
            return False
        self.events.extend(page.get("events") or [])
        # The merged answer is what the PDF and a re-render read.
        assert self.answer is not None
        self.answer = {
            **self.answer,
            "events": list(self.events),
            "next_offset": self.pager.next_offset,
            "total_events": self.pager.total,
        }
        self._render_timeline()
        return True

    # ---- rendering --------------------------------------------------------------------

    def _render(self, answer: dict[str, Any]) -> None:
        """Draw a ``case.history`` answer (fresh or cached)."""
        case: Mapping[str, Any] = answer.get("case") or {}
        self.events = list(answer.get("events") or [])
        self.pager.update(answer.get("next_offset"), answer.get("total_events"))

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

        merchant_id = case.get("merchant_id")
        self.merchant_id = str(merchant_id) if merchant_id else None
        if self.merchant_id:
            merchant = answer.get("merchant")
            name = merchant.get("name") if isinstance(merchant, Mapping) else None
            shown = f"{name}（{self.merchant_id}）" if name else self.merchant_id
            self.fields["merchant"].setText(
                f'<a href="merchant" style="color:{LINK_COLOUR}">{html.escape(shown)}</a>'
            )
        self.form.setRowVisible(self.fields["merchant"], self.merchant_id is not None)

        for label in self.marks:
            label.deleteLater()
        self.marks = []
        for mark in sla_marks(case, self._clock()):
            label = QLabel(mark.text())
            label.setStyleSheet(f"color:{MARK_COLOURS[mark.state]};")
            label.setProperty("state", mark.state)
            self._marks_row.addWidget(label)
            self.marks.append(label)

        photos = answer.get("photos")
        if photos is None:
            photos = case.get("photos")
        self._render_photos([str(p) for p in photos or [] if p])
        self._render_map()
        self._render_timeline()

    def _render_timeline(self) -> None:
        case: Mapping[str, Any] = (self.answer or {}).get("case") or {}
        # The hub answers in stored order; sort again so merged pages or a cached answer
        # still read top to bottom in time (stable: same-instant steps keep their order).
        ordered = sorted(self.events, key=lambda e: float(e.get("ts", 0.0)))
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
                elif kind in ("rectification_deadline", "followup"):
                    item.setForeground(QColor(MARK_COLOURS["pending"]))
                self.timeline.setItem(row, column, item)
        self.timeline.resizeRowsToContents()
        self.pager.show(len(ordered))

        line = rectification(case, ordered, self._clock())
        label = self.fields["rectify_by"]
        if line is not None:
            label.setText(line[0])
            label.setStyleSheet(f"color:{MARK_COLOURS['missed']};" if line[1] else "")
        self.form.setRowVisible(label, line is not None)

    def _render_photos(self, photos: list[str]) -> None:
        for label in self.photo_labels:
            self._photo_row.removeWidget(label)
            label.deleteLater()
        self.photo_labels = []
        for n, photo in enumerate(photos):
            label = QLabel()
            label.setObjectName("CasePhoto")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            if is_photo_url(photo):
                # Shown, never fetched: a drill-down does not reach out to the internet.
                label.setText(tr(TEXT["photo_url"]).format(url=photo.strip()))
                label.setWordWrap(True)
                label.setFixedSize(THUMB.width() * 2, THUMB.height())
                label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                label.setProperty("photo", "url")
            else:
                pixmap = photo_pixmap(photo)
                if pixmap is None:
                    label.setText(tr(TEXT["photo_broken"]))
                    label.setProperty("photo", "broken")
                    label.setFixedSize(THUMB)
                else:
                    label.setPixmap(thumbnail(pixmap))
                    label.setProperty("photo", "image")
                    label.setToolTip(f"{pixmap.width()}×{pixmap.height()}")
            self._photo_row.insertWidget(n, label)
            self.photo_labels.append(label)
        self.photos_heading.setVisible(bool(photos))
        self.photos_scroll.setVisible(bool(photos))

    def _render_map(self) -> None:
        case: Mapping[str, Any] = (self.answer or {}).get("case") or {}
        markers: list[Marker] = []
        lat, lon = case.get("lat"), case.get("lon")
        if isinstance(lat, int | float) and isinstance(lon, int | float):
            markers.append(Marker(self.case_id, float(lat), float(lon), "case"))
        for item in (self.related or {}).get("nearby") or []:
            ilat, ilon = item.get("lat"), item.get("lon")
            if isinstance(ilat, int | float) and isinstance(ilon, int | float):
                markers.append(Marker(str(item.get("id", "")), float(ilat), float(ilon), "nearby"))
        self.minimap.set_markers(markers)
        self.minimap.fit([(m.lat, m.lon) for m in markers], min_span_m=400.0)

    def show_related(self, related: dict[str, Any] | None, error: str = "") -> None:
        """Draw a ``case.related`` answer; None (with the reason) when there was none."""
        self.related = related
        heading = tr(TEXT["related"])
        if related is None:
            heading = tr(TEXT["related_failed"]).format(message=error)
        self.related_heading.setText(heading)
        for index, key in enumerate(RELATED_KEYS):
            items: list[Mapping[str, Any]] = list((related or {}).get(key) or [])
            rows: list[tuple[str, ...]] = []
            for item in items:
                status = str(item.get("status", ""))
                distance = item.get("distance_m")
                rows.append(
                    (
                        date_time(float(item.get("reported_at", 0.0))),
                        str(item.get("category", "")),
                        tr(STATUS_TEXT.get(status, status)),
                        distance_text(float(distance))
                        if isinstance(distance, int | float)
                        else "—",
                        str(item.get("address", "")),
                    )
                )
            table = self.related_tables[key]
            _fill(table, rows, [str(item.get("id", "")) for item in items])
            for row, item in enumerate(items):
                cell = table.item(row, 0)
                if cell is not None:
                    cell.setToolTip(str(item.get("id", "")))
            self.related_tabs.setTabText(index, tr(TEXT[key]).format(n=len(items)))
        self._render_map()

    def _open_merchant(self, _link: str) -> None:
        if self.merchant_id:
            self.openRequested.emit("merchant", self.merchant_id)

    def _on_marker(self, key: str) -> None:
        if key and key != self.case_id:
            self.openRequested.emit("incident", key)

    # ---- reading back (tests, export, the desk) ---------------------------------------

    def timeline_rows(self) -> list[tuple[str, ...]]:
        """The timeline as shown: (time, kind, actor, detail) per row."""
        return _rows(self.timeline)

    def mark_texts(self) -> list[str]:
        return [label.text() for label in self.marks]

    def related_rows(self, key: str) -> list[tuple[str, ...]]:
        """One related list as shown: (reported at, category, status, distance, address)."""
        return _rows(self.related_tables[key])

    def related_ids(self, key: str) -> list[str]:
        table = self.related_tables[key]
        return [row_id(table, row) for row in range(table.rowCount())]

    def related_counts(self) -> dict[str, int]:
        return {key: self.related_tables[key].rowCount() for key in RELATED_KEYS}


#: Merchant risk levels as the store keeps them (hub/simulator/world.py: 1 low .. 3 high).
RISK_TEXT: dict[object, str] = {1: "低风险", 2: "中风险", 3: "高风险"}


class MerchantDrilldown(_Loading):
    """One merchant (``merchant.profile``): profile and place, cases per category, the
    joint inspections, and the cases newest first (paged)."""

    KIND = "merchant"
    PROFILE_FIELDS = ("name", "credit_code", "address", "category", "risk")
    INSPECTION_COLUMNS = ("inspected_at", "departments", "items", "result", "note")
    #: Cases per ``merchant.profile`` page (the hub's own default).
    PAGE_SIZE = 200

    def __init__(
        self,
        merchant_id: str,
        fetch: Fetch | CachedRequests,
        parent: QWidget | None = None,
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__(fetch, parent, merchant_id, MERCHANT_TEXT["title"])
        self.setObjectName("MerchantDrilldown")
        self.merchant_id = merchant_id
        self.page_size = page_size
        self.cases: list[Mapping[str, Any]] = []
        self.status.setText(tr(MERCHANT_TEXT["loading"]).format(merchant=merchant_id))
        left = self.left
        _, self.fields = _form(left, self.PROFILE_FIELDS, MERCHANT_TEXT)
        left.addWidget(_heading(tr(MERCHANT_TEXT["counts"]), "MerchantCountsHeading"))
        self.counts = _table(
            [tr(TEXT["category"]), tr(MERCHANT_TEXT["count"])], "MerchantCategoryCounts"
        )
        left.addWidget(self.counts, 1)
        self.minimap = MiniMap()
        self.minimap.markerActivated.connect(self._on_marker)
        left.addWidget(self.minimap, 2)

        right = self.right
        self.inspections_heading = _heading(
            tr(MERCHANT_TEXT["inspections"]), "MerchantInspectionsHeading"
        )
        right.addWidget(self.inspections_heading)
        self.inspections = _table(
            [tr(MERCHANT_TEXT[c]) for c in self.INSPECTION_COLUMNS], "MerchantInspections"
        )
        _wrap_rows(self.inspections)
        inspection_header = self.inspections.horizontalHeader()
        # Departments and items are lists that wrap; time and result stay one line.
        for column in (1, 2, 4):
            inspection_header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        right.addWidget(self.inspections, 2)
        self.cases_heading = _heading(tr(MERCHANT_TEXT["cases"]), "MerchantCasesHeading")
        right.addWidget(self.cases_heading)
        self.case_table = _table(
            [
                tr(TEXT["reported_at"]),
                tr(MERCHANT_TEXT["case"]),
                tr(TEXT["category"]),
                tr(TEXT["status"]),
            ],
            "MerchantCases",
        )
        self.case_table.itemActivated.connect(
            lambda item: self._open_row(self.case_table, item.row())
        )
        right.addWidget(self.case_table, 3)
        self.pager = _Pager(right, "MerchantCasesMore")
        self.pager.button.clicked.connect(self._on_more)

    def _request(self) -> tuple[str, dict[str, Any]]:
        return "merchant.profile", {
            "merchant_id": self.merchant_id,
            "offset": 0,
            "limit": self.page_size,
        }

    async def load(self) -> None:
        shown_before = len(self.cases)
        if await self._load_main():
            while len(self.cases) < shown_before and await self.load_more():
                pass

    def _render(self, answer: dict[str, Any]) -> None:
        merchant: Mapping[str, Any] = answer.get("merchant") or {}
        for key in self.PROFILE_FIELDS:
            self.fields[key].setText(str(merchant.get(key, "")))
        # The store keeps 1..3; a supervisor reads words (and a high risk in red).
        risk = merchant.get("risk")
        if risk in RISK_TEXT:
            self.fields["risk"].setText(tr(RISK_TEXT[risk]))
            self.fields["risk"].setStyleSheet("color:#ff6b6b;" if risk == 3 else "")
        self.cases = list(answer.get("cases") or [])
        self.pager.update(answer.get("next_offset"), answer.get("total_cases"))
        by_category = answer.get("counts_by_category")
        if isinstance(by_category, Mapping):
            per_category = {str(k): int(v) for k, v in by_category.items()}
        else:
            # An older hub sends every case and no counts: count what came.
            per_category = {}
            for case in self.cases:
                category = str(case.get("category", ""))
                per_category[category] = per_category.get(category, 0) + 1
        counts = sorted(per_category.items(), key=lambda kv: (-kv[1], kv[0]))
        _fill(self.counts, [(category, str(n)) for category, n in counts])
        self._render_inspections(list(answer.get("inspections") or []))
        self._render_cases()

    def _render_cases(self) -> None:
        newest = sorted(self.cases, key=lambda c: float(c.get("reported_at", 0.0)), reverse=True)
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
        _fill(self.case_table, rows, [str(c.get("id", "")) for c in newest])
        total = self.pager.total if self.pager.total is not None else len(newest)
        self.cases_heading.setText(tr(MERCHANT_TEXT["cases_total"]).format(n=total))
        self.pager.show(len(newest))
        self._render_map()

    def _render_inspections(self, inspections: list[Mapping[str, Any]]) -> None:
        newest = sorted(inspections, key=lambda i: float(i.get("ts", 0.0)), reverse=True)
        rows: list[tuple[str, ...]] = []
        for inspection in newest:
            result = str(inspection.get("result", ""))
            rows.append(
                (
                    date_time(float(inspection.get("ts", 0.0))),
                    "、".join(str(d) for d in inspection.get("departments") or []),
                    "、".join(str(i) for i in inspection.get("items") or []),
                    tr(RESULT_TEXT.get(result, result)),
                    str(inspection.get("note", "")),
                )
            )
        _fill(self.inspections, rows, [str(i.get("id", "")) for i in newest])
        for row, inspection in enumerate(newest):
            result_item = self.inspections.item(row, 3)
            colour = RESULT_COLOURS.get(str(inspection.get("result", "")))
            if result_item is not None and colour is not None:
                result_item.setForeground(QColor(colour))
            who = tr(MERCHANT_TEXT["team_officers"]).format(
                teams="、".join(str(t) for t in inspection.get("teams") or []) or "—",
                officers="、".join(str(o) for o in inspection.get("officers") or []) or "—",
            )
            for column in range(self.inspections.columnCount()):
                cell = self.inspections.item(row, column)
                if cell is not None:
                    cell.setToolTip(who)
        self.inspections.resizeRowsToContents()
        self.inspections_heading.setText(tr(MERCHANT_TEXT["inspections_n"]).format(n=len(newest)))

    def _render_map(self) -> None:
        merchant: Mapping[str, Any] = (self.answer or {}).get("merchant") or {}
        markers: list[Marker] = []
        for case in self.cases:
            lat, lon = case.get("lat"), case.get("lon")
            if isinstance(lat, int | float) and isinstance(lon, int | float):
                markers.append(Marker(str(case.get("id", "")), float(lat), float(lon), "nearby"))
        lat, lon = merchant.get("lat"), merchant.get("lon")
        if isinstance(lat, int | float) and isinstance(lon, int | float):
            markers.append(Marker(self.merchant_id, float(lat), float(lon), "case"))
        self.minimap.set_markers(markers)
        self.minimap.fit([(m.lat, m.lon) for m in markers], min_span_m=400.0)

    async def load_more(self) -> bool:
        """The next page of cases, appended; False when there was none or it failed."""
        page = await self._next_page(
            "merchant.profile", {"merchant_id": self.merchant_id}, len(self.cases), "total_cases"
        )
        if page is None:
            return False
        self.cases.extend(page.get("cases") or [])
        assert self.answer is not None
        self.answer = {
            **self.answer,
            "cases": list(self.cases),
            "next_offset": self.pager.next_offset,
        }
        self._render_cases()
        return True

    def _on_marker(self, key: str) -> None:
        if key and key != self.merchant_id:
            self.openRequested.emit("incident", key)

    def count_rows(self) -> list[tuple[str, ...]]:
        """(category, count) as shown, most cases first."""
        return _rows(self.counts)

    def case_rows(self) -> list[tuple[str, ...]]:
        """(reported at, case, category, status) as shown, newest first."""
        return _rows(self.case_table)

    def inspection_rows(self) -> list[tuple[str, ...]]:
        """(time, departments, items, result, note) as shown, newest first."""
        return _rows(self.inspections)


class OfficerDrilldown(_Loading):
    """One officer: profile, the window's cases and a track replay (``unit.track``) drawn
    on a mini-map.

    ``positionChanged(lat, lon, ts)`` fires whenever the replayed position moves (slider,
    playing, load); the mini-map's cursor follows it. ``cases`` are incident dicts (as on
    the wire); those the officer was on and reported within the window are marked.
    """

    KIND = "officer"
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
        profile = profile or {}
        #: A vehicle (``profile["kind"]``) is the same panel, titled and known by its plate.
        self.is_vehicle = profile.get("kind") == "vehicle"
        plate = profile.get("plate") or unit_id
        if self.is_vehicle:
            super().__init__(fetch, parent, plate, OFFICER_TEXT["vehicle_title"])
        else:
            super().__init__(fetch, parent, unit_id, OFFICER_TEXT["title"])
        self.setObjectName("OfficerDrilldown")
        self.unit_id = unit_id
        self.start_ts, self.end_ts = float(start), float(end)
        self._cases = list(cases)
        self._clock = clock
        self.replay = TrackReplay([], start, end, unit_id=unit_id, cases=self._cases, clock=clock)
        self.status.setText(tr(OFFICER_TEXT["loading"]).format(unit=unit_id))
        left = self.left
        if self.is_vehicle:
            texts = {**OFFICER_TEXT, "name": OFFICER_TEXT["vehicle_name"]}
            keys = ("plate", "name", "team", "status", "window")
            _, self.fields = _form(left, keys, texts)
            self.fields["plate"].setText(plate)
        else:
            _, self.fields = _form(left, ("name", "team", "status", "window"), OFFICER_TEXT)
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
        left.addLayout(controls)
        left.addWidget(self.position_label)
        left.addWidget(_heading(tr(OFFICER_TEXT["cases"]), "OfficerCasesHeading"))
        self.case_table = _table(
            [tr(TEXT["reported_at"]), tr(MERCHANT_TEXT["case"]), tr(TEXT["category"])],
            "OfficerCases",
        )
        self.case_table.itemActivated.connect(
            lambda item: self._open_row(self.case_table, item.row())
        )
        left.addWidget(self.case_table, 1)
        self.minimap = MiniMap()
        self.minimap.markerActivated.connect(lambda key: self.openRequested.emit("incident", key))
        self.right.addWidget(self.minimap, 1)
        self.split.setStretchFactor(1, 2)
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
        self._draw_track()
        if not self.replay.points:
            self.position_label.setText(tr(OFFICER_TEXT["no_track"]))
        self.seek(self.replay.points[0].ts if self.replay.points else self.start_ts)

    def _fill_cases(self) -> None:
        marks = self.replay.cases
        _fill(
            self.case_table,
            [(clock_time(m.ts), m.case_id, m.category) for m in marks],
            [m.case_id for m in marks],
        )

    def _draw_track(self) -> None:
        track = [(p.lat, p.lon) for p in self.replay.points]
        markers = [
            Marker(m.case_id, m.lat, m.lon, "track_case")
            for m in self.replay.cases
            if m.lat is not None and m.lon is not None
        ]
        self.minimap.set_track(track)
        self.minimap.set_markers(markers)
        self.minimap.set_cursor(None)
        self.minimap.fit(track + [(m.lat, m.lon) for m in markers], min_span_m=500.0)

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
        self.minimap.set_cursor(where, self.replay.travelled(ts))
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
