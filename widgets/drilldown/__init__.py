"""Drill-downs: a supervisor opens a case, a merchant or an officer and reads its whole story.

Each panel renders a Qt-free story from :mod:`backend_client.stories` (the case, the
merchant, the officer), which loads through a ``fetch(op, args)`` coroutine or the
desk's answer cache, so a test or the desk decides where answers come from; a panel is
handed either that source (and makes its story) or a story made by its caller. A panel
only draws the story and forwards the reader's actions ("load more") to it; a cached or
recorded answer draws the same way (:meth:`show_answer`).

Every panel asks for more rather than acting: ``openRequested(kind, id)`` when a related
case, a merchant or a marked case is activated, ``pushRequested(kind, id)`` for "push to
the wall". The desk or the wall decides what that means.

One module per job: ``base`` (the frame, "load more"), ``case``, ``merchant``,
``officer``, ``timeline``, ``related``, ``photos``, ``tables``, ``formatting`` (words for
the data, shared with the PDF) and ``texts`` (every word and colour).
"""

from __future__ import annotations

from backend_client.privacy import mask_name, mask_phone
from backend_client.stories import RELATED_KEYS, Fetch, Fetched, Source
from widgets.drilldown.base import DrilldownPanel, Pager
from widgets.drilldown.case import CaseDrilldown
from widgets.drilldown.formatting import (
    MarkState,
    SlaMark,
    category_text,
    clock_time,
    date_time,
    event_detail,
    rectification,
    reporter_text,
    sla_marks,
    span_text,
)
from widgets.drilldown.merchant import MerchantDrilldown
from widgets.drilldown.officer import OfficerDrilldown
from widgets.drilldown.photos import THUMB, is_photo_url, photo_pixmap, thumbnail
from widgets.drilldown.tables import row_id
from widgets.drilldown.texts import (
    KIND_TEXT,
    LINK_COLOUR,
    MARK_COLOURS,
    MERCHANT_TEXT,
    OFFICER_TEXT,
    RESULT_COLOURS,
    RESULT_TEXT,
    RISK_TEXT,
    TEXT,
    panel_qss,
)

__all__ = [
    "KIND_TEXT",
    "LINK_COLOUR",
    "MARK_COLOURS",
    "MERCHANT_TEXT",
    "OFFICER_TEXT",
    "RELATED_KEYS",
    "RESULT_COLOURS",
    "RESULT_TEXT",
    "RISK_TEXT",
    "TEXT",
    "THUMB",
    "CaseDrilldown",
    "DrilldownPanel",
    "Fetch",
    "Fetched",
    "MarkState",
    "MerchantDrilldown",
    "OfficerDrilldown",
    "Pager",
    "SlaMark",
    "Source",
    "category_text",
    "clock_time",
    "date_time",
    "event_detail",
    "is_photo_url",
    "mask_name",
    "mask_phone",
    "panel_qss",
    "photo_pixmap",
    "rectification",
    "reporter_text",
    "row_id",
    "sla_marks",
    "span_text",
    "thumbnail",
]
