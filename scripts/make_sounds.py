#!/usr/bin/env python3
"""Make the sounds shipped in ``resources/sounds/`` (synthesised, so no licence to track).

``python scripts/make_sounds.py`` writes every sound of :data:`SOUNDS`; each is a function
returning mono 16-bit samples. The wall plays an alarm sound just before the spoken
announcement it belongs to (``desktop/speech``), so the alarms use espeak-ng's rate
(22,050 Hz) and are joined to the speech in one buffer. Pure standard library: runs with
any Python 3.11+, no venv needed.
"""

from __future__ import annotations

import argparse
import array
import math
import wave
from collections.abc import Callable
from pathlib import Path

RATE = 22050
FULL = 32767
OUT = Path(__file__).resolve().parent.parent / "resources" / "sounds"


def tone(
    freq: float, seconds: float, level: float = 0.6, fade_s: float = 0.008, rate: int = RATE
) -> list[float]:
    """A sine tone with short fades at both ends (a hard edge clicks in a loudspeaker)."""
    n = int(seconds * rate)
    fade = max(1, int(fade_s * rate))
    out = []
    for i in range(n):
        envelope = min(1.0, i / fade, (n - 1 - i) / fade)
        out.append(level * envelope * math.sin(2 * math.pi * freq * i / rate))
    return out


def silence(seconds: float) -> list[float]:
    return [0.0] * int(seconds * RATE)


def sos() -> list[float]:
    """SOS: a two-tone siren (960 / 770 Hz, a quarter second each), three cycles, 1.5 s.

    Two alternating tones are what people hear as an emergency vehicle; nothing else the
    wall plays alternates, so it cannot be taken for a clock miss."""
    out: list[float] = []
    for _ in range(3):
        out += tone(960, 0.25, 0.7) + tone(770, 0.25, 0.7)
    return out


def clock_miss() -> list[float]:
    """A missed 1-3-15 clock: three short 1 kHz beeps, like a timer running out."""
    out: list[float] = []
    for i in range(3):
        out += tone(1000, 0.12, 0.55)
        if i < 2:
            out += silence(0.10)
    return out


#: The desk's chime is played on its own (QSoundEffect), not joined to speech: CD rate.
CHIME_RATE = 44100


def desk_chime() -> list[float]:
    """The desk's new-case chime: two soft bell tones a major third apart (E6 then C6),
    0.4 s; each decays like a struck bell, with a quiet octave for warmth. Meant to be
    noticed by the operator beside it, not across the room (the wall announces)."""
    out: list[float] = []
    for freq, seconds in ((1318.5, 0.16), (1046.5, 0.24)):
        n = int(seconds * CHIME_RATE)
        attack = int(0.004 * CHIME_RATE)
        for i in range(n):
            t = i / CHIME_RATE
            envelope = min(1.0, i / attack, (n - 1 - i) / attack) * math.exp(-t * 9.0)
            partials = math.sin(2 * math.pi * freq * t) + 0.25 * math.sin(4 * math.pi * freq * t)
            out.append(0.5 * envelope * partials)
    return out


#: file name -> the function making it.
SOUNDS: dict[str, Callable[[], list[float]]] = {
    "sos.wav": sos,
    "clock-miss.wav": clock_miss,
    "desk-chime.wav": desk_chime,
}
#: Sounds not at :data:`RATE` (file name -> samples per second).
RATES: dict[str, int] = {"desk-chime.wav": CHIME_RATE}


def write(path: Path, samples: list[float], rate: int = RATE) -> None:
    pcm = array.array("h", (max(-FULL, min(FULL, round(s * FULL))) for s in samples))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder (default {OUT})")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, make in SOUNDS.items():
        samples = make()
        rate = RATES.get(name, RATE)
        write(args.out / name, samples, rate)
        print(f"{args.out / name}: {len(samples) / rate:.2f} s")


if __name__ == "__main__":
    main()
