"""``watchfloor speak TEXT [--out FILE.wav] [--lang en] [--voice V] [--layout L]``.

Renders TEXT as the wall would say it (the layout's ``[speech]`` voice and rate; the
language's voice when the layout names none). With ``--out`` it writes a WAV and needs no
sound card; without, it plays the text on this PC's default output: installers test the
speakers with it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop.speech.engine import (
    DEFAULT_VOICES,
    EngineUnavailable,
    EspeakEngine,
    Pcm,
    render_text,
)
from desktop.speech.settings import SpeechTable

EXIT_OK = 0
EXIT_CANNOT = 1


def add_speak_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", metavar="TEXT", help="what to say")
    parser.add_argument("--out", type=Path, metavar="FILE.wav", help="write a WAV, do not play")
    parser.add_argument(
        "--voice", help="espeak-ng voice (default: the layout's, or the language's)"
    )
    parser.add_argument(
        "--layout", type=Path, help="wall layout whose [speech] voice, rate and volume to use"
    )


def run_speak(args: argparse.Namespace, settings: SpeechTable) -> int:
    lang = args.lang or "zh_CN"
    voice = args.voice or settings.voice or DEFAULT_VOICES.get(lang, DEFAULT_VOICES["en"])
    try:
        engine = EspeakEngine()
        engine.check_voice(voice)
        pcm = render_text(engine, args.text, voice, settings.rate)
    except EngineUnavailable as exc:
        print(f"watchfloor speak: {exc}", file=sys.stderr)
        return EXIT_CANNOT
    if args.out is not None:
        pcm.write_wav(args.out)
        print(f"{args.out}: {pcm.seconds:.2f} s, voice {voice}")
        return EXIT_OK
    return _play(pcm, settings.volume)


def _play(pcm: Pcm, volume: float) -> int:
    from PySide6.QtCore import QCoreApplication, QTimer

    from desktop.speech.player import AudioPlayer, default_output

    app = QCoreApplication.instance() or QCoreApplication([])
    device = default_output()
    if device is None:
        print(
            "watchfloor speak: no audio output device here (write a file with --out FILE.wav)",
            file=sys.stderr,
        )
        return EXIT_CANNOT
    player = AudioPlayer(device, volume)
    player.finished.connect(app.quit)
    player.play(pcm)
    if not player.busy:
        return EXIT_CANNOT
    # A sink that never reports idle (a stuck device) must not hang an installer's shell.
    QTimer.singleShot(int(pcm.seconds * 1000) + 3000, app.quit)
    app.exec()
    print(f"said in {device.description()}: {pcm.seconds:.2f} s")
    return EXIT_OK
