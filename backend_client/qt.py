"""QtCore adapter: runs a :class:`FeedClient` on Qt's event loop (qasync) and turns the
feed into coalesced Qt signals. QtCore only: no widgets here.

Positions are never one signal per officer: fixes accumulate and go out at most once per
frame as arrays (``positionsChanged``), whatever the feed rate. The first batch after a
quiet frame goes out on the next loop pass rather than at the next tick of a fixed timer:
the hub already batches every 20 ms, and a free-running 33 ms timer added 0-33 ms to
every fix on its way to the map.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import weakref
from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from backend_client.geo import gcj02_to_wgs84_array
from backend_client.link import Link, LinkStatus
from backend_client.protocol.messages import (
    AlertClear,
    AlertNew,
    FeedEvent,
    Fix,
    IncidentNew,
    IncidentUpdate,
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

#: At most one positions batch per this long: a 60 Hz display's frame. At 33 ms, with the
#: hub's events 20 ms apart, a batch waited here for up to a frame, and the wall's share
#: of "hub report -> map pixel" doubled (measured by bench/map_e2e.py).
FRAME_MS = 16


class PositionBatch:
    """Latest WGS-84 positions of the officers that moved since the last frame.

    ``heading`` (degrees clockwise from north) and ``speed`` (m/s) are NaN where the fix
    had none.
    """

    __slots__ = ("heading", "ids", "lat", "lon", "speed")

    def __init__(
        self,
        ids: list[str],
        lat: np.ndarray,
        lon: np.ndarray,
        heading: np.ndarray | None = None,
        speed: np.ndarray | None = None,
    ) -> None:
        self.ids = ids
        self.lat = lat
        self.lon = lon
        self.heading = np.full(len(ids), np.nan) if heading is None else heading
        self.speed = np.full(len(ids), np.nan) if speed is None else speed

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def of_fixes(cls, fixes: Sequence[Fix | Unit]) -> PositionBatch:
        """Columns of one fix per officer (or officers' last fixes, each with a position);
        GCJ-02 fixes are converted, the whole batch in one vectorised call."""
        n = len(fixes)
        nan = math.nan
        lat = np.fromiter((f.lat for f in fixes), dtype=np.float64, count=n)
        lon = np.fromiter((f.lon for f in fixes), dtype=np.float64, count=n)
        heading = np.fromiter(
            (nan if f.heading is None else f.heading for f in fixes), dtype=np.float64, count=n
        )
        speed = np.fromiter(
            (nan if f.speed is None else f.speed for f in fixes), dtype=np.float64, count=n
        )
        # The hub streams WGS-84 (docs/protocol.md), but the wire allows gcj02 per fix.
        gcj = [k for k, f in enumerate(fixes) if f.datum == "gcj02"]
        if gcj:
            lat[gcj], lon[gcj] = gcj02_to_wgs84_array(lat[gcj], lon[gcj])
        return cls([f.id for f in fixes], lat, lon, heading, speed)


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

    def on_event(self, event: FeedEvent) -> None:
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
    tickerArrived = Signal(object)  # Ticker: its code and args word it in a wall's language
    wallPushed = Signal(object)  # WallPush: the wall decides whether it is addressed
    linkChanged = Signal(str, object)  # Link value, last good time (float | None)

    def __init__(
        self,
        url: str,
        token: str,
        parent: QObject | None = None,
        *,
        tracks: TrackHistory | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        # Trails are opt-in: their table costs memory in proportion to officers x minutes.
        # clock is the local clock (tests give a skewed one); now() is the hub's.
        self.client = FeedClient(url, token, _WeakListener(self), tracks=tracks, clock=clock)
        # The latest fix per officer since the last frame (the decoded structs themselves:
        # no per-fix copy on the way in).
        self._moved: dict[str, Fix] = {}
        self._changed_units: dict[str, Unit] = {}
        self._task: asyncio.Task[None] | None = None
        self._frame = QTimer(self)
        self._frame.setSingleShot(True)
        self._frame.timeout.connect(self._flush)
        self._last_flush = -1e9

    @property
    def state(self) -> FeedState:
        return self.client.state

    @property
    def status(self) -> LinkStatus:
        return self.client.status

    def start(self) -> None:
        self._task = asyncio.ensure_future(self.client.run())
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

    def on_event(self, event: FeedEvent) -> None:
        match event:
            case UnitPositions(fixes=fixes):
                moved = self._moved
                for fix in fixes:
                    moved[fix.id] = fix
                self._schedule_frame()
            case UnitStatus(unit=unit):
                self._changed_units[unit.id] = self.state.units.get(unit.id, unit)
                self._schedule_frame()
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
                self.tickerArrived.emit(event)
            case WallPush():
                self.wallPushed.emit(event)

    def on_link(self, status: LinkStatus) -> None:
        self.linkChanged.emit(status.link.value, status.last_good)

    # ---- frame -------------------------------------------------------------------------

    def _schedule_frame(self) -> None:
        if self._frame.isActive():
            return
        since_ms = (time.monotonic() - self._last_flush) * 1000.0
        # A 0 ms timer still waits for the current loop pass: frames that arrived together
        # (one socket read) go out as one batch.
        self._frame.start(max(0, int(FRAME_MS - since_ms)))

    def _flush(self) -> None:
        self._last_flush = time.monotonic()
        if self._changed_units:
            units = list(self._changed_units.values())
            self._changed_units.clear()
            self.unitsChanged.emit(units)
        if self._moved:
            moved = self._moved
            self._moved = {}
            self.positionsChanged.emit(PositionBatch.of_fixes(list(moved.values())))

    def current_positions(self) -> PositionBatch:
        """Every officer with a known position (after a snapshot, for a full redraw)."""
        units = [u for u in self.state.units.values() if u.lat is not None and u.lon is not None]
        return PositionBatch.of_fixes(units)

    def now(self) -> float:
        """The hub's time: compare hub timestamps (deadlines, report times) with this."""
        return self.client.hub_now()

    def age_of_data(self) -> float | None:
        # Local receive time against the local clock: no skew to correct.
        last = self.client.last_good
        return None if last is None else self.client.clock() - last

    def is_live(self) -> bool:
        return self.client.status.link is Link.LIVE
