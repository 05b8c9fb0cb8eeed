"""The officers' table as the map page mirrors it: slots, latest positions, dirty marks.

Pure Python + NumPy (no Qt), so coalescing and the wire encoding are tested headless.
Each officer owns a *slot* (a stable index into the page's typed arrays). Positions are
written into float64 arrays at any rate; :meth:`UnitTable.take_frame` turns whatever
changed since the previous frame into one compact message:

- ``idx``: base64 ``Uint32Array`` of the changed slots;
- ``pos``: base64 ``Float32Array`` of ``lat, lon`` interleaved, as offsets from ``o``
  (a float64 origin sent as plain JSON). Offsets keep float32 within ~2 mm anywhere in
  the district, where absolute degrees in float32 would quantise to ~0.7 m;
- ``st``: base64 ``Uint8Array`` of status codes (indices into ``statuses``).

Typed arrays travel in the machine's byte order; the page runs on the same machine.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

DEFAULT_COLOUR: Final = "#9aa7b4"
UNKNOWN_STATUS: Final = "unknown"


@dataclass(frozen=True, slots=True)
class UnitInfo:
    """Per-officer metadata that changes rarely (not the position)."""

    id: str
    name: str
    team: str
    colour: str
    status: str


def _b64(arr: npt.NDArray[Any]) -> str:
    return base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode("ascii")


class UnitTable:
    """Latest state of every officer and what the page has not seen yet."""

    def __init__(self, origin: tuple[float, float]) -> None:
        self._origin = origin
        self._units: list[UnitInfo] = []
        self._slot_of: dict[str, int] = {}
        self._lat = np.full(0, np.nan)
        self._lon = np.full(0, np.nan)
        self._status = np.zeros(0, dtype=np.uint8)
        self._dirty = np.zeros(0, dtype=bool)
        self._statuses: list[str] = [UNKNOWN_STATUS]
        self._status_code: dict[str, int] = {UNKNOWN_STATUS: 0}
        self._statuses_dirty = True
        # Slots from here on are new to the page; None means the page needs a full reset.
        self._meta_from: int | None = None
        self._seq = 0

    def __len__(self) -> int:
        return len(self._units)

    @property
    def units(self) -> Sequence[UnitInfo]:
        return tuple(self._units)

    def slot(self, unit_id: str) -> int | None:
        return self._slot_of.get(unit_id)

    def position(self, unit_id: str) -> tuple[float, float] | None:
        """Latest position in the map datum, or ``None`` if unknown."""
        slot = self._slot_of.get(unit_id)
        if slot is None or np.isnan(self._lat[slot]):
            return None
        return float(self._lat[slot]), float(self._lon[slot])

    def _code(self, status: str) -> int:
        code = self._status_code.get(status)
        if code is None:
            if len(self._statuses) >= 255:
                raise ValueError("more than 255 distinct officer statuses")
            code = len(self._statuses)
            self._statuses.append(status)
            self._status_code[status] = code
            self._statuses_dirty = True
        return code

    def set_units(self, units: Iterable[UnitInfo]) -> None:
        """Replace the roster; positions of officers that stay are kept."""
        new_units = list(units)
        ids = [u.id for u in new_units]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate officer id in set_units()")
        lat = np.full(len(new_units), np.nan)
        lon = np.full(len(new_units), np.nan)
        for slot, uid in enumerate(ids):
            old = self._slot_of.get(uid)
            if old is not None:
                lat[slot] = self._lat[old]
                lon[slot] = self._lon[old]
        self._units = new_units
        self._slot_of = {uid: slot for slot, uid in enumerate(ids)}
        self._lat, self._lon = lat, lon
        self._status = np.array([self._code(u.status) for u in new_units], dtype=np.uint8)
        self._dirty = np.ones(len(new_units), dtype=bool)
        self._meta_from = None

    def _append(self, new_ids: Sequence[str]) -> None:
        """Give officers seen in a position batch before their metadata a slot."""
        # A pending full reset (None) already covers the new slots.
        if self._meta_from is not None:
            self._meta_from = min(self._meta_from, len(self._units))
        for uid in new_ids:
            self._slot_of[uid] = len(self._units)
            self._units.append(UnitInfo(uid, uid, "", DEFAULT_COLOUR, UNKNOWN_STATUS))
        grow = len(new_ids)
        self._lat = np.concatenate([self._lat, np.full(grow, np.nan)])
        self._lon = np.concatenate([self._lon, np.full(grow, np.nan)])
        self._status = np.concatenate([self._status, np.zeros(grow, dtype=np.uint8)])
        self._dirty = np.concatenate([self._dirty, np.ones(grow, dtype=bool)])

    def update(
        self, ids: Sequence[str], lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
    ) -> None:
        """Record the latest positions (already in the map datum)."""
        if not (len(ids) == len(lat) == len(lon)):
            raise ValueError(
                f"ids, lat and lon differ in length ({len(ids)}, {len(lat)}, {len(lon)})"
            )
        slot_of = self._slot_of
        unknown = [uid for uid in ids if uid not in slot_of]
        if unknown:
            # dict.fromkeys keeps order and drops repeats within one batch.
            self._append(list(dict.fromkeys(unknown)))
        slots = np.fromiter((slot_of[uid] for uid in ids), dtype=np.intp, count=len(ids))
        # With repeated ids NumPy keeps the last assignment: the latest fix wins.
        self._lat[slots] = lat
        self._lon[slots] = lon
        self._dirty[slots] = True

    def set_status(self, unit_id: str, status: str) -> None:
        slot = self._slot_of.get(unit_id)
        if slot is None:
            raise KeyError(f"unknown officer {unit_id!r}")
        old = self._units[slot]
        self._units[slot] = UnitInfo(old.id, old.name, old.team, old.colour, status)
        self._status[slot] = self._code(status)
        self._dirty[slot] = True

    def mark_all_for_resend(self) -> None:
        """The page was (re)loaded: everything must be sent again."""
        self._meta_from = None
        self._statuses_dirty = True
        self._dirty[:] = True

    def take_meta(self) -> dict[str, Any] | None:
        """Metadata the page lacks (all after a reset, else only appended slots)."""
        start = self._meta_from
        if start is not None and start >= len(self._units):
            return None
        reset = start is None
        first = 0 if start is None else start
        chunk = self._units[first:]
        self._meta_from = len(self._units)
        return {
            "reset": reset,
            "start": first,
            "count": len(self._units),
            "ids": [u.id for u in chunk],
            "names": [u.name for u in chunk],
            "teams": [u.team for u in chunk],
            "colours": [u.colour for u in chunk],
        }

    def take_frame(self) -> dict[str, Any] | None:
        """Everything that changed since the last frame, or ``None`` if nothing did."""
        slots = np.flatnonzero(self._dirty).astype(np.uint32)
        if len(slots) == 0 and not self._statuses_dirty:
            return None
        self._dirty[:] = False
        self._seq += 1
        pos = np.empty(2 * len(slots), dtype=np.float32)
        pos[0::2] = self._lat[slots] - self._origin[0]
        pos[1::2] = self._lon[slots] - self._origin[1]
        frame: dict[str, Any] = {
            "seq": self._seq,
            "o": list(self._origin),
            "n": len(slots),
            "idx": _b64(slots),
            "pos": _b64(pos),
            "st": _b64(self._status[slots]),
        }
        if self._statuses_dirty:
            frame["statuses"] = list(self._statuses)
            self._statuses_dirty = False
        return frame
