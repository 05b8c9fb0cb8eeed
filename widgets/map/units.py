"""The officers' (and vehicles') table as the map page mirrors it: slots, latest
positions, dirty marks. A vehicle is a unit like any other; only its ``kind`` (sent with
the metadata) changes its symbol and its label (the plate).

Pure Python + NumPy (no Qt), so coalescing and the wire encoding are tested headless.
Each officer owns a *slot* (a stable index into the page's typed arrays). Positions are
written into float64 arrays at any rate; :meth:`UnitTable.take_frame` turns whatever
changed since the previous frame into one compact message:

- ``idx``: base64 ``Uint32Array`` of the changed slots;
- ``pos``: base64 ``Float32Array`` of ``lat, lon`` interleaved, as offsets from ``o``
  (a float64 origin sent as plain JSON). Offsets keep float32 within ~2 mm anywhere in
  the district, where absolute degrees in float32 would quantise to ~0.7 m;
- ``st``: base64 ``Uint8Array`` of status codes (indices into ``statuses``);
- ``hd`` (only when some officer in the frame shows one): base64 ``Int16Array`` of the
  direction to draw, whole degrees clockwise from north, ``-1`` for none. An officer
  gets a direction when moving: speed over :data:`MOVING_SPEED`, or heading known with
  no speed and a travelling status. Standing officers' GPS headings are noise.

Typed arrays travel in the machine's byte order; the page runs on the same machine.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from widgets.palette import colour

DEFAULT_COLOUR: Final = colour("map.unit_default")
UNKNOWN_STATUS: Final = "unknown"
#: m/s; below this a fix's heading says nothing (walking pace is ~1.3 m/s).
MOVING_SPEED: Final = 0.5
#: Statuses that mean "on the way" when a device reports a heading but no speed.
TRAVELLING_STATUSES: Final = frozenset({"en_route", "enroute", "moving", "dispatched"})


#: Unit kinds as the page codes them (``kinds`` in the metadata): index = code. Anything
#: else (a kind a newer hub invents) is drawn as an officer.
KINDS: Final = ("officer", "vehicle")
_KIND_CODE: Final = {k: i for i, k in enumerate(KINDS)}


@dataclass(frozen=True, slots=True)
class UnitInfo:
    """Per-unit metadata that changes rarely (not the position).

    ``kind`` "vehicle" is drawn with the vehicle symbol and labelled with its ``plate``.
    """

    id: str
    name: str
    team: str
    colour: str
    status: str
    kind: str = "officer"
    plate: str = ""

    @property
    def kind_code(self) -> int:
        return _KIND_CODE.get(self.kind, 0)


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
        # NaN: unknown. Kept raw; the drawn direction is decided per frame, so a status
        # change alone can turn an officer's arrow on or off.
        self._heading = np.full(0, np.nan)
        self._speed = np.full(0, np.nan)
        self._dirty = np.zeros(0, dtype=bool)
        self._statuses: list[str] = [UNKNOWN_STATUS]
        self._status_code: dict[str, int] = {UNKNOWN_STATUS: 0}
        self._travelling = np.zeros(256, dtype=bool)
        # Until a caller passes a heading, positions-only batches skip the motion arrays
        # entirely: the hot path costs what it did before headings existed.
        self._motion = False
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
            self._travelling[code] = status in TRAVELLING_STATUSES
            self._statuses_dirty = True
        return code

    def set_units(self, units: Iterable[UnitInfo]) -> None:
        """Replace the roster; positions of officers that stay are kept."""
        new_units = list(units)
        ids = [u.id for u in new_units]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate officer id in set_units()")
        # Carried over as arrays: an element-wise loop took ~37 ms for 20,000 officers,
        # a stall of the wall's UI thread on every roster refresh.
        get = self._slot_of.get
        old = np.fromiter((get(uid, -1) for uid in ids), dtype=np.intp, count=len(ids))
        kept = old >= 0
        was = old[kept]

        def carried(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
            out = np.full(len(ids), np.nan)
            out[kept] = values[was]
            return out

        lat, lon = carried(self._lat), carried(self._lon)
        heading, speed = carried(self._heading), carried(self._speed)
        self._units = new_units
        self._slot_of = {uid: slot for slot, uid in enumerate(ids)}
        self._lat, self._lon = lat, lon
        self._heading, self._speed = heading, speed
        self._status = np.array([self._code(u.status) for u in new_units], dtype=np.uint8)
        self._dirty = np.ones(len(new_units), dtype=bool)
        self._meta_from = None

    def upsert(self, units: Iterable[UnitInfo]) -> None:
        """Change some officers' metadata or status, or add officers; the rest stay as is.

        What a roster change costs is in proportion to the officers changed, not to the
        roster: a status rides the next frame, a new name/team/colour resends metadata
        from that slot on (rare), and newcomers get slots at the end.
        """
        newcomers: dict[str, UnitInfo] = {}
        for info in units:
            slot = self._slot_of.get(info.id)
            if slot is None:
                newcomers[info.id] = info
                continue
            old = self._units[slot]
            if self._meta_from is not None and (
                old.name,
                old.team,
                old.colour,
                old.kind,
                old.plate,
            ) != (info.name, info.team, info.colour, info.kind, info.plate):
                self._meta_from = min(self._meta_from, slot)
            self._units[slot] = info
            self._status[slot] = self._code(info.status)
            self._dirty[slot] = True
        if newcomers:
            self._append(list(newcomers))
            for info in newcomers.values():
                slot = self._slot_of[info.id]
                self._units[slot] = info
                self._status[slot] = self._code(info.status)

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
        self._heading = np.concatenate([self._heading, np.full(grow, np.nan)])
        self._speed = np.concatenate([self._speed, np.full(grow, np.nan)])
        self._status = np.concatenate([self._status, np.zeros(grow, dtype=np.uint8)])
        self._dirty = np.concatenate([self._dirty, np.ones(grow, dtype=bool)])

    def update(
        self,
        ids: Sequence[str],
        lat: npt.NDArray[np.float64],
        lon: npt.NDArray[np.float64],
        heading: npt.NDArray[np.float64] | None = None,
        speed: npt.NDArray[np.float64] | None = None,
    ) -> None:
        """Record the latest positions (already in the map datum).

        ``heading`` (degrees clockwise from north) and ``speed`` (m/s) are NaN where
        unknown; left out, the officers' heading and speed become unknown (a fix without
        them says nothing about the old ones).
        """
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
        if heading is not None or speed is not None:
            self._motion = True
        if self._motion:
            self._heading[slots] = np.nan if heading is None else heading
            self._speed[slots] = np.nan if speed is None else speed
        self._dirty[slots] = True

    def set_status(self, unit_id: str, status: str) -> None:
        slot = self._slot_of.get(unit_id)
        if slot is None:
            raise KeyError(f"unknown officer {unit_id!r}")
        old = self._units[slot]
        self._units[slot] = UnitInfo(
            old.id, old.name, old.team, old.colour, status, old.kind, old.plate
        )
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
            # Per slot: 0 officer, 1 vehicle (the page keeps them in a Uint8Array), and
            # the plate a vehicle is labelled with ("" for an officer).
            "kinds": [u.kind_code for u in chunk],
            "plates": [u.plate for u in chunk],
        }

    def _directions(self, slots: npt.NDArray[np.uint32]) -> npt.NDArray[np.int16] | None:
        """Arrow directions of these slots (-1: none), or ``None`` if none is moving."""
        heading = self._heading[slots]
        # NaN compares false: unknown headings never count as moving.
        known = heading == heading
        if not known.any():
            return None
        speed = self._speed[slots]
        moving = known & (
            (speed > MOVING_SPEED) | ((speed != speed) & self._travelling[self._status[slots]])
        )
        if not moving.any():
            return None
        hd = np.full(len(slots), -1, dtype=np.int16)
        hd[moving] = np.rint(heading[moving] % 360.0).astype(np.int16) % 360
        return hd

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
        if self._motion:
            hd = self._directions(slots)
            if hd is not None:
                frame["hd"] = _b64(hd)
        if self._statuses_dirty:
            frame["statuses"] = list(self._statuses)
            self._statuses_dirty = False
        return frame
