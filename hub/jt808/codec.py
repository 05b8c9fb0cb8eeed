"""Decode one JT/T 808 frame; encode the platform's answers.

:func:`decode_frame` takes a frame's content after unescaping (header, body, checksum:
what lies between the two ``7E``) and returns a :class:`~hub.jt808.messages.Message`, or
raises :class:`FrameRejected` naming why. :class:`PlatformAnswers` writes 0x8100 and
0x8001 frames in the terminal's own header layout with the platform's serial counter.
"""

from __future__ import annotations

import struct
from typing import Literal

from hub.jt808.location import BadBody, decode_batch, decode_location
from hub.jt808.messages import (
    AnswerResult,
    Authenticate,
    Body,
    Header,
    Heartbeat,
    Logout,
    Message,
    MsgId,
    Register,
    RegisterResult,
    TerminalAnswer,
    Undecoded,
)
from hub.jt808.wire import bcd_digits, checksum, escape, text

Reason = Literal[
    "garbage",
    "too_short",
    "bad_escape",
    "bad_checksum",
    "length_mismatch",
    "bad_body",
    "internal",
]

MAX_BODY = 0x3FF  # ten bits of body length
BIT_PACKAGE = 1 << 13
BIT_2019 = 1 << 14
HEADER_2013 = 12
HEADER_2019 = 17
PACKAGE_FIELDS = 4
PHONE_2013 = 6
PHONE_2019 = 10
# JT/T 808-2019 § 4.5.1: the first 2019 edition is protocol version 1.
PROTOCOL_2019 = 1

_U16 = struct.Struct(">H")
_ANSWER = struct.Struct(">HHB")
_REGISTER_ANSWER = struct.Struct(">HB")


class FrameRejected(ValueError):
    """A frame that cannot be used. ``header`` is set when it was readable (a bad body),
    so that the server can still answer "bad message"."""

    def __init__(self, reason: Reason, detail: str, header: Header | None = None) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason: Reason = reason
        self.detail = detail
        self.header = header


# ---------------------------------------------------------------------------- decoding


def decode_frame(frame: bytes) -> Message:
    """Decode an unescaped frame (header, body, checksum). Raises :class:`FrameRejected`."""
    if len(frame) < HEADER_2013 + 1:
        raise FrameRejected("too_short", f"{len(frame)} bytes, a header alone is {HEADER_2013}")
    content, check = frame[:-1], frame[-1]
    # The checksum first: a corrupted frame can declare any length, and counting it as a
    # length mismatch would blame the terminal's firmware for a noisy link.
    if checksum(content) != check:
        raise FrameRejected(
            "bad_checksum", f"checksum {check:02x}, header and body give {checksum(content):02x}"
        )
    header = _header(content)
    body = content[len(content) - header.body_length :] if header.body_length else b""
    try:
        decoded = _body(header, body)
    except BadBody as exc:
        raise FrameRejected("bad_body", str(exc), header) from None
    return Message(header=header, body=decoded, raw_body=body)


def _header(content: bytes) -> Header:
    msg_id, props = struct.unpack_from(">HH", content)
    body_length = props & MAX_BODY
    split = bool(props & BIT_PACKAGE)
    extra = PACKAGE_FIELDS if split else 0
    fits_2019 = len(content) == HEADER_2019 + extra + body_length
    fits_2013 = len(content) == HEADER_2013 + extra + body_length
    if props & BIT_2019 and (fits_2019 or not fits_2013):
        if not fits_2019:
            found = len(content) - HEADER_2019 - extra
            raise FrameRejected(
                "length_mismatch", f"2019 header declares a body of {body_length}, found {found}"
            )
        proto = content[4]
        phone = bcd_digits(content[5:15])
        (serial,) = _U16.unpack_from(content, 15)
        version: Literal[2013, 2019] = 2019
        package_at = HEADER_2019
    else:
        if not fits_2013:
            found = len(content) - HEADER_2013 - extra
            raise FrameRejected(
                "length_mismatch", f"header declares a body of {body_length}, found {found}"
            )
        proto = None
        phone = bcd_digits(content[4:10])
        (serial,) = _U16.unpack_from(content, 10)
        version = 2013
        package_at = HEADER_2013
    total = index = None
    if split:
        total, index = struct.unpack_from(">HH", content, package_at)
    return Header(
        msg_id=msg_id,
        version=version,
        phone=phone,
        serial=serial,
        body_length=body_length,
        protocol_version=proto,
        encryption=(props >> 10) & 0b111,
        package_total=total,
        package_index=index,
        # Bit 14 set, yet only the 2013 layout adds up (SmallChi/JT808 decodes such
        # terminals with its "JTT2013Force" switch).
        version_flag_ignored=bool(props & BIT_2019) and version == 2013,
    )


def _body(header: Header, body: bytes) -> Body:
    if header.encryption:
        return Undecoded("encrypted")
    if header.is_package:
        # One piece of a split message: only all pieces together make a body.
        return Undecoded("sub_package")
    match header.msg_id:
        case MsgId.LOCATION:
            return decode_location(body)
        case MsgId.LOCATION_BATCH:
            return decode_batch(body)
        case MsgId.HEARTBEAT:
            # Some trackers append battery and signal bytes; the heartbeat is still one.
            return Heartbeat()
        case MsgId.LOGOUT:
            return Logout()
        case MsgId.TERMINAL_ANSWER:
            if len(body) < _ANSWER.size:
                raise BadBody(f"terminal answer of {len(body)} bytes, needs {_ANSWER.size}")
            return TerminalAnswer(*_ANSWER.unpack_from(body))
        case MsgId.REGISTER:
            return decode_register(body, header.version)
        case MsgId.AUTHENTICATE:
            return decode_authenticate(body, header.version)
    return Undecoded("unknown_id")


