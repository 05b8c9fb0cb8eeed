"""Where a story's answers come from: a ``fetch(op, args)`` coroutine or the answer cache.

A desk or a wall hands a drill-down its :class:`~backend_client.cache.CachedRequests`; a
test or a screenshot hands a plain coroutine. Both become one :data:`Fetch`, and a story
asks through a :class:`~backend_client.api.HubApi` over it, so a model does not care
which. The names live in :mod:`backend_client.api` (the typed facade); they stay
importable from here, where the widgets and the desk have always found them.
"""

from __future__ import annotations

from collections.abc import Callable

from backend_client.api import Fetch, Fetched, Requester, Source, as_fetch
from backend_client.errors import RequestFailed

__all__ = ["Clock", "Fetch", "Fetched", "RequestFailed", "Requester", "Source", "as_fetch"]

Clock = Callable[[], float]
