"""Where a story's answers come from: a ``fetch(op, args)`` coroutine or the answer cache.

A desk or a wall hands a drill-down its :class:`~backend_client.cache.CachedRequests`; a
test or a screenshot hands a plain coroutine. Both become one :data:`Fetch`, so a model
does not care which. The cache module (and SQLAlchemy behind it) is only named for the
type checker: importing a story must not load the cache on a wall that never opens one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from backend_client.errors import RequestFailed

if TYPE_CHECKING:
    from backend_client.cache import CachedRequests

__all__ = ["Clock", "Fetch", "Fetched", "RequestFailed", "Requester", "Source", "as_fetch"]

#: ``(answer, cached, age_s)``: the hub's result, whether it came from the local cache, and
#: how old the cached copy is (``None`` for a fresh answer).
Fetched = tuple[dict[str, Any], bool, float | None]
Fetch = Callable[[str, dict[str, Any]], Awaitable[Fetched]]
#: A plain request, as :meth:`backend_client.transport.FeedClient.request` makes it.
Requester = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]
Clock = Callable[[], float]
Source: TypeAlias = "Fetch | CachedRequests"


def as_fetch(source: Source) -> Fetch:
    """A fetch callable from either a plain callable or the cached requests of a desk."""
    if callable(source):
        return source
    requests = source

    async def fetch(op: str, args: dict[str, Any]) -> Fetched:
        answer = await requests.request(op, args)
        return (
            answer.result,
            answer.cached,
            (answer.age(requests.clock()) if answer.cached else None),
        )

    return fetch
