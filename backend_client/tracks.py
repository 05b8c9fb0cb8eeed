"""Recent positions of every officer, for trails on the map: a bounded ring per officer.

All officers share three 2-D NumPy arrays (one row per officer, one column per sample), so
a ``unit.positions`` batch is stored with a handful of vectorised operations instead of
one Python call per officer, and memory is fixed up front: ``rows x capacity x 16`` bytes
(20,000 officers, 5 minutes at one sample per 2 s: about 48 MB). Pure Python and NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from backend_client.protocol.messages import Fix

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Trail:
    """One officer's recent samples, oldest first (WGS-84, or the datum of the fixes)."""

    ts: FloatArray
    lat: FloatArray
    lon: FloatArray

    def __len__(self) -> int:
        return len(self.ts)


_EMPTY = Trail(np.empty(0), np.empty(0), np.empty(0))


class TrackHistory:
    """The last ``minutes`` of positions per officer, at most one sample per ``min_interval`` s.

    Fixes closer than ``min_interval`` to the officer's previous sample, and fixes older
    than it (a replayed or reordered batch), are not stored: a trail never doubles a
    point. The newest position is the unit's own; a trail is what led there.
    """

    def __init__(self, minutes: float = 5.0, min_interval: float = 2.0, rows: int = 256) -> None:
        if minutes <= 0 or min_interval <= 0:
            raise ValueError("minutes and min_interval must be positive")
        self.window = minutes * 60.0
        self.min_interval = min_interval
        # One more than the window holds, so that a full window is always available.
        self.capacity = math.ceil(self.window / min_interval) + 1
        self._rows: dict[str, int] = {}
        self._ts = np.full((rows, self.capacity), np.nan)
        self._lat = np.zeros((rows, self.capacity))
        self._lon = np.zeros((rows, self.capacity))
        self._head = np.zeros(rows, dtype=np.intp)  # next column to write
        self._count = np.zeros(rows, dtype=np.intp)
        self._last = np.full(rows, -np.inf)  # ts of the newest stored sample

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def nbytes(self) -> int:
        return int(self._ts.nbytes + self._lat.nbytes + self._lon.nbytes)

    def add(self, fixes: Sequence[Fix]) -> int:
        """Store a batch of fixes (at most one per officer, as the hub sends them).

        Returns how many samples were stored.
        """
        n = len(fixes)
        if n == 0:
            return 0
        # List comprehensions, then one array each: a few times faster than writing
        # NumPy scalars one by one.
        get = self._rows.get
        found = [get(fix.id, -1) for fix in fixes]
        if -1 in found:
            found = [
                self._new_row(fix.id) if row < 0 else row
                for fix, row in zip(fixes, found, strict=True)
            ]
        rows = np.array(found, dtype=np.intp)
        ts = np.array([fix.ts for fix in fixes])
        lat = np.array([fix.lat for fix in fixes])
        lon = np.array([fix.lon for fix in fixes])
        if len(np.unique(rows)) != n:
            # Two fixes of one officer in one batch: vectorised writes would lose one and
            # count it twice. Not what the hub sends; store them one by one, in time order.
            order = np.argsort(ts, kind="stable")
            return sum(self._store(rows[[i]], ts[[i]], lat[[i]], lon[[i]]) for i in order)
        return self._store(rows, ts, lat, lon)

    def _store(
        self, rows: npt.NDArray[np.intp], ts: FloatArray, lat: FloatArray, lon: FloatArray
    ) -> int:
        keep = ts >= self._last[rows] + self.min_interval
        if not keep.all():
            rows, ts, lat, lon = rows[keep], ts[keep], lat[keep], lon[keep]
        head = self._head[rows]
        self._ts[rows, head] = ts
        self._lat[rows, head] = lat
        self._lon[rows, head] = lon
        self._head[rows] = (head + 1) % self.capacity
        self._count[rows] = np.minimum(self._count[rows] + 1, self.capacity)
        self._last[rows] = ts
        return len(rows)

    def trail(self, unit_id: str, now: float | None = None) -> Trail:
        """The officer's samples within the window (ending at ``now``, or at the newest)."""
        row = self._rows.get(unit_id)
        if row is None or self._count[row] == 0:
            return _EMPTY
        count, head = int(self._count[row]), int(self._head[row])
        if count < self.capacity:
            order = np.arange(count)
        else:
            order = (np.arange(count) + head) % self.capacity
        ts = self._ts[row, order]
        end = self._last[row] if now is None else now
        inside = ts >= end - self.window
        return Trail(ts[inside], self._lat[row, order][inside], self._lon[row, order][inside])

    def trails(self, unit_ids: Iterable[str], now: float | None = None) -> dict[str, Trail]:
        return {unit_id: self.trail(unit_id, now) for unit_id in unit_ids}

    def reserve(self, officers: int) -> None:
        """Make room for this many officers now (after a snapshot), not while streaming:
        growing copies the whole table, a stall the UI loop should not take mid-feed."""
        while len(self._head) < officers:
            self._grow()

    def _new_row(self, unit_id: str) -> int:
        row = self._rows.get(unit_id)
        if row is not None:  # twice in one batch
            return row
        row = len(self._rows)
        if row == len(self._head):
            self._grow()
        self._rows[unit_id] = row
        return row

    def _grow(self) -> None:
        # Doubling keeps the amortised cost of new officers constant.
        extra = len(self._head)
        self._ts = np.vstack([self._ts, np.full((extra, self.capacity), np.nan)])
        self._lat = np.vstack([self._lat, np.zeros((extra, self.capacity))])
        self._lon = np.vstack([self._lon, np.zeros((extra, self.capacity))])
        self._head = np.concatenate([self._head, np.zeros(extra, dtype=np.intp)])
        self._count = np.concatenate([self._count, np.zeros(extra, dtype=np.intp)])
        self._last = np.concatenate([self._last, np.full(extra, -np.inf)])
