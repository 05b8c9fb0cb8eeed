"""The stories behind the drill-downs and the map's merchant register: Qt-free models.

Each model sends its requests through the answer cache (or any ``fetch`` coroutine),
keeps paging and error state and the parsed, typed data, and announces changes on an
:class:`~backend_client.stories.events.Emitter`. Widgets render them and forward the
reader's actions (load more, open related); the case PDF and the tests read them.
No Qt here (and none may be added): they load and are tested headless.
"""

from __future__ import annotations

from backend_client.stories.base import (
    ANSWER,
    FAILED,
    PAGE,
    PAGE_FAILED,
    PAGING,
    RELATED,
    AnswerStory,
    Paging,
    Story,
)
from backend_client.stories.case import CaseStory
from backend_client.stories.case_data import (
    RELATED_KEYS,
    CaseEvent,
    CaseHistory,
    CaseRecord,
    EventDetail,
    RelatedCase,
    RelatedCases,
    Reporter,
    parse_history,
    parse_related,
)
from backend_client.stories.events import Emitter
from backend_client.stories.merchant import (
    Inspection,
    MerchantCase,
    MerchantProfile,
    MerchantStory,
)
from backend_client.stories.officer import OfficerProfile, OfficerStory
from backend_client.stories.register import MerchantRegister
from backend_client.stories.replay import SPEEDS, CaseMark, TrackPoint, TrackReplay, parse_points
from backend_client.stories.source import Fetch, Fetched, Requester, RequestFailed, Source, as_fetch

__all__ = [
    "ANSWER",
    "FAILED",
    "PAGE",
    "PAGE_FAILED",
    "PAGING",
    "RELATED",
    "RELATED_KEYS",
    "SPEEDS",
    "AnswerStory",
    "CaseEvent",
    "CaseHistory",
    "CaseMark",
    "CaseRecord",
    "CaseStory",
    "Emitter",
    "EventDetail",
    "Fetch",
    "Fetched",
    "Inspection",
    "MerchantCase",
    "MerchantProfile",
    "MerchantRegister",
    "MerchantStory",
    "OfficerProfile",
    "OfficerStory",
    "Paging",
    "RelatedCase",
    "RelatedCases",
    "Reporter",
    "RequestFailed",
    "Requester",
    "Source",
    "Story",
    "TrackPoint",
    "TrackReplay",
    "as_fetch",
    "parse_history",
    "parse_points",
    "parse_related",
]
