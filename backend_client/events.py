"""Ticker and alert lines as a stable ``code`` and ``args``, worded in each wall's language.

The hub sends every ``ticker`` and ``alert`` with a ``code`` (a key of :data:`TEMPLATES`)
and its ``args`` beside the Chinese ``text``; it makes that text with :func:`compose` and
no translation, so the text is what the code and args say. A wall composes the line
again with its own ``translate`` (``QCoreApplication.translate("events", …)``): English
walls show English lines, and a wall older than codes still shows ``text``.

Pure Python and no Qt import (the hub uses this module): the templates and labels are
marked with a local :func:`QT_TRANSLATE_NOOP`, which ``pyside6-lupdate`` recognises by name,
so they are extracted into the ``.ts`` files under the context :data:`CONTEXT`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final


# Qt's own name, in capitals: pyside6-lupdate finds the marked strings by it.
def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Mark ``text`` for extraction under ``context``; returns it unchanged."""
    return text


CONTEXT: Final = "events"

#: code -> the Chinese template; ``{named}`` fields come from the event's ``args``.
TEMPLATES: Final[dict[str, str]] = {
    # A new case from any source (the hub's ingest), every report.
    "ticker.report": QT_TRANSLATE_NOOP("events", "【{source}】{category} · {place}"),
    # A 1-3-15 stage missed and still not done; then one done, but after its deadline.
    "ticker.sla_missed": QT_TRANSLATE_NOOP(
        "events", "【超时】案件 {case_id}（{category} · {place}）超时未{stage}，时限 {limit}"
    ),
    "ticker.sla_late": QT_TRANSLATE_NOOP(
        "events", "【超时】案件 {case_id}（{category} · {place}）超时{stage}，时限 {limit}"
    ),
    # A dispatcher merged a duplicate report into a case (case.merge): ×{count} is the
    # parent's reports now, 1 + its children.
    "ticker.merged": QT_TRANSLATE_NOOP(
        "events", "【并案】案件 {case_id} 并入案件 {parent_id}（{category} · {place}）×{count}"
    ),
    # A case not disposed by its 处置时限 deadline (working time, hub/deadlines.py).
    "ticker.deadline_missed": QT_TRANSLATE_NOOP(
        "events", "【超期】案件 {case_id}（{category} · {place}）超过处置时限"
    ),
    # A device's SOS button; the JT/T 808 gateway names the terminal it came from.
    "alert.sos": QT_TRANSLATE_NOOP("events", "{officer} 紧急求助（SOS，{channel}）"),
    "alert.sos_terminal": QT_TRANSLATE_NOOP("events", "{officer} 紧急求助（SOS，终端 {terminal}）"),
    # The AI patrol (hub/domain/supervision.py), one code per alert kind.
    "alert.device_silent": QT_TRANSLATE_NOOP("events", "{officer} 设备超过 {minutes} 分钟无定位"),
    "alert.officer_idle": QT_TRANSLATE_NOOP("events", "{officer} 原地停留超过 {minutes} 分钟"),
    "alert.outside_zone": QT_TRANSLATE_NOOP("events", "{officer} 离开责任区"),
    "alert.sla_missed": QT_TRANSLATE_NOOP("events", "案件 {case_id} 超时未{stage}"),
    "alert.rectification_overdue": QT_TRANSLATE_NOOP("events", "案件 {case_id} 整改逾期未复查"),
    # 督办: a supervisor's order on a case (hub/domain/lifecycle.py supervise), with its note.
    "ticker.supervised": QT_TRANSLATE_NOOP(
        "events", "【督办】案件 {case_id}（{category} · {place}）：{note}"
    ),
    "alert.supervised": QT_TRANSLATE_NOOP("events", "案件 {case_id} 督办：{note}"),
    # ``days`` is a number (30.0 reads "30"), so the template formats it with ``:g``.
    "alert.repeat_complaints": QT_TRANSLATE_NOOP(
        "events", "商户 {merchant} {days:g} 天内被投诉 {count} 次"
    ),
}

#: Args whose value is a word of the vocabulary (``backend_client/vocabulary.py``: a
#: source, a case category), sent as the Chinese word and translated as the wall shows
#: that word everywhere (``words`` in :func:`compose`).
VOCABULARY_ARGS: Final[frozenset[str]] = frozenset({"source", "category"})
#: Args whose value is a word of these sentences: a 1-3-15 stage as the verb of "not
#: {stage} within {limit}" and its limit. Listed in :data:`SENTENCE_WORDS`, translated
#: with the templates (in English a verb form, where the queue's column says "Move").
SENTENCE_ARGS: Final[frozenset[str]] = frozenset({"stage", "limit"})
LABEL_ARGS: Final[frozenset[str]] = VOCABULARY_ARGS | SENTENCE_ARGS

#: Every word the hub puts in a sentence arg, listed so that lupdate extracts them.
SENTENCE_WORDS: Final[tuple[str, ...]] = (
    QT_TRANSLATE_NOOP("events", "受理"),
    QT_TRANSLATE_NOOP("events", "出动"),
    QT_TRANSLATE_NOOP("events", "处置"),
    QT_TRANSLATE_NOOP("events", "1分钟"),
    QT_TRANSLATE_NOOP("events", "3分钟"),
    QT_TRANSLATE_NOOP("events", "15分钟"),
)


def _same(text: str) -> str:
    return text


def compose(
    code: str,
    args: Mapping[str, object],
    translate: Callable[[str], str] = _same,
    words: Callable[[str], str] | None = None,
) -> str | None:
    """The line in the UI language: ``translate(TEMPLATES[code]).format_map(args)``, where
    every string arg named in :data:`SENTENCE_ARGS` is translated with ``translate`` too,
    and every one in :data:`VOCABULARY_ARGS` with ``words`` (the vocabulary's context;
    ``translate`` when not given).

    None for an unknown code, missing args or a translation whose fields do not fit the
    args: the caller then shows the event's ``text`` instead.
    """
    template = TEMPLATES.get(code)
    if template is None:
        return None
    vocabulary = translate if words is None else words
    worded = {
        name: (vocabulary if name in VOCABULARY_ARGS else translate)(value)
        if name in LABEL_ARGS and isinstance(value, str)
        else value
        for name, value in args.items()
    }
    try:
        return translate(template).format_map(worded)
    except (KeyError, IndexError, ValueError, TypeError):
        return None
