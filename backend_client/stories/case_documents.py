"""A case's documents: its electronic records (``case.records``) and the discretion advice
with the decisions taken (``discretion.suggest``), as the drill-down's 文书 and 裁量 tabs
show them. Qt-free: the view observes :attr:`CaseDocuments.changed`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from backend_client.api import HubApi
from backend_client.protocol.ops import DiscretionAnswer, RecordInfo
from backend_client.stories.events import Emitter
from backend_client.stories.source import RequestFailed, Source

#: The records or the advice arrived (or failed: :attr:`CaseDocuments.records_error`).
DOCUMENTS = "documents"

RECORD_KINDS = {"inquiry": "询问笔录", "inspection": "现场检查笔录", "survey": "勘验笔录"}
RECORD_STATES = {
    "draft": "草稿",
    "awaiting_signature": "待签名",
    "signed": "已签名",
    "refused": "拒绝签名",
}
TIERS = {
    "none": "不予处罚",
    "minor": "轻微",
    "general": "一般",
    "serious": "较重",
    "severe": "严重",
}


@dataclass(frozen=True, slots=True)
class RecordRow:
    """One record as the 文书 list shows it (its newest version)."""

    record_id: str
    kind: str
    number: str
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
        kind=RECORD_KINDS.get(record.kind, record.kind),
        number=newest.number,
        state=RECORD_STATES.get(record.state, record.state),
        versions=len(record.versions),
        corrects=newest.corrects or 0,
        officers="、".join(f"{o.name}（{o.certificate}）" for o in newest.officers),
        clips=len(newest.clips),
        missing_clip=record.missing_clip,
    )


def fine_range(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return ""
    if high == 0:
        return "不罚款"
    return f"{low:,.0f}–{high:,.0f} 元"


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

    def suggestion_lines(self) -> list[str]:
        """The advice as lines: matter, basis, suggested tier and range, then the reasons."""
        advice = self.advice
        if advice is None:
            return []
        if advice.benchmark is None:
            return list(advice.reasons)
        benchmark = advice.benchmark
        tier = TIERS.get(advice.suggested_tier or "", advice.suggested_tier or "")
        lines = [
            f"{benchmark.name}（{benchmark.code}）",
            benchmark.legal_basis,
            f"建议：{tier}" + ("（首违不罚）" if advice.waiver_suggested else ""),
        ]
        shown = fine_range(advice.fine_min, advice.fine_max)
        if shown:
            lines.append(f"幅度：{shown}")
        lines.extend(f"· {reason}" for reason in advice.reasons)
        if benchmark.sample:
            lines.append("（示例裁量基准，请以本单位公布的基准为准）")
        return lines

    def decision_lines(self) -> list[str]:
        """The decisions taken, newest last; each with its tier, amount and reason."""
        advice = self.advice
        if advice is None:
            return []
        lines: list[str] = []
        for decision in advice.decisions:
            tier = TIERS.get(decision.tier, decision.tier)
            amount = "不罚款" if decision.amount == 0 else f"罚款 {decision.amount:,.0f} 元"
            waived = "（首违不罚）" if decision.waived else ""
            lines.append(f"{tier}{waived}，{amount}（{decision.actor}）")
            lines.append(f"· 理由：{decision.reason}")
            if decision.suggested_tier and decision.suggested_tier != decision.tier:
                suggested = TIERS.get(decision.suggested_tier, decision.suggested_tier)
                lines.append(f"· 与建议（{suggested}）不同")
        return lines
