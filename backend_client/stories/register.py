"""The hub's merchant register (``merchant.list``), loaded once for the live map."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from backend_client.api import HubApi
from backend_client.stories.base import ANSWER, FAILED
from backend_client.stories.events import Emitter
from backend_client.stories.source import Requester, RequestFailed

log = logging.getLogger(__name__)

MERCHANT_OP = "merchant.list"


class MerchantRegister:
    """Every registered merchant, asked for once; a failure is retried on the next
    :meth:`ensure_loading` (the map asks again after each reconnect).

    ``changed`` carries :data:`~backend_client.stories.base.ANSWER` when the register
    arrived and :data:`~backend_client.stories.base.FAILED` when the hub could not
    answer (or answered with something that is not a register). The rows stay as the hub
    sent them: the map's merchant layer reads each one (``widgets.map.MerchantInfo.from_wire``)
    and skips what it cannot draw.
    """

    def __init__(self, request: Requester) -> None:
        self._api = HubApi.over(request)
        self.changed: Emitter[str] = Emitter()
        self.rows: tuple[Mapping[str, Any], ...] = ()
        self.loaded = False
        self.error = ""
        self._task: asyncio.Future[None] | None = None

    @property
    def loading(self) -> bool:
        return self._task is not None

    def ensure_loading(self) -> None:
        """Start loading unless loaded, already loading, or no event loop runs (a panel
        built offline: the next call, after the feed is live, starts it)."""
        if self.loaded or self._task is not None:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self._task = asyncio.ensure_future(self.load())

    async def load(self) -> None:
        try:
            reply = await self._api.merchant_list()
        except RequestFailed as exc:
            log.warning("%s failed (%s); retrying after the next reconnect", MERCHANT_OP, exc)
            self.error = exc.message
            self.changed.emit(FAILED)
            return
        finally:
            self._task = None
        # The rows as sent, not the MerchantPlace Structs (which checked them): the map's
        # layer reads wire keys the Struct leaves out (``datum``).
        self.rows = tuple(reply.result["merchants"])
        self.loaded, self.error = True, ""
        self.changed.emit(ANSWER)

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
