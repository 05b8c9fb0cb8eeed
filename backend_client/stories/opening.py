"""Which story a ``(kind, id)`` opens — a map click, a queue row or a ``wall.push`` — with
what the feed already knows (an officer's name and team, the cases of the window)."""

from __future__ import annotations

from typing import Final

from backend_client.state import FeedState
from backend_client.stories.case import CaseStory
from backend_client.stories.merchant import MerchantStory
from backend_client.stories.officer import OfficerProfile, OfficerStory
from backend_client.stories.replay import window_around
from backend_client.stories.source import Source

#: How much of an officer's track a drill-down replays: the last hour, the article's
#: "who was where when the case came in".
OFFICER_WINDOW_S: Final = 3600.0

#: Map clicks say "unit"; pushes and the hub say "officer". Both mean the same story.
KINDS: Final = {
    "incident": "incident",
    "case": "incident",
    "merchant": "merchant",
    "unit": "officer",
    "officer": "officer",
}


def officer_story(
    unit_id: str, source: Source, state: FeedState, now: float, at: float | None = None
) -> OfficerStory:
    """The officer's last :data:`OFFICER_WINDOW_S` up to ``now`` (the hub's clock: the
    track is stamped in it), profiled from the feed's roster; with ``at`` (a timeline
    row's moment), a window of that length around it, the replay opening there."""
    unit = state.units.get(unit_id)
    profile: OfficerProfile | None = None
    if unit is not None:
        team = state.teams.get(unit.team)
        profile = OfficerProfile.of(unit, team.name if team is not None else unit.team)
    cases = list(state.incidents.values())
    start, end = (now - OFFICER_WINDOW_S, now)
    if at is not None:
        start, end = window_around(at, now, OFFICER_WINDOW_S)
    return OfficerStory(
        unit_id, source, start=start, end=end, cases=cases, profile=profile, focus=at
    )


def open_story(
    kind: str,
    entity_id: str,
    source: Source,
    state: FeedState,
    now: float,
    at: float | None = None,
) -> CaseStory | MerchantStory | OfficerStory | None:
    """The story for ``kind``/``entity_id`` (not loaded), or None for a kind without one;
    ``at``: an officer's replay opens at that moment (:func:`officer_story`)."""
    match KINDS.get(kind):
        case "incident":
            return CaseStory(entity_id, source)
        case "merchant":
            return MerchantStory(entity_id, source)
        case "officer":
            return officer_story(entity_id, source, state, now, at)
    return None
