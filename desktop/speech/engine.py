"""Text to speech offline: espeak-ng's C library through ctypes, rendering to PCM in memory.

Why espeak-ng and not Qt's QTextToSpeech: on Debian/Ubuntu Qt's only real engine is
speech-dispatcher (a daemon, not installed on a wall PC, playing straight to the sound
card, so nothing to test or to save as a WAV). espeak-ng is one small library (about 2 MB
with the Mandarin and English data used here), synthesises far faster than real time and
ships inside the bundle (``packaging/watchfloor.spec``).

Voice names matter: espeak-ng 1.51's ``cmn`` voice turns 汉字 into pinyin and then reads
that pinyin with *English* letter rules ("pai" as "pay"); ``cmn-latn-pinyin`` reads the
same pinyin as Mandarin syllables with their tones. So Chinese defaults to the latter.

:class:`SpeechEngine` is the small interface the announcer and ``watchfloor speak`` use;
tests give the announcer a fake one and never need audio.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import logging
import re
import sys
import threading
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Final, Protocol

log = logging.getLogger(__name__)

#: The voice per UI language when the layout names none.
DEFAULT_VOICES: Final[dict[str, str]] = {"zh_CN": "cmn-latn-pinyin", "en": "en"}
#: Words per minute when the layout names none: a little slower than espeak's 175, as an
#: announcement in a hall is heard from across the room.
DEFAULT_RATE: Final = 150

# espeak_ng/speak_lib.h
_AUDIO_OUTPUT_SYNCHRONOUS: Final = 2
_POS_CHARACTER: Final = 1
_CHARS_UTF8: Final = 1
_ENDPAUSE: Final = 0x1000
_RATE: Final = 1
_EE_OK: Final = 0

_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Voice(ctypes.Structure):
    # espeak_VOICE of speak_lib.h
    _fields_ = (
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    )


class EngineUnavailable(RuntimeError):
    """No speech here (library or data missing); ``str()`` says what an installer fixes."""


@dataclass(frozen=True)
class Pcm:
    """Mono signed 16-bit samples at ``rate`` Hz."""

    data: bytes
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.data) / 2 / self.rate

    def then(self, other: Pcm, gap_s: float = 0.0) -> Pcm:
        """This sound, ``gap_s`` of silence, then ``other`` (same rate expected)."""
        if other.rate != self.rate:
            raise ValueError(f"rate {other.rate} Hz after {self.rate} Hz")
        silence = b"\0\0" * int(gap_s * self.rate)
        return Pcm(self.data + silence + other.data, self.rate)

    def wav_bytes(self) -> bytes:
        out = io.BytesIO()
        with wave.open(out, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(self.rate)
            w.writeframes(self.data)
        return out.getvalue()

    def write_wav(self, path: Path) -> None:
        path.write_bytes(self.wav_bytes())


def read_wav(path: Path) -> Pcm:
    """A mono 16-bit WAV (the shipped alarm sounds) as :class:`Pcm`."""
    with wave.open(str(path), "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError(f"{path}: not mono 16-bit")
        return Pcm(w.readframes(w.getnframes()), w.getframerate())


class SpeechEngine(Protocol):
    """Renders text in a voice; what the announcer and ``watchfloor speak`` need."""

    @property
    def rate(self) -> int:
        """Samples per second of what :meth:`render` returns."""
        ...

    def render(self, text: str, voice: str, words_per_minute: int = DEFAULT_RATE) -> Pcm: ...


def _bundle_dir() -> Path | None:
    bundle = getattr(sys, "_MEIPASS", None)
    return Path(bundle) if bundle is not None else None


def library_path() -> str | None:
    """The libespeak-ng to load: the bundle's own copy first, then the system's."""
    bundle = _bundle_dir()
    if bundle is not None:
        for name in ("libespeak-ng.so.1", "espeak-ng.dll", "libespeak-ng.dylib"):
            if (bundle / name).is_file():
                return str(bundle / name)
    return ctypes.util.find_library("espeak-ng")


def data_parent() -> Path | None:
    """The folder holding the bundle's ``espeak-ng-data`` (what ``espeak_Initialize``
    takes), or None: the library then uses its compiled-in path (the system package)."""
    bundle = _bundle_dir()
    if bundle is not None and (bundle / "espeak-ng-data").is_dir():
        return bundle
    return None


class EspeakEngine:
    """espeak-ng in this process, synchronous: ``render`` returns the whole utterance.

    The library keeps global state (one voice, one callback), so every engine of the
    process shares one lock; rendering an announcement takes milliseconds.
    """

    _lock = threading.Lock()
    _lib: ClassVar[ctypes.CDLL | None] = None
    _rate: ClassVar[int] = 0
    _chunks: ClassVar[list[bytes]] = []

    def __init__(self) -> None:
        with EspeakEngine._lock:
            if EspeakEngine._lib is None:
                EspeakEngine._lib, EspeakEngine._rate = self._load()

    @staticmethod
    def _load() -> tuple[ctypes.CDLL, int]:
        path = library_path()
        if path is None:
            raise EngineUnavailable("libespeak-ng not found (Debian: apt install libespeak-ng1)")
        try:
            lib = ctypes.CDLL(path)
        except OSError as exc:
            raise EngineUnavailable(f"cannot load {path}: {exc}") from None
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        lib.espeak_Info.restype = ctypes.c_char_p
        lib.espeak_Info.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
        parent = data_parent()
        home = str(parent).encode() if parent is not None else None
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, home, 0)
        if rate <= 0:
            where = parent or "the system's espeak-ng-data"
            raise EngineUnavailable(f"espeak-ng found no voice data in {where}")
        lib.espeak_SetSynthCallback(_CALLBACK)
        return lib, rate

    @property
    def rate(self) -> int:
        return EspeakEngine._rate

    _names: ClassVar[set[str] | None] = None

    def check_voice(self, voice: str) -> None:
        """Raise :class:`EngineUnavailable` unless espeak-ng has ``voice``."""
        if voice.lower() not in self._known():
            raise EngineUnavailable(f"espeak-ng has no voice {voice!r}")

    def _known(self) -> set[str]:
        if EspeakEngine._names is None:
            EspeakEngine._names = self.voices()
        return EspeakEngine._names

    @staticmethod
    def describe() -> str:
        """``espeak-ng 1.51, data /usr/lib/…/espeak-ng-data``, for ``watchfloor check``."""
        lib = EspeakEngine._lib
        if lib is None:
            return "espeak-ng (not loaded)"
        where = ctypes.c_char_p()
        version = lib.espeak_Info(ctypes.byref(where))
        data = (where.value or b"?").decode(errors="replace")
        return f"espeak-ng {version.decode(errors='replace')}, data {data}"

    @staticmethod
    def voices() -> set[str]:
        """Every name a voice answers to here: file name (``cmn-latn-pinyin``), path
        (``sit/cmn-Latn-pinyin``) and language (``en-gb``), lower case."""
        lib = EspeakEngine._lib
        assert lib is not None
        names: set[str] = set()
        listed = lib.espeak_ListVoices(None)
        i = 0
        while listed[i]:
            voice = listed[i].contents
            identifier = (voice.identifier or b"").decode().lower()
            name = (voice.name or b"").decode().lower()
            names |= {identifier, identifier.rsplit("/", 1)[-1], name}
            # languages: (priority byte, NUL-terminated name) pairs, ended by a 0 byte;
            # read one string at a time, never past the end of the library's buffer.
            address = voice.languages or 0
            while address and ctypes.string_at(address, 1) != b"\0":
                language = ctypes.string_at(address + 1)
                names.add(language.decode().lower())
                address += 2 + len(language)
            i += 1
        return names

    def render(self, text: str, voice: str, words_per_minute: int = DEFAULT_RATE) -> Pcm:
        lib = EspeakEngine._lib
        assert lib is not None
        # espeak-ng takes an unknown name as a language prefix ("no-such-voice" speaks
        # Norwegian) or keeps the last voice: a typo in a layout must fail loudly instead.
        self.check_voice(voice)
        data = text.encode("utf-8") + b"\0"
        with EspeakEngine._lock:
            if lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
                raise EngineUnavailable(f"espeak-ng has no voice {voice!r}")
            lib.espeak_SetParameter(_RATE, words_per_minute, 0)
            EspeakEngine._chunks = []
            buffer = ctypes.create_string_buffer(data, len(data))
            status = lib.espeak_Synth(
                buffer, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _ENDPAUSE, None, None
            )
            chunks, EspeakEngine._chunks = EspeakEngine._chunks, []
        if status != _EE_OK:
            raise EngineUnavailable(f"espeak-ng could not speak (error {status})")
        return Pcm(b"".join(chunks), self.rate)


def _collect(wav: ctypes._Pointer[ctypes.c_short] | None, count: int, _events: int | None) -> int:
    # Called by espeak_Synth on this thread (synchronous mode), under the engine's lock.
    if wav and count > 0:
        EspeakEngine._chunks.append(ctypes.string_at(wav, count * 2))
    return 0  # 0: go on


#: Kept at module level: ctypes frees a callback whose Python object is collected.
_CALLBACK: Final = _SynthCallback(_collect)


def open_engine() -> EspeakEngine | None:
    """The engine, or None (logged once) where this PC cannot speak."""
    try:
        return EspeakEngine()
    except EngineUnavailable as exc:
        log.warning("speech: %s; announcements stay silent", exc)
        return None


# ---- several languages in one announcement ---------------------------------------------

_CJK: Final = re.compile(
    r"[\u3400-\u9fff\uf900-\ufaff]+(?:[\s，、·]*[\u3400-\u9fff\uf900-\ufaff]+)*"
)


def is_chinese_voice(voice: str) -> bool:
    return voice.lower().startswith(("cmn", "zh", "yue", "sit/"))


def render_text(
    engine: SpeechEngine,
    text: str,
    voice: str,
    words_per_minute: int = DEFAULT_RATE,
    chinese_voice: str = DEFAULT_VOICES["zh_CN"],
) -> Pcm:
    """``text`` in ``voice``; with a non-Chinese voice, runs of 汉字 (a street, an officer's
    name in an English announcement) are said by ``chinese_voice``: espeak-ng's English
    voice would spell them out as "Chinese letter", useless to anyone on the floor."""
    if is_chinese_voice(voice) or not _CJK.search(text):
        return engine.render(text, voice, words_per_minute)
    out = Pcm(b"", engine.rate)
    start = 0
    for match in _CJK.finditer(text):
        before = text[start : match.start()].strip()
        if before:
            out = out.then(engine.render(before, voice, words_per_minute))
        out = out.then(engine.render(match.group(0), chinese_voice, words_per_minute))
        start = match.end()
    rest = text[start:].strip()
    if rest:
        out = out.then(engine.render(rest, voice, words_per_minute))
    return out
