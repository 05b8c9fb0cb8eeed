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
import math
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


#: A stop (停留): the officer stayed within :data:`STOP_RADIUS_M` of where it began for
#: at least :data:`STOP_MIN_SECONDS`. GPS wanders by 5-15 m standing still (and a phone
#: indoors by more), so the radius is wider than the noise and narrower than a street
#: crossing; two minutes is longer than a red light.
STOP_MIN_SECONDS = 120.0
STOP_RADIUS_M = 30.0
#: A gap between fixes longer than this ends a stop: nothing says where the unit was.
STOP_MAX_GAP_SECONDS = 600.0
_EARTH_M = 6_371_000.0


@dataclass(frozen=True, slots=True)
class Stop:
    """Where the officer stayed, from its first to its last fix there."""

    start: float
    end: float
    #: The mean place of the stop's fixes.
    lat: float
    lon: float
    fixes: int

    @property
    def seconds(self) -> float:
        return self.end - self.start


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # Equirectangular: exact to millimetres at tens of metres, and cheap per fix.
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return _EARTH_M * math.hypot(x, y)


def find_stops(
    points: Sequence[TrackPoint],
    *,
    min_seconds: float = STOP_MIN_SECONDS,
    radius_m: float = STOP_RADIUS_M,
    max_gap_s: float = STOP_MAX_GAP_SECONDS,
) -> list[Stop]:
    """The stops of a track (fixes in time order), oldest first.

    A stop grows from a fix while the following fixes stay within ``radius_m`` of the
    running centre of the fixes so far (the centre, not the first fix: a first fix off by
    the GPS's noise would otherwise cut a stop short) and no gap between two fixes is
    longer than ``max_gap_s``; it counts when its first and last fix are ``min_seconds``
    or more apart. A fix that leaves ends it; the next stop may start at that fix.
    """
    stops: list[Stop] = []
    n = len(points)
    i = 0
    while i < n:
        first = points[i]
        sum_lat, sum_lon, count = first.lat, first.lon, 1
        j = i + 1
        while j < n:
            p = points[j]
            if p.ts - points[j - 1].ts > max_gap_s:
                break
            if _metres(sum_lat / count, sum_lon / count, p.lat, p.lon) > radius_m:
                break
            sum_lat += p.lat
            sum_lon += p.lon
            count += 1
            j += 1
        last = points[j - 1]
        if last.ts - first.ts >= min_seconds:
            stops.append(Stop(first.ts, last.ts, sum_lat / count, sum_lon / count, count))
            i = j
        else:
            i += 1
    return stops


def speeds_kmh(points: Sequence[TrackPoint]) -> list[float]:
    """Each fix's speed in km/h: as the device reported it (m/s on the wire), else from
    the distance to the fix before (0 for the first)."""
    out: list[float] = []
    for k, p in enumerate(points):
        if p.speed is not None:
            out.append(p.speed * 3.6)
        elif k == 0 or p.ts <= points[k - 1].ts:
            out.append(0.0)
        else:
            q = points[k - 1]
            out.append(_metres(q.lat, q.lon, p.lat, p.lon) / (p.ts - q.ts) * 3.6)
    return out


def window_around(at: float, now: float, span: float) -> tuple[float, float]:
    """A replay window of ``span`` seconds that holds the moment ``at``: centred on it,
    or ending now when the moment is less than half a span ago (a track has nothing
    after now). A moment after ``now`` (a clock ahead) is taken as now."""
    at = min(at, now)
    end = min(now, at + span / 2)
    return end - span, end


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
        #: Where the officer stayed 2 minutes or more (:func:`find_stops`).
        self.stops = find_stops(self.points)

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
