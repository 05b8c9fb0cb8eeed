"""Push to a wall: the desk sends what it is reading (a case, merchant or officer
drill-down, or the case's place on the map) to a wall's situation slot, by name or to all.

The menus list the walls the hub last reported connected (``wall.list``), refreshed on each
opening; how a push went is said on the case panel's status line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QMenu, QWidget

from backend_client.qt import QtFeed
from backend_client.stories.desk import DeskTriage, WallPushOrder
from backend_client.transport import RequestFailed
from desktop.desk_case import DetailPanel, send
from widgets.text import translate

# The desk's log lines keep the one name they had when the desk was one module.
log = logging.getLogger("desktop.desk")


class WallPush(QObject):
    """The desk's pushes to walls. ``subject`` says what a push sends (``None``: nothing
    chosen); the drill-down's own wall menu opens over ``desk``, which owns this object."""

    def __init__(
        self,
        feed: QtFeed,
        triage: DeskTriage,
        panel: DetailPanel,
        desk: QWidget,
        subject: Callable[[], tuple[str, str] | None],
    ) -> None:
        super().__init__(desk)
        self.feed = feed
        self.triage = triage
        self.details = panel
        self.desk = desk
        self.subject = subject
        #: Wall names the hub last reported connected (``wall.list``), for the push menu.
        self.walls: list[str] = []
        self.push_task: asyncio.Future[None] | None = None
        self._walls_task: asyncio.Future[list[str]] | None = None
        panel.push_menu.aboutToShow.connect(self.fill_menu)
        feed.snapshotLoaded.connect(self.schedule_refresh)

    def offer(self, kind: str, entity_id: str) -> None:
        """A drill-down's own push button: choose the wall from a menu at the pointer."""
        menu = QMenu(self.desk)
        for wall in ["", *self.walls]:
            action = menu.addAction(wall or translate("desk", "所有大屏"))
            action.triggered.connect(lambda _=False, w=wall: self.push_entity(kind, entity_id, w))
        menu.popup(QCursor.pos())
        self.schedule_refresh()

    def push_entity(self, kind: str, entity_id: str, wall: str = "") -> asyncio.Future[None]:
        """Push one drill-down (``incident``, ``merchant`` or ``officer``) to ``wall``."""
        self.push_task = asyncio.ensure_future(self._push(WallPushOrder(wall, kind, entity_id)))
        return self.push_task

    def push_to_wall(self, wall: str, kind: str = "") -> asyncio.Future[None] | None:
        """Push to ``wall`` ("" = every wall): the drill-down being read, or with ``kind``
        "view" the selected case's place, or "clear" to give the slot back to the wall."""
        order: WallPushOrder | None
        if kind == "clear":
            order = WallPushOrder(wall, "clear")
        elif kind == "view":
            order = self.triage.view_order(wall)
        else:
            subject = self.subject()
            order = None if subject is None else WallPushOrder(wall, *subject)
        if order is None:
            self.details.status.setText(translate("desk", "请先选择案件"))
            return None
        self.push_task = asyncio.ensure_future(self._push(order))
        return self.push_task

    async def _push(self, order: WallPushOrder) -> None:
        target = order.wall or translate("desk", "所有大屏")
        try:
            await send(self.feed.client.request, order)
        except RequestFailed as exc:
            log.warning("push to wall %r failed: %s", target, exc)
            self.details.status.setText(translate("desk", "推送失败：{e}").format(e=str(exc)))
        else:
            self.details.status.setText(translate("desk", "已推送到 {wall}").format(wall=target))

    async def refresh_walls(self) -> list[str]:
        try:
            answer = await self.feed.client.request("wall.list", {})
        except RequestFailed as exc:
            log.info("wall list unavailable: %s", exc)
        else:
            self.walls = [str(w) for w in answer.get("walls", [])]
        return self.walls

    def fill_menu(self) -> None:
        menu = self.details.push_menu
        menu.clear()
        subject = self.subject()
        for wall in ["", *self.walls]:
            name = wall or translate("desk", "所有大屏")
            action = menu.addAction(translate("desk", "详情 → {wall}").format(wall=name))
            action.setEnabled(subject is not None)
            action.triggered.connect(lambda _=False, w=wall: self.push_to_wall(w))
        menu.addSeparator()
        view = menu.addAction(translate("desk", "大屏地图定位到本案"))
        view.setEnabled(self.triage.selected is not None)
        view.triggered.connect(lambda _=False: self.push_to_wall("", "view"))
        clear = menu.addAction(translate("desk", "恢复大屏自动显示"))
        clear.triggered.connect(lambda _=False: self.push_to_wall("", "clear"))
        # The next opening shows walls that connected since.
        self.schedule_refresh()

    def schedule_refresh(self) -> None:
        if self._walls_task is None or self._walls_task.done():
            self._walls_task = asyncio.ensure_future(self.refresh_walls())
