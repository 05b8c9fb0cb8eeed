"""The desk's duplicate check on the selected case: asks ``case.duplicates`` when a case
is chosen, shows the candidates in the case panel (widgets/duplicates.py), and sends
``case.merge`` when the operator clicks 合并, confirming it on the panel's status line.

Never automatic: the hub only suggests, and only the operator's click merges.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from PySide6.QtWidgets import QBoxLayout

from backend_client.api import HubApi
from backend_client.protocol.ops import CaseDuplicatesAnswer
from backend_client.qt import QtFeed
from backend_client.transport import RequestFailed
from desktop.desk_case import DetailPanel
from widgets.duplicates import DuplicatesBox
from widgets.text import translate

log = logging.getLogger("desktop.desk")


class DeskDuplicates:
    """Owns the case panel's 疑似重复 box and its requests."""

    def __init__(self, feed: QtFeed, panel: DetailPanel) -> None:
        self.feed = feed
        self.panel = panel
        self.box = DuplicatesBox()
        layout = panel.layout()
        if isinstance(layout, QBoxLayout):
            # Under the recommendations and the buttons, above the status line.
            layout.insertWidget(layout.count() - 1, self.box)
        self.box.mergeRequested.connect(self.merge)
        self.case_id: str | None = None
        self.fetching: asyncio.Future[None] | None = None
        self.merging: asyncio.Future[None] | None = None

    def show_case(self, case_id: str | None) -> None:
        """The operator chose ``case_id`` (None: no case): its candidates, fetched anew."""
        self.case_id = case_id
        if self.fetching is not None and not self.fetching.done():
            self.fetching.cancel()
        self.box.show_answer(None)
        if case_id is not None:
            self.fetching = asyncio.ensure_future(self._fetch(case_id))

    async def _fetch(self, case_id: str) -> None:
        try:
            reply = await HubApi.over(self.feed.client.request).case_duplicates(case_id)
        except RequestFailed as exc:
            # The panel goes on without them: dispatching must not wait on this.
            log.warning("duplicates of %s not available: %s", case_id, exc)
            return
        if case_id == self.case_id:
            self.show(reply.answer)

    def show(self, answer: CaseDuplicatesAnswer) -> None:
        self.box.show_answer(answer)

    def merge(self, case_id: str, into: str) -> bool:
        """Merge ``case_id`` into ``into`` (the operator's click); False when one is in
        flight already."""
        if self.merging is not None and not self.merging.done():
            return False
        self.panel.status.setText(translate("desk", "正在合并…"))
        self.merging = asyncio.ensure_future(self._merge(case_id, into))
        return True

    async def _merge(self, case_id: str, into: str) -> None:
        try:
            answer = await HubApi.over(self.feed.client.request).case_merge(case_id, into)
        except RequestFailed as exc:
            log.warning("merge of %s into %s failed: %s", case_id, into, exc)
            self.panel.status.setText(translate("desk", "合并失败：{e}").format(e=exc.message))
            return
        self.panel.status.setText(
            translate("desk", "已将案件 {id} 并入案件 {into}（×{n}）").format(
                id=answer.case_id, into=answer.into, n=answer.count
            )
        )
        with contextlib.suppress(RequestFailed):
            if self.case_id is not None:
                reply = await HubApi.over(self.feed.client.request).case_duplicates(self.case_id)
                self.show(reply.answer)
