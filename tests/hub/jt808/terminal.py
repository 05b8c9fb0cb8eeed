"""The terminal's side, for tests: build the bodies and frames a JT/T 808 device sends.

Written from the standard's field tables, apart from :mod:`hub.jt808` (only the frame
envelope, :func:`hub.jt808.encode_frame`, is shared), so that a round trip checks the
decoder against an independent encoder.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hub.jt808 import Deframer, Event, encode_frame
from hub.jt808.wire import escape

BEIJING = dt.timezone(dt.timedelta(hours=8))


def wire(published_hex: str) -> bytes:
    """A frame as the decoder-level tests of traccar print it (unescaped between the marks)
    put back on the wire: escaped, between 7E marks."""
    raw = bytes.fromhex(published_hex.replace(" ", ""))
    assert raw[0] == 0x7E and raw[-1] == 0x7E
    return b"\x7e" + escape(raw[1:-1]) + b"\x7e"


def feed(data: bytes, chunks: Iterable[int] = ()) -> tuple[Deframer, list[Event]]:
    """Feed ``data`` to a fresh deframer, cut at the given chunk sizes (then the rest)."""
    deframer = Deframer()
    events: list[Event] = []
    pos = 0
    for size in chunks:
        events += deframer.feed(data[pos : pos + size])
        pos += size
    events += deframer.feed(data[pos:])
    return deframer, events


def bcd_time(ts: float) -> bytes:
    return bytes.fromhex(dt.datetime.fromtimestamp(ts, BEIJING).strftime("%y%m%d%H%M%S"))


@dataclass(frozen=True)
class Fix:
    """One position as a terminal knows it."""

    ts: float
    lat: float
    lon: float
    speed_kmh: float = 0.0
    direction: int = 0
    altitude_m: int = 0
    alarm: int = 0
    positioned: bool = True
    mileage_km: float | None = None
    signal: int | None = None
    satellites: int | None = None


def location_body(fix: Fix, extra: Sequence[tuple[int, bytes]] = ()) -> bytes:
    status = (0b10 if fix.positioned else 0) | (0b100 if fix.lat < 0 else 0)
    status |= 0b1000 if fix.lon < 0 else 0
    body = struct.pack(
        ">IIIIHHH",
        fix.alarm,
        status,
        round(abs(fix.lat) * 1e6),
        round(abs(fix.lon) * 1e6),
        fix.altitude_m,
        round(fix.speed_kmh * 10),
        fix.direction,
    ) + bcd_time(fix.ts)
    items: list[tuple[int, bytes]] = []
    if fix.mileage_km is not None:
        items.append((0x01, struct.pack(">I", round(fix.mileage_km * 10))))
    if fix.signal is not None:
        items.append((0x30, bytes([fix.signal])))
    if fix.satellites is not None:
        items.append((0x31, bytes([fix.satellites])))
    items += extra
    for item_id, value in items:
        body += bytes([item_id, len(value)]) + value
    return body


def batch_body(bodies: Sequence[bytes], kind: int = 1, count: int | None = None) -> bytes:
    out = struct.pack(">HB", len(bodies) if count is None else count, kind)
    for body in bodies:
        out += struct.pack(">H", len(body)) + body
    return out


def gbk(text: str, width: int) -> bytes:
    raw = text.encode("gbk")
    assert len(raw) <= width
    return raw.ljust(width, b"\x00")


def register_body(
    version: int,
    *,
    province: int = 33,
    city: int = 702,
    maker: str = "WF808",
    model: str = "ZFJLY-4G",
    terminal_id: str = "T000001",
    plate_colour: int = 1,
    plate: str = "浙G12345",
) -> bytes:
    widths = (11, 30, 30) if version == 2019 else (5, 20, 7)
    return (
        struct.pack(">HH", province, city)
        + gbk(maker, widths[0])
        + gbk(model, widths[1])
        + gbk(terminal_id, widths[2])
        + bytes([plate_colour])
        + plate.encode("gbk")
    )


def auth_body(version: int, code: str, imei: str = "", software: str = "") -> bytes:
    raw = code.encode("gbk")
    if version == 2013:
        return raw
    return bytes([len(raw)]) + raw + gbk(imei, 15) + gbk(software, 20)


class Terminal:
    """A terminal's outgoing side: its phone, its layout and its own serial counter."""

    def __init__(self, phone: str, version: int = 2013) -> None:
        self.phone = phone
        self.version = version
        self.serial = 0

    def frame(self, msg_id: int, body: bytes = b"") -> bytes:
        self.serial += 1
        return encode_frame(
            msg_id,
            body,
            phone=self.phone,
            serial=self.serial,
            version=2019 if self.version == 2019 else 2013,
        )
