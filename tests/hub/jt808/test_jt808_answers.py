"""Platform answers (0x8100, 0x8001) byte for byte against published frames, and the frame
envelope against published terminal frames.

Sources: SmallChi/JT808 ``src/JT808.Protocol.Test/MessageBody/JT808_0x8100Test.cs``,
``JT808_0x8001Test.cs``, ``JT808_0x0002Test.cs``, ``JT808_0x0001Test.cs``,
``JT808_0x0100Test.cs`` (2013); hylexus/xtream-codec
``ext/jt/jt-808-server-spring-boot-starter-reactive/src/test/java/io/github/hylexus/xtream/
codec/ext/jt808/builtin/messages/response/BuiltinMessage8100Test.java`` and
``BuiltinMessage8001Test.java`` (2019; its test encoder numbers every answer 0).
"""

from __future__ import annotations

import pytest

from hub.jt808 import (
    AnswerResult,
    Header,
    Message,
    PlatformAnswers,
    RegisterResult,
    Undecoded,
    encode_frame,
    general_answer,
    register_answer,
)
from tests.hub.jt808.terminal import feed

SMALLCHI_PHONE = "012345678900"
XTREAM_PHONE = "00000000013912344329"


def terminal_header(msg_id: int, serial: int, phone: str, version: int = 2013) -> Header:
    if version == 2019:
        return Header(msg_id, 2019, phone, serial, 0, protocol_version=1)
    return Header(msg_id, 2013, phone, serial, 0)


def test_register_answer_2013_smallchi() -> None:
    # JT808_0x8100Test.cs Test1: reply serial 100, success, code "123456", platform serial 10.
    to = terminal_header(0x0100, 100, SMALLCHI_PHONE)
    frame = register_answer(to, RegisterResult.OK, "123456", serial=10)
    assert frame.hex().upper() == "7E81000009012345678900000A006400313233343536687E"
    # Test3: result 4 (terminal not in the database): no auth code follows.
    frame = register_answer(to, RegisterResult.NO_SUCH_TERMINAL, "123456", serial=10)
    assert frame.hex().upper() == "7E81000003012345678900000A006404617E"


def test_general_answer_2013_smallchi() -> None:
    # JT808_0x8001Test.cs Test1: answering 0x0200 serial 100, success, platform serial 10.
    to = terminal_header(0x0200, 100, SMALLCHI_PHONE)
    frame = general_answer(to, AnswerResult.OK, serial=10)
    assert frame.hex().upper() == "7E80010005012345678900000A0064020000617E"


def test_answers_2019_xtream() -> None:
    # BuiltinMessage8100Test.testEncode: client flow id 111, result 0, "ok..ok..ok".
    to = terminal_header(0x0100, 111, XTREAM_PHONE, 2019)
    answers = PlatformAnswers(first_serial=0)
    assert answers.register(to, RegisterResult.OK, "ok..ok..ok").hex() == (
        "7e8100400d01000000000139123443290000006f006f6b2e2e6f6b2e2e6f6bd27e"
    )
    # BuiltinMessage8001Test.testEncode: client flow id 111, message 0x0200, result 0.
    # A fresh counter, as in xtream's test encoder: every answer there is serial 0.
    to = terminal_header(0x0200, 111, XTREAM_PHONE, 2019)
    assert (
        PlatformAnswers().general(to).hex() == "7e8001400501000000000139123443290000006f020000dc7e"
    )


