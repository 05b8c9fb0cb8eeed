"""The officer story: who the officer (or vehicle) is, and the track replay of a window."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from backend_client.protocol.messages import Unit
from backend_client.protocol.ops import TrackAnswer, TrackArgs
from backend_client.stories.base import AnswerStory
from backend_client.stories.parse import Fields
from backend_client.stories.replay import Clock, TrackReplay, WindowCase
from backend_client.stories.source import Source


@dataclass(frozen=True, slots=True)
class OfficerProfile:
    """What the feed knows of the officer when the drill-down opens."""

    name: str
    team: str = ""
    status: str = ""
    #: ``vehicle`` for an enforcement vehicle (the same story, known by its plate).
    kind: str = ""
    plate: str = ""

    @classmethod
    def of(cls, unit: Unit, team: str) -> OfficerProfile:
        """From the feed's roster entry; ``team`` is the team's name."""
        return cls(unit.name, team, unit.status, unit.kind, unit.plate or unit.id)

    @classmethod
    def from_mapping(cls, unit_id: str, profile: Mapping[str, str]) -> OfficerProfile:
        return cls(
            name=profile.get("name", unit_id),
            team=profile.get("team", ""),
            status=profile.get("status", ""),
            kind=profile.get("kind", ""),
            plate=profile.get("plate") or unit_id,
        )

    @property
    def is_vehicle(self) -> bool:
        return self.kind == "vehicle"


class OfficerStory(AnswerStory[TrackAnswer]):
    """One officer over ``[start, end]``: the ``unit.track`` answer as a
    :class:`TrackReplay` (play, pause, speed, cursor), with the window's cases the
    officer was on marked where the officer was when each came in.

    ``cases`` are the feed's incidents, or incident dicts (as on the wire); ``profile``
    an :class:`OfficerProfile` or its fields by name.
    """

    def __init__(
        self,
        unit_id: str,
        source: Source,
        *,
        start: float,
        end: float,
        cases: Sequence[WindowCase] = (),
        profile: OfficerProfile | Mapping[str, str] | None = None,
        clock: Clock = time.monotonic,
        focus: float | None = None,
    ) -> None:
        super().__init__(source, TrackAnswer)
        self.unit_id = unit_id
        #: The moment the replay opens at (a timeline row's time), else its first fix.
        self.focus = focus
        self.profile = (
            profile
            if isinstance(profile, OfficerProfile)
            else OfficerProfile.from_mapping(unit_id, profile or {})
        )
        self.start, self.end = float(start), float(end)
        self._cases = list(cases)
        self._clock = clock
        self.replay = self._replay([])

    def _replay(self, points: Sequence[Sequence[Any]]) -> TrackReplay:
        return TrackReplay(
            points, self.start, self.end, unit_id=self.unit_id, cases=self._cases, clock=self._clock
        )

    def args(self) -> TrackArgs:
        return TrackArgs(self.unit_id, self.start, self.end)

    def _read(self, answer: TrackAnswer, raw: Mapping[str, Any]) -> None:
        self._show(answer.points)

    def _read_leniently(self, answer: Fields) -> None:
        points = answer.value("points")
        self._show(points if isinstance(points, list) else [])

    def _show(self, points: Sequence[Sequence[Any]]) -> None:
        old = self.replay
        old.pause()
        self.replay = self._replay(points)
        # A reload keeps the speed the reader chose.
        self.replay.set_speed(old.speed)
