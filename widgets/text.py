"""User-visible text goes through Qt's translation hook, Chinese being the source language.

Every string is written in Chinese in the code and looked up with ``tr()``; the installed
translator (``desktop.i18n``) gives the English. Keeping the Qt mechanism means a
``.qm`` file from ``pyside6-lupdate``/``lrelease`` can replace the catalogue later
without touching a widget.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

CONTEXT = "watchfloor"


def tr(source: str) -> str:
    """The text in the UI language (the Chinese source when no translation is installed)."""
    return QCoreApplication.translate(CONTEXT, source)


def duration_text(seconds: float) -> str:
    """``mm:ss`` (or ``h:mm:ss``) for countdowns; the sign is the caller's business."""
    total = int(abs(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
