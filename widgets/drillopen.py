"""One way to open a drill-down, shared by the desk's history dock and a wall's situation slot.

Both places turn ``(kind, id)`` — from a map click, a queue row or a ``wall.push`` — into
the same panel, so what a supervisor pushes to the wall is what they were reading.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from backend_client.privacy import SEES_REPORTER
from backend_client.protocol.messages import WallPush

if TYPE_CHECKING:
    # The panels and their stories load when a drill-down first opens, not while a wall
    # is starting: a wall imports this module for ``addressed``.
    from backend_client.qt import QtFeed
    from backend_client.stories import Source
    from widgets.drilldown import CaseDrilldown, MerchantDrilldown, OfficerDrilldown

Drilldown: TypeAlias = "CaseDrilldown | MerchantDrilldown | OfficerDrilldown"


def make_drilldown(
    kind: str, entity_id: str, feed: QtFeed, requests: Source, at: float | None = None
) -> Drilldown | None:
    """The panel for ``kind``/``entity_id`` (not started), or None for a kind it has none of;
    ``at``: an officer's replay opens at that moment (a case timeline row's time). A case
    panel counts its deadline on the calendar the client holds (``feed.state.calendar``,
    asked by the desk), else in clock time.

    The story behind it comes from :func:`backend_client.stories.opening.open_story`. The
    reporter is shown only to roles that may see it, decided from the role the hub gave
    this client (the hub masks it anyway; this keeps the label honest).
    """
    from backend_client.stories import CaseStory, MerchantStory
    from backend_client.stories.opening import open_story
    from widgets.drilldown import CaseDrilldown, MerchantDrilldown, OfficerDrilldown

    # feed.now() is the hub's clock: an officer's track is stamped in it.
    story = open_story(kind, entity_id, requests, feed.state, feed.now(), at)
    if isinstance(story, CaseStory):
        role = feed.client.role or ""
        # The hub's clock and its working calendar, read on each render (a calendar the
        # desk is given later words the next one): the 处置时限 reads as in the queue.
        return CaseDrilldown(
            entity_id,
            story,
            show_reporter=role in SEES_REPORTER,
            clock=feed.now,
            calendar=lambda: feed.state.calendar,
        )
    if isinstance(story, MerchantStory):
        return MerchantDrilldown(entity_id, story)
    if story is not None:
        return OfficerDrilldown(entity_id, story, start=story.start, end=story.end)
    return None


def addressed(push: WallPush, wall_name: str | None) -> bool:
    """Whether a ``wall.push`` is for this wall: to every wall, or to its token's name."""
    return push.wall == "" or (wall_name is not None and push.wall == wall_name)
