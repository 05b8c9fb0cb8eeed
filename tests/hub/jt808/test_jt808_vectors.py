"""Published JT/T 808 frames and the values their projects decode from them.

Sources (each vector names its file and test):
- traccar/traccar ``src/test/java/org/traccar/protocol/Jt808ProtocolDecoderTest.java``
  (the former ``HuabaoProtocolDecoderTest.java``): real device frames. Its decoder test
  is fed frames already unescaped, so they go back on the wire through ``wire()``.
  Where the test asserts only one attribute, the other values are read with the rules of
  ``Jt808ProtocolDecoder.java`` (``decodeCoordinates``: status bit 2 south, bit 3 west,
  1e-6 degree; ``readDate``: BCD in GMT+8 unless configured otherwise).
- SmallChi/JT808 ``src/JT808.Protocol.Test/...``: serializer tests with asserted values.
- hylexus/xtream-codec ``ext/jt/jt-808-server-spring-boot-starter-reactive/src/test/...``
  and ``debug/jt/jt-808-server-spring-boot-starter-debug-ui/src/utils/codec-utils.ts``
  (hex frames with their decoded JSON).
"""

from __future__ import annotations

import datetime as dt

import pytest

from hub.jt808 import (
    Authenticate,
    FrameError,
    Heartbeat,
    Location,
    LocationBatch,
    Logout,
    Message,
    Register,
    TerminalAnswer,
    Undecoded,
)
from hub.jt808.location import decode_batch
from hub.jt808.wire import unescape
from tests.hub.jt808.terminal import feed, wire

GMT8 = dt.timezone(dt.timedelta(hours=8))


