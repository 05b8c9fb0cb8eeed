"""Playing PCM through QtMultimedia, and whether this PC has anywhere to play it.

One :class:`QAudioSink` per announcement, fed from memory: no temporary files, and
:meth:`AudioPlayer.stop` cuts an announcement short at once (an SOS interrupts).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QTimer, Signal
from PySide6.QtMultimedia import QAudioDevice, QAudioFormat, QAudioSink, QMediaDevices, QtAudio

from desktop.speech.engine import Pcm

log = logging.getLogger(__name__)


def audio_outputs() -> list[str]:
    """The audio outputs Qt sees here, by description (empty: no sound card, or no server)."""
    return [device.description() for device in QMediaDevices.audioOutputs()]


def default_output() -> QAudioDevice | None:
    device = QMediaDevices.defaultAudioOutput()
    return None if device.isNull() else device


class AudioPlayer(QObject):
    """Plays one :class:`Pcm` at a time on ``device`` at ``volume`` (0..1)."""

    finished = Signal()

    def __init__(self, device: QAudioDevice, volume: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.device = device
        self.volume = volume
        self._sink: QAudioSink | None = None
        self._buffer: QBuffer | None = None
        # The end of playback is polled: in PySide6 6.11 a slot on QAudioSink.stateChanged
        # fails ("QAudio::State cannot be converted"), and 100 ms late is not heard.
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._poll)

    @property
    def busy(self) -> bool:
        return self._sink is not None

    def play(self, pcm: Pcm) -> None:
        self.stop()
        fmt = QAudioFormat()
        fmt.setSampleRate(pcm.rate)
        fmt.setChannelCount(1)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        if not self.device.isFormatSupported(fmt):
            log.warning("speech: %s cannot play %d Hz mono", self.device.description(), pcm.rate)
            return
        buffer = QBuffer(self)
        buffer.setData(QByteArray(pcm.data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        sink = QAudioSink(self.device, fmt, self)
        sink.setVolume(self.volume)
        self._sink, self._buffer = sink, buffer
        sink.start(buffer)
        self._timer.start()

    def _poll(self) -> None:
        sink = self._sink
        if sink is None:
            return
        state = sink.state()
        if state in (QtAudio.State.IdleState, QtAudio.State.StoppedState):
            if sink.error() not in (QtAudio.Error.NoError, QtAudio.Error.UnderrunError):
                log.warning("speech: playback stopped (%s)", sink.error().name)
            self.stop()
            self.finished.emit()

    def stop(self) -> None:
        sink, buffer = self._sink, self._buffer
        self._sink = self._buffer = None
        if sink is not None:
            self._timer.stop()
            sink.stop()
            sink.deleteLater()
        if buffer is not None:
            buffer.close()
            buffer.deleteLater()
