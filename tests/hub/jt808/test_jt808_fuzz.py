"""Property tests: the deframer never raises, never takes its own bugs for bad input, and
gets every sound frame through whatever surrounds it or however the stream is cut."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.jt808 import (
    Deframer,
    Fatal,
    FrameError,
    Location,
    LocationBatch,
    Message,
    decode_frame,
    encode_frame,
)
from hub.jt808.wire import escape, unescape
from tests.hub.jt808.terminal import Fix, batch_body, location_body

# Bytes rich in the two special values, so that escapes and marks turn up often.
special_bytes = st.binary(max_size=300) | st.lists(
    st.sampled_from([0x7E, 0x7D, 0x01, 0x02, 0x00, 0xFF]), max_size=300
).map(bytes)
cuts = st.lists(st.integers(min_value=1, max_value=64), max_size=40)


def feed_cut(deframer: Deframer, data: bytes, sizes: list[int]) -> list[object]:
    events: list[object] = []
    pos = 0
    for size in [*sizes, len(data)]:
        events += deframer.feed(data[pos : pos + size])
        pos += size
    return events


def well_behaved(events: Sequence[object]) -> None:
    for i, event in enumerate(events):
        assert isinstance(event, Message | FrameError | Fatal)
        if isinstance(event, FrameError):
            assert event.reason != "internal", event.detail
        if isinstance(event, Fatal):
            assert i == len(events) - 1  # nothing after the end


@given(st.lists(special_bytes, max_size=8), cuts)
@settings(max_examples=300)
def test_any_bytes_any_cuts_never_raise(pieces: list[bytes], sizes: list[int]) -> None:
    deframer = Deframer()
    events = feed_cut(deframer, b"".join(pieces), sizes)
    well_behaved(events)
    if deframer.closed:
        assert deframer.feed(b"\x7e\x00\x02\x7e") == []


@given(st.binary(min_size=13, max_size=1100))
@settings(max_examples=300)
def test_any_frame_content_decodes_or_is_rejected(content: bytes) -> None:
    # Straight into the frame decoder, with a valid checksum so the header and body
    # decoders are reached too.
    check = 0
    for byte in content[:-1]:
        check ^= byte
    events = Deframer().feed(b"\x7e" + escape(content[:-1] + bytes([check])) + b"\x7e")
    well_behaved(events)


@st.composite
def fixes(draw: st.DrawFn) -> Fix:
    return Fix(
        # Whole seconds within 2001-2096: the BCD year has two digits.
        ts=float(draw(st.integers(1_000_000_000, 4_000_000_000))),
        lat=draw(st.integers(-90_000_000, 90_000_000)) / 1e6,
        lon=draw(st.integers(-180_000_000, 180_000_000)) / 1e6,
        speed_kmh=draw(st.integers(0, 0xFFFF)) / 10,
        direction=draw(st.integers(0, 359)),
        altitude_m=draw(st.integers(0, 0xFFFF)),
        alarm=draw(st.integers(0, 0xFFFFFFFF)),
        positioned=draw(st.booleans()),
        mileage_km=draw(st.none() | st.integers(0, 0xFFFFFFFF).map(lambda m: m / 10)),
        signal=draw(st.none() | st.integers(0, 255)),
        satellites=draw(st.none() | st.integers(0, 255)),
    )


@given(fixes(), st.lists(st.tuples(st.integers(0x02, 0x2F), st.binary(max_size=20)), max_size=4))
@settings(max_examples=300)
def test_location_round_trip(fix: Fix, extra: list[tuple[int, bytes]]) -> None:
    body = location_body(fix, extra)
    frame = encode_frame(0x0200, body, phone="13800000000", serial=1)
    message = decode_frame(unescape(frame[1:-1]))
    loc = message.body
    assert isinstance(loc, Location)
    assert (loc.lat, loc.lon, loc.ts, loc.alarm) == (fix.lat, fix.lon, fix.ts, fix.alarm)
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
    assert loc.positioned == fix.positioned and loc.items_complete
    assert list(loc.items[len(loc.items) - len(extra) :]) == extra


@st.composite
def frames(draw: st.DrawFn) -> tuple[int, bytes, bytes]:
    """A sound terminal frame: (serial, body, wire bytes)."""
    serial = draw(st.integers(0, 0xFFFF))
    version: Literal[2013, 2019] = draw(st.sampled_from([2013, 2019]))
    if draw(st.booleans()):
        body = location_body(draw(fixes()))
        msg_id = 0x0200
    elif draw(st.booleans()):
        body = batch_body([location_body(f) for f in draw(st.lists(fixes(), max_size=5))])
        msg_id = 0x0704
    else:
        body = draw(st.binary(max_size=200))
        msg_id = draw(st.sampled_from([0x0002, 0x0003, 0x0900, 0x0F0F]))
    phone = draw(st.from_regex(r"[0-9]{1,12}", fullmatch=True))
    frame = encode_frame(msg_id, body, phone=phone, serial=serial, version=version)
    return serial, body, frame


@given(st.lists(frames(), min_size=1, max_size=6), cuts, st.data())
@settings(max_examples=200)
def test_sound_frames_survive_cuts_and_noise(
    sent: list[tuple[int, bytes, bytes]], sizes: list[int], data: st.DataObject
) -> None:
    # Noise between frames (no marks, so it cannot pose as a frame boundary, and under 13
    # bytes, so it cannot pose as a frame: 13 zero bytes would be a sound one) and empty
    # 7E 7E pairs: every sound frame still arrives, once, in order.
    stream = b""
    for _, _, frame in sent:
        noise = data.draw(st.binary(max_size=12).map(lambda b: b.replace(b"\x7e", b"")))
        stream += noise + data.draw(st.sampled_from([b"", b"\x7e\x7e"])) + frame
    deframer = Deframer()
    events = feed_cut(deframer, stream, sizes)
    well_behaved(events)
    got = [(e.header.serial, e.raw_body) for e in events if isinstance(e, Message)]
    assert got == [(serial, body) for serial, body, _ in sent]
    for event in events:
        if isinstance(event, Message) and isinstance(event.body, LocationBatch):
            assert not event.body.errors


@given(st.lists(frames(), min_size=3, max_size=3), st.integers(0), st.integers(1, 255))
@settings(max_examples=300)
def test_a_damaged_frame_costs_only_itself(
    sent: list[tuple[int, bytes, bytes]], where: int, flip: int
) -> None:
    # One byte of the middle frame changed, its marks included: the frames before and
    # after still arrive. (What becomes of the middle one is not promised: a checksum by
    # XOR cannot tell a mark turned into 00 and a frame shifted by one byte from a sound
    # frame, however rarely the shifted header's length also adds up.)
    middle = bytearray(sent[1][2])
    middle[where % len(middle)] ^= flip
    stream = sent[0][2] + bytes(middle) + sent[2][2]
    events = Deframer().feed(stream)
    well_behaved(events)
    got = [(e.header.serial, e.raw_body) for e in events if isinstance(e, Message)]
    first, last = (sent[0][0], sent[0][1]), (sent[2][0], sent[2][1])
    assert got[0] == first and got[-1] == last
    assert len(got) <= 3


@given(st.binary(max_size=500))
def test_escape_round_trip(data: bytes) -> None:
    escaped = escape(data)
    assert 0x7E not in escaped
    assert unescape(escaped) == data
