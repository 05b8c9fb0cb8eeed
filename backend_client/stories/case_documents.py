"""A case's documents: its electronic records (``case.records``) and the discretion advice
with the decisions taken (``discretion.suggest``), as the drill-down's 文书 and 裁量 tabs
show them. Qt-free: the view observes :attr:`CaseDocuments.changed`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from backend_client.api import HubApi
from backend_client.events import QT_TRANSLATE_NOOP
from backend_client.protocol.ops import DiscretionAnswer, RecordInfo
from backend_client.stories.events import Emitter
from backend_client.stories.source import RequestFailed, Source

#: The records or the advice arrived (or failed: :attr:`CaseDocuments.records_error`).
DOCUMENTS = "documents"

#: The advice and the decisions as lines: templates a wall words in its language
#: (widgets.drilldown.documents); ``{tier}`` is a tier code (none, minor, …) it words too.
#: The benchmark's name, legal basis and the hub's reasons are data: shown as they come.
WORDING: dict[str, str] = {
    "matter": QT_TRANSLATE_NOOP("drilldown", "{name}（{code}）"),
    "plain": "{text}",
    "suggest": QT_TRANSLATE_NOOP("drilldown", "建议：{tier}"),
    "suggest_waived": QT_TRANSLATE_NOOP("drilldown", "建议：{tier}（首违不罚）"),
    "range": QT_TRANSLATE_NOOP("drilldown", "幅度：{low}–{high} 元"),
    "range_none": QT_TRANSLATE_NOOP("drilldown", "幅度：不罚款"),
    "reason": "· {text}",
    "sample": QT_TRANSLATE_NOOP("drilldown", "（示例裁量基准，请以本单位公布的基准为准）"),
    "decided_fine": QT_TRANSLATE_NOOP("drilldown", "{tier}，罚款 {amount} 元（{actor}）"),
    "decided_fine_waived": QT_TRANSLATE_NOOP(
        "drilldown", "{tier}（首违不罚），罚款 {amount} 元（{actor}）"
    ),
    "decided_none": QT_TRANSLATE_NOOP("drilldown", "{tier}，不罚款（{actor}）"),
    "decided_none_waived": QT_TRANSLATE_NOOP("drilldown", "{tier}（首违不罚），不罚款（{actor}）"),
    "why": QT_TRANSLATE_NOOP("drilldown", "· 理由：{text}"),
    "differs": QT_TRANSLATE_NOOP("drilldown", "· 与建议（{tier}）不同"),
}


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the advice or the decisions: a :data:`WORDING` key and its fields."""

    key: str
    args: dict[str, str]

    def chinese(self) -> str:
        return WORDING[self.key].format(**self.args)


@dataclass(frozen=True, slots=True)
class RecordRow:
    """One record as the 文书 list shows it (its newest version)."""

    record_id: str
    #: ``inquiry``, ``inspection``, ``survey`` (the view words them).
    kind: str
    number: str
    #: ``draft``, ``awaiting_signature``, ``signed``, ``refused``.
    state: str
    versions: int
    #: The version corrected by the newest one, 0 when it is no correction.
    corrects: int
    officers: str
    #: Body-camera clips linked to the newest version.
    clips: int
    missing_clip: bool


def record_row(record: RecordInfo) -> RecordRow:
    newest = record.versions[-1]
    return RecordRow(
        record_id=record.record_id,
        kind=record.kind,
        number=newest.number,
        state=record.state,
        versions=len(record.versions),
        corrects=newest.corrects or 0,
        officers="、".join(f"{o.name}（{o.certificate}）" for o in newest.officers),
        clips=len(newest.clips),
        missing_clip=record.missing_clip,
    )


class CaseDocuments:
    """Loads ``case.records`` and ``discretion.suggest`` together; keeps the last of each
    and why one failed (a hub too old for an op, or away: the tab says so)."""

    def __init__(self, case_id: str, source: Source | HubApi) -> None:
        self.case_id = case_id
        # The case story's own facade when the drill-down hands it in: one answer cache.
        self.api = source if isinstance(source, HubApi) else HubApi(source)
        self.records: list[RecordInfo] | None = None
        self.records_error = ""
        self.advice: DiscretionAnswer | None = None
        self.advice_error = ""
        self.changed: Emitter[str] = Emitter()

    async def load(self) -> None:
        records, advice = await asyncio.gather(
            self.api.case_records(self.case_id),
            self.api.discretion_suggest(self.case_id),
            return_exceptions=True,
        )
        if isinstance(records, RequestFailed):
            self.records, self.records_error = None, records.message
        elif isinstance(records, BaseException):
            raise records
        else:
            self.records, self.records_error = list(records.answer.records), ""
        if isinstance(advice, RequestFailed):
            self.advice, self.advice_error = None, advice.message
        elif isinstance(advice, BaseException):
            raise advice
        else:
            self.advice, self.advice_error = advice.answer, ""
        self.changed.emit(DOCUMENTS)

    def rows(self) -> list[RecordRow]:
        return [record_row(r) for r in self.records or []]

    def suggestion_lines(self) -> list[Line]:
        """The advice as lines: matter, basis, suggested tier and range, then the reasons."""
        advice = self.advice
        if advice is None:
            return []
        if advice.benchmark is None:
            return [Line("plain", {"text": reason}) for reason in advice.reasons]
        benchmark = advice.benchmark
        lines = [
            Line("matter", {"name": benchmark.name, "code": benchmark.code}),
            Line("plain", {"text": benchmark.legal_basis}),
            Line(
                "suggest_waived" if advice.waiver_suggested else "suggest",
                {"tier": advice.suggested_tier or ""},
            ),
        ]
        low, high = advice.fine_min, advice.fine_max
        if low is not None and high is not None:
            if high == 0:
                lines.append(Line("range_none", {}))
            else:
                lines.append(Line("range", {"low": f"{low:,.0f}", "high": f"{high:,.0f}"}))
        lines.extend(Line("reason", {"text": reason}) for reason in advice.reasons)
        if benchmark.sample:
            lines.append(Line("sample", {}))
        return lines

    def decision_lines(self) -> list[Line]:
        """The decisions taken, newest last; each with its tier, amount and reason."""
        advice = self.advice
        if advice is None:
            return []
        lines: list[Line] = []
        for decision in advice.decisions:
            key = "decided_none" if decision.amount == 0 else "decided_fine"
            args = {"tier": decision.tier, "amount": f"{decision.amount:,.0f}"}
            args["actor"] = decision.actor
            lines.append(Line(key + ("_waived" if decision.waived else ""), args))
            lines.append(Line("why", {"text": decision.reason}))
            if decision.suggested_tier and decision.suggested_tier != decision.tier:
                lines.append(Line("differs", {"tier": decision.suggested_tier}))
        return lines
