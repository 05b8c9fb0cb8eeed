"""Playing through QtMultimedia, where this PC has an audio output (skipped where not:
CI has none; a developer's PC, or a PulseAudio null sink, has one).

An announcement plays for about as long as it lasts, then the player is free; an SOS cuts
a long announcement short at once.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from desktop.speech.announcer import Announcement
from desktop.speech.player import audio_outputs
from desktop.speech.settings import SpeechTable
from desktop.speech.wall import make_speaker

pytestmark = pytest.mark.skipif(not audio_outputs(), reason="no audio output on this PC")


def test_an_announcement_plays_then_the_speaker_is_free(qtbot: Any) -> None:
    speaker = make_speaker(SpeechTable(volume=0.2))
    started = time.monotonic()
    speaker.say(Announcement("miss", "超时", sound="clock-miss.wav"))
    assert speaker.busy
    qtbot.waitUntil(lambda: not speaker.busy, timeout=10_000)
    # clock-miss.wav (0.56 s), a pause and one word: more than a second, less than five.
    assert 1.0 < time.monotonic() - started < 5.0


def test_stop_cuts_an_announcement_short(qtbot: Any) -> None:
    speaker = make_speaker(SpeechTable(volume=0.2))
    speaker.say(Announcement("case", "随手拍上报，城东街道飘萍路，渣土撒漏。" * 3))
    qtbot.wait(300)
    assert speaker.busy
    speaker.stop()
    assert not speaker.busy
