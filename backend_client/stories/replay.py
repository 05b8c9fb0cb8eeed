"""Officer track replay: the pure model behind the officer drill-down's slider.

A :class:`TrackReplay` holds one ``unit.track`` answer (``[[ts, lat, lon, speed, heading],
...]``) for a time window and answers "where was the officer at ``ts``" by linear
interpolation between the two surrounding fixes. Playing moves a cursor through the window
at x1..x60 real time, measured on an injectable clock so tests (and a paused desk) decide
how time passes. No Qt here: :class:`~backend_client.stories.officer.OfficerStory` holds
one, the officer panel in :mod:`widgets.drilldown` draws it.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from backend_client.protocol.messages import Incident

Clock = Callable[[], float]
#: A case of the window: the feed's incident, or one as on the wire (a dict).
WindowCase: TypeAlias = "Incident | Mapping[str, Any]"

#: The speeds offered by the panel's selector (the model accepts anything in 1..60).
SPEEDS: tuple[int, ...] = (1, 2, 5, 10, 30, 60)
MIN_SPEED, MAX_SPEED = 1.0, 60.0


@dataclass(frozen=True, slots=True)
class TrackPoint:
    ts: float
    lat: float
    lon: float
    speed: float | None = None
    heading: float | None = None


@dataclass(frozen=True, slots=True)
class CaseMark:
    """A case of the window, placed on the track where the officer was when it came in."""

    case_id: str
    ts: float
    category: str
    #: The officer's interpolated position at ``ts`` (``None`` without any fix).
    lat: float | None
    lon: float | None


def parse_points(raw: Iterable[Sequence[Any]]) -> list[TrackPoint]:
    """``unit.track`` points, sorted by time; malformed rows are skipped."""
    points: list[TrackPoint] = []
    for row in raw:
        if len(row) < 3 or any(row[i] is None for i in range(3)):
            continue
        speed = float(row[3]) if len(row) > 3 and row[3] is not None else None
        heading = float(row[4]) if len(row) > 4 and row[4] is not None else None
        points.append(TrackPoint(float(row[0]), float(row[1]), float(row[2]), speed, heading))
    points.sort(key=lambda p: p.ts)
    return points


class TrackReplay:
    """One officer's track over ``[start, end]``, with a play/pause cursor."""

    def __init__(
        self,
        points: Iterable[Sequence[Any]],
        start: float,
        end: float,
        *,
        unit_id: str = "",
        cases: Iterable[WindowCase] = (),
        clock: Clock = time.monotonic,
    ) -> None:
        if end < start:
            raise ValueError("end is before start")
        self.points = parse_points(points)
        self._times = [p.ts for p in self.points]
        self.start, self.end = float(start), float(end)
        self.unit_id = unit_id
        self._clock = clock
        self._speed = 1.0
        self._cursor = self.start
        #: While playing: (clock reading, cursor) when play or a speed change began.
        self._anchor: tuple[float, float] | None = None
        self.cases = self._marks(cases)

    # ---- position ---------------------------------------------------------------------

    def position_at(self, ts: float) -> tuple[float, float] | None:
        """``(lat, lon)`` at ``ts``: linear between fixes, held at the ends; ``None`` if
        there is no fix at all."""
        if not self.points:
            return None
        times = self._times
        if ts <= times[0]:
            return self.points[0].lat, self.points[0].lon
        if ts >= times[-1]:
            return self.points[-1].lat, self.points[-1].lon
        i = bisect.bisect_right(times, ts)
        a, b = self.points[i - 1], self.points[i]
        span = b.ts - a.ts
        f = 0.0 if span <= 0 else (ts - a.ts) / span
        return a.lat + (b.lat - a.lat) * f, a.lon + (b.lon - a.lon) * f

    def travelled(self, ts: float) -> int:
        """How many fixes lie at or before ``ts``: the track behind the officer."""
        return bisect.bisect_right(self._times, ts)

    # ---- the cursor -------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        return self._anchor is not None

    @property
    def speed(self) -> float:
        return self._speed

    def cursor(self) -> float:
        """The replayed instant now; reaching the end pauses there."""
        if self._anchor is not None:
            began, at = self._anchor
            self._cursor = min(self.end, at + (self._clock() - began) * self._speed)
            if self._cursor >= self.end:
                self._anchor = None
        return self._cursor

    def position(self) -> tuple[float, float] | None:
        return self.position_at(self.cursor())

    def seek(self, ts: float) -> float:
        """Move the cursor (clamped to the window); playing goes on from there."""
        self._cursor = min(self.end, max(self.start, float(ts)))
        if self._anchor is not None:
            self._anchor = (self._clock(), self._cursor)
        return self._cursor

    def play(self) -> None:
        if self._anchor is not None:
            return
        if self._cursor >= self.end:
            self._cursor = self.start  # play after the end starts over
        self._anchor = (self._clock(), self._cursor)

    def pause(self) -> None:
        if self._anchor is not None:
            self.cursor()
            self._anchor = None

    def toggle(self) -> bool:
        """Play if paused, pause if playing; returns whether it plays now."""
        if self.playing:
            self.pause()
        else:
            self.play()
        return self.playing

    def set_speed(self, speed: float) -> None:
        """x1..x60 real time; the replayed instant does not jump."""
        if not MIN_SPEED <= speed <= MAX_SPEED:
            raise ValueError(f"speed {speed} outside x1..x60")
        if self._anchor is not None:
            self.cursor()
            self._anchor = (self._clock(), self._cursor)
        self._speed = float(speed)

    # ---- cases of the window ----------------------------------------------------------

    def _marks(self, cases: Iterable[WindowCase]) -> list[CaseMark]:
        marks: list[CaseMark] = []
        for case in cases:
            case_id, category, reported, units = _window_fields(case)
            if self.unit_id not in units or reported is None:
                continue
            ts = float(reported)
            if not self.start <= ts <= self.end:
                continue
            where = self.position_at(ts)
            marks.append(
                CaseMark(
                    case_id,
                    ts,
                    category,
                    where[0] if where else None,
                    where[1] if where else None,
                )
            )
        marks.sort(key=lambda m: m.ts)
        return marks


def _window_fields(case: WindowCase) -> tuple[str, str, Any, Sequence[str]]:
    """A case's id, category, ``reported_at`` and units; a dict (a widget's, a test's) is
    read as the wire has it, ``units`` left out when empty."""
    if isinstance(case, Incident):
        return case.id, case.category, case.reported_at, case.units
    units = case.get("units") or ()
    return str(case.get("id", "")), str(case.get("category", "")), case.get("reported_at"), units
