"""A wall's announcer wired to its feed: new cases, 1-3-15 misses and SOS, spoken.

Where this PC cannot speak (no audio output, no espeak-ng) the wall runs on exactly the
same: the announcer still applies its rules and logs what it would have said, and the
reason is logged once at start (``watchfloor check`` reports it too).
"""

from __future__ import annotations

import logging
from typing import Final

from PySide6.QtCore import QObject, QTimer

from backend_client.protocol.messages import Alert, Incident, Ticker
from backend_client.qt import QtFeed
from backend_client.resources import resource
from desktop.speech import wording
from desktop.speech.announcer import Announcement, Announcer
from desktop.speech.engine import (
    DEFAULT_VOICES,
    EngineUnavailable,
    Pcm,
    SpeechEngine,
    open_engine,
    read_wav,
    render_text,
)
from desktop.speech.settings import SpeechTable
from widgets.text import translate

log = logging.getLogger(__name__)

#: How often the rules are looked at: a quarter second is not heard as a delay.
TICK_MS: Final = 250
#: Silence between an alarm sound and the words after it.
SOUND_GAP_S: Final = 0.3


def ui_language() -> str:
    """The language the wall's words come out in: the voice must match the words, and a
    sentence whose translation is installed is the surest sign of it."""
    probe = "新增案件{count}起"
    return "zh_CN" if translate("speech", probe) == probe else "en"


def wall_voice(settings: SpeechTable, lang: str | None = None) -> str:
    return settings.voice or DEFAULT_VOICES.get(lang or ui_language(), DEFAULT_VOICES["en"])


class SilentSpeaker:
    """Where nothing can be played: announcements go to the log only."""

    busy = False

    def say(self, announcement: Announcement) -> None:
        log.info("speech (silent here): %s", announcement.text)

    def stop(self) -> None:
        pass


class SpokenSpeaker:
    """Renders an announcement (alarm sound, then the words) and plays it."""

    def __init__(self, engine: SpeechEngine, settings: SpeechTable, voice: str) -> None:
        from desktop.speech.player import AudioPlayer, default_output

        device = default_output()
        assert device is not None
        self.engine = engine
        self.settings = settings
        self.voice = voice
        self.player = AudioPlayer(device, settings.volume)
        self._sounds: dict[str, Pcm | None] = {}

    @property
    def busy(self) -> bool:
        return self.player.busy

    def say(self, announcement: Announcement) -> None:
        pcm = render_text(self.engine, announcement.text, self.voice, self.settings.rate)
        sound = self._sound(announcement.sound) if announcement.sound else None
        if sound is not None and sound.rate == pcm.rate:
            pcm = sound.then(pcm, SOUND_GAP_S)
        self.player.play(pcm)

    def stop(self) -> None:
        self.player.stop()

    def _sound(self, name: str) -> Pcm | None:
        if name not in self._sounds:
            try:
                self._sounds[name] = read_wav(resource("sounds", name))
            except (OSError, ValueError) as exc:
                log.warning("speech: alarm sound %s unusable: %s", name, exc)
                self._sounds[name] = None
        return self._sounds[name]


def make_speaker(settings: SpeechTable) -> SilentSpeaker | SpokenSpeaker:
    """A speaker that plays, or a silent one with the reason logged once."""
    if not settings.enabled:
        return SilentSpeaker()
    try:
        from desktop.speech.player import default_output
    except ImportError as exc:  # QtMultimedia's libraries missing: silent, not broken
        log.warning("speech: QtMultimedia unusable (%s); the wall runs silent", exc)
        return SilentSpeaker()
    if default_output() is None:
        log.warning("speech: no audio output device here; the wall runs silent")
        return SilentSpeaker()
    engine = open_engine()  # logs why when it cannot
    if engine is None:
        return SilentSpeaker()
    voice = wall_voice(settings)
    try:
        engine.check_voice(voice)
    except EngineUnavailable as exc:
        # A typo in the layout: the wall still speaks, in its language's voice.
        voice = wall_voice(SpeechTable())
        log.warning("speech: %s; speaking with %s", exc, voice)
    return SpokenSpeaker(engine, settings, voice)


class LazySpeaker:
    """The wall's speaker, opened at the first announcement or ``OPEN_AFTER_MS`` after
    start, whichever comes first: finding the audio device loads QtMultimedia's backend
    (about 0.2 s here), time the first map frame should not wait for."""

    def __init__(self, settings: SpeechTable) -> None:
        self.settings = settings
        self._speaker: SilentSpeaker | SpokenSpeaker | None = None

    @property
    def opened(self) -> SilentSpeaker | SpokenSpeaker:
        if self._speaker is None:
            self._speaker = make_speaker(self.settings)
        return self._speaker

    @property
    def busy(self) -> bool:
        return self._speaker is not None and self._speaker.busy

    def say(self, announcement: Announcement) -> None:
        self.opened.say(announcement)

    def stop(self) -> None:
        if self._speaker is not None:
            self._speaker.stop()


#: When a wall that has said nothing yet opens its speaker (and logs why it cannot).
OPEN_AFTER_MS: Final = 5000


class WallSpeech(QObject):
    """The announcer of one wall, fed by ``feed`` (live events only: a snapshot is the
    state at connection, not news)."""

    def __init__(
        self,
        feed: QtFeed,
        settings: SpeechTable,
        parent: QObject | None = None,
        *,
        announcer: Announcer | None = None,
    ) -> None:
        super().__init__(parent)
        self.speaker = LazySpeaker(settings)
        self.announcer = announcer or Announcer(settings, self.speaker, wording.Summaries())
        feed.incidentChanged.connect(self._on_incident)
        feed.tickerArrived.connect(self._on_ticker)
        feed.alertChanged.connect(self._on_alert)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.announcer.tick)
        if settings.enabled:
            self._timer.start()
            QTimer.singleShot(OPEN_AFTER_MS, self, lambda: self.speaker.opened)

    def _on_incident(self, incident: Incident, is_new: bool) -> None:
        if is_new:
            self.announcer.case(wording.new_case(incident), incident.reported_at)

    def _on_ticker(self, ticker: Ticker) -> None:
        text = wording.clock_miss(ticker)
        if text is not None:
            self.announcer.miss(text)

    def _on_alert(self, _alert_id: str, alert: Alert | None) -> None:
        text = wording.sos(alert) if alert is not None else None
        if text is not None:
            self.announcer.sos(text)

    def stop(self) -> None:
        self._timer.stop()
        self.announcer.speaker.stop()
