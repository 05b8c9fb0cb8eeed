"""What every drill-down story shares: one main request, cached answers, errors, paging.

A story is the Qt-free model behind one drill-down (napari's way: the model loads and
holds state, the view observes it). It asks through a :class:`~backend_client.api.HubApi`
over a :data:`Source` (the answer cache on a desk or a wall) with its op's typed
arguments; the facade checks the answer against the op's Struct, so a malformed answer
is the story's error state, like a refusal. The story keeps the answer it shows, whether
that came from the cache and how old it is, the last error, and where the next page
starts. Every change is announced on :attr:`Story.changed` with one of the topics below.
"""

from __future__ import annotations

from typing import Any

import msgspec

from backend_client.api import HubApi, op_of
from backend_client.protocol.ops import Args
from backend_client.stories.events import Emitter
from backend_client.stories.parse import count
from backend_client.stories.source import RequestFailed, Source

#: A new answer was taken (fresh, cached or handed in): draw everything again.
ANSWER = "answer"
#: The main request failed and there is no answer to show: :attr:`Story.error`.
FAILED = "failed"
#: A page was appended to the paged list.
PAGE = "page"
#: A page is on its way (or no longer): the "load more" control changes.
PAGING = "paging"
#: A page failed; what is shown stays, :attr:`Story.error` says why.
PAGE_FAILED = "page_failed"
#: The related cases arrived (or failed: :attr:`CaseStory.related_error`).
RELATED = "related"


class Paging:
    """Where the next page of a paged list starts, how many there are in all."""

    __slots__ = ("busy", "next_offset", "total")

    def __init__(self) -> None:
        self.next_offset: int | None = None
        self.total: int | None = None
        #: A page is on its way: a second "load more" waits for it.
        self.busy = False

    def update(self, next_offset: object, total: object) -> None:
        self.next_offset = count(next_offset)
        self.total = count(total)

    @property
    def more(self) -> bool:
        return self.next_offset is not None


class Story:
    """Loading, the cached flag and age, the error state and paging of one drill-down."""

    def __init__(self, source: Source, *, page_size: int = 0) -> None:
        self.api = HubApi(source)
        self.page_size = page_size
        #: Topics (the module's constants) in the order things happened.
        self.changed: Emitter[str] = Emitter()
        #: The raw answer shown (pages merged in), for a cache or a re-render.
        self.answer: dict[str, Any] | None = None
        self.cached = False
        self.age_s: float | None = None
        #: The last failure's message and code ("" when the last request went well).
        self.error = ""
        self.error_code = ""
        self.paging = Paging()

    def args(self) -> Args:
        """The main request's arguments (their type names the op)."""
        raise NotImplementedError

    def request(self) -> tuple[str, dict[str, Any]]:
        """The main request: op and arguments as sent."""
        args = self.args()
        wire: dict[str, Any] = msgspec.to_builtins(args)
        return op_of(args), wire

    def set_answer(
        self, answer: dict[str, Any], *, cached: bool = False, age_s: float | None = None
    ) -> None:
        """Take an answer (fresh, cached or recorded) and announce :data:`ANSWER`."""
        self.answer, self.cached, self.age_s = answer, cached, age_s
        self.error = self.error_code = ""
        self._parse(answer)
        self.changed.emit(ANSWER)

    def _parse(self, answer: dict[str, Any]) -> None:
        raise NotImplementedError

    def _fail(self, exc: RequestFailed, topic: str) -> None:
        self.error, self.error_code = exc.message, exc.code
        self.changed.emit(topic)

    async def load_answer(self) -> bool:
        """Send the main request and take its answer; False (and :data:`FAILED`) when
        there was none to show."""
        try:
            reply = await self.api.ask(self.args())
        except RequestFailed as exc:
            self._fail(exc, FAILED)
            return False
        # The result as sent is what the story keeps and parses: set_answer also takes
        # answers handed in (recorded, or cached by an older hub) that no Struct checked.
        self.set_answer(reply.result, cached=reply.cached, age_s=reply.age_s)
        return True

    async def load(self) -> None:
        await self.load_answer()

    async def _next_page(self, args: Args, total_key: str) -> dict[str, Any] | None:
        """The page after what is shown (``args`` with the next offset and the page size),
        or None when there is no more (or a page is already on its way, or it failed:
        :data:`PAGE_FAILED`)."""
        paging = self.paging
        if paging.next_offset is None or paging.busy or self.answer is None:
            return None
        paging.busy = True
        self.changed.emit(PAGING)
        try:
            asked = msgspec.structs.replace(args, offset=paging.next_offset, limit=self.page_size)
            page = (await self.api.ask(asked)).result
        except RequestFailed as exc:
            self._fail(exc, PAGE_FAILED)
            return None
        finally:
            paging.busy = False
        paging.update(page.get("next_offset"), page.get(total_key))
        return page
