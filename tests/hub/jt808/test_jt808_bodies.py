"""Bodies that are too short or inconsistent for their message id, odd fields, and the
deframer's last-resort guard."""

from __future__ import annotations

import pytest

import hub.jt808.deframer as deframer_module
from hub.jt808 import (
    Deframer,
    Fatal,
    FrameError,
    FrameRejected,
    Location,
    Message,
    Undecoded,
    decode_frame,
    encode_frame,
)
from hub.jt808.location import decode_batch
from hub.jt808.wire import bcd_time, text, unescape
from tests.hub.jt808.terminal import Fix, batch_body, feed, location_body

FIX = Fix(ts=1_700_000_000, lat=29.08, lon=119.65)


def rejected(frame: bytes) -> FrameRejected:
    with pytest.raises(FrameRejected) as caught:
        decode_frame(unescape(frame[1:-1]))
    return caught.value


@pytest.mark.parametrize(
    ("msg_id", "body", "version", "detail"),
    [
        (0x0001, b"\x00\x01\x02\x00", 2013, "terminal answer of 4 bytes"),
        (0x0100, bytes(36), 2019, "2019 registration of 36 bytes"),
        (0x0100, bytes(20), 2013, "2011 registration of 20 bytes"),
        (0x0102, b"", 2019, "without a code length"),
        (0x0102, b"\x05abcde" + bytes(20), 2019, "code length 5 needs 41"),
        (0x0200, bytes(27), 2019, "needs 28"),
        (0x0704, b"\x00\x01", 2013, "needs at least 3"),
    ],
)
def test_short_bodies_are_bad_bodies(msg_id: int, body: bytes, version: int, detail: str) -> None:
    frame = encode_frame(
        msg_id, body, phone="1", serial=9, version=2019 if version == 2019 else 2013
    )
    error = rejected(frame)
    assert error.reason == "bad_body" and detail in error.detail
    assert error.header is not None and error.header.msg_id == msg_id


def test_a_2019_header_whose_length_does_not_add_up() -> None:
    content = bytearray(
        unescape(encode_frame(0x0200, bytes(28), phone="1", serial=1, version=2019)[1:-1])
    )
    content[3] += 3  # declares 31
    content[-1] ^= 3
    error = rejected(b"\x7e" + bytes(content) + b"\x7e")
    assert error.reason == "length_mismatch" and "2019 header declares a body of 31" in error.detail


def test_sub_package_fields_round_trip() -> None:
    frame = encode_frame(0x0801, b"\x01\x02\x03", phone="13800000000", serial=5, package=(4, 2))
    msg = decode_frame(unescape(frame[1:-1]))
    assert (msg.header.package_total, msg.header.package_index) == (4, 2)
    assert msg.body == Undecoded("sub_package") and msg.raw_body == b"\x01\x02\x03"


def test_batch_whose_item_length_is_cut_off() -> None:
    # Count 2: one whole item, then a single byte where the next item's u16 length begins.
    batch = decode_batch(batch_body([location_body(FIX)], count=2) + b"\x00")
    assert len(batch.locations) == 1
    (error,) = batch.errors
    assert (error.index, error.reason, error.raw) == (1, "item length cut off", b"\x00")


def test_an_extra_item_header_cut_off() -> None:
    _, (msg,) = feed(encode_frame(0x0200, location_body(FIX) + b"\x30", phone="1", serial=1))
    assert isinstance(msg, Message) and isinstance(msg.body, Location)
    assert not msg.body.items_complete and msg.body.items == ()


@pytest.mark.parametrize(
    "when",
    ["000000000000", "250231120000", "2501011200ff", "991232000000", "1a0101000000"],
)
def test_impossible_times_are_none(when: str) -> None:
    assert bcd_time(bytes.fromhex(when)) is None


def test_text_fields() -> None:
    assert text("粤A12345".encode("gbk") + bytes(4)) == "粤A12345"
    assert text(b"\x00\x00 ABC \x00") == "ABC"
    assert "\ufffd" in text(b"A\xff")  # not GBK: marked, not fatal


def test_a_decoder_bug_costs_one_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(frame: bytes) -> Message:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(deframer_module, "decode_frame", broken)
    deframer = Deframer()
    (error,) = deframer.feed(encode_frame(0x0002, b"", phone="1", serial=1))
    assert isinstance(error, FrameError) and error.reason == "internal"
    assert not deframer.closed


def test_garbage_can_be_the_last_straw(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deframer_module, "MAX_BAD_IN_A_ROW", 1)
    events = Deframer().feed(b"xx" + encode_frame(0x0002, b"", phone="1", serial=1))
    assert [type(e) for e in events] == [FrameError, Fatal]
