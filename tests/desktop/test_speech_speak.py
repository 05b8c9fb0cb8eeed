"""``watchfloor speak --out``: a real espeak-ng rendering, checked as sound, not as bytes.

A WAV is judged like a listener would: it is not silence (RMS well above a floor), it is
as long as what it says (twice the text, clearly longer), an English announcement says the
Chinese street name instead of skipping it; and the shipped alarm sounds are the two
shapes the floor learns (a two-tone siren, three beeps), exactly as the script makes them.
"""

from __future__ import annotations

import array
import importlib.util
import itertools
import math
import wave
from pathlib import Path
from types import ModuleType

import pytest

from backend_client.resources import resource
from desktop.cli import main
from desktop.speech.engine import EspeakEngine, read_wav, render_text

pytest.importorskip("ctypes")
try:
    EspeakEngine()
except Exception as exc:
    pytest.skip(f"espeak-ng unavailable: {exc}", allow_module_level=True)

CASE = "随手拍上报，城东街道飘萍路，渣土撒漏"
#: Well above dither or hum, well below what speech gives (about 3,000 here).
RMS_FLOOR = 500.0


def samples(path: Path) -> tuple[array.array[int], int]:
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        return array.array("h", w.readframes(w.getnframes())), w.getframerate()


def rms(values: array.array[int]) -> float:
    return math.sqrt(sum(v * v for v in values) / max(1, len(values)))


def speak(tmp_path: Path, name: str, *args: str) -> tuple[float, float]:
    out = tmp_path / name
    assert main(["speak", *args, "--out", str(out)]) == 0
    values, rate = samples(out)
    return len(values) / rate, rms(values)


def test_speak_writes_a_wav_that_is_not_silence_and_lasts_with_the_text(tmp_path: Path) -> None:
    once, loud = speak(tmp_path, "once.wav", CASE)
    twice, _ = speak(tmp_path, "twice.wav", f"{CASE}。{CASE}")
    assert loud > RMS_FLOOR
    assert 2.0 < once < 12.0, "about two seconds per clause, not a click and not a minute"
    assert twice > 1.7 * once, (once, twice)


def test_speak_in_english(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    short, loud = speak(tmp_path, "en.wav", "--lang", "en", "Five new cases")
    longer, _ = speak(tmp_path, "en2.wav", "--lang", "en", "Five new cases. Five new cases.")
    assert loud > RMS_FLOOR
    assert longer > 1.7 * short
    assert "voice en" in capsys.readouterr().out


def test_an_english_announcement_says_the_chinese_place_in_mandarin() -> None:
    engine = EspeakEngine()
    bare = render_text(engine, "Snap report, muck spill", "en")
    placed = render_text(engine, "Snap report, 城东街道飘萍路, muck spill", "en")
    # Seven syllables of Mandarin at 150 words a minute: well over a second more.
    assert placed.seconds > bare.seconds + 1.0
    alone = engine.render("城东街道飘萍路", "cmn-latn-pinyin")
    assert placed.seconds == pytest.approx(bare.seconds + alone.seconds, abs=0.6)


def test_the_layout_voice_and_rate_are_the_walls(tmp_path: Path) -> None:
    layout = tmp_path / "slow.toml"
    layout.write_text(
        "[speech]\nrate = 90\n[[screens]]\nscreen = 0\nrows = 1\ncols = 1\n"
        '[[screens.panels]]\nkind = "clock"\nrow = 0\ncol = 0\n',
        encoding="utf-8",
    )
    normal, _ = speak(tmp_path, "normal.wav", CASE)
    slow, _ = speak(tmp_path, "slow.wav", CASE, "--layout", str(layout))
    assert slow > 1.3 * normal


def test_an_unknown_voice_is_an_error_not_a_silent_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "none.wav"
    assert main(["speak", CASE, "--voice", "no-such-voice", "--out", str(out)]) == 1
    assert "no voice 'no-such-voice'" in capsys.readouterr().err
    assert not out.exists()


# ---- the alarm sounds ------------------------------------------------------------------


def make_sounds() -> ModuleType:
    script = Path(__file__).resolve().parents[2] / "scripts" / "make_sounds.py"
    spec = importlib.util.spec_from_file_location("make_sounds", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["sos.wav", "clock-miss.wav"])
def test_the_shipped_sounds_are_what_the_script_makes(tmp_path: Path, name: str) -> None:
    sounds = make_sounds()
    sounds.write(tmp_path / name, sounds.SOUNDS[name]())
    assert (tmp_path / name).read_bytes() == resource("sounds", name).read_bytes()
    # Joined to speech in one buffer: the same rate as espeak-ng's.
    assert read_wav(resource("sounds", name)).rate == EspeakEngine().rate


def bursts(values: array.array[int], rate: int) -> list[tuple[float, float]]:
    """(start s, dominant frequency Hz) of each stretch of sound, 10 ms windows."""
    window = rate // 100
    out: list[tuple[float, float]] = []
    current: list[int] = []
    start = 0.0
    for i in range(0, len(values) - window, window):
        chunk = values[i : i + window]
        if rms(chunk) > RMS_FLOOR:
            if not current:
                start = i / rate
            current.extend(chunk)
        elif current:
            out.append((start, _frequency(current, rate)))
            current = []
    if current:
        out.append((start, _frequency(current, rate)))
    return out


def _frequency(values: list[int], rate: int) -> float:
    crossings = sum(1 for a, b in itertools.pairwise(values) if (a < 0) != (b < 0))
    return crossings / 2 / (len(values) / rate)


def test_the_clock_miss_sound_is_three_short_beeps() -> None:
    values, rate = samples(resource("sounds", "clock-miss.wav"))
    beeps = bursts(values, rate)
    assert len(beeps) == 3
    assert all(freq == pytest.approx(1000, rel=0.05) for _, freq in beeps)
    assert len(values) / rate < 1.0


def test_the_sos_sound_is_a_two_tone_siren() -> None:
    values, rate = samples(resource("sounds", "sos.wav"))
    assert len(values) / rate == pytest.approx(1.5, abs=0.01)
    quarter = rate // 4
    tones = [
        _frequency(list(values[i : i + quarter]), rate) for i in range(0, 6 * quarter, quarter)
    ]
    high, low = tones[0::2], tones[1::2]
    assert all(f == pytest.approx(960, rel=0.05) for f in high), tones
    assert all(f == pytest.approx(770, rel=0.05) for f in low), tones
