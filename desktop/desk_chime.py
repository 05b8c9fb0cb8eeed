"""The desk's new-case chime: ``resources/sounds/desk-chime.wav`` (made by
``scripts/make_sounds.py``) played with QtMultimedia's ``QSoundEffect``.

A desk without an audio output (a PC with no sound card, a test run) rings silently: the
chime still counts, nothing fails. Without QtMultimedia at all (a bundle built without
it) the desk falls back to the system beep.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl
from PySide6.QtWidgets import QApplication

from backend_client.resources import resource

if TYPE_CHECKING:
    from PySide6.QtMultimedia import QSoundEffect

log = logging.getLogger(__name__)

CHIME_FILE = ("sounds", "desk-chime.wav")
#: Loud enough to be heard at the desk over a room's murmur, below the wall's announcements.
CHIME_VOLUME = 0.6


class DeskChime(QObject):
    """Rings once per :meth:`ring`; :attr:`count` says how often it rang since it was made
    and :attr:`audible` whether a sound can come out of this PC."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.count = 0
        self._effect: QSoundEffect | None = None
        self._beep = False
        try:
            from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
        except ImportError:  # a bundle without QtMultimedia: the system beep will do
            self._beep = True
            return
        device = QMediaDevices.defaultAudioOutput()
        if device.isNull():
            log.info("no audio output: the desk chime is silent")
            return
        effect = QSoundEffect(device, self)
        effect.setSource(QUrl.fromLocalFile(str(resource(*CHIME_FILE))))
        effect.setVolume(CHIME_VOLUME)
        self._effect = effect

    @property
    def audible(self) -> bool:
        return self._effect is not None or self._beep

    @property
    def source(self) -> QUrl | None:
        """The sound file the chime plays (None when it cannot play one)."""
        return None if self._effect is None else self._effect.source()

    def ring(self) -> None:
        self.count += 1
        if self._effect is not None:
            # A chime still sounding is started again: a burst of cases is one chime, not
            # a queue of them running on after the burst.
            self._effect.play()
        elif self._beep:
            QApplication.beep()
