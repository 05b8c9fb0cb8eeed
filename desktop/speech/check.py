"""``watchfloor check``'s findings on speech: can this PC render announcements, and play them.

Neither stops a wall (it runs silent), so both are warnings at worst; an installer reads
them to know whether the hall will hear an SOS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.speech.engine import DEFAULT_VOICES, EngineUnavailable, EspeakEngine

if TYPE_CHECKING:
    from desktop.check import Finding


def speech_findings() -> list[Finding]:
    from PySide6.QtCore import QCoreApplication

    from desktop.check import Finding

    findings: list[Finding] = []
    try:
        engine = EspeakEngine()
        for voice in sorted(set(DEFAULT_VOICES.values())):
            engine.render("1", voice)
        findings.append(Finding("speech engine", "ok", EspeakEngine.describe()))
    except EngineUnavailable as exc:
        findings.append(Finding("speech engine", "warn", f"{exc}: announcements stay silent"))
    try:
        from desktop.speech.player import audio_outputs, default_output
    except ImportError as exc:  # a bundle or install without QtMultimedia's libraries
        findings.append(Finding("audio output", "warn", f"QtMultimedia unusable: {exc}"))
        return findings
    _app = QCoreApplication.instance() or QCoreApplication([])  # QMediaDevices needs one
    device = default_output()
    if device is None:
        findings.append(
            Finding("audio output", "warn", "no audio output device: the wall runs silent")
        )
    else:
        others = len(audio_outputs()) - 1
        more = f" (+{others} more)" if others > 0 else ""
        findings.append(Finding("audio output", "ok", f"{device.description()}{more}"))
    return findings
