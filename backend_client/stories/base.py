"""What every drill-down story shares: one main request, cached answers, errors, paging.

A story is the Qt-free model behind one drill-down (napari's way: the model loads and
holds state, the view observes it). It asks through a :class:`~backend_client.api.HubApi`
over a :data:`Source` (the answer cache on a desk or a wall) with its op's typed
arguments; the facade checks the answer against the op's Struct, so a malformed answer
is the story's error state, like a refusal, and the story reads the Struct's attributes.
An answer handed in (:meth:`Story.set_answer`) is read the same way when the Struct
accepts it, else field by field. The story keeps the answer it shows, whether
that came from the cache and how old it is, the last error, and where the next page
starts. Every change is announced on :attr:`Story.changed` with one of the topics below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import msgspec

from backend_client.api import HubApi, Reply, op_of
from backend_client.protocol.ops import Answer, Args
from backend_client.stories.events import Emitter
from backend_client.stories.parse import Fields, count, decoded
from backend_client.stories.source import RequestFailed, Source

AnswerT = TypeVar("AnswerT", bound=Answer)

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
    """The cached flag and age, the error state and paging of one drill-down: what a
    view holds, whatever the op (:class:`AnswerStory` loads)."""

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
        """Take an answer handed in (recorded, or cached by an older hub) and announce
        :data:`ANSWER`."""
        raise NotImplementedError

    def _fail(self, exc: RequestFailed, topic: str) -> None:
        self.error, self.error_code = exc.message, exc.code
        self.changed.emit(topic)

    async def load(self) -> None:
        raise NotImplementedError


class AnswerStory(Story, Generic[AnswerT]):
    """A story whose main op answers with ``kind``: it loads that answer and reads the
    Struct's attributes."""

    def __init__(self, source: Source, kind: type[AnswerT], *, page_size: int = 0) -> None:
        super().__init__(source, page_size=page_size)
        self.kind = kind

    def set_answer(
        self, answer: dict[str, Any], *, cached: bool = False, age_s: float | None = None
    ) -> None:
        """Take an answer handed in (recorded, or cached by an older hub) and announce
        :data:`ANSWER`. One that ``kind`` accepts is read like a loaded one; anything
        else field by field, with defaults."""
        self._take(answer, decoded(answer, self.kind), cached, age_s)

    def _take(
        self, raw: dict[str, Any], typed: AnswerT | None, cached: bool, age_s: float | None
    ) -> None:
        self.answer, self.cached, self.age_s = raw, cached, age_s
        self.error = self.error_code = ""
        if typed is not None:
            self._read(typed, raw)
        else:
            self._read_leniently(Fields(raw))
        self.changed.emit(ANSWER)

    def _read(self, answer: AnswerT, raw: Mapping[str, Any]) -> None:
        """Take the answer's parts from its Struct (``raw`` is the same answer as sent)."""
        raise NotImplementedError

    def _read_leniently(self, answer: Fields) -> None:
        """Take what there is of an answer ``kind`` does not accept."""
        raise NotImplementedError

    async def load_answer(self) -> bool:
        """Send the main request and take its answer; False (and :data:`FAILED`) when
        there was none to show."""
        try:
            reply = await self.api.ask_as(self.args(), self.kind)
        except RequestFailed as exc:
            self._fail(exc, FAILED)
            return False
        self._take(reply.result, reply.answer, reply.cached, reply.age_s)
        return True

    async def load(self) -> None:
        await self.load_answer()

    async def _next_page(self) -> Reply[AnswerT] | None:
        """The page after what is shown (the main request at the next offset, a page
        long), or None when there is no more (or a page is already on its way, or it
        failed: :data:`PAGE_FAILED`). The caller moves :attr:`paging` on."""
        paging = self.paging
        if paging.next_offset is None or paging.busy or self.answer is None:
            return None
        paging.busy = True
        self.changed.emit(PAGING)
        try:
            asked = msgspec.structs.replace(
                self.args(), offset=paging.next_offset, limit=self.page_size
            )
            return await self.api.ask_as(asked, self.kind)
        except RequestFailed as exc:
            self._fail(exc, PAGE_FAILED)
            return None
        finally:
            paging.busy = False

    def _merged(self, key: str, page: Reply[AnswerT]) -> list[Any]:
        """The list ``key`` of the answer shown with the page's appended: the merged
        answer is what the PDF, the cache and a re-render read."""
        shown = Fields(self.answer).value(key)
        return [*(shown if isinstance(shown, list) else ()), *page.result[key]]
