"""QtCore adapter: runs a :class:`FeedClient` on Qt's event loop (qasync) and turns the
feed into coalesced Qt signals. QtCore only: no widgets here.

Positions are never one signal per officer: fixes accumulate and go out at most once per
frame as arrays (``positionsChanged``), whatever the feed rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from backend_client.link import Link, LinkStatus
from backend_client.protocol.messages import (
    AlertClear,
    AlertNew,
    IncidentNew,
    IncidentUpdate,
    StoredEvent,
    Ticker,
    Unit,
    UnitPositions,
    UnitStatus,
    WallPush,
)
from backend_client.state import FeedState
from backend_client.tracks import TrackHistory
from backend_client.transport import FeedClient

log = logging.getLogger(__name__)

FRAME_MS = 33


class PositionBatch:
    """Latest WGS-84 positions of the officers that moved since the last frame."""

    __slots__ = ("ids", "lat", "lon")

    def __init__(self, ids: list[str], lat: np.ndarray, lon: np.ndarray) -> None:
        self.ids = ids
        self.lat = lat
        self.lon = lon

    def __len__(self) -> int:
        return len(self.ids)


class _WeakListener:
    """Forwards the client's callbacks to a QtFeed without keeping it alive.

    QtFeed owns its FeedClient; a strong reference back would make a cycle that only the
    garbage collector frees, and a collection that happens to run on another thread (the
    embedded hub's, say) would delete the QObject off its thread and crash the wall.
    """

    def __init__(self, feed: QtFeed) -> None:
        self._feed = weakref.ref(feed)

    def on_snapshot(self, state: FeedState) -> None:
        feed = self._feed()
        if feed is not None:
            feed.on_snapshot(state)

    def on_event(self, event: StoredEvent) -> None:
        feed = self._feed()
        if feed is not None:
            feed.on_event(event)

    def on_link(self, status: LinkStatus) -> None:
        feed = self._feed()
        if feed is not None:
            feed.on_link(status)


class QtFeed(QObject):
    """The live feed as Qt signals. Start with :meth:`start` on a running qasync loop."""

    snapshotLoaded = Signal()
    unitsChanged = Signal(list)  # list[Unit]: roster or status changes
    positionsChanged = Signal(object)  # PositionBatch
    incidentChanged = Signal(object, bool)  # Incident, is_new
    alertChanged = Signal(str, object)  # alert id, Alert or None when cleared
    tickerReceived = Signal(str, bool, float)  # text, urgent, ts
    wallPushed = Signal(object)  # WallPush: the wall decides whether it is addressed
    linkChanged = Signal(str, object)  # Link value, last good time (float | None)

    def __init__(
        self,
        url: str,
        token: str,
        parent: QObject | None = None,
        *,
        tracks: TrackHistory | None = None,
    ) -> None:
        super().__init__(parent)
        # Trails are opt-in: their table costs memory in proportion to officers x minutes.
        self.client = FeedClient(url, token, _WeakListener(self), tracks=tracks)
        self._moved: dict[str, tuple[float, float]] = {}
        self._changed_units: dict[str, Unit] = {}
        self._task: asyncio.Task[None] | None = None
        self._frame = QTimer(self)
        self._frame.setInterval(FRAME_MS)
        self._frame.timeout.connect(self._flush)

    @property
    def state(self) -> FeedState:
        return self.client.state

    @property
    def status(self) -> LinkStatus:
        return self.client.status

    def start(self) -> None:
        self._task = asyncio.ensure_future(self.client.run())
        self._frame.start()
        self.linkChanged.emit(self.client.status.link.value, None)

    async def stop(self) -> None:
        self._frame.stop()
        await self.client.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    # ---- FeedListener ------------------------------------------------------------------

    def on_snapshot(self, state: FeedState) -> None:
        self._moved.clear()
        self._changed_units.clear()
        self.snapshotLoaded.emit()

    def on_event(self, event: StoredEvent) -> None:
        match event:
            case UnitPositions(fixes=fixes):
                moved = self._moved
                for fix in fixes:
                    moved[fix.id] = (fix.lat, fix.lon)
            case UnitStatus(unit=unit):
                self._changed_units[unit.id] = self.state.units.get(unit.id, unit)
            case IncidentNew(incident=incident):
                self.incidentChanged.emit(incident, True)
            case IncidentUpdate(incident=incident):
                self.incidentChanged.emit(incident, False)
            case AlertNew(alert=alert):
                self.alertChanged.emit(alert.id, alert)
            case AlertClear(alert_id=alert_id):
                self.alertChanged.emit(alert_id, None)
            case Ticker(text=text, urgent=urgent, ts=ts):
                self.tickerReceived.emit(text, urgent, ts)
            case WallPush():
                self.wallPushed.emit(event)

    def on_link(self, status: LinkStatus) -> None:
        self.linkChanged.emit(status.link.value, status.last_good)

    # ---- frame -------------------------------------------------------------------------

    def _flush(self) -> None:
        if self._changed_units:
            units = list(self._changed_units.values())
            self._changed_units.clear()
            self.unitsChanged.emit(units)
        if self._moved:
            moved = self._moved
            self._moved = {}
            ids = list(moved)
            coords = np.fromiter(
                (c for pair in moved.values() for c in pair), dtype=np.float64, count=2 * len(ids)
            ).reshape(-1, 2)
            self.positionsChanged.emit(PositionBatch(ids, coords[:, 0].copy(), coords[:, 1].copy()))

    def current_positions(self) -> PositionBatch:
        """Every officer with a known position (after a snapshot, for a full redraw)."""
        units = [u for u in self.state.units.values() if u.lat is not None and u.lon is not None]
        return PositionBatch(
            [u.id for u in units],
            np.array([u.lat for u in units], dtype=np.float64),
            np.array([u.lon for u in units], dtype=np.float64),
        )

    def age_of_data(self) -> float | None:
        last = self.client.last_good
        return None if last is None else time.time() - last

    def is_live(self) -> bool:
        return self.client.status.link is Link.LIVE
