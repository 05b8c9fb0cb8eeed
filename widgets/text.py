"""User-visible text goes through Qt's translation hook, Chinese being the source language.

Every string is written in Chinese in the code, in a form ``pyside6-lupdate`` extracts
(checked against what it really reads from Python):

- ``translate("ticker", "案件播报")``: a call named ``translate`` (or
  ``QCoreApplication.translate``) with a *literal* context and text. A context held in a
  variable, or a helper with another name, is not extracted.
- ``QT_TRANSLATE_NOOP("queue", "受理")`` in tables, looked up at display time with
  ``translate("queue", TABLE[key])``: the same context, so the entry is found.

One context per module (``ticker``, ``queue``, ...). ``scripts/i18n.py`` regenerates
``resources/i18n/watchfloor_en.ts`` from the tree; ``desktop.i18n`` loads the ``.qm``.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QCoreApplication

from backend_client.events import CONTEXT as EVENTS_CONTEXT
from backend_client.events import QT_TRANSLATE_NOOP as QT_TRANSLATE_NOOP  # re-exported: typed str
from backend_client.events import compose
from backend_client.vocabulary import CONTEXT as VOCABULARY_CONTEXT


def translate(context: str, source: str) -> str:
    """``source`` in the UI language (the Chinese itself when no translation is installed)."""
    return QCoreApplication.translate(context, source)


def _event_words(source: str) -> str:
    return QCoreApplication.translate(EVENTS_CONTEXT, source)


def _vocabulary_words(source: str) -> str:
    return QCoreApplication.translate(VOCABULARY_CONTEXT, source)


def event_text(code: str, args: Mapping[str, object], text: str) -> str:
    """A ticker or alert line in the UI language, worded from its ``code`` and ``args``;
    the hub's Chinese ``text`` when the code is unknown here (or absent: an older hub)."""
    line = compose(code, args, _event_words, _vocabulary_words)
    return text if line is None else line


def duration_text(seconds: float) -> str:
    """``mm:ss`` (or ``h:mm:ss``) for countdowns; the sign is the caller's business."""
    total = int(abs(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
