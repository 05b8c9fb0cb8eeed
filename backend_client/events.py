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
    # A device's SOS button; the JT/T 808 gateway names the terminal it came from.
    "alert.sos": QT_TRANSLATE_NOOP("events", "{officer} 紧急求助（SOS，{channel}）"),
    "alert.sos_terminal": QT_TRANSLATE_NOOP("events", "{officer} 紧急求助（SOS，终端 {terminal}）"),
    # The AI patrol (hub/domain/supervision.py), one code per alert kind.
    "alert.device_silent": QT_TRANSLATE_NOOP("events", "{officer} 设备超过 {minutes} 分钟无定位"),
    "alert.officer_idle": QT_TRANSLATE_NOOP("events", "{officer} 原地停留超过 {minutes} 分钟"),
    "alert.outside_zone": QT_TRANSLATE_NOOP("events", "{officer} 离开责任区"),
    "alert.sla_missed": QT_TRANSLATE_NOOP("events", "案件 {case_id} 超时未{stage}"),
    "alert.rectification_overdue": QT_TRANSLATE_NOOP("events", "案件 {case_id} 整改逾期未复查"),
    # ``days`` is a number (30.0 reads "30"), so the template formats it with ``:g``.
    "alert.repeat_complaints": QT_TRANSLATE_NOOP(
        "events", "商户 {merchant} {days:g} 天内被投诉 {count} 次"
    ),
}

#: Args whose value is a vocabulary label (a source, a case category, a 1-3-15 stage or
#: its limit), sent as the Chinese label and translated like the template. Every other
#: arg (names of people and places, ids, numbers) is shown as sent.
LABEL_ARGS: Final[frozenset[str]] = frozenset({"source", "category", "stage", "limit"})

#: Every label the hub puts in a label arg, listed so that lupdate extracts them. A label
#: missing here (a category typed by a hotline operator) still shows, untranslated.
LABELS: Final[tuple[str, ...]] = (
    # report sources
    QT_TRANSLATE_NOOP("events", "8890热线"),
    QT_TRANSLATE_NOOP("events", "随手拍"),
    QT_TRANSLATE_NOOP("events", "网格上报"),
    QT_TRANSLATE_NOOP("events", "巡查发现"),
    # 1-3-15 stages and their limits, as the ticker words them
    QT_TRANSLATE_NOOP("events", "受理"),
    QT_TRANSLATE_NOOP("events", "出动"),
    QT_TRANSLATE_NOOP("events", "处置"),
    QT_TRANSLATE_NOOP("events", "1分钟"),
    QT_TRANSLATE_NOOP("events", "3分钟"),
    QT_TRANSLATE_NOOP("events", "15分钟"),
    # case categories of the enforcement-matter catalogue (hub/simulator/catalogue.py)
    QT_TRANSLATE_NOOP("events", "占道经营"),
    QT_TRANSLATE_NOOP("events", "出店经营"),
    QT_TRANSLATE_NOOP("events", "油烟扰民"),
    QT_TRANSLATE_NOOP("events", "露天烧烤"),
    QT_TRANSLATE_NOOP("events", "噪声扰民"),
    QT_TRANSLATE_NOOP("events", "违规广告"),
    QT_TRANSLATE_NOOP("events", "建筑垃圾"),
    QT_TRANSLATE_NOOP("events", "违章停车"),
    QT_TRANSLATE_NOOP("events", "乱堆物料"),
    QT_TRANSLATE_NOOP("events", "违法建设"),
    QT_TRANSLATE_NOOP("events", "渣土撒漏"),
    QT_TRANSLATE_NOOP("events", "污水直排"),
    QT_TRANSLATE_NOOP("events", "无照经营"),
    QT_TRANSLATE_NOOP("events", "食品安全"),
    QT_TRANSLATE_NOOP("events", "公共场所卫生"),
    QT_TRANSLATE_NOOP("events", "消防通道占用"),
)


def _same(text: str) -> str:
    return text


def compose(
    code: str, args: Mapping[str, object], translate: Callable[[str], str] = _same
) -> str | None:
    """The line in the UI language: ``translate(TEMPLATES[code]).format_map(args)``, where
    every arg named in :data:`LABEL_ARGS` whose value is a string is translated too.

    None for an unknown code, missing args or a translation whose fields do not fit the
    args: the caller then shows the event's ``text`` instead.
    """
    template = TEMPLATES.get(code)
    if template is None:
        return None
    worded = {
        name: translate(value) if name in LABEL_ARGS and isinstance(value, str) else value
        for name, value in args.items()
    }
    try:
        return translate(template).format_map(worded)
    except (KeyError, IndexError, ValueError, TypeError):
        return None
