"""Round trips: a terminal (tests/hub/jt808/terminal.py, written from the standard's
tables) sends a patrol car's day, the deframer reads it back.

The track: a fix every 10 s around Wucheng, speeds 0-50 km/h, turning headings, an SOS
press, and a stretch out of coverage that comes back, on a new connection, as 0x0704
blind-area batches.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator

import pytest

from hub.jt808 import (
    AnswerResult,
    Authenticate,
    Deframer,
    Heartbeat,
    Location,
    LocationBatch,
    Logout,
    Message,
    PlatformAnswers,
    Register,
    RegisterResult,
)
from tests.hub.jt808.terminal import (
    Fix,
    Terminal,
    auth_body,
    batch_body,
    feed,
    location_body,
    register_body,
)

START = 1_760_000_000.0  # 2025-10-09, a weekday morning in Jinhua
GAP = range(60, 100)  # forty fixes (6 min 40 s) under the Wucheng viaduct


def patrol_track(n: int = 150, seed: int = 808) -> list[Fix]:
    rng = random.Random(seed)
    lat, lon = 29.0796, 119.6472
    heading, speed, mileage = 45.0, 0.0, 1234.5
    track = []
    for i in range(n):
        speed = min(50.0, max(0.0, speed + rng.uniform(-8, 8)))
        heading = (heading + rng.uniform(-40, 40)) % 360
        metres = speed / 3.6 * 10
        lat += metres * math.cos(math.radians(heading)) / 111_195
        lon += metres * math.sin(math.radians(heading)) / (111_195 * math.cos(math.radians(lat)))
        mileage += metres / 1000
        track.append(
            Fix(
                ts=START + 10 * i,
                lat=round(lat, 6),
                lon=round(lon, 6),
                speed_kmh=round(speed, 1),
                direction=round(heading) % 360,
                altitude_m=40 + rng.randrange(20),
                alarm=1 if i == 120 else 0,  # the SOS button, once
                mileage_km=round(mileage, 1),
                signal=rng.randrange(10, 31),
                satellites=rng.randrange(4, 20),
            )
        )
    return track


def chunked(data: bytes, rng: random.Random) -> Iterator[bytes]:
    pos = 0
    while pos < len(data):
        size = rng.choice([1, 2, 7, 64, 300, 1460])
        yield data[pos : pos + size]
        pos += size


def same(fix: Fix, loc: Location) -> None:
    assert (loc.lat, loc.lon, loc.ts) == (fix.lat, fix.lon, fix.ts)
    assert (loc.speed_kmh, loc.direction, loc.altitude_m) == (
        fix.speed_kmh,
        fix.direction,
        fix.altitude_m,
    )
    assert (loc.mileage_km, loc.signal, loc.satellites) == (
        fix.mileage_km,
        fix.signal,
        fix.satellites,
    )
    assert loc.sos == bool(fix.alarm & 1) and loc.is_fix


@pytest.mark.parametrize("version", [2013, 2019])
def test_a_patrol_day_with_a_blind_area(version: int) -> None:
    phone = "13905790001"
    track = patrol_track()
    rng = random.Random(version)

    # First connection: register, authenticate, report until coverage is lost.
    terminal = Terminal(phone, version)
    first = terminal.frame(0x0100, register_body(version)) + terminal.frame(
        0x0102, auth_body(version, "WF-AUTH-0001", "861234567890123", "ZFJLY V2.3.1")
    )
    for i, fix in enumerate(track[: GAP.start]):
        first += terminal.frame(0x0200, location_body(fix))
        if i % 12 == 11:
            first += terminal.frame(0x0002)

    # Second connection: authenticate, send the backlog in batches, then go on live.
    terminal = Terminal(phone, version)
    second = terminal.frame(0x0102, auth_body(version, "WF-AUTH-0001", "861234567890123", "V2"))
    backlog = [location_body(fix) for fix in track[GAP.start : GAP.stop]]
    for start in range(0, len(backlog), 15):
        second += terminal.frame(0x0704, batch_body(backlog[start : start + 15], kind=1))
    for fix in track[GAP.stop :]:
        second += terminal.frame(0x0200, location_body(fix))
    second += terminal.frame(0x0003)

    live: list[Location] = []
    blind: list[Location] = []
    bodies: list[type] = []
    for stream in (first, second):
        deframer = Deframer()
        answers = PlatformAnswers()
        for chunk in chunked(stream, rng):
            for event in deframer.feed(chunk):
                assert isinstance(event, Message), event
                bodies.append(type(event.body))
                assert event.header.terminal == phone
                assert event.header.version == version
                if isinstance(event.body, Location):
                    live.append(event.body)
                elif isinstance(event.body, LocationBatch):
                    assert event.body.blind_area and not event.body.errors
                    blind += event.body.locations
                # Every message gets its answer, in the terminal's layout.
                if isinstance(event.body, Register):
                    assert event.body.plate == "浙G12345"
                    assert event.body.edition == version
                    reply = answers.register(event.header, RegisterResult.OK, "WF-AUTH-0001")
                else:
                    reply = answers.general(event.header, AnswerResult.OK)
                _, (echo,) = feed(reply)
                assert isinstance(echo, Message) and echo.header.phone == event.header.phone
                if isinstance(event.body, Authenticate):
                    assert event.body.code == "WF-AUTH-0001"
                    assert (event.body.imei is not None) == (version == 2019)
        assert deframer.counts.keys() == {"message"}

    assert bodies.count(Heartbeat) == 5 and bodies[-1] is Logout
    assert len(live) == len(track) - len(GAP) and len(blind) == len(GAP)
    for fix, loc in zip(track, live[: GAP.start] + blind + live[GAP.start :], strict=True):
        same(fix, loc)


def test_a_batch_with_a_broken_item_keeps_the_rest() -> None:
    track = patrol_track(5)
    bodies = [location_body(fix) for fix in track]
    bodies[2] = bodies[2][:20]  # a report cut short inside the fixed part
    terminal = Terminal("13905790002")
    _, events = feed(terminal.frame(0x0704, batch_body(bodies, kind=1)))
    (msg,) = events
    assert isinstance(msg, Message) and isinstance(msg.body, LocationBatch)
    assert [loc.ts for loc in msg.body.locations] == [track[i].ts for i in (0, 1, 3, 4)]
    (broken,) = msg.body.errors
    assert broken.index == 2 and broken.raw == bodies[2]


def test_a_batch_whose_count_disagrees_says_so() -> None:
    bodies = [location_body(fix) for fix in patrol_track(3)]
    _, (msg,) = feed(Terminal("1").frame(0x0704, batch_body(bodies, kind=0, count=4)))
    assert isinstance(msg, Message) and isinstance(msg.body, LocationBatch)
    assert len(msg.body.locations) == 3
    assert [e.reason for e in msg.body.errors] == ["count says 4, body holds 3"]


def test_extra_items_that_run_past_the_body_spare_the_fix() -> None:
    fix = patrol_track(1)[0]
    body = location_body(fix) + bytes([0xE1, 10, 1, 2])  # says ten bytes, holds two
    _, (msg,) = feed(Terminal("1").frame(0x0200, body))
    assert isinstance(msg, Message) and isinstance(msg.body, Location)
    assert not msg.body.items_complete
    same(fix, msg.body)


def test_unpositioned_and_timeless_reports_are_not_fixes() -> None:
    fix = Fix(ts=START, lat=0.0, lon=0.0, positioned=False)
    body = bytearray(location_body(fix))
    _, (msg,) = feed(Terminal("1").frame(0x0200, bytes(body)))
    assert isinstance(msg, Message) and isinstance(msg.body, Location)
    assert not msg.body.positioned and not msg.body.is_fix
    body[22:28] = bytes(6)  # the BCD time all zeros, as terminals send before their first fix
    _, (msg,) = feed(Terminal("1").frame(0x0200, bytes(body)))
    assert isinstance(msg, Message) and isinstance(msg.body, Location)
    assert msg.body.ts is None and not msg.body.is_fix


def test_south_and_west_round_trip() -> None:
    fix = Fix(ts=START, lat=-33.856784, lon=-70.648272, speed_kmh=12.3, direction=359)
    _, (msg,) = feed(Terminal("56912345678", 2019).frame(0x0200, location_body(fix)))
    assert isinstance(msg, Message) and isinstance(msg.body, Location)
    assert (msg.body.lat, msg.body.lon) == (-33.856784, -70.648272)
    assert msg.body.status & 0b1100 == 0b1100
