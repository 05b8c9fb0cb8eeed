"""The desk's new-case chime: a real two-tone sound shipped in resources/sounds, made by
scripts/make_sounds.py, and a desk without an audio output (this test machine) that
rings silently and still counts."""

from __future__ import annotations

import array
import importlib.util
import math
import wave
from pathlib import Path
from typing import Any

from backend_client.resources import resource
from desktop.desk_chime import CHIME_FILE, DeskChime

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_sounds.py"


def samples(path: Path) -> tuple[Any, list[int]]:
    with wave.open(str(path), "rb") as w:
        params = w.getparams()
        data = array.array("h", w.readframes(params.nframes))
    return params, list(data)


def strength(pcm: list[int], rate: int, freq: float) -> float:
    """How much of ``freq`` is in ``pcm`` (one DFT bin, normalised)."""
    re = sum(s * math.cos(2 * math.pi * freq * i / rate) for i, s in enumerate(pcm))
    im = sum(s * math.sin(2 * math.pi * freq * i / rate) for i, s in enumerate(pcm))
    return math.hypot(re, im) / len(pcm)


def test_the_shipped_chime_is_the_generated_two_tone_sound(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_sounds", SCRIPT)
    assert spec is not None and spec.loader is not None
    make_sounds = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_sounds)
    fresh = tmp_path / "desk-chime.wav"
    make_sounds.write(fresh, make_sounds.desk_chime(), make_sounds.CHIME_RATE)
    shipped = resource(*CHIME_FILE)
    assert shipped.read_bytes() == fresh.read_bytes(), "run python scripts/make_sounds.py"

    params, pcm = samples(shipped)
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, 44100)
    assert 0.35 <= params.nframes / params.framerate <= 0.45
    # Loud enough to hear, never clipped, and silent at both ends (no click).
    assert 0.4 * 32767 < max(abs(s) for s in pcm) < 32767
    assert abs(pcm[0]) < 200 and abs(pcm[-1]) < 200
    # Two tones, one after the other: E6 first, C6 after.
    half = len(pcm) * 2 // 5
    first, second = pcm[:half], pcm[half:]
    assert strength(first, 44100, 1318.5) > 5 * strength(first, 44100, 1046.5)
    assert strength(second, 44100, 1046.5) > 5 * strength(second, 44100, 1318.5)


def test_a_desk_without_audio_output_rings_silently_and_counts(qtbot: Any) -> None:
    chime = DeskChime()
    # The test machine has no sound card (and no sound server): nothing to play on.
    assert chime.source is None
    for _ in range(3):
        chime.ring()
    assert chime.count == 3
