"""How fresh what a client shows is: ``live``, ``stale`` or ``offline``, with the last good time."""

from __future__ import annotations

import enum
from dataclasses import dataclass

STALE_AFTER_SECONDS = 15.0


class Link(enum.Enum):
    CONNECTING = "connecting"  # never had data yet
    LIVE = "live"
    STALE = "stale"  # connected, but no heartbeat for STALE_AFTER_SECONDS
    OFFLINE = "offline"  # no connection to the hub


@dataclass(frozen=True)
class LinkStatus:
    link: Link
    last_good: float | None  # wall-clock time of the last heartbeat or event
    detail: str = ""
    #: The hub node the link is (or was last) with: a wall names it when there are several.
    node: str = ""

    def age(self, now: float) -> float | None:
        return None if self.last_good is None else max(0.0, now - self.last_good)


def classify(
    connected: bool, last_good: float | None, now: float, stale_after: float = STALE_AFTER_SECONDS
) -> Link:
    """The link state for a connection flag and the time of the last good data."""
    if last_good is None:
        return Link.CONNECTING if connected else Link.OFFLINE
    if not connected:
        return Link.OFFLINE
    if now - last_good > stale_after:
        return Link.STALE
    return Link.LIVE
