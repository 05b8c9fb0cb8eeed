"""The protocol core alone: no Qt, no sockets."""

from __future__ import annotations

import contextlib
import json

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend_client.protocol import (
    Decision,
    Fix,
    Heartbeat,
    Hello,
    IncidentNew,
    ProtocolError,
    Request,
    Response,
    SequenceTracker,
    Snapshot,
    Unit,
    UnitPositions,
    decode_client,
    decode_server,
    encode,
)
from backend_client.protocol.messages import Incident
from backend_client.protocol.ops import Answer, UnitAt, UnitsAtAnswer, answer_frame, to_result
from hub.requests.export import ExportPage


def test_round_trip_of_every_streamed_shape() -> None:
    positions = UnitPositions(  # live: no seq
        ts=1.5, fixes=[Fix(id="u1", lat=29.08, lon=119.64, ts=1.0, speed=2.0)]
    )
    incident = IncidentNew(
        seq=8,
        ts=2.0,
        incident=Incident(
            id="c1", source="hotline", category="占道经营", reported_at=1.0, lat=29.1, lon=119.6
        ),
    )
    for message in (positions, incident, Heartbeat(seq=8, ts=3.0)):
        assert decode_server(encode(message)) == message


def test_chinese_text_survives_encoding() -> None:
    snapshot = Snapshot(seq=1, ts=0.0, units=[Unit(id="u1", name="王建国", team="城东中队")])
    raw = encode(snapshot)
    assert "王建国" in raw.decode("utf-8")
    decoded = decode_server(raw)
    assert isinstance(decoded, Snapshot)
    assert decoded.units[0].name == "王建国"


def test_unknown_fields_are_ignored() -> None:
    frame = {"type": "heartbeat", "seq": 3, "ts": 1.0, "added_in_v9": {"x": 1}}
    assert decode_server(json.dumps(frame)) == Heartbeat(seq=3, ts=1.0)


def _fix_frame(coords: str) -> bytes:
    fix = '{"id": "a", ' + coords + ', "ts": 1}'
    return ('{"type": "unit.positions", "ts": 1, "fixes": [' + fix + "]}").encode()


@pytest.mark.parametrize(
    ("frame", "code", "field"),
    [
        (b"{not json", "malformed", None),
        (b'{"type": "teleport", "seq": 1}', "unknown_type", "type"),
        (
            _fix_frame('"lat": 91, "lon": 1'),
            "invalid",
            "fixes[0].lat",
        ),
        (
            _fix_frame('"lat": 1, "lon": -181'),
            "invalid",
            "fixes[0].lon",
        ),
        (b'{"type": "heartbeat", "seq": "three", "ts": 1}', "invalid", "seq"),
        (b'{"type": "heartbeat", "seq": -1, "ts": 1}', "invalid", "seq"),
        (b"\xff\xfe\x00", "malformed", None),
    ],
)
def test_bad_frames_name_the_problem(frame: bytes, code: str, field: str | None) -> None:
    with pytest.raises(ProtocolError) as caught:
        decode_server(frame)
    assert caught.value.code == code
    assert caught.value.field == field


def test_client_frames_validate_too() -> None:
    assert decode_client(encode(Hello(token="t" * 10, since=5))) == Hello(token="t" * 10, since=5)
    assert isinstance(
        decode_client(b'{"type":"req","id":1,"op":"case.history","args":{"case_id":"c"}}'), Request
    )
    with pytest.raises(ProtocolError) as caught:
        decode_client(b'{"type":"hello"}')
    assert caught.value.field == "token"
    with pytest.raises(ProtocolError):
        decode_client(b'{"type":"heartbeat","seq":1,"ts":1}')  # a hub message from a client


