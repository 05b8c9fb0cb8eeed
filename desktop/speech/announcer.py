"""The rules of what a wall says and when, as plain Python with an injected clock.

Events come in (a new case, a missed 1-3-15 stage, an SOS) already worded; :meth:`tick`,
called a few times a second, decides what is said next:

- **priorities**: SOS first, then clock misses, then new cases. An SOS stops whatever is
  being said and goes out at once, whatever the rate limit and the quiet hours;
- **bursts**: ``summary_after`` or more new cases waiting become one summary ("新增案件5起"),
  likewise misses: a hall needs the count, not five addresses read in a row;
- **rate**: at most one announcement per ``min_interval`` seconds (SOS excepted), and
  nothing starts while something is being said;
- **quiet hours**: nothing but SOS; what comes in then is dropped, not saved for morning;
- **age**: a case waiting longer than ``max_age`` (or replayed after a network gap) is
  dropped: old news read aloud is noise.

Output goes to a :class:`Speaker` (``desktop.speech.wall``: espeak-ng and QtMultimedia);
tests give a recording one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

from desktop.speech.settings import AnnouncementKind, SpeechTable, is_quiet, quiet_minutes

log = logging.getLogger(__name__)

#: Lower is said first.
PRIORITY: Final[dict[AnnouncementKind, int]] = {"sos": 0, "miss": 1, "case": 2}
#: The alarm played before the words, from ``resources/sounds/`` (scripts/make_sounds.py).
SOUND: Final[dict[AnnouncementKind, str | None]] = {
    "sos": "sos.wav",
    "miss": "clock-miss.wav",
    "case": None,
}


@dataclass(frozen=True)
class Announcement:
    """One thing said: ``text`` in the UI language, after ``sound`` when there is one."""

    kind: AnnouncementKind
    text: str
    sound: str | None = None
    #: How many events it stands for (a summary stands for several).
    count: int = 1


class Speaker(Protocol):
    """Where announcements go: says one at a time, can be cut short."""

    @property
    def busy(self) -> bool: ...

    def say(self, announcement: Announcement) -> None: ...

    def stop(self) -> None: ...


class Summaries(Protocol):
    """The words of a summary, in the UI language (``desktop.speech.wording``)."""

    def cases(self, count: int) -> str: ...

    def misses(self, count: int) -> str: ...


@dataclass
class _Waiting:
    kind: AnnouncementKind
    text: str
    since: float


def local_minute(ts: float) -> int:
    """Minutes since local midnight: quiet hours are the hall's own clock."""
    t = time.localtime(ts)
    return t.tm_hour * 60 + t.tm_min


class Announcer:
    def __init__(
        self,
        settings: SpeechTable,
        speaker: Speaker,
        summaries: Summaries,
        *,
        clock: Callable[[], float] = time.time,
        minute_of_day: Callable[[float], int] = local_minute,
    ) -> None:
        self.settings = settings
        self.speaker = speaker
        self.summaries = summaries
        self.clock = clock
        self.minute_of_day = minute_of_day
        self._quiet = quiet_minutes(settings.quiet_hours)
        self._waiting: list[_Waiting] = []
        self._last_start: float | None = None
        self._speaking: AnnouncementKind | None = None
        #: Events not said, by why: quiet hours, too old, kind switched off (for logs/tests).
        self.dropped: dict[str, int] = {"quiet": 0, "old": 0, "off": 0}

    # ---- events in ---------------------------------------------------------------------

    def case(self, text: str, reported_at: float | None = None) -> None:
        """A new case; ``reported_at`` (its report time) drops one replayed long after."""
        now = self.clock()
        if reported_at is not None and now - reported_at > self.settings.max_age:
            self.dropped["old"] += 1
            return
        self._add("case", text, now)

    def miss(self, text: str) -> None:
        """A 1-3-15 stage missed (and still not done)."""
        self._add("miss", text, self.clock())

    def sos(self, text: str) -> None:
        """An officer's SOS: cuts short what is being said and goes out now."""
        if not self._add("sos", text, self.clock()):
            return
        if self.speaker.busy and self._speaking != "sos":
            self.speaker.stop()
        self.tick()

    def _add(self, kind: AnnouncementKind, text: str, now: float) -> bool:
        if not self.settings.enabled or kind not in self.settings.announce:
            self.dropped["off"] += 1
            return False
        if kind != "sos" and self.quiet(now):
            self.dropped["quiet"] += 1
            return False
        self._waiting.append(_Waiting(kind, text, now))
        return True

    def quiet(self, now: float) -> bool:
        return bool(self._quiet) and is_quiet(self._quiet, self.minute_of_day(now))

    @property
    def waiting(self) -> list[tuple[AnnouncementKind, str]]:
        return [(w.kind, w.text) for w in self._waiting]

    # ---- what is said next -------------------------------------------------------------

    def tick(self) -> Announcement | None:
        """Say the next announcement if the rules allow it now; returns what was said."""
        now = self.clock()
        if self.speaker.busy:
            return None
        self._speaking = None
        self._expire(now)
        if not self._waiting:
            return None
        kind = min(self._waiting, key=lambda w: PRIORITY[w.kind]).kind
        if kind != "sos":
            if self.quiet(now):
                self.dropped["quiet"] += len(self._waiting)
                self._waiting.clear()
                return None
            if self._last_start is not None and now - self._last_start < self.settings.min_interval:
                return None
        announcement = self._take(kind)
        self._last_start = now
        self._speaking = kind
        log.info("speech: %s", announcement.text)
        self.speaker.say(announcement)
        return announcement

    def _expire(self, now: float) -> None:
        fresh = [
            w for w in self._waiting if w.kind == "sos" or now - w.since <= self.settings.max_age
        ]
        self.dropped["old"] += len(self._waiting) - len(fresh)
        self._waiting = fresh

    def _take(self, kind: AnnouncementKind) -> Announcement:
        same = [w for w in self._waiting if w.kind == kind]
        sound = SOUND[kind] if self.settings.sounds else None
        if kind != "sos" and len(same) >= self.settings.summary_after:
            self._waiting = [w for w in self._waiting if w.kind != kind]
            words = self.summaries.cases if kind == "case" else self.summaries.misses
            return Announcement(kind, words(len(same)), sound, len(same))
        first = same[0]
        self._waiting.remove(first)
        return Announcement(kind, first.text, sound)
