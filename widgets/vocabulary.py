"""The feed's enums as the wall shows them: one table each (``backend_client.vocabulary``),
translated in one context. An unknown code (a newer hub) is shown as it came."""

from __future__ import annotations

from backend_client.vocabulary import CONTEXT, SOURCES, STAGES, STATUSES
from widgets.text import translate


def source_label(code: str) -> str:
    return translate(CONTEXT, SOURCES[code]) if code in SOURCES else code


def stage_label(code: str) -> str:
    return translate(CONTEXT, STAGES[code]) if code in STAGES else code


def status_label(code: str) -> str:
    return translate(CONTEXT, STATUSES[code]) if code in STATUSES else code


def word(chinese: str) -> str:
    """A vocabulary word sent as its Chinese (a case category, a source in an event's
    args) in the UI language; one not listed shows as sent."""
    return translate(CONTEXT, chinese)
