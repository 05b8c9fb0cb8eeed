"""``[speech]`` of a wall layout: whether, how loud, in which voice and how often it speaks.

Declared once (types, limits, a description per field) like the rest of the layout file
(``desktop.layoutschema``); docs/configuration.md shows the table made from it.
"""

from __future__ import annotations

import re
from typing import Annotated, Final, Literal

import msgspec
from msgspec import Meta

AnnouncementKind = Literal["case", "miss", "sos"]
ANNOUNCEMENT_KINDS: Final[tuple[AnnouncementKind, ...]] = ("case", "miss", "sos")

#: ``HH:MM-HH:MM``; a range whose end is before its start runs over midnight.
QUIET_PATTERN: Final = r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$"


def _doc(text: str) -> Meta:
    return Meta(description=text)


class SpeechTable(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """``[speech]``: spoken announcements (语音播报) of this wall."""

    enabled: Annotated[bool, _doc("speak at all (alarm sounds included)")] = True
    volume: Annotated[float, Meta(ge=0, le=1, description="loudness, 0 silent .. 1 full")] = 0.8
    voice: Annotated[
        str, _doc("espeak-ng voice; empty: cmn-latn-pinyin in Chinese, en in English")
    ] = ""
    rate: Annotated[int, Meta(ge=80, le=400, description="words per minute")] = 150
    min_interval: Annotated[
        float, Meta(ge=0, le=3600, description="seconds between two announcements (SOS excepted)")
    ] = 8.0
    summary_after: Annotated[
        int, Meta(ge=2, le=100, description="this many new cases waiting are said as one summary")
    ] = 3
    quiet_hours: Annotated[
        list[str],
        _doc('times with no announcement but SOS, e.g. ["22:00-07:00"] (local time)'),
    ] = msgspec.field(default_factory=list)
    announce: Annotated[list[AnnouncementKind], _doc("what is announced: case, miss, sos")] = (
        msgspec.field(default_factory=lambda: list(ANNOUNCEMENT_KINDS))
    )
    sounds: Annotated[bool, _doc("an alarm sound before an SOS or a missed clock")] = True
    max_age: Annotated[
        float, Meta(gt=0, le=3600, description="seconds after which a waiting case is not said")
    ] = 120.0


def quiet_problem(value: str) -> str | None:
    """None for a good ``HH:MM-HH:MM``, else what an installer should write."""
    if re.match(QUIET_PATTERN, value):
        return None
    return f"{value!r}: write HH:MM-HH:MM in 24-hour time, e.g. 22:00-07:00"


def quiet_minutes(ranges: list[str]) -> list[tuple[int, int]]:
    """``["22:00-07:00"]`` as ``[(1320, 420)]``: minutes since midnight, start and end."""

    def minutes(hhmm: str) -> int:
        hours, mins = hhmm.split(":")
        return int(hours) * 60 + int(mins)

    return [(minutes(r[:5]), minutes(r[6:])) for r in ranges]


def is_quiet(ranges: list[tuple[int, int]], minute_of_day: int) -> bool:
    for start, end in ranges:
        inside = (
            start <= minute_of_day < end
            if start <= end
            else minute_of_day >= start or minute_of_day < end
        )
        if inside:
            return True
    return False
