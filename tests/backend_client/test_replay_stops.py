"""Stops (停留) on an officer's track: where it stayed within 30 m for 2 minutes or more,
and the speed series the replay's chart draws. Pure functions, no Qt."""

from __future__ import annotations

import math

import pytest

from backend_client.stories.replay import (
    STOP_MIN_SECONDS,
    TrackPoint,
    TrackReplay,
    find_stops,
    speeds_kmh,
    window_around,
)

LAT, LON = 29.0790, 119.6470
METRE_LAT = 1 / 111_195.0
METRE_LON = 1 / (111_195.0 * math.cos(math.radians(LAT)))
T0 = 1_780_000_000.0


def at(ts: float, north_m: float = 0.0, east_m: float = 0.0) -> TrackPoint:
    return TrackPoint(T0 + ts, LAT + north_m * METRE_LAT, LON + east_m * METRE_LON)


def walk(start_s: float, seconds: float, every: float, metres_per_s: float) -> list[TrackPoint]:
    """Walking east from 1 km away, a fix every ``every`` seconds."""
    return [
        at(start_s + k * every, 0.0, 1000.0 + k * every * metres_per_s)
        for k in range(int(seconds // every) + 1)
    ]


def still(
    start_s: float, seconds: float, every: float = 10.0, wander_m: float = 0.0
) -> list[TrackPoint]:
    """Standing at the origin, the GPS wandering up to ``wander_m`` around it."""
    return [
        at(
            start_s + k * every,
            wander_m * math.sin(k * 1.7),
            wander_m * math.cos(k * 2.3),
        )
        for k in range(int(seconds // every) + 1)
    ]


def test_no_track_and_a_single_fix_have_no_stop() -> None:
    assert find_stops([]) == []
    assert find_stops([at(0)]) == []


def test_two_minutes_standing_is_a_stop_one_second_less_is_not() -> None:
    exactly = find_stops([at(0), at(60), at(STOP_MIN_SECONDS)])
    assert len(exactly) == 1 and exactly[0].seconds == STOP_MIN_SECONDS
    assert exactly[0].fixes == 3
    assert find_stops([at(0), at(60), at(STOP_MIN_SECONDS - 1)]) == []


def test_gps_wander_inside_the_radius_is_one_stop_with_its_length_and_place() -> None:
    track = walk(-300, 300, 10, 1.4)[:-1] + still(0, 600, wander_m=12.0) + walk(610, 300, 10, 1.4)
    stops = find_stops(track)
    assert len(stops) == 1
    stop = stops[0]
    assert stop.start == T0 and stop.end == T0 + 600 and stop.seconds == 600
    # The mean of the wandering fixes: within a few metres of where the officer stood.
    assert abs(stop.lat - LAT) / METRE_LAT < 5 and abs(stop.lon - LON) / METRE_LON < 5


def test_moving_at_walking_pace_is_never_a_stop() -> None:
    assert find_stops(walk(0, 1800, 5, 1.2)) == []


def test_strolling_slowly_is_no_stop_and_a_first_fix_off_by_noise_is_part_of_one() -> None:
    # 0.5 m/s (1.8 km/h, a slow patrol on foot): 30 m from the fixes' centre within
    # 110 s, from wherever it is counted.
    assert find_stops([at(k * 10.0, 0.0, k * 5.0) for k in range(31)]) == []
    # Standing still, the first fix 28 m off (a phone's fix before it settles): it is
    # part of the stop, and the stop's place is the centre of its fixes.
    track = [at(0, 28.0)] + [at(k * 10.0, 0.0, 0.0) for k in range(1, 19)]
    stops = find_stops(track)
    assert [(s.start - T0, s.end - T0, s.fixes) for s in stops] == [(0, 180, 19)]
    assert abs(stops[0].lat - LAT) / METRE_LAT == pytest.approx(28 / 19, abs=0.01)


def test_two_places_are_two_stops_in_order() -> None:
    track = [*still(0, 300), at(310, 0, 200), at(320, 0, 400)]
    track += [at(330 + k * 10, 0, 500) for k in range(25)]  # 240 s at 500 m east
    stops = find_stops(track)
    assert [(s.start - T0, s.end - T0) for s in stops] == [(0, 300), (330, 570)]
    assert abs((stops[1].lon - LON) / METRE_LON - 500) < 0.5


def test_a_long_gap_between_fixes_ends_the_stop() -> None:
    # Ninety seconds, eleven minutes without a fix, ninety seconds: the same place, but
    # nothing says the officer stayed there between.
    track = still(0, 90) + still(90 + 660, 90)
    assert find_stops(track) == []
    # A gap within the limit is bridged.
    assert len(find_stops(still(0, 90) + still(90 + 300, 90))) == 1


def test_the_replay_keeps_its_tracks_stops() -> None:
    points = [(p.ts, p.lat, p.lon, None, None) for p in still(0, 300) + walk(310, 120, 10, 2)]
    replay = TrackReplay(points, T0, T0 + 600)
    assert [(s.start, s.end) for s in replay.stops] == [(T0, T0 + 300)]


def test_speeds_are_the_devices_in_kmh_else_from_the_distance() -> None:
    points = [
        TrackPoint(T0, LAT, LON, speed=2.0),
        TrackPoint(T0 + 10, LAT, LON + 100 * METRE_LON),  # no speed: 100 m in 10 s
        TrackPoint(T0 + 10, LAT, LON + 100 * METRE_LON),  # same time: 0, not a division
    ]
    assert speeds_kmh(points) == pytest.approx([7.2, 36.0, 0.0], rel=1e-3)
    assert speeds_kmh([TrackPoint(T0, LAT, LON)]) == [0.0]


# ---- the window a timeline row opens -----------------------------------------------------


def test_a_timeline_moment_is_replayed_in_a_window_around_it() -> None:
    now = T0 + 86_400.0
    # Hours ago: centred on the moment.
    assert window_around(T0, now, 3600.0) == (T0 - 1800.0, T0 + 1800.0)
    # Minutes ago: the window ends now (no track after it) and keeps its length.
    assert window_around(now - 600.0, now, 3600.0) == (now - 3600.0, now)
    # A moment ahead of the clock (a desk's clock ahead of the hub's) is taken as now.
    assert window_around(now + 30.0, now, 3600.0) == (now - 3600.0, now)