# Field widths of maker, model and terminal id by edition. 2011 terminals are still sold
# and flag nothing: their body is told apart by its length (a 2013 body is at least 37).
_REGISTER_WIDTHS = {2011: (5, 8, 7), 2013: (5, 20, 7), 2019: (11, 30, 30)}


def decode_register(body: bytes, version: Literal[2013, 2019]) -> Register:
    """Decode a 0x0100 body with the field widths of its edition."""
    edition: Literal[2011, 2013, 2019]
    if version == 2019:
        edition = 2019
    elif len(body) >= 4 + sum(_REGISTER_WIDTHS[2013]) + 1:
        edition = 2013
    else:
        edition = 2011
    maker_w, model_w, id_w = _REGISTER_WIDTHS[edition]
    need = 4 + maker_w + model_w + id_w + 1
    if len(body) < need:
        raise BadBody(f"{edition} registration of {len(body)} bytes, needs {need}")
    province, city = struct.unpack_from(">HH", body)
    pos = 4
    maker = text(body[pos : pos + maker_w])
    pos += maker_w
    model = text(body[pos : pos + model_w])
    pos += model_w
    terminal_id = text(body[pos : pos + id_w])
    pos += id_w
    return Register(
        province=province,
        city=city,
        maker=maker,
        model=model,
        terminal_id=terminal_id,
        plate_colour=body[pos],
        plate=text(body[pos + 1 :]),
        edition=edition,
    )


def decode_authenticate(body: bytes, version: Literal[2013, 2019]) -> Authenticate:
    """Decode a 0x0102 body: 2013 is the code alone; 2019 is code length, code, IMEI (15)
    and software version (20)."""
    if version == 2013:
        return Authenticate(code=text(body))
    if not body:
        raise BadBody("2019 authentication without a code length")
    n = body[0]
    need = 1 + n + 15 + 20
    if len(body) < need:
        raise BadBody(f"2019 authentication of {len(body)} bytes, code length {n} needs {need}")
    return Authenticate(
        code=text(body[1 : 1 + n]),
        imei=text(body[1 + n : 16 + n]),
        software_version=text(body[16 + n : 36 + n]),
    )


# ---------------------------------------------------------------------------- encoding


def encode_frame(
    msg_id: int,
    body: bytes,
    *,
    phone: str,
    serial: int,
    version: Literal[2013, 2019] = 2013,
    protocol_version: int = PROTOCOL_2019,
    package: tuple[int, int] | None = None,
) -> bytes:
    """A complete wire frame: marks, header, body, checksum, escaped.

    ``phone`` is a digit string, padded with leading zeros to the layout's width (12 or
    20); ``package`` is (total, index) for one piece of a split message.
    """
    if len(body) > MAX_BODY:
        raise ValueError(f"body of {len(body)} bytes, at most {MAX_BODY}")
    width = PHONE_2019 if version == 2019 else PHONE_2013
    digits = phone.rjust(2 * width, "0")
    if len(digits) != 2 * width:
        raise ValueError(f"phone {phone!r} longer than {2 * width} digits")
    props = len(body) | (BIT_2019 if version == 2019 else 0) | (BIT_PACKAGE if package else 0)
    head = struct.pack(">HH", msg_id, props)
    if version == 2019:
        head += bytes([protocol_version])
    head += bytes.fromhex(digits) + _U16.pack(serial & 0xFFFF)
    if package:
        head += struct.pack(">HH", *package)
    content = head + body
    return b"\x7e" + escape(content + bytes([checksum(content)])) + b"\x7e"


def _answer_frame(to: Header, msg_id: int, body: bytes, serial: int) -> bytes:
    # The answer mirrors the terminal's header: same layout, same protocol-version byte,
    # the phone bytes exactly as received.
    return encode_frame(
        msg_id,
        body,
        phone=to.phone,
        serial=serial,
        version=to.version,
        protocol_version=to.protocol_version if to.protocol_version is not None else 1,
    )


def general_answer(to: Header, result: AnswerResult, serial: int) -> bytes:
    """0x8001 answering the message ``to`` heads, with platform serial ``serial``."""
    body = _ANSWER.pack(to.serial, to.msg_id, int(result))
    return _answer_frame(to, MsgId.PLATFORM_ANSWER, body, serial)


def register_answer(to: Header, result: RegisterResult, auth_code: str, serial: int) -> bytes:
    """0x8100 answering a registration. The auth code goes out only with result 0, as
    the standard has it; it is GBK like every JT/T 808 string."""
    body = _REGISTER_ANSWER.pack(to.serial, int(result))
    if result == RegisterResult.OK:
        body += auth_code.encode("gbk")
    return _answer_frame(to, MsgId.REGISTER_ANSWER, body, serial)


class PlatformAnswers:
    """The platform side of one terminal's connection: answers numbered by the platform's
    own serial counter (0 to 65535, then around again)."""

    def __init__(self, first_serial: int = 0) -> None:
        self._serial = first_serial & 0xFFFF

    def next_serial(self) -> int:
        serial = self._serial
        self._serial = (serial + 1) & 0xFFFF
        return serial

    def general(self, to: Header, result: AnswerResult = AnswerResult.OK) -> bytes:
        """0x8001 to the message ``to`` heads (auth, heartbeat, location, batch, …)."""
        return general_answer(to, result, self.next_serial())

    def register(self, to: Header, result: RegisterResult, auth_code: str = "") -> bytes:
        """0x8100 to a 0x0100 registration."""
        return register_answer(to, result, auth_code, self.next_serial())
