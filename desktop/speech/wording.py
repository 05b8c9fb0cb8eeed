"""What a wall says, in its UI language (context ``speech``; Chinese is the source).

Short and in the order a listener needs: where it came from, where, what. An address is
cut to township and street ("金华市婺城区城东街道飘萍路459号" -> "城东街道飘萍路"): the city
and district are the same for every case and a house number read aloud is not remembered.
"""

from __future__ import annotations

import re
from typing import Final

from backend_client.protocol.messages import Alert, Incident, Ticker
from widgets.text import translate
from widgets.vocabulary import source_label, word

#: Said on every case, so not said: the city and district this centre serves.
_PREFIXES: Final = ("浙江省", "金华市", "婺城区")
_HOUSE_NUMBER: Final = re.compile(r"\d+[号弄栋幢].*$")


def spoken_place(address: str) -> str:
    """Township and street of an address (or village), without city, district, number."""
    place = address.strip()
    for prefix in _PREFIXES:
        place = place.removeprefix(prefix)
    return _HOUSE_NUMBER.sub("", place).strip(" ，,")


def _join(*parts: str) -> str:
    return translate("speech", "，").join(p for p in parts if p)


def new_case(incident: Incident) -> str:
    """A new case as said: "随手拍上报，城东街道飘萍路，渣土撒漏"."""
    reported = translate("speech", "{source}上报").format(source=source_label(incident.source))
    return _join(reported, spoken_place(incident.address), word(incident.category))


def clock_miss(ticker: Ticker) -> str | None:
    """A ``ticker.sla_missed`` line as speech ("超时未受理，城东街道飘萍路，渣土撒漏"), or None
    for any other ticker line."""
    if ticker.code != "ticker.sla_missed":
        return None
    args = ticker.args
    stage = translate("events", str(args.get("stage", "")))
    missed = translate("speech", "案件超时未{stage}").format(stage=stage)
    category = args.get("category")
    return _join(
        missed,
        spoken_place(str(args.get("place", ""))),
        word(category) if isinstance(category, str) else "",
    )


def sos(alert: Alert) -> str | None:
    """An ``sos`` alert as said, "紧急求助，张伟" (said twice: it must not be missed); None for
    other alerts."""
    if alert.kind != "sos":
        return None
    officer = str(alert.args.get("officer", "")) or alert.subject
    once = translate("speech", "紧急求助，{officer}").format(officer=officer)
    return translate("speech", "。").join((once, once))


class Summaries:
    """The words of a burst said as one (``Announcer``'s ``summaries``)."""

    def cases(self, count: int) -> str:
        return translate("speech", "新增案件{count}起").format(count=count)

    def misses(self, count: int) -> str:
        return translate("speech", "{count}起案件超时").format(count=count)
