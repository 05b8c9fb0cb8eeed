"""The announcer's rules, on an injected clock and a recording speaker: no audio, no sleeps.

What is said, in which order and when: priorities (SOS first, cutting short what is being
said), bursts said as one summary, at most one announcement per ``min_interval``, nothing
but SOS in quiet hours, old news dropped. And the layout file's ``[speech]`` table.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from desktop.layout import LayoutError, load_layout
from desktop.speech.announcer import Announcement, Announcer
from desktop.speech.settings import SpeechTable, is_quiet, quiet_minutes


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class RecordingSpeaker:
    """Says instantly; stays busy until the test says it finished (``done``)."""

    def __init__(self) -> None:
        self.said: list[Announcement] = []
        self.stops = 0
        self.busy = False

    def say(self, announcement: Announcement) -> None:
        self.said.append(announcement)
        self.busy = True

    def stop(self) -> None:
        self.stops += 1
        self.busy = False

    def done(self) -> None:
        self.busy = False

    @property
    def texts(self) -> list[str]:
        return [a.text for a in self.said]


class Words:
    def cases(self, count: int) -> str:
        return f"新增案件{count}起"

    def misses(self, count: int) -> str:
        return f"{count}起案件超时"


def make(minute: int = 12 * 60, **settings: object) -> tuple[Announcer, RecordingSpeaker, Clock]:
    clock, speaker = Clock(), RecordingSpeaker()
    table = msgspec.convert(settings, SpeechTable)
    announcer = Announcer(table, speaker, Words(), clock=clock, minute_of_day=lambda _ts: minute)
    return announcer, speaker, clock


def test_a_new_case_is_said_at_once_and_the_next_waits_for_the_interval() -> None:
    announcer, speaker, clock = make(min_interval=10)
    announcer.case("随手拍上报，城东街道飘萍路，渣土撒漏")
    announcer.tick()
    assert speaker.texts == ["随手拍上报，城东街道飘萍路，渣土撒漏"]
    speaker.done()
    announcer.case("8890热线上报，城中街道八一北街，占道经营")
    clock.now += 9.9
    assert announcer.tick() is None, "one announcement per min_interval"
    clock.now += 0.2
    assert announcer.tick() is not None
    assert speaker.texts[-1] == "8890热线上报，城中街道八一北街，占道经营"


def test_nothing_starts_while_something_is_being_said() -> None:
    announcer, speaker, clock = make(min_interval=0)
    announcer.case("一")
    announcer.case("二")
    announcer.tick()
    clock.now += 60
    announcer.tick()
    assert speaker.texts == ["一"]
    speaker.done()
    announcer.tick()
    assert speaker.texts == ["一", "二"]


def test_a_burst_of_new_cases_is_said_as_one_summary() -> None:
    announcer, speaker, clock = make(min_interval=10, summary_after=3)
    announcer.case("第一起")
    announcer.tick()
    for i in range(5):
        announcer.case(f"案件{i}")
    speaker.done()
    clock.now += 10
    said = announcer.tick()
    assert said is not None and said.text == "新增案件5起" and said.count == 5
    assert announcer.waiting == []
    speaker.done()
    clock.now += 60
    assert announcer.tick() is None, "the summary stood for all five"


def test_fewer_than_summary_after_are_said_one_by_one() -> None:
    announcer, speaker, clock = make(min_interval=5, summary_after=3)
    announcer.case("甲")
    announcer.case("乙")
    for _ in range(2):
        announcer.tick()
        speaker.done()
        clock.now += 5
    assert speaker.texts == ["甲", "乙"]


def test_misses_go_before_cases_and_a_burst_of_misses_is_summarised() -> None:
    announcer, speaker, _clock = make(min_interval=0, summary_after=2)
    announcer.case("新案件")
    announcer.miss("案件超时未受理，城东街道飘萍路，渣土撒漏")
    announcer.miss("案件超时未出动，城中街道八一北街，占道经营")
    announcer.tick()
    assert speaker.said[0].text == "2起案件超时"
    assert speaker.said[0].sound == "clock-miss.wav"
    speaker.done()
    announcer.tick()
    assert speaker.said[1].text == "新案件" and speaker.said[1].sound is None


def test_an_sos_cuts_short_what_is_said_and_jumps_the_queue() -> None:
    announcer, speaker, clock = make(min_interval=30)
    announcer.case("正在播报的案件")
    announcer.tick()
    announcer.miss("案件超时未受理")
    announcer.case("排队的案件")
    clock.now += 1  # well inside min_interval: an SOS does not wait for it
    announcer.sos("紧急求助，张三")
    assert speaker.stops == 1
    assert speaker.said[-1].text == "紧急求助，张三"
    assert speaker.said[-1].sound == "sos.wav"
    assert [k for k, _ in announcer.waiting] == ["miss", "case"], "the rest still follows"
    # A second SOS while the first is said does not cut it short: both are heard.
    announcer.sos("紧急求助，李四")
    assert speaker.stops == 1
    speaker.done()
    announcer.tick()
    assert speaker.said[-1].text == "紧急求助，李四"


def test_quiet_hours_let_only_sos_through() -> None:
    announcer, speaker, _clock = make(minute=23 * 60 + 30, quiet_hours=["22:00-07:00"])
    announcer.case("夜间案件")
    announcer.miss("夜间超时")
    assert announcer.tick() is None
    assert announcer.dropped["quiet"] == 2
    announcer.sos("紧急求助，王五")
    assert speaker.texts == ["紧急求助，王五"]


def test_waiting_cases_are_dropped_when_quiet_hours_begin() -> None:
    minute = [21 * 60 + 59]
    clock, speaker = Clock(), RecordingSpeaker()
    table = SpeechTable(quiet_hours=["22:00-07:00"], min_interval=0)
    announcer = Announcer(table, speaker, Words(), clock=clock, minute_of_day=lambda _: minute[0])
    announcer.case("说着")
    announcer.case("等着")
    announcer.tick()
    minute[0] = 22 * 60
    speaker.done()
    assert announcer.tick() is None
    assert speaker.texts == ["说着"]


@pytest.mark.parametrize(
    ("ranges", "minute", "quiet"),
    [
        (["22:00-07:00"], 22 * 60, True),
        (["22:00-07:00"], 6 * 60 + 59, True),
        (["22:00-07:00"], 7 * 60, False),
        (["12:00-13:30"], 12 * 60 + 45, True),
        (["12:00-13:30"], 13 * 60 + 30, False),
        ([], 3 * 60, False),
    ],
)
def test_quiet_ranges(ranges: list[str], minute: int, quiet: bool) -> None:
    assert is_quiet(quiet_minutes(ranges), minute) is quiet


def test_old_news_is_not_read_aloud() -> None:
    announcer, speaker, clock = make(max_age=60, min_interval=0)
    # Replayed after a network gap: reported five minutes ago.
    announcer.case("五分钟前的案件", reported_at=clock.now - 300)
    assert announcer.waiting == []
    announcer.case("刚才的案件")
    announcer.case("后来的案件")
    announcer.tick()
    clock.now += 61  # the second waited behind a long announcement
    speaker.done()
    assert announcer.tick() is None
    assert announcer.dropped["old"] == 2


def test_switched_off_kinds_and_a_disabled_wall_say_nothing() -> None:
    announcer, speaker, _ = make(announce=["sos"])
    announcer.case("不播报")
    announcer.tick()
    announcer.sos("紧急求助")
    assert speaker.texts == ["紧急求助"]
    announcer, speaker, _ = make(enabled=False)
    announcer.sos("紧急求助")
    announcer.case("不播报")
    announcer.tick()
    assert speaker.said == []


def test_sounds_can_be_switched_off() -> None:
    announcer, speaker, _ = make(sounds=False)
    announcer.sos("紧急求助")
    assert speaker.said[0].sound is None


LAYOUT = """
[wall]
title = "测试"

