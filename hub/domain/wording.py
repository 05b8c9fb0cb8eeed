"""What the hub says on the ticker and in alerts: a code, its args and the Chinese text.

Every ``Ticker`` and ``Alert`` the hub builds takes its wording from here, so the code and
args on the wire (backend_client/events.py) always say what the text says: the text *is*
``compose(code, args)``. Labels (sources, categories, stages) go into the args as their
Chinese words, which a wall translates; names of people and places go in as they are.
"""

from __future__ import annotations

from typing import Final, TypedDict

from backend_client.events import compose
from backend_client.protocol.messages import EventArgs
from backend_client.sla import SlaStage

#: The 1-3-15 stages as the ticker and the alerts word them, and each stage's limit.
STAGE_WORDS: Final[dict[SlaStage, str]] = {
    SlaStage.ACCEPT: "受理",
    SlaStage.MOVE: "出动",
    SlaStage.HANDLE: "处置",
}
# The rule's own words: a hub configured with other limits still names the 1-3-15 rule.
STAGE_LIMIT_TEXT: Final[dict[SlaStage, str]] = {
    SlaStage.ACCEPT: "1分钟",
    SlaStage.MOVE: "3分钟",
    SlaStage.HANDLE: "15分钟",
}

# An SOS's channel as the JT/T 808 gateway words it (hub/jt808/gateway.py): the terminal
# number is split off so that the words around it can be translated.
_TERMINAL_PREFIX: Final = "终端 "


class Wording(TypedDict):
    """The ``text``, ``code`` and ``args`` fields of a ``Ticker`` or an ``Alert``."""

    text: str
    code: str
    args: EventArgs


def word(code: str, **args: str | int | float) -> Wording:
    """The wording of event ``code``; a code without a template or a missing arg is a bug
    here, not something a wall should meet, so it raises."""
    text = compose(code, args)
    if text is None:
        raise KeyError(f"event {code!r}: no template, or args {sorted(args)} do not fit it")
    return Wording(text=text, code=code, args=dict(args))


def report_line(source: str, category: str, place: str) -> Wording:
    """The ticker line of a new report; ``source`` is the source's Chinese label."""
    return word("ticker.report", source=source, category=category, place=place)


def sla_miss_line(
    case_id: str, category: str, place: str, stage: SlaStage, *, done: bool
) -> Wording:
    """The urgent ticker line of a missed stage: ``done`` late, or still not done."""
    return word(
        "ticker.sla_late" if done else "ticker.sla_missed",
        case_id=case_id,
        category=category,
        place=place,
        stage=STAGE_WORDS[stage],
        limit=STAGE_LIMIT_TEXT[stage],
    )


def deadline_miss_line(case_id: str, category: str, place: str) -> Wording:
    """The urgent ticker line of a case past its 处置时限 deadline (hub/deadlines.py)."""
    return word("ticker.deadline_missed", case_id=case_id, category=category, place=place)


def sos_wording(officer: str, channel: str) -> Wording:
    """An SOS alert: ``officer`` (a name) pressed the button on ``channel``."""
    if channel.startswith(_TERMINAL_PREFIX):
        terminal = channel.removeprefix(_TERMINAL_PREFIX)
        return word("alert.sos_terminal", officer=officer, terminal=terminal)
    return word("alert.sos", officer=officer, channel=channel)


def supervised_line(case_id: str, category: str, place: str, note: str) -> Wording:
    """The ticker line of a 督办 (a supervisor's order on a case)."""
    return word("ticker.supervised", case_id=case_id, category=category, place=place, note=note)


def supervised_alert(case_id: str, note: str) -> Wording:
    """The alert of a 督办: on every wall until a desk acknowledges it."""
    return word("alert.supervised", case_id=case_id, note=note)
