"""The stream deframer: escaping, frame boundaries, and the error policy (counted and
dropped, or fatal for the connection)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from hub.jt808 import (
    MAX_BAD_IN_A_ROW,
    MAX_FRAME,
    MAX_GARBAGE,
    Deframer,
    Fatal,
    FrameError,
    Heartbeat,
    Location,
    Message,
    Undecoded,
    decode_frame,
    encode_frame,
)
from hub.jt808.wire import BadEscape, escape, unescape
from tests.hub.jt808.terminal import Fix, Terminal, feed, location_body

# SmallChi/JT808 src/JT808.Protocol.Test/MessageBody/JT808_0x0002Test.cs, Test2.
HEARTBEAT = bytes.fromhex("7E00020000012345678900000A817E")


def messages(events: Sequence[object]) -> list[Message]:
    return [e for e in events if isinstance(e, Message)]


def errors(events: Sequence[object]) -> list[FrameError]:
    return [e for e in events if isinstance(e, FrameError)]


# ------------------------------------------------------------------------------ escaping


def test_unescape_is_one_pass() -> None:
    assert unescape(b"\x30\x7d\x02\x08\x7d\x01\x55") == b"\x30\x7e\x08\x7d\x55"
    # 7D 01 02 is an escaped 7D followed by 02: replacing 7D 01 first and then 7D 02
    # would wrongly make a 7E of it.
    assert unescape(b"\x7d\x01\x02") == b"\x7d\x02"
    assert unescape(b"\x7d\x01\x01") == b"\x7d\x01"
    assert unescape(b"\x7d\x02\x02") == b"\x7e\x02"
    for bad in (b"\x7d", b"\x7d\x03", b"\x7d\x7d\x01", b"\x01\x7d\x00"):
        with pytest.raises(BadEscape):
            unescape(bad)


def test_escape_published() -> None:
    # traccar/traccar src/test/java/org/traccar/protocol/Jt808FrameDecoderTest.java:
    # "7e307d02087d01557e" on the wire is "7e307e087d557e".
    assert escape(bytes.fromhex("307e087d55")) == bytes.fromhex("307d02087d0155")
    assert unescape(bytes.fromhex("307d02087d0155")) == bytes.fromhex("307e087d55")


# ------------------------------------------------------------------------ frame boundaries


def test_frames_split_anywhere_arrive_whole() -> None:
    stream = HEARTBEAT * 3
    for cut in range(1, len(stream)):
        _, events = feed(stream, [cut])
        assert [m.body for m in messages(events)] == [Heartbeat()] * 3
        assert not errors(events)
    _, events = feed(stream, [1] * len(stream))
    assert len(messages(events)) == 3


def test_a_shared_mark_between_frames() -> None:
    # Some terminals close one frame and open the next with a single 7E.
    shared = HEARTBEAT + HEARTBEAT[1:] + HEARTBEAT[1:]
    deframer, events = feed(shared)
    assert len(messages(events)) == 3 and not errors(events)
    assert deframer.counts == {"message": 3}


def test_leading_garbage_is_counted_once() -> None:
    # traccar Jt808FrameDecoderTest.java skips "2424" before the first 7E; so do we,
    # and say so.
    deframer, events = feed(b"\x24\x24" + HEARTBEAT)
    assert [type(e) for e in events] == [FrameError, Message]
    assert errors(events)[0].reason == "garbage" and deframer.counts["garbage"] == 1


def test_bytes_between_frames_are_one_bad_frame() -> None:
    _, events = feed(HEARTBEAT + b"junk" + HEARTBEAT)
    assert [type(e) for e in events] == [Message, FrameError, Message]
    assert errors(events)[0].reason == "too_short"


def test_a_frame_cut_short_costs_only_itself() -> None:
    # A terminal reset mid-frame: the next frame's opening mark ends the torn one.
    _, events = feed(HEARTBEAT[:8] + HEARTBEAT + HEARTBEAT)
    assert [type(e) for e in events] == [FrameError, Message, Message]


def test_escaped_checksum_published() -> None:
    # SmallChi/JT808 JT808_0x0002Test.cs Test3: the checksum is 7E, sent as 7D 02.
    _, events = feed(bytes.fromhex("7E 00 02 00 00 04 00 21 67 92 87 00 2B 7D 02 7E"))
    assert [m.header.serial for m in messages(events)] == [43]


# ---------------------------------------------------------------- errors that are counted


def test_bad_checksum_is_dropped_and_counted() -> None:
    bad = bytearray(HEARTBEAT)
    bad[-2] ^= 0x01
    deframer, events = feed(bytes(bad) + HEARTBEAT)
    assert [type(e) for e in events] == [FrameError, Message]
    error = errors(events)[0]
    assert error.reason == "bad_checksum" and error.header is None
    assert error.frame == unescape(bytes(bad)[1:-1])
    assert deframer.counts == {"bad_checksum": 1, "message": 1}


@pytest.mark.parametrize("delta", [-1, 1, 5])
def test_length_mismatch_is_dropped_and_counted(delta: int) -> None:
    body = location_body(Fix(ts=1_700_000_000, lat=29.08, lon=119.65))
    good = encode_frame(0x0200, body, phone="13800000001", serial=1)
    content = bytearray(unescape(good[1:-1])[:-1])
    declared = len(body) + delta
    content[2:4] = declared.to_bytes(2, "big")
    check = 0
    for byte in content:
        check ^= byte
    tampered = b"\x7e" + escape(bytes(content) + bytes([check])) + b"\x7e"
    deframer, events = feed(tampered + good)
    assert [type(e) for e in events] == [FrameError, Message]
    assert errors(events)[0].reason == "length_mismatch"
    assert deframer.counts["length_mismatch"] == 1


def test_bad_escape_is_dropped_and_counted() -> None:
    frame = HEARTBEAT[:-2] + b"\x7d\x05" + HEARTBEAT[-1:]
    _, events = feed(frame + HEARTBEAT)
    assert [(type(e), getattr(e, "reason", None)) for e in events] == [
        (FrameError, "bad_escape"),
        (Message, None),
    ]


def test_a_short_body_keeps_its_header_for_the_answer() -> None:
    frame = encode_frame(0x0200, bytes(10), phone="13800000001", serial=77)
    _, events = feed(frame)
    (error,) = errors(events)
    assert error.reason == "bad_body" and "28" in error.detail
    assert error.header is not None and error.header.serial == 77


def test_well_formed_but_unknown_is_a_message() -> None:
    _, events = feed(encode_frame(0x0900, b"\x01\x02", phone="1", serial=1))
    assert [m.body for m in messages(events)] == [Undecoded("unknown_id")]
    # Encrypted bodies (bits 10-12) cannot be read here, but the frame is sound.
    content = bytearray(unescape(encode_frame(0x0200, bytes(28), phone="1", serial=1)[1:-1]))
    content[2] |= 0b100  # RSA
    content[-1] ^= 0b100
    assert decode_frame(bytes(content)).body == Undecoded("encrypted")


# -------------------------------------------------------------------- errors that are fatal


def test_garbage_without_a_mark_closes_the_connection() -> None:
    deframer = Deframer()
    assert deframer.feed(b"GET / HTTP/1.1\r\n" * 10) == []
    events = deframer.feed(b"x" * MAX_GARBAGE)
    assert len(events) == 1 and isinstance(events[0], Fatal)
    assert events[0].reason == "no_frame_mark" and deframer.closed
    # Nothing after the end, not even a good frame.
    assert deframer.feed(HEARTBEAT) == []


def test_a_frame_over_the_limit_closes_the_connection() -> None:
    deframer = Deframer()
    assert deframer.feed(b"\x7e" + b"\x00" * MAX_FRAME) == []
    (fatal,) = deframer.feed(b"\x00")
    assert isinstance(fatal, Fatal) and fatal.reason == "frame_too_long"
    assert deframer.counts["frame_too_long"] == 1


def test_the_limit_counts_unescaped_bytes() -> None:
    # The largest legal frame with every byte a 7E is twice as long on the wire, and fine.
    body = bytes([0x7E]) * 1023
    frame = encode_frame(0x0900, body, phone="7e" * 6, serial=0x7E7E, version=2019)
    assert len(frame) > MAX_FRAME
    _, events = feed(frame)
    assert [m.raw_body for m in messages(events)] == [body]


def test_a_flood_of_bad_frames_closes_the_connection() -> None:
    bad = HEARTBEAT[:-2] + b"\x00" + HEARTBEAT[-1:]
    deframer, events = feed(
        bad * (MAX_BAD_IN_A_ROW - 1) + HEARTBEAT + bad * MAX_BAD_IN_A_ROW + HEARTBEAT
    )
    kinds = [type(e) for e in events]
    # A good frame resets the run; the second run of sixteen ends the connection, and the
    # heartbeat after it is never read.
    assert kinds == [FrameError] * (MAX_BAD_IN_A_ROW - 1) + [Message] + [FrameError] * (
        MAX_BAD_IN_A_ROW
    ) + [Fatal]
    assert isinstance(events[-1], Fatal) and events[-1].reason == "too_many_bad_frames"
    assert deframer.closed and deframer.counts["bad_checksum"] == 2 * MAX_BAD_IN_A_ROW - 1


def test_counts_add_up_over_a_connection() -> None:
    terminal = Terminal("13800000001")
    fix = Fix(ts=1_700_000_000, lat=29.08, lon=119.65, speed_kmh=36.0, direction=90)
    stream = terminal.frame(0x0002) + b"\x7e\x7e" + terminal.frame(0x0200, location_body(fix))
    deframer, events = feed(stream)
    assert [type(m.body) for m in messages(events)] == [Heartbeat, Location]
    assert deframer.counts == {"message": 2}
