"""The 处置时限 deadline (and the class line) in words, for the queue and the drill-down.

Chinese first; English through Qt Linguist (context ``deadline``). The standing itself is
the shared core's (backend_client/deadlines.py); this module only words it: in working
time (剩1个工作日2时) when the standing was counted on the hub's calendar, else in clock
time (剩2天17时), as a desk without the calendar (an older hub, not loaded yet) did.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from backend_client.deadlines import DeadlineStanding, parse_limit
from widgets.text import QT_TRANSLATE_NOOP, translate

CONTEXT: Final = "deadline"

TEXT: Final[dict[str, str]] = {
    "minutes": QT_TRANSLATE_NOOP("deadline", "{n}分钟"),
    "working_hours": QT_TRANSLATE_NOOP("deadline", "{n}个工作时"),
    "working_days": QT_TRANSLATE_NOOP("deadline", "{n}个工作日"),
    "days": QT_TRANSLATE_NOOP("deadline", "{d}天{h}时"),
    "hours": QT_TRANSLATE_NOOP("deadline", "{h}时{m:02d}分"),
    "mins": QT_TRANSLATE_NOOP("deadline", "{m}分"),
    # Working time on the hub's calendar: a working day is that calendar's hours of work.
    "work_days": QT_TRANSLATE_NOOP("deadline", "{d}个工作日{h}时"),
    "work_hours": QT_TRANSLATE_NOOP("deadline", "{h}个工作时{m:02d}分"),
    "work_mins": QT_TRANSLATE_NOOP("deadline", "{m}个工作分钟"),
    # Past the deadline by less than a working minute: it ran out at the close of work
    # and nobody has worked since (a weekend, a night); "超期0个工作分钟" would hide the miss.
    "overdue_off": QT_TRANSLATE_NOOP("deadline", "已超期"),
    "running": QT_TRANSLATE_NOOP("deadline", "剩{span}"),
    "overdue": QT_TRANSLATE_NOOP("deadline", "超期{span}"),
    "met": QT_TRANSLATE_NOOP("deadline", "按期处置"),
    "late": QT_TRANSLATE_NOOP("deadline", "超期{span}处置"),
    "none": QT_TRANSLATE_NOOP("deadline", "—"),
    "line": QT_TRANSLATE_NOOP("deadline", "{when}（{limit}）· {standing}"),
}

#: China Standard Time: deadlines are read on the hub's calendar, which counts in it.
CST: Final = dt.timezone(dt.timedelta(hours=8))


def limit_label(text: str) -> str:
    """A limit as stored (``"4 working_hours"``) in words: 4个工作时, 4 working hours; an
    unreadable one as sent."""
    parsed = parse_limit(text)
    if parsed is None:
        return text
    amount, unit = parsed
    return translate(CONTEXT, TEXT[unit]).format(n=f"{amount:g}")


def span_text(seconds: float) -> str:
    """A span, coarse as a deadline needs: 2天3时, 3时05分, 45分."""
    minutes = int(max(0.0, seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return translate(CONTEXT, TEXT["days"]).format(d=days, h=hours)
    if hours:
        return translate(CONTEXT, TEXT["hours"]).format(h=hours, m=mins)
    return translate(CONTEXT, TEXT["mins"]).format(m=mins)


def working_span_text(seconds: float, day_seconds: float) -> str:
    """Working time, coarse as a deadline needs: 1个工作日2时 (a working day being
    ``day_seconds`` of work), 3个工作时05分, 45个工作分钟."""
    minutes = int(max(0.0, seconds) // 60)
    day_minutes = int(day_seconds // 60)
    days, rest = divmod(minutes, day_minutes) if day_minutes > 0 else (0, minutes)
    hours, mins = divmod(rest, 60)
    if days:
        return translate(CONTEXT, TEXT["work_days"]).format(d=days, h=hours)
    if hours:
        return translate(CONTEXT, TEXT["work_hours"]).format(h=hours, m=mins)
    return translate(CONTEXT, TEXT["work_mins"]).format(m=mins)


def standing_text(standing: DeadlineStanding) -> str:
    """The queue's cell: 剩3个工作时05分, 超期1个工作日2时 (on the hub's calendar), or 剩3时05分,
    超期45分 (clock time, without it), 按期处置, 超期1天2时处置, —."""
    template = translate(CONTEXT, TEXT[standing.state])
    if "{span}" not in template:
        return template
    if standing.working is None:  # clock time: no calendar, a limit in minutes, disposed
        return template.format(span=span_text(standing.seconds))
    if standing.state == "overdue" and standing.working < 60:
        return translate(CONTEXT, TEXT["overdue_off"])
    return template.format(span=working_span_text(standing.working, standing.day_seconds))


def deadline_line(deadline: float, limit: str, standing: DeadlineStanding) -> str:
    """The drill-down's line: the moment (China time), the limit and the standing."""
    when = dt.datetime.fromtimestamp(deadline, CST).strftime("%Y-%m-%d %H:%M")
    return translate(CONTEXT, TEXT["line"]).format(
        when=when, limit=limit_label(limit), standing=standing_text(standing)
    )


def class_line(name: str, code: str, group: str) -> str:
    """The drill-down's class: the name, then its code and 大类 (机动车乱停放 · 09009 ·
    街面秩序); the name alone for a case with no class (an old free name)."""
    return " · ".join(part for part in (name, code, group) if part)
