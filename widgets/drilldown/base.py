"""What every drill-down view shares: the title bar with "push to wall", the cached-data
banner, the status line, two columns, and "load more" under a paged list.

A view renders its story (a Qt-free model from :mod:`backend_client.stories`) and
forwards the reader's actions to it; it never sends a request itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from backend_client.stories import (
    ANSWER,
    FAILED,
    PAGE,
    PAGE_FAILED,
    PAGING,
    RELATED,
    Paging,
    Story,
)
from widgets.drilldown.tables import row_id
from widgets.drilldown.texts import TEXT, panel_qss
from widgets.text import translate


class Pager:
    """ "Load more" under a paged list: a button plus how much of the total is shown."""

    def __init__(self, box: QVBoxLayout, name: str, paging: Paging) -> None:
        row = QHBoxLayout()
        self.button = QPushButton(translate("drilldown", TEXT["more"]))
        self.button.setObjectName(name)
        self.label = QLabel()
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        box.addLayout(row)
        self.paging = paging
        self.show(0)

    @property
    def next_offset(self) -> int | None:
        return self.paging.next_offset

    @property
    def total(self) -> int | None:
        return self.paging.total

    def show(self, shown: int) -> None:
        more = self.paging.more
        self.button.setVisible(more)
        self.button.setEnabled(more and not self.paging.busy)
        total = self.paging.total if self.paging.total is not None else shown
        self.label.setText(translate("drilldown", TEXT["shown"]).format(shown=shown, total=total))
        self.label.setVisible(more or total > shown)


class DrilldownPanel(QWidget):
    """The frame of every drill-down, drawing one :class:`~backend_client.stories.Story`.

    ``loaded`` fires after each answer is drawn, ``failed`` with the reason's code when
    there was none to draw.
    """

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

    #: Set by the paged panels (case timeline, merchant cases).
    pager: Pager

    def __init__(self, story: Story, parent: QWidget | None, entity_id: str, title: str) -> None:
        super().__init__(parent)
        self.setStyleSheet(panel_qss())
        self.story = story
        self._task: asyncio.Task[None] | None = None
        self._more_task: asyncio.Task[bool] | None = None
        self.entity_id = entity_id
        self.box = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.title = QLabel(f"{translate('drilldown', title)} · {entity_id}")
        self.title.setObjectName("DrilldownTitle")
        self.push_button = QPushButton(translate("drilldown", TEXT["push"]))
        self.push_button.setObjectName("PushToWall")
        self.push_button.clicked.connect(lambda: self.pushRequested.emit(self.KIND, self.entity_id))
        bar.addWidget(self.title, 1)
        bar.addWidget(self.push_button)
        #: The title bar: a panel adds its own buttons before the push button.
        self.bar = bar
        self.box.addLayout(bar)
        self.banner = QLabel()
        self.banner.setObjectName("CachedBanner")
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
        story.changed.connect(self._on_story)

    # ---- the story's state, read through (the desk, the wall and the tests use these) --

    @property
    def answer(self) -> dict[str, Any] | None:
        return self.story.answer

    @property
    def cached(self) -> bool:
        return self.story.cached

    @property
    def age_s(self) -> float | None:
        return self.story.age_s

    @property
    def page_size(self) -> int:
        return self.story.page_size

    def _request(self) -> tuple[str, dict[str, Any]]:
        return self.story.request()

    # ---- the reader's actions, forwarded to the story ---------------------------------

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

    async def load(self) -> None:
        await self.story.load()

    async def load_more(self) -> bool:
        return False  # the paged panels ask their story for the next page

    def _on_more(self) -> None:
        if self._more_task is None or self._more_task.done():
            self._more_task = asyncio.ensure_future(self.load_more())

    def show_answer(
        self, answer: dict[str, Any], *, cached: bool = False, age_s: float | None = None
    ) -> None:
        """Draw an answer handed in (recorded, or from elsewhere) as if it was loaded."""
        self.story.set_answer(answer, cached=cached, age_s=age_s)

    # ---- rendering ---------------------------------------------------------------------

    def _on_story(self, topic: str) -> None:
        if not shiboken6.isValid(self):
            return  # closed while a request was on its way
        if topic == ANSWER:
            self.status.hide()
            if self.story.cached:
                minutes = int((self.story.age_s or 0.0) // 60)
                self.banner.setText(translate("drilldown", TEXT["cached"]).format(m=minutes))
                self.banner.show()
            else:
                self.banner.hide()
            self._render()
            self.loaded.emit()
        elif topic in (FAILED, PAGE_FAILED):
            self.status.setText(
                translate("drilldown", TEXT["failed"]).format(message=self.story.error)
            )
            self.status.show()
            if topic == FAILED:
                self.failed.emit(self.story.error_code)
        elif topic == PAGING:
            self._render_paging()
        elif topic == PAGE:
            self._render_page()
        elif topic == RELATED:
            self._render_related()

    def _render(self) -> None:
        raise NotImplementedError

    def _render_paging(self) -> None:
        """A page is on its way (the paged panels disable their button)."""

    def _render_page(self) -> None:
        """A page was appended (the paged panels draw their list again)."""

    def _render_related(self) -> None:
        """The related cases arrived (the case panel draws them)."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        wide = event.size().width() >= self.STACK_BELOW_PX
        self.split.setOrientation(Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical)
        super().resizeEvent(event)

    def banner_text(self) -> str:
        return self.banner.text() if self.story.cached else ""

    def _open_row(self, view: QTableWidget, row: int, kind: str = "incident") -> None:
        entity_id = row_id(view, row)
        if entity_id:
            self.openRequested.emit(kind, entity_id)
