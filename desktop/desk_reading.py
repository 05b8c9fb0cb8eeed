"""What the desk is reading, in its history dock: the selected case's drill-down (its
timeline, 1-3-15 marks, related cases), or an officer's or merchant's opened from the map
or a link. One at a time; each replaced one's load is stopped, never left running.

Stories are read through the local cache (:class:`~backend_client.cache.CachedRequests`),
so what was read stays readable while the hub is away.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtWidgets import QVBoxLayout, QWidget

from backend_client.cache import CachedRequests
from backend_client.privacy import SEES_REPORTER
from backend_client.qt import QtFeed
from backend_client.stories import CaseStory
from backend_client.stories.opening import open_story
from widgets.drilldown import CaseDrilldown, MerchantDrilldown, OfficerDrilldown
from widgets.drillopen import make_drilldown

Drilldown = CaseDrilldown | MerchantDrilldown | OfficerDrilldown


class DeskReading:
    """The drill-down in the desk's history dock (:attr:`holder` is the dock's widget).

    ``wire`` connects each new drill-down's requests (open a link, push to a wall) to the
    desk, which decides what they do; ``reveal`` shows the dock (an officer opened from
    the map must be seen even if the operator had closed the dock).
    """

    def __init__(
        self,
        feed: QtFeed,
        requests: CachedRequests | None,
        wire: Callable[[Drilldown], None],
        reveal: Callable[[], None],
    ) -> None:
        self.feed = feed
        self.requests = requests
        self._wire = wire
        self._reveal = reveal
        self.holder = QWidget()
        self._layout = QVBoxLayout(self.holder)
        #: The case drill-down shown, if a case is.
        self.history: CaseDrilldown | None = None
        #: The merchant or officer drill-down shown instead of a case.
        self.entity: MerchantDrilldown | OfficerDrilldown | None = None
        self._stopping: set[asyncio.Future[None]] = set()

    def show_case(self, case_id: str) -> None:
        """The case's story, opened here and handed to its drill-down."""
        if self.requests is None:
            return
        story = open_story("incident", case_id, self.requests, self.feed.state, self.feed.now())
        assert isinstance(story, CaseStory)
        self.clear()
        role = self.feed.client.role or ""
        self.history = CaseDrilldown(case_id, story, show_reporter=role in SEES_REPORTER)
        self._wire(self.history)
        self._layout.addWidget(self.history)
        self.history.start()

    def show_entity(self, kind: str, entity_id: str, at: float | None = None) -> bool:
        """An officer's (``"unit"``) or a merchant's drill-down; False for anything else.
        ``at``: the officer's replay around that moment, opened there."""
        if self.requests is None or kind not in ("unit", "merchant"):
            return False
        panel = make_drilldown(kind, entity_id, self.feed, self.requests, at)
        if not isinstance(panel, MerchantDrilldown | OfficerDrilldown):
            return False
        self.clear()
        self.entity = panel
        self._wire(panel)
        self._layout.addWidget(panel)
        self._reveal()
        panel.start()
        return True

    def clear(self) -> None:
        for panel in (self.history, self.entity):
            if panel is not None:
                self._layout.removeWidget(panel)
                # Its load must not outlive it: the desk moves from case to case quickly,
                # and a load left running on a deleted panel is a leaked task.
                stopping = asyncio.ensure_future(panel.stop())
                self._stopping.add(stopping)
                stopping.add_done_callback(self._stopping.discard)
                panel.deleteLater()
        self.history = None
        self.entity = None

    async def stop(self, timeout: float = 2.0) -> None:
        """End the drill-downs' loads (the one shown and any being replaced), waiting at
        most ``timeout`` seconds: closing the desk must not hang on a request."""
        stops = [
            asyncio.ensure_future(panel.stop())
            for panel in (self.history, self.entity)
            if panel is not None
        ]
        pending = [*stops, *self._stopping]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
