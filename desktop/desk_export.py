"""The desk's 导出…: the cases its queue shows now (its filter applied) to XLSX or CSV.

The same export as ``watchfloor export`` (:mod:`desktop.export`), over the desk's own
connection: the hub's ``cases.export`` asked for exactly the ids the queue lists, over
the period from the first of them to the last, so the file holds the register rows
(times, officers, reporter) the queue does not carry. Only a supervisor's or admin's
desk may export; the hub's refusal is shown to anyone else. How it went is said on the
case panel's status line, as a push to a wall is.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QLabel, QMenu, QToolButton, QWidget

from backend_client.qt import QtFeed
from desktop.export import (
    LOCAL_TZ,
    ExportError,
    ExportPlan,
    ExportResult,
    Format,
    Lang,
    Progress,
    export_cases,
    pager_over,
)
from widgets.queue import IncidentQueueModel
from widgets.text import translate

log = logging.getLogger(__name__)


class _StatusProgress(Progress):
    """The export's progress on the desk's status line instead of a terminal."""

    def __init__(self, line: QLabel) -> None:
        super().__init__(quiet=True)
        self.line = line

    def update(self, label: str, done: int, total: int | None, since: int = 0) -> None:
        of = f" / {total}" if total else ""
        self.line.setText(translate("desk", "正在导出… {n}{of} 件").format(n=done, of=of))


class DeskExport(QObject):
    """导出… on the queue: ``action`` (in ``menu``, and on ``button`` beside the
    filters) asks for a file and exports what the queue shows; :meth:`export_to` does it
    without the dialog."""

    def __init__(
        self, feed: QtFeed, model: IncidentQueueModel, status: QLabel, desk: QWidget
    ) -> None:
        super().__init__(desk)
        self.feed = feed
        self.model = model
        self.status = status
        self.desk = desk
        self.task: asyncio.Future[ExportResult | None] | None = None
        self.action = QAction(translate("desk", "导出…"), desk)
        self.action.setObjectName("desk-export")
        self.action.setToolTip(translate("desk", "把队列当前显示的案件导出为 Excel 或 CSV 文件"))
        self.action.triggered.connect(self.choose)
        self.menu = QMenu(translate("desk", "案件"), desk)
        self.menu.addAction(self.action)
        self.button = QToolButton()
        self.button.setObjectName("DeskExport")
        self.button.setDefaultAction(self.action)

    def place(self, bar: QWidget) -> None:
        """The button at the end of ``bar``'s row (the queue's filters)."""
        layout = bar.layout()
        if layout is not None:
            layout.addWidget(self.button)

    @property
    def lang(self) -> Lang:
        # The register's headers in the desk's language: its strings are translated
        # only when it is not running in Chinese.
        return "zh_CN" if translate("desk", "导出…") == "导出…" else "en"

    def shown(self) -> list[str]:
        """The ids the queue lists now, its filter applied, in its order."""
        return self.model.incident_ids()

    def choose(self) -> None:
        """The save dialog, then the export of what the queue shows."""
        if not self.shown():
            self.status.setText(translate("desk", "队列中没有可导出的案件"))
            return
        day = dt.datetime.now(LOCAL_TZ).strftime("%Y%m%d-%H%M")
        path, _kind = QFileDialog.getSaveFileName(
            self.desk,
            translate("desk", "导出案件"),
            str(Path.home() / f"cases-{day}.xlsx"),
            translate("desk", "Excel 工作簿 (*.xlsx);;CSV 文件 (*.csv)"),
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, out: Path) -> asyncio.Future[ExportResult | None] | None:
        """Export the cases the queue shows to ``out`` (XLSX, or CSV by its suffix)."""
        ids = self.shown()
        state = self.feed.state.incidents
        times = [state[i].reported_at for i in ids if i in state]
        if not times:
            self.status.setText(translate("desk", "队列中没有可导出的案件"))
            return None
        fmt: Format = "csv" if out.suffix.lower() == ".csv" else "xlsx"
        plan = ExportPlan(
            hub=self.feed.client.url,
            start=min(times),
            # The period ends after the last case (it is the upper bound excluded).
            end=max(times) + 1.0,
            out=out,
            format=fmt,
            lang=self.lang,
            ids=tuple(ids),
        )
        self.task = asyncio.ensure_future(self._export(plan))
        return self.task

    async def _export(self, plan: ExportPlan) -> ExportResult | None:
        self.action.setEnabled(False)
        try:
            result = await export_cases(
                pager_over(self.feed.client.request),
                plan,
                restart=True,
                progress=_StatusProgress(self.status),
                retry_s=5.0,
            )
        except ExportError as exc:
            log.warning("export to %s failed: %s", plan.out, exc)
            self.status.setText(translate("desk", "导出失败：{e}").format(e=str(exc)))
            return None
        finally:
            self.action.setEnabled(True)
        self.status.setText(
            translate("desk", "已导出 {n} 件到 {file}").format(n=result.rows, file=plan.out.name)
        )
        return result
