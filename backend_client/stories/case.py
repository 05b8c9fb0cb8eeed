"""The case story: a case's history (paged timeline) and its related cases."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from backend_client.api import Reply
from backend_client.protocol.ops import CaseHistoryAnswer, CaseHistoryArgs, CaseRelatedAnswer
from backend_client.stories.base import PAGE, RELATED, AnswerStory
from backend_client.stories.case_data import (
    CaseEvent,
    CaseHistory,
    CaseRecord,
    RelatedCases,
    event_of,
    history_of,
    named_merchant,
    parse_related,
    read_history,
    related_of,
)
from backend_client.stories.parse import Fields
from backend_client.stories.source import RequestFailed, Source


class CaseStory(AnswerStory[CaseHistoryAnswer]):
    """One case as a supervisor reads it: ``case.history`` (the case, the timeline page
    by page, photos, its merchant's name) and ``case.related``.

    :meth:`load` asks for both together (one round trip); a reload reads as many pages
    as were shown before, so the reader does not lose their place.
    """

    #: Events per ``case.history`` page (the hub's own default).
    PAGE_SIZE = 500

    def __init__(self, case_id: str, source: Source, *, page_size: int = PAGE_SIZE) -> None:
        super().__init__(source, CaseHistoryAnswer, page_size=page_size)
        self.case_id = case_id
        self.history: CaseHistory | None = None
        #: The timeline loaded so far, in the hub's (stored) order.
        self.events: list[CaseEvent] = []
        self.related: RelatedCases | None = None
        #: The raw ``case.related`` answer (for a cache or the PDF); None when it failed.
        self.related_answer: dict[str, Any] | None = None
        self.related_error = ""

    @property
    def case(self) -> CaseRecord:
        """The case; only its id until the first answer came."""
        return self.history.case if self.history is not None else CaseRecord(self.case_id)

    def args(self) -> CaseHistoryArgs:
        # Always the same first page: the local cache keeps pages apart, by these args.
        return CaseHistoryArgs(self.case_id, 0, self.page_size)

    def _read(self, answer: CaseHistoryAnswer, raw: Mapping[str, Any]) -> None:
        self._show(history_of(answer, named_merchant(Fields(raw))))

    def _read_leniently(self, answer: Fields) -> None:
        self._show(read_history(answer, self.case_id))

    def _show(self, history: CaseHistory) -> None:
        self.history = history
        self.events = list(history.events)
        self.paging.update(history.next_offset, history.total_events)

    async def load(self) -> None:
        shown_before = len(self.events)
        related = asyncio.ensure_future(self._fetch_related())
        try:
            shown = await self.load_answer()
            reply, error = await related
        finally:
            if not related.done():
                related.cancel()
        if shown:
            if reply is None:
                self._take_related(None, None, error)
            else:
                self._take_related(reply.result, related_of(reply.answer), "")
            while len(self.events) < shown_before and await self.load_more():
                pass

    async def _fetch_related(self) -> tuple[Reply[CaseRelatedAnswer] | None, str]:
        try:
            return await self.api.case_related(self.case_id), ""
        except RequestFailed as exc:
            return None, exc.message

    def set_related(self, related: dict[str, Any] | None, error: str = "") -> None:
        """Take a ``case.related`` answer; None (with the reason) when there was none."""
        self._take_related(related, None if related is None else parse_related(related), error)

    def _take_related(
        self, raw: dict[str, Any] | None, related: RelatedCases | None, error: str
    ) -> None:
        self.related_answer = raw
        self.related = related
        self.related_error = error
        self.changed.emit(RELATED)

    async def load_more(self) -> bool:
        """The next page of the timeline, appended; False when there was none or it failed."""
        page = await self._next_page()
        if page is None:
            return False
        self.paging.update(page.answer.next_offset, page.answer.total_events)
        self.events.extend(event_of(event) for event in page.answer.events)
        assert self.answer is not None
        self.answer = {
            **self.answer,
            "events": self._merged("events", page),
            "next_offset": self.paging.next_offset,
            "total_events": self.paging.total,
        }
        assert self.history is not None
        self.history = CaseHistory(
            self.history.case,
            tuple(self.events),
            self.history.photos,
            self.history.merchant_name,
            self.paging.next_offset,
            self.paging.total,
        )
        self.changed.emit(PAGE)
        return True