@pytest.mark.parametrize(
    ("decode", "head"),
    [
        (decode_server, b'{"type": "heartbeat", "seq": 1, "ts": 1, "x": '),
        (decode_client, b'{"type": "req", "id": 1, "op": "case.history", "x": '),
    ],
)
def test_deeply_nested_json_is_malformed_not_a_crash(decode: object, head: bytes) -> None:
    # In a field the schema ignores: msgspec still descends into it to skip it.
    deep = head + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(ProtocolError) as caught:
        decode(deep)  # type: ignore[operator]
    assert caught.value.code == "malformed"


def test_oversized_frame_is_refused_before_parsing() -> None:
    with pytest.raises(ProtocolError) as caught:
        decode_server(b" " * (16 * 1024 * 1024 + 1))
    assert caught.value.code == "too_large"


@given(st.binary(max_size=200))
def test_decoder_never_raises_anything_but_protocol_error(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        decode_server(data)


class TestSequenceTracker:
    def test_in_order_events_apply(self) -> None:
        tracker = SequenceTracker()
        tracker.on_snapshot(10)
        for seq in (11, 12, 13):
            assert tracker.on_event(seq) is Decision.APPLY
            tracker.applied(seq)
        assert tracker.resume_from == 13

    def test_duplicates_are_dropped(self) -> None:
        tracker = SequenceTracker(last=5)
        assert tracker.on_event(5) is Decision.DUPLICATE
        assert tracker.on_event(3) is Decision.DUPLICATE
        assert tracker.duplicates == 2
        assert tracker.last == 5

    def test_gap_is_detected_and_counted_once(self) -> None:
        tracker = SequenceTracker(last=5)
        assert tracker.on_event(7) is Decision.GAP
        assert tracker.on_event(8) is Decision.GAP
        assert tracker.gaps == 1
        assert tracker.resume_from == 5  # ask again from what was applied

    def test_snapshot_repairs_a_gap(self) -> None:
        tracker = SequenceTracker(last=5)
        tracker.on_event(9)
        tracker.on_snapshot(20)
        assert not tracker.resyncing
        assert tracker.on_event(21) is Decision.APPLY

    def test_fresh_client_needs_a_snapshot_unless_the_log_starts_now(self) -> None:
        assert SequenceTracker().on_event(1) is Decision.APPLY
        assert SequenceTracker().on_event(42) is Decision.GAP

    def test_heartbeat_ahead_of_us_means_lost_events(self) -> None:
        tracker = SequenceTracker(last=10)
        assert tracker.on_heartbeat(10) is Decision.APPLY
        assert tracker.on_heartbeat(12) is Decision.GAP

    @given(st.lists(st.integers(min_value=1, max_value=30), max_size=60))
    def test_applied_seqs_are_contiguous_and_unique(self, arrivals: list[int]) -> None:
        tracker = SequenceTracker()
        tracker.on_snapshot(0)
        applied: list[int] = []
        for seq in arrivals:
            if tracker.on_event(seq) is Decision.APPLY:
                tracker.applied(seq)
                applied.append(seq)
        assert applied == list(range(1, len(applied) + 1))


def test_an_answer_frame_is_the_bytes_of_the_response_built_from_its_result() -> None:
    # The hub writes answers straight from their Structs (answer_frame); a client reads
    # them as the Response frame built the long way, byte for byte: omitted defaults, a
    # missing fix and status, and an export page's pre-encoded rows included.
    units = [
        UnitAt("U1", "officer", (1.0, 29.1, 119.6, 3.5, 90.0), "on_duty"),
        UnitAt("V2", "vehicle", None, None),
    ]
    rows = msgspec.Raw(b'[["WC1","hotline"]]')
    answers: list[Answer] = [
        UnitsAtAnswer(ts=5.0, window=600.0, units=units),
        ExportPage(start=0.0, end=1.0, as_of=0.5, rows=rows, next=None, total=None),
    ]
    for n, answer in enumerate(answers):
        frame = answer_frame(n, answer, 12.5)
        assert frame == encode(Response(id=n, result=to_result(answer), ts=12.5))
        decoded = decode_server(frame)
        assert isinstance(decoded, Response) and decoded.id == n