[speech]
volume = 0.5
voice = "en"
min_interval = 20
quiet_hours = ["22:00-07:00", "12:00-13:00"]
announce = ["sos", "miss"]

[[screens]]
screen = 0
rows = 1
cols = 1
[[screens.panels]]
kind = "clock"
row = 0
col = 0
"""


def test_the_layout_file_carries_the_speech_table(tmp_path: Path) -> None:
    path = tmp_path / "wall.toml"
    path.write_text(LAYOUT, encoding="utf-8")
    speech = load_layout(path).speech
    assert speech.volume == 0.5 and speech.voice == "en" and speech.min_interval == 20
    assert speech.quiet_hours == ["22:00-07:00", "12:00-13:00"]
    assert speech.announce == ["sos", "miss"]
    path.write_text(LAYOUT.replace('"12:00-13:00"', '"12:00-25:00"'), encoding="utf-8")
    with pytest.raises(LayoutError) as bad:
        load_layout(path)
    message = str(bad.value)
    assert ":9: field 'speech.quiet_hours[1]'" in message and "HH:MM-HH:MM" in message


def test_a_layout_without_speech_speaks_with_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "wall.toml"
    path.write_text(LAYOUT.split("[speech]")[0] + LAYOUT.split('"miss"]')[1], encoding="utf-8")
    assert load_layout(path).speech == SpeechTable()


def test_the_configuration_page_shows_the_speech_table() -> None:
    from backend_client.config import field_table

    page = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
    assert field_table(SpeechTable) in page.read_text(encoding="utf-8")
