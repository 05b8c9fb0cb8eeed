"""One way to open a drill-down, shared by the desk's history dock and a wall's situation slot.

Both places turn ``(kind, id)`` — from a map click, a queue row or a ``wall.push`` — into
the same panel, so what a supervisor pushes to the wall is what they were reading.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, TypeAlias

import msgspec

from backend_client.privacy import SEES_REPORTER
from backend_client.protocol.messages import WallPush

if TYPE_CHECKING:
    # The panels (and the answer cache's SQLAlchemy) load when a drill-down first opens,
    # not while a wall is starting: a wall imports this module for ``addressed``.
    from backend_client.cache import CachedRequests
    from backend_client.qt import QtFeed
    from widgets.drilldown import CaseDrilldown, MerchantDrilldown, OfficerDrilldown

#: How much of an officer's track a drill-down replays: the last hour, the article's
#: "who was where when the case came in".
OFFICER_WINDOW_S: Final = 3600.0

#: Map clicks say "unit"; pushes and the hub say "officer". Both mean the same panel.
KINDS: Final = {
    "incident": "incident",
    "case": "incident",
    "merchant": "merchant",
    "unit": "officer",
    "officer": "officer",
}

Drilldown: TypeAlias = "CaseDrilldown | MerchantDrilldown | OfficerDrilldown"


def make_drilldown(
    kind: str, entity_id: str, feed: QtFeed, requests: CachedRequests
) -> Drilldown | None:
    """The panel for ``kind``/``entity_id`` (not started), or None for a kind it has none of.

    The reporter is shown only to roles that may see it, decided from the role the hub
    gave this client (the hub masks it anyway; this keeps the label honest).
    """
    from widgets.drilldown import CaseDrilldown, MerchantDrilldown, OfficerDrilldown

    match KINDS.get(kind):
        case "incident":
            role = feed.client.role or ""
            return CaseDrilldown(entity_id, requests, show_reporter=role in SEES_REPORTER)
        case "merchant":
            return MerchantDrilldown(entity_id, requests)
        case "officer":
            end = feed.now()  # the hub's clock: the track is stamped in it
            unit = feed.state.units.get(entity_id)
            profile: dict[str, str] = {}
            if unit is not None:
                team = feed.state.teams.get(unit.team)
                profile = {
                    "name": unit.name,
                    "team": team.name if team is not None else unit.team,
                    "status": unit.status,
                    "kind": unit.kind,
                    "plate": unit.plate,
                }
            cases = [msgspec.to_builtins(i) for i in feed.state.incidents.values()]
            return OfficerDrilldown(
                entity_id,
                requests,
                start=end - OFFICER_WINDOW_S,
                end=end,
                cases=cases,
                profile=profile,
            )
    return None


def addressed(push: WallPush, wall_name: str | None) -> bool:
    """Whether a ``wall.push`` is for this wall: to every wall, or to its token's name."""
    return push.wall == "" or (wall_name is not None and push.wall == wall_name)