def beijing(year: int, month: int, day: int, hour: int, minute: int, second: int) -> float:
    """The epoch seconds of a Beijing (GMT+8) wall-clock time, as the BCD field holds it."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=GMT8).timestamp()


def message(data: bytes) -> Message:
    _, events = feed(data)
    assert len(events) == 1, events
    event = events[0]
    assert isinstance(event, Message), event
    return event


def location(data: bytes) -> tuple[Message, Location]:
    msg = message(data)
    assert isinstance(msg.body, Location)
    return msg, msg.body


def item(loc: Location, item_id: int) -> bytes:
    found = [value for i, value in loc.items if i == item_id]
    assert len(found) == 1
    return found[0]


# ------------------------------------------------------------------------- 0x0200, 2013


def test_2013_location_smallchi() -> None:
    # SmallChi/JT808 src/JT808.Protocol.Test/MessageBody/JT808_0x0200Test.cs, Test5.
    msg, loc = location(
        bytes.fromhex(
            "7E 02 00 00 26 11 22 33 44 55 66 22 B8 00 00 00 01 00 00 00 02 00 BA 7F 0E 07 E4"
            " F1 1C 00 28 00 3C 00 00 18 07 15 10 10 10 01 04 00 00 00 64 02 02 00 37 57 7E"
        )
    )
    h = msg.header
    assert (h.msg_id, h.version, h.body_length, h.serial) == (0x0200, 2013, 38, 8888)
    assert h.phone == "112233445566" and not h.is_package and h.encryption == 0
    assert loc.alarm == 1 and loc.sos
    assert loc.status == 2 and loc.positioned
    assert (loc.lat, loc.lon) == (12.222222, 132.444444)
    assert loc.altitude_m == 40 and loc.direction == 0
    assert loc.speed_kmh == 6.0  # Speed 60, in 0.1 km/h
    assert loc.ts == beijing(2018, 7, 15, 10, 10, 10)
    assert loc.mileage_km == 10.0  # Mileage 100, in 0.1 km
    assert item(loc, 0x02) == (55).to_bytes(2, "big")  # Oil 55, kept raw
    assert loc.is_fix


def test_2013_location_traccar_items() -> None:
    # traccar Jt808ProtocolDecoderTest.java: verifyAttribute(..., KEY_BATTERY_LEVEL, 99),
    # which its decoder reads from item 0xE4 (u16).
    msg, loc = location(
        wire(
            "7e02000048051160004464000d00000000000c00020159885e06cbf34400000000000020080718"
            "072201040000000130011c310109e4020063e50100e60100e7080000000000000000ee0a01cc01"
            "262c009a6743001e7e"
        )
    )
    assert msg.header.phone == "051160004464" and msg.header.terminal == "51160004464"
    assert msg.header.serial == 13
    assert (loc.lat, loc.lon) == (22.64483, 114.02938)
    assert loc.ts == beijing(2020, 8, 7, 18, 7, 22)
    assert loc.status == 0x000C0002 and loc.positioned and not loc.sos
    assert (loc.mileage_km, loc.signal, loc.satellites) == (0.1, 0x1C, 9)
    assert int.from_bytes(item(loc, 0xE4), "big") == 99
    assert [i for i, _ in loc.items] == [0x01, 0x30, 0x31, 0xE4, 0xE5, 0xE6, 0xE7, 0xEE]
    assert loc.items_complete


def test_2013_location_south_west_traccar() -> None:
    # traccar Jt808ProtocolDecoderTest.java: verifyAttribute(..., KEY_BATTERY_LEVEL, 100)
    # (item 0xD4, one byte). Status 0x022C004E has bits 2 and 3: south and west, which
    # puts the fix in Asunción, Paraguay.
    _, loc = location(
        wire(
            "7e0200004d794308010679013800000000022c004e01819568036ef38c005c00120000251118"
            "112611d40164d50201a230011d31010cf40104f9020007fe0400000090fd0a02e8000400044a"
            "150fe6ef014a0b062200623a4965977e"
        )
    )
    assert (loc.lat, loc.lon) == (-25.269608, -57.602956)
    assert loc.altitude_m == 92 and loc.speed_kmh == 1.8
    assert loc.ts == beijing(2025, 11, 18, 11, 26, 11)
    assert (loc.signal, loc.satellites) == (29, 12)
    assert item(loc, 0xD4) == bytes([100])


def test_2013_location_published_escaped_frame() -> None:
    # traccar Jt808ProtocolDecoderTest.java, the verifyPosition frame "7E0200008301917159
    # 04370A2E…": printed in its escaped wire form (7D 02 inside item 0x87), so it is fed
    # as published. Once unescaped its length and checksum agree.
    msg, loc = location(
        bytes.fromhex(
            "7E020000830191715904370A2E00000000800000030158991806CA0FEB00040000010D2111081940"
            "50010400000003CC14383938363034373831303230373033313836303830011A8001AA8102138882"
            "02007A8301148401AA8502189B8601338702007D028801338901148A0200998B1131323334353637"
            "383941424344454647488C04000200A88D0200828E0114A0002E7E"
        )
    )
    assert msg.header.body_length == 131 == len(msg.raw_body)
    assert item(loc, 0x87) == b"\x00\x7e"
    assert (loc.lat, loc.lon) == (22.583576, 113.905643)
    assert loc.ts == beijing(2021, 11, 8, 19, 40, 50)
    assert loc.direction == 269 and loc.altitude_m == 4
    assert item(loc, 0xCC).decode() == "89860478102070318608"  # the ICCID traccar reads
    assert item(loc, 0xA0) == b""  # An empty item is an item.


# ------------------------------------------------------------------------- 0x0200, 2019


def test_2019_location_xtream() -> None:
    # hylexus/xtream-codec debug/jt/jt-808-server-spring-boot-starter-debug-ui/src/utils/
    # codec-utils.ts, BuiltinMessage0200: hexString and bodyJson.
    msg, loc = location(
        bytes.fromhex(
            "7e02004026010000000001391234432900000000006f0000001601dc9a0707456246007b004200"
            "032501292233440202006401040000000c417e"
        )
    )
    h = msg.header
    assert (h.version, h.protocol_version, h.serial, h.body_length) == (2019, 1, 0, 38)
    assert h.phone == "00000000013912344329" and h.terminal == "13912344329"
    assert loc.alarm == 111 and loc.sos
    assert loc.status == 22 and loc.positioned
    # bodyJson gives the raw 31234567; status 22 has bit 2 (south) set.
    assert (loc.lat, loc.lon) == (-31.234567, 121.987654)
    assert (loc.altitude_m, loc.speed_kmh, loc.direction) == (123, 6.6, 3)
    assert loc.ts == beijing(2025, 1, 29, 22, 33, 44)
    assert loc.mileage_km == 1.2  # "1": 12
    assert item(loc, 0x02) == (100).to_bytes(2, "big")  # "2": 100


def test_2019_location_with_signal_and_satellites_xtream() -> None:
    # hylexus/xtream-codec codec-utils.ts, the BuiltinMessage0200Sample2 hexString (also in
    # src/pages/message-decoding.vue). Its bodyJson there is a copy of the entry above;
    # the values are those of BuiltinMessage0200Sample2Test.createEntity() that produced it.
    _, loc = location(
        bytes.fromhex(
            "7e0200407c010000000001391234432900000000007b000000de01d907f2073d336c029a004e0000"
            "14102119510901040000006f020200de0302029a0402014d25040000030930012112060100000000"
            "01130700000001000000310137642f000000dedf6f03420b0c0d0e0f04d201d907f2073d336c1410"
            "211951090001313233343536371410211951090101008e7e"
        )
    )
    assert (loc.alarm, loc.status) == (123, 222)
    # Status 222 = 0b11011110: positioned, south, west.
    assert (loc.lat, loc.lon) == (-31.000562, -121.451372)
    assert (loc.altitude_m, loc.speed_kmh, loc.direction) == (666, 7.8, 0)
    assert loc.ts == beijing(2014, 10, 21, 19, 51, 9)
    assert (loc.mileage_km, loc.signal, loc.satellites) == (11.1, 33, 55)
    assert int.from_bytes(item(loc, 0x25), "big") == 777
    assert [i for i, _ in loc.items] == [0x01, 0x02, 0x03, 0x04, 0x25, 0x30, 0x12, 0x13, 0x31, 0x64]
    assert len(item(loc, 0x64)) == 0x2F


def test_2019_sub_packages_xtream() -> None:
    # hylexus/xtream-codec debug-ui src/pages/message-decoding.vue: one 0x0200 split in
    # three packages (body properties bit 13, total 3, index 1..3).
    stream = bytes.fromhex(
        "7e0200601001000000000139123443290000000300010000006f0000001601dc9a07074562465a7e"
        "7e020060100100000000013912344329000100030002007b0042000325012922334402020064017e"
        "7e02006006010000000001391234432900020003000301040000000c1a7e"
    )
    _, events = feed(stream)
    assert [type(e) for e in events] == [Message] * 3
    headers = [e.header for e in events if isinstance(e, Message)]
    assert [(h.package_total, h.package_index, h.serial) for h in headers] == [
        (3, 1, 0),
        (3, 2, 1),
        (3, 3, 2),
    ]
    assert all(h.version == 2019 and h.is_package for h in headers)
    assert all(e.body == Undecoded("sub_package") for e in events if isinstance(e, Message))


def test_2013_sub_package_header_smallchi() -> None:
    # SmallChi/JT808 src/JT808.Protocol.Test/JT808HeaderPackageTest.cs, Test1: a 0x1205
    # split in two; the second package.
    msg = message(
        bytes.fromhex(
            "7E1205203804066657506200EC000200020120121900163320121900360700000000000000000001"
            "010F0CE4CD0120121900002220121900163300000000000000000001010C6F9E7B5D7E"
        )
    )
    h = msg.header
    assert (h.msg_id, h.version, h.serial) == (0x1205, 2013, 0xEC)
    assert (h.package_total, h.package_index, h.body_length) == (2, 2, 0x38)


# ------------------------------------------------------------------------------ 0x0704


def test_2013_batch_smallchi() -> None:
    # SmallChi/JT808 src/JT808.Protocol.Test/MessageBody/JT808_0x0704Test.cs, Test2.
    msg = message(
        bytes.fromhex(
            "7E 07 04 00 53 11 22 33 44 55 66 22 B8 00 02 00 00 26 00 00 00 01 00 00 00 02 00"
            " BA 7F 0E 07 E4 F1 1C 00 28 00 3C 00 00 18 07 15 10 10 10 01 04 00 00 00 64 02 02"
            " 00 37 00 26 00 00 00 02 00 00 00 01 00 CB 73 55 07 E6 A3 23 00 29 00 36 00 78 18"
            " 07 15 10 10 30 01 04 00 00 00 60 02 02 00 42 D4 7E"
        )
    )
    assert (msg.header.msg_id, msg.header.serial, msg.header.phone) == (
        0x0704,
        8888,
        "112233445566",
    )
    batch = msg.body
    assert isinstance(batch, LocationBatch)
    assert (batch.count, batch.kind, batch.blind_area, batch.errors) == (2, 0, False, ())
    first, second = batch.locations
    assert (first.alarm, first.status, first.lat, first.lon) == (1, 2, 12.222222, 132.444444)
    assert (first.direction, first.speed_kmh, first.mileage_km) == (0, 6.0, 10.0)
    assert first.ts == beijing(2018, 7, 15, 10, 10, 10)
    assert item(first, 0x02) == (55).to_bytes(2, "big")
    assert (second.alarm, second.status, second.lat, second.lon) == (2, 1, 13.333333, 132.555555)
    assert second.overspeed and not second.sos and not second.positioned and not second.is_fix
    assert (second.direction, second.speed_kmh, second.mileage_km) == (120, 5.4, 9.6)
    assert second.ts == beijing(2018, 7, 15, 10, 10, 30)
    assert item(second, 0x02) == (66).to_bytes(2, "big")


def test_2019_batch_xtream() -> None:
    # hylexus/xtream-codec .../builtin/messages/request/BuiltinMessage0704Test.java
    # (testEncode's hex, testDecode's values); also codec-utils.ts BuiltinMessage0704.
    msg = message(
        bytes.fromhex(
            "7e0704403f01000000000139123443290000000200001c000000010000000101d907f2073d336c029a"
            "00210059241029213903001c000000010000000101d907f3073d336d03090043005a241029213903f87e"
        )
    )
    assert msg.header.version == 2019
    batch = msg.body
    assert isinstance(batch, LocationBatch)
    assert (batch.count, batch.kind, batch.errors) == (2, 0, ())
    a, b = batch.locations
    when = beijing(2024, 10, 29, 21, 39, 3)
    assert (a.alarm, a.status, a.lat, a.lon, a.altitude_m) == (1, 1, 31.000562, 121.451372, 666)
    assert (a.speed_kmh, a.direction, a.ts) == (3.3, 89, when)
    assert (b.alarm, b.status, b.lat, b.lon, b.altitude_m) == (1, 1, 31.000563, 121.451373, 777)
    assert (b.speed_kmh, b.direction, b.ts) == (6.7, 90, when)
    # Status 1 is ACC on without bit 1: not a fix, though the SOS bit is set.
    assert a.sos and not a.positioned and not a.is_fix


def test_2013_blind_area_batch_traccar() -> None:
    # traccar Jt808ProtocolDecoderTest.java: verifyPositions on "7E0704014301356777777707F5
    # …": eight blind-area positions from one terminal, in order.
    msg = message(
        wire(
            "7E0704014301356777777707F5000801002600000000000000030159741206CBFD500172000000011605"
            "2709062401040000001D03020000002600000000000000030159746606CBFD50016B00000001160527"
            "09065301040000001D0302000000260000000000000003015975E406CBFE58013F0000000116052709"
            "072701040000001D0302000000260000000000000003015976DE06CBFF10012E000000011605270907"
            "5601040000001D0302000000260000000000000003015976BC06CBFED0012D00000001160527090830"
            "01040000001D0302000000260000000000000003015976FE06CBFEC001080000000116052709090001"
            "040000001D0302000000260000000000000003015976FE06CBFE7800FC000000011605270909330104"
            "0000001D0302000000260000000000000003015977A606CBFF3001080000000116052709100201040000"
            "001D030200001F7E"
        )
    )
    batch = msg.body
    assert isinstance(batch, LocationBatch)
    assert (batch.count, batch.kind, batch.blind_area, batch.errors) == (8, 1, True, ())
    assert len(batch.locations) == 8
    times = [loc.ts or 0.0 for loc in batch.locations]
    assert times[0] == beijing(2016, 5, 27, 9, 6, 24)
    assert times[-1] == beijing(2016, 5, 27, 9, 10, 2)
    assert times == sorted(times)
    first = batch.locations[0]
    assert (first.lat, first.lon, first.altitude_m, first.direction) == (
        22.639634,
        114.031952,
        370,
        1,
    )
    assert first.mileage_km == 2.9 and all(loc.is_fix for loc in batch.locations)


@pytest.mark.parametrize(
    ("published", "version", "kind"),
    [
        # traccar Jt808ProtocolDecoderTest.java: verifyAttribute(..., KEY_SATELLITES, 14).
        (
            "7e070400510144503762020002000101004c00040100000800030202301006f893e8001d00000095"
            "260817221812140400000000170200000104000036c9030200002504000000002a02000030011f31"
            "010eea04020c8300ef0400000000037e",
            2013,
            1,
        ),
        # The same test, a 2019 terminal: verifyAttribute(..., KEY_SATELLITES, 14).
        (
            "7e0704402d0100000866496077582164881d0001000028000000000000000701a00192091f2a4700"
            "160000000226050916422701040000258230010031010e507e",
            2019,
            0,
        ),
    ],
)
def test_batch_satellites_traccar(published: str, version: int, kind: int) -> None:
    msg = message(wire(published))
    assert msg.header.version == version
    batch = msg.body
    assert isinstance(batch, LocationBatch)
    assert (batch.count, batch.kind, len(batch.locations), batch.errors) == (1, kind, 1, ())
    assert batch.locations[0].satellites == 14


def test_2019_batch_south_traccar() -> None:
    # The 2019 batch above: status 7 sets bit 2, and the fix lands in Brisbane.
    msg = message(
        wire(
            "7e0704402d0100000866496077582164881d0001000028000000000000000701a00192091f2a4700"
            "160000000226050916422701040000258230010031010e507e"
        )
    )
    assert msg.header.terminal == "866496077582164"
    assert isinstance(msg.body, LocationBatch)
    loc = msg.body.locations[0]
    assert (loc.lat, loc.lon, loc.altitude_m) == (-27.263378, 153.037383, 22)
    assert loc.ts == beijing(2026, 5, 9, 16, 42, 27)
    assert (loc.mileage_km, loc.signal) == (960.2, 0)


# ---------------------------------------------------------------------- register, auth


def test_register_2013_smallchi() -> None:
    # SmallChi/JT808 src/JT808.Protocol.Test/MessageBody/JT808_0x0100Test.cs, Test1_1.
    msg = message(
        bytes.fromhex(
            "7E0100002D000123456789000A002800323132333400736D616C6C6368693132330000000000000000"
            "004348493132330001D4C14131323334358A7E"
        )
    )
    assert (msg.header.serial, msg.header.terminal) == (10, "123456789")
    assert msg.body == Register(
        province=40,
        city=50,
        maker="1234",
        model="smallchi123",
        terminal_id="CHI123",
        plate_colour=1,
        plate="粤A12345",
        edition=2013,
    )


def test_register_2011_layout_smallchi() -> None:
    # SmallChi/JT808 JT808_0x0100Test.cs, Test2011_2: the 8-byte terminal model of 2011,
    # flagged no differently from 2013.
    msg = message(
        bytes.fromhex(
            "7E01000021000123456789000A002800323132333400746B3132333435004348493132330001D4C141"
            "3132333435857E"
        )
    )
    assert isinstance(msg.body, Register)
    assert (msg.body.edition, msg.body.model, msg.body.terminal_id) == (2011, "tk12345", "CHI123")
    assert msg.body.plate == "粤A12345"


def test_register_2019_smallchi() -> None:
    # SmallChi/JT808 JT808_0x0100Test.cs, Test2019_2.
    msg = message(
        bytes.fromhex(
            "7E010040540100000000000123456789000A00280032313233340000000000000073"
            "6D616C6C6368693132330000000000000000000000000000000000000043484931323300"
            "000000000000000000000000000000000000000000000001D4C1413132333435B27E"
        )
    )
    assert (msg.header.version, msg.header.protocol_version) == (2019, 1)
    assert (msg.header.phone, msg.header.terminal) == ("00000000000123456789", "123456789")
    assert msg.body == Register(40, 50, "1234", "smallchi123", "CHI123", 1, "粤A12345", 2019)


def test_register_2019_zero_padded_smallchi() -> None:
    # SmallChi/JT808 JT808_0x0100Test.cs, Test2019_4_2: fields padded in front with ASCII
    # "0"; the test strips them itself (TrimStart('0')), and so does this one.
    msg = message(
        bytes.fromhex(
            "7e0100405401000000000222222222220001000000003030304b6f696b653030323030303030303030"
            "30303030303030303030303030304b6f696b6530303230303030303030303030303030303030303030"
            "3030304b6f696b6530303202d4c1413132333436107e"
        )
    )
    body = msg.body
    assert isinstance(body, Register)
    assert msg.header.terminal == "22222222222"
    assert (body.province, body.city, body.plate_colour, body.plate) == (0, 0, 2, "粤A12346")
    assert {body.maker.lstrip("0"), body.model.lstrip("0"), body.terminal_id.lstrip("0")} == {
        "Koike002"
    }


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        # hylexus/xtream-codec .../request/BuiltinMessage0100V2013Test.java
        (
            "7e0100002f0139123443230000000b0002696433323174797065313233343536373839303132333435"
            "366964313233343501b8ca4a2d3132333435395a7e",
            Register(11, 2, "id321", "type1234567890123456", "id12345", 1, "甘J-123459", 2013),
        ),
        # hylexus/xtream-codec .../request/BuiltinMessage0100V2019Test.java
        (
            "7e0100405601000000000139123443290000000b0002696431323334353637383974797065313233343536"
            "373839303132333435363738393031323334353669643132333435363738393031323334353637383930"
            "313233343536373801b8ca4a2d313233343539517e",
            Register(
                11,
                2,
                "id123456789",
                "type12345678901234567890123456",
                "id1234567890123456789012345678",
                1,
                "甘J-123459",
                2019,
            ),
        ),
    ],
)
def test_register_gbk_plate_xtream(published: str, expected: Register) -> None:
    assert message(bytes.fromhex(published)).body == expected


def test_register_real_devices_traccar() -> None:
    # traccar Jt808ProtocolDecoderTest.java, verifyNull frames of 0x0100 (a registration
    # produces no position there); their fields read with the standard's widths.
    bsj = message(
        wire(
            "7E01000021013345678906000F002C012F373031313142534A2D4D3742203030303030303001D4C142"
            "3838383838B47E"
        )
    ).body
    assert bsj == Register(44, 303, "70111", "BSJ-M7B", "0000000", 1, "粤B88888", 2011)
    huabao = message(
        wire(
            "7E0100002D013511221122000500000000373031303748422D52303347424400000000000000000000"
            "003233363631303402CBD5424136383630387E"
        )
    ).body
    assert huabao == Register(0, 0, "70107", "HB-R03GBD", "2366104", 2, "苏BA6860", 2013)


def test_authenticate_2013_smallchi() -> None:
    # SmallChi/JT808 src/JT808.Protocol.Test/MessageBody/JT808_0x0102Test.cs, Test4.
    msg = message(
        bytes.fromhex("7E 01 02 00 09 01 23 45 67 89 00 30 39 34 35 36 31 32 31 31 31 31 BE 7E")
    )
    assert (msg.header.serial, msg.header.terminal) == (12345, "12345678900")
    assert msg.body == Authenticate(code="456121111")


def test_authenticate_gbk_code_xtream() -> None:
    # hylexus/xtream-codec .../request/BuiltinMessage0102V2013Test.java and
    # BuiltinMessage0102V2019Test.java: a GBK auth code, and in 2019 IMEI and version.
    v2013 = message(bytes.fromhex("7e0102000d0139123443230000d5e2cac7bcf8c8a8c2eb313131767e"))
    assert v2013.body == Authenticate(code="这是鉴权码111")
    v2019 = message(
        bytes.fromhex(
            "7e01024031010000000001391234432900000dd5e2cac7bcf8c8a8c2eb31313131313131313131313131"
            "3131313131312e322e333031300000000000000000000000003c7e"
        )
    )
    assert v2019.body == Authenticate("这是鉴权码111", "111111111111111", "1.2.3010")


def test_authenticate_traccar() -> None:
    # traccar Jt808ProtocolDecoderTest.java, verifyNull "7E0102000E013511221122000661…".
    msg = message(wire("7E0102000E013511221122000661757468656E7469636174696F6E3F7E"))
    assert msg.body == Authenticate(code="authentication")


def test_version_flag_on_a_2013_layout_smallchi() -> None:
    # SmallChi/JT808 JT808_0x0200Test.cs, Test5_3 and Test5_4: a terminal that raises bit
    # 14 yet sends the 2013 header (SmallChi reads it with JT808Version.JTT2013Force).
    auth = message(bytes.fromhex("7E0102400C01003000068109024A3130303330303030363831857E"))
    assert auth.header.version == 2013 and auth.header.version_flag_ignored
    assert auth.header.phone == "010030000681"
    assert auth.body == Authenticate(code="J10030000681")
    _, loc = location(
        bytes.fromhex(
            "7e0200406c010030000681090e00000000000c0003026c936f074c794c0004036300d72106251557"
            "39010400000000052801cc00210625155739054145bbc91e4145a2fa1141450000004145bbc8194145"
            "a1370a4145000000240200002a0200002b04000000003001153101125f0a89860418231870850620757e"
        )
    )
    assert (loc.lat, loc.lon, loc.speed_kmh, loc.direction) == (40.670063, 122.4523, 86.7, 215)
    assert loc.ts == beijing(2021, 6, 25, 15, 57, 39)
    assert (loc.signal, loc.satellites) == (0x15, 0x12)


# ------------------------------------------------------ heartbeat, logout, terminal answer


def test_heartbeat_logout_answer_smallchi() -> None:
    # SmallChi/JT808 src/JT808.Protocol.Test/MessageBody/JT808_0x0002Test.cs (Test2, Test3:
    # its checksum is 7E, sent escaped as 7D 02), JT808_0x0003Test.cs Test2 and
    # JT808_0x0001Test.cs Test2.
    beat = message(bytes.fromhex("7E00020000012345678900000A817E"))
    assert (beat.body, beat.header.serial, beat.header.terminal) == (Heartbeat(), 10, "12345678900")
    beat = message(bytes.fromhex("7E 00 02 00 00 04 00 21 67 92 87 00 2B 7D 02 7E"))
    assert (beat.body, beat.header.serial, beat.header.terminal) == (Heartbeat(), 43, "40021679287")
    bye = message(bytes.fromhex("7E0003000001234567890000018B7E"))
    assert (bye.body, bye.header.serial) == (Logout(), 1)
    answer = message(bytes.fromhex("7E0001000501234567890004B303E8000200D37E"))
    assert answer.header.serial == 1203
    assert answer.body == TerminalAnswer(reply_serial=1000, reply_id=0x0002, result=0)


def test_2019_heartbeat_and_logout_xtream() -> None:
    # hylexus/xtream-codec codec-utils.ts, BuiltinMessage0002 and BuiltinMessage0003.
    _, events = feed(
        bytes.fromhex(
            "7e0002400001000000000139123443290000377e7e0003400001000000000139123443290000367e"
        )
    )
    assert [e.body for e in events if isinstance(e, Message)] == [Heartbeat(), Logout()]


# ------------------------------------------------- published faults: the policy on them


@pytest.mark.parametrize(
    ("published", "reason"),
    [
        # traccar Jt808ProtocolDecoderTest.java, verifyPosition "7E0200003201351122112200
        # 07…": declares a 50-byte body, holds 40, and its checksum is off.
        (
            wire(
                "7E02000032013511221122000700000000000C000301578CC006CA3A5C0047000000001407231720"
                "1501040000000030011631010BD07E"
            ),
            "bad_checksum",
        ),
        # traccar Jt808ProtocolDecoderTest.java, "7E0900007A413050338598004B53…": the checksum
        # agrees but the header declares 122 body bytes and 107 follow.
        (
            wire(
                "7E0900007A413050338598004B530000001000000000000000000000000000002306260457470700"
                "AABBCC001122BD0B043F0464014864034A003E01AABBCC011122BD08052F04641200010302AABBCC"
                "201122BD05012F04640103AABBCC031122BD06022F0464486404AABBCC401122BD06032F04641C04"
                "767E"
            ),
            "length_mismatch",
        ),
        # SmallChi/JT808 JT808_0x0201Test.cs, Test4: declares 69 body bytes, holds 70 (the
        # checksum 8C is followed by a stray 00, which XORs to a checksum of its own).
        (
            bytes.fromhex(
                "7E0201004504122030900509311AA90000000000080002020285F807149893000E000001542606"
                "17092230010400260E432A0200042B040014001430011D310110520103510804F604F604F604F6"
                "5F0200FF8C007E"
            ),
            "length_mismatch",
        ),
        # SmallChi/JT808 JT808_0x0200Test.cs, Test_Device_AttachInfo5: a device frame with
        # its phone number masked to 111111111111, which the checksum still remembers
        # (SmallChi decodes it only with SkipCRCCode).
        (
            bytes.fromhex(
                "7E020000520111111111110002000000000000000301789B3406238AFA0000018B00F621040200"
                "46090104000024C72B040B290B2930011731011B000400CE0B29000C00B22222222222222222222"
                "2EB0E000C00B2222222222222222222226C7E"
            ),
            "bad_checksum",
        ),
    ],
)
def test_published_faulty_frames_are_counted_and_dropped(published: bytes, reason: str) -> None:
    heartbeat = bytes.fromhex("7E00020000012345678900000A817E")
    deframer, events = feed(published + heartbeat)
    assert len(events) == 2
    error, after = events
    assert isinstance(error, FrameError) and error.reason == reason
    assert isinstance(after, Message) and after.body == Heartbeat()  # the connection lives on
    assert deframer.counts[reason] == 1 and deframer.counts["message"] == 1
    assert not deframer.closed


def test_broken_batch_item_is_reported_smallchi() -> None:
    # SmallChi/JT808 JT808_0x0704Test.cs, Test4: a two-item batch whose second item says
    # 233 bytes where 229 are left; SmallChi asserts one ErrorRemainPositions entry (with
    # SkipCRCCode: the frame's checksum and length are off, so the stream drops it).
    frame = bytes.fromhex(
        "7E070401D90111111111118D1F00020100E90000000000000003016550E2060E84A8056402B20064200603"
        "172833010400054576030202B2EA5A00030507020F226300040503012A9198000504002469400006040035"
        "FF1E0007040008522800100E000400FA00BC00A500B000A202B2001202011B001301000014011900150200"
        "00001601F000170203D20018010F0019020047EC6560C00204F760D001456050017860F0015150B002005C"
        "6330015564600151649001005001010050020100500301005101017D01510201835104020FA65105017251"
        "06026E685107023A80510802FFFF510A0103510C0155510D0400000000511101025112010000E900000003"
        "016550BA060E8620056302BC005E200603172835010400054577030202BCEA5A00030507020F22AE000405"
        "03012A9198000504002469420006040035FF1E0007040008522800100E000400FA00890083008A009602BC"
        "001202011B00130100001401190015020000001601F000170203D20018010E0019020048EC6560C0020502"
        "60D001466050017860F0015150B002005C6330015564600151649001005001010050020100500301005101"
        "017D01510201835104020FA65105017251060273185107023A60510802FFFF510A0103510C0155510D0400"
        "0000005111010251120100807E"
    )
    _, events = feed(frame)
    assert [type(e) for e in events] == [FrameError]
    batch = decode_batch(unescape(frame[1:-1])[12:-1])
    assert (batch.count, batch.kind, len(batch.locations)) == (2, 1, 1)
    (broken,) = batch.errors
    assert broken.index == 1 and "233" in broken.reason and len(broken.raw) == 229
    first = batch.locations[0]
    assert (first.lat, first.lon, first.speed_kmh) == (23.417058, 101.61476, 69.0)
    assert first.ts == beijing(2020, 6, 3, 17, 28, 33)