def test_answer_mirrors_the_terminals_header() -> None:
    # A registration as decoded from a published 2019 frame (SmallChi/JT808
    # JT808_0x0100Test.cs, Test2019_2) is answered in 2019 layout to the same phone bytes.
    _, events = feed(
        bytes.fromhex(
            "7E010040540100000000000123456789000A002800323132333400000000000000736D616C6C6368"
            "693132330000000000000000000000000000000000000043484931323300000000000000000000"
            "000000000000000000000000000001D4C1413132333435B27E"
        )
    )
    (registration,) = events
    assert isinstance(registration, Message)
    answers = PlatformAnswers(first_serial=7)
    frame = answers.register(registration.header, RegisterResult.OK, "鉴权码A1")
    _, (decoded,) = feed(frame)
    assert isinstance(decoded, Message)
    h = decoded.header
    assert (h.msg_id, h.version, h.protocol_version, h.serial) == (0x8100, 2019, 1, 7)
    assert h.phone == registration.header.phone
    assert decoded.body == Undecoded("unknown_id")  # a terminal-side id: not ours to decode
    assert decoded.raw_body == b"\x00\x0a\x00" + "鉴权码A1".encode("gbk")


def test_answer_to_a_2013_layout_under_the_2019_flag_is_2013() -> None:
    # SmallChi/JT808 JT808_0x0200Test.cs Test5_3: bit 14 raised on a 2013 header.
    _, (auth,) = feed(bytes.fromhex("7E0102400C01003000068109024A3130303330303030363831857E"))
    assert isinstance(auth, Message)
    frame = PlatformAnswers().general(auth.header)
    _, (decoded,) = feed(frame)
    assert isinstance(decoded, Message)
    assert decoded.header.version == 2013 and not decoded.header.version_flag_ignored
    assert decoded.header.phone == "010030000681"
    assert decoded.raw_body == bytes.fromhex("0902 0102 00")


def test_platform_serial_counts_and_wraps() -> None:
    to = terminal_header(0x0002, 5, SMALLCHI_PHONE)
    answers = PlatformAnswers(first_serial=0xFFFE)
    serials = []
    for _ in range(3):
        _, (decoded,) = feed(answers.general(to))
        assert isinstance(decoded, Message)
        serials.append(decoded.header.serial)
    assert serials == [0xFFFE, 0xFFFF, 0]


def test_answer_results() -> None:
    to = terminal_header(0x0F01, 9, SMALLCHI_PHONE)
    for result in AnswerResult:
        _, (decoded,) = feed(general_answer(to, result, serial=1))
        assert isinstance(decoded, Message)
        assert decoded.raw_body == bytes([0, 9, 0x0F, 0x01, int(result)])


def test_answers_are_escaped() -> None:
    # A reply serial of 0x7E7D must travel as 7D 02 7D 01, and so must any checksum of 7E.
    to = terminal_header(0x0200, 0x7E7D, SMALLCHI_PHONE)
    frame = general_answer(to, AnswerResult.OK, serial=0x7D7E)
    assert 0x7E not in frame[1:-1]
    _, (decoded,) = feed(frame)
    assert isinstance(decoded, Message)
    assert decoded.header.serial == 0x7D7E and decoded.raw_body[:2] == b"\x7e\x7d"


@pytest.mark.parametrize(
    ("msg_id", "body", "serial", "published"),
    [
        # SmallChi/JT808 JT808_0x0002Test.cs Test1: a heartbeat, serial 10.
        (0x0002, b"", 10, "7E00020000012345678900000A817E"),
        # SmallChi/JT808 JT808_0x0001Test.cs Test1: answering 0x0002 serial 1000, success.
        (0x0001, bytes.fromhex("03E8000200"), 1203, "7E0001000501234567890004B303E8000200D37E"),
    ],
)
def test_frame_envelope_smallchi(msg_id: int, body: bytes, serial: int, published: str) -> None:
    frame = encode_frame(msg_id, body, phone="12345678900", serial=serial)
    assert frame.hex().upper() == published


def test_encode_frame_refuses_what_cannot_be_sent() -> None:
    with pytest.raises(ValueError, match="body"):
        encode_frame(0x0200, bytes(1024), phone="1", serial=0)
    with pytest.raises(ValueError, match="phone"):
        encode_frame(0x0200, b"", phone="1234567890123", serial=0)
