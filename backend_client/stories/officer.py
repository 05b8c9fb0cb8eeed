"""The officer story: who the officer (or vehicle) is, and the track replay of a window."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from backend_client.protocol.ops import TrackArgs
from backend_client.stories.base import Story
from backend_client.stories.replay import Clock, TrackReplay
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


class OfficerStory(Story):
    """One officer over ``[start, end]``: the ``unit.track`` answer as a
    :class:`TrackReplay` (play, pause, speed, cursor), with the window's cases the
    officer was on marked where the officer was when each came in.

    ``cases`` are incident dicts (as on the wire).
    """

    def __init__(
        self,
        unit_id: str,
        source: Source,
        *,
        start: float,
        end: float,
        cases: Sequence[Mapping[str, Any]] = (),
        profile: Mapping[str, str] | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        super().__init__(source)
        self.unit_id = unit_id
        self.profile = OfficerProfile.from_mapping(unit_id, profile or {})
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

    def _parse(self, answer: dict[str, Any]) -> None:
        old = self.replay
        old.pause()
        points = answer.get("points")
        self.replay = self._replay(points if isinstance(points, list) else [])
        # A reload keeps the speed the reader chose.
        self.replay.set_speed(old.speed)
