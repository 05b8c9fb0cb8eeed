"""Ticker and alert lines as code + args (backend_client/events.py): composing, the wire,
and what lupdate extracts. The hub's side is tests/hub/test_event_codes.py."""

from __future__ import annotations

import re
import string
from pathlib import Path

import msgspec
import pytest

from backend_client import vocabulary
from backend_client.events import CONTEXT, LABEL_ARGS, SENTENCE_WORDS, TEMPLATES, compose
from backend_client.protocol import decode_server, encode
from backend_client.protocol.messages import Alert, AlertNew, Ticker

EVENTS_SOURCE = Path(__file__).resolve().parents[2] / "backend_client" / "events.py"
ENGLISH = {
    "【{source}】{category} · {place}": "[{source}] {category} · {place}",
    "{officer} 紧急求助（SOS，终端 {terminal}）": "{officer} SOS (terminal {terminal})",
    "8890热线": "8890 hotline",
    "占道经营": "Street vending",
}


def english(text: str) -> str:
    return ENGLISH.get(text, text)


def test_args_survive_the_wire_and_compose_the_same_line() -> None:
    args: dict[str, str | int | float] = {
        "case_id": "WC7",
        "category": "违章停车",
        "place": "人民西路",
        "stage": "出动",
        "limit": "3分钟",
    }
    text = compose("ticker.sla_missed", args)
    assert text == "【超时】案件 WC7（违章停车 · 人民西路）超时未出动，时限 3分钟"
    ticker = Ticker(
        seq=3,
        ts=1.0,
        text=text,
        urgent=True,
        incident_id="WC7",
        code="ticker.sla_missed",
        args=args,
    )
    back = decode_server(encode(ticker))
    assert back == ticker
    assert isinstance(back, Ticker)
    assert compose(back.code, back.args) == back.text

    numbers: dict[str, str | int | float] = {"merchant": "M1", "days": 30.0, "count": 4}
    alert = Alert(
        id="a",
        kind="repeat_complaints",
        subject="M1",
        ts=2.0,
        text="商户 M1 30 天内被投诉 4 次",
        code="alert.repeat_complaints",
        args=numbers,
    )
    got = decode_server(encode(AlertNew(seq=4, ts=2.0, alert=alert)))
    assert isinstance(got, AlertNew)
    assert got.alert == alert
    assert compose(got.alert.code, got.alert.args) == got.alert.text


def test_old_frames_and_old_clients_still_work() -> None:
    # A frame from a hub older than codes decodes with empty code and args...
    old = decode_server(b'{"type":"ticker","seq":1,"ts":1.0,"text":"hello"}')
    assert isinstance(old, Ticker)
    assert (old.code, old.args) == ("", {})
    # ...an alert without them leaves them off the wire (omit_defaults)...
    bare = Alert(id="a", kind="k", subject="s", ts=1.0)
    assert b"code" not in encode(AlertNew(seq=1, ts=1.0, alert=bare))

    # ...and a client older than codes ignores them (unknown fields are ignored).
    class OldTicker(msgspec.Struct, tag="ticker", tag_field="type", kw_only=True):
        seq: int
        ts: float
        text: str
        urgent: bool = False
        incident_id: str | None = None

    frame = encode(Ticker(seq=2, ts=1.0, text="t", code="alert.outside_zone", args={"a": 1}))
    assert msgspec.json.decode(frame, type=OldTicker).text == "t"


def test_unknown_codes_and_missing_args_give_none() -> None:
    assert compose("ticker.no_such_code", {"place": "x"}) is None
    assert compose("ticker.report", {"source": "随手拍"}) is None
    # A translation naming a field the args lack falls back to the event's text too.
    assert compose("alert.outside_zone", {"officer": "李娜"}, lambda s: s + "{missing}") is None


def test_labels_are_translated_and_names_are_not() -> None:
    args = {"source": "8890热线", "category": "占道经营", "place": "八一北街"}
    assert compose("ticker.report", args, english) == "[8890 hotline] Street vending · 八一北街"
    # A name that reads like a label stays as sent: ``officer`` is not a label arg.
    sos = {"officer": "8890热线", "terminal": "1"}
    assert compose("alert.sos_terminal", sos, english) == "8890热线 SOS (terminal 1)"
    assert {"source", "category", "stage", "limit"} == LABEL_ARGS


def test_templates_and_labels_are_literals_lupdate_can_extract() -> None:
    source = EVENTS_SOURCE.read_text(encoding="utf-8")
    marked = re.findall(r'QT_TRANSLATE_NOOP\(\s*"events",\s*"([^"]*)"\s*\)', source)
    assert CONTEXT == "events"
    assert sorted(marked) == sorted([*TEMPLATES.values(), *SENTENCE_WORDS])
    assert len(set(SENTENCE_WORDS)) == len(SENTENCE_WORDS)
    # Sources and categories are the vocabulary's words, in its context.
    words = re.findall(
        r'QT_TRANSLATE_NOOP\(\s*"vocabulary",\s*"([^"]*)"\s*\)',
        (EVENTS_SOURCE.parent / "vocabulary.py").read_text(encoding="utf-8"),
    )
    assert set(vocabulary.CATEGORIES) | set(vocabulary.SOURCES.values()) <= set(words)


@pytest.mark.parametrize("code", sorted(TEMPLATES))
def test_each_template_formats_with_its_own_fields(code: str) -> None:
    fields = {f for _, f, _, _ in string.Formatter().parse(TEMPLATES[code]) if f}
    assert compose(code, dict.fromkeys(fields, 1.0)) is not None


def test_vocabulary_args_are_worded_by_the_vocabulary_and_sentence_words_by_the_template() -> None:
    # A wall hands compose two lookups: the events context for the sentence (and its verb
    # forms), the vocabulary context for sources and categories, shown the same everywhere.
    sentence = {
        "超时未{stage}": "not {stage}",
        "案件 {case_id} 超时未{stage}": "Case {case_id} not {stage}",
        "出动": "en route",
    }
    words = {"出动": "Move", "占道经营": "Street vending"}
    line = compose(
        "alert.sla_missed",
        {"case_id": "c-1", "stage": "出动"},
        lambda s: sentence.get(s, s),
        lambda s: words.get(s, s),
    )
    assert line == "Case c-1 not en route"
    report = compose(
        "ticker.report",
        {"source": "网格上报", "category": "占道经营", "place": "八一北街"},
        lambda s: {"【{source}】{category} · {place}": "[{source}] {category} · {place}"}.get(s, s),
        lambda s: {**words, "网格上报": "Grid report"}.get(s, s),
    )
    assert report == "[Grid report] Street vending · 八一北街"
