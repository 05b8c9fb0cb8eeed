"""Discretion (行政处罚裁量基准, 智能裁量): the benchmark files, the suggestion, the decision.

The benchmarks are data (``resources/discretion/*.toml``, shipped as samples for the
customer to replace), read once and validated like every configuration file: a bad file
names its line and field. A suggestion reads three facts from the store and the case:

- **first offence**: no penalty decision for the same matter on an earlier case of the
  same merchant (a case without a merchant has no history to read: counted as first,
  and the reasons say so);
- **corrected**: the case was handled and any rectification it was ordered was followed up
  or the case closed;
- **harm**: from the case's priority (1-2 serious, 3 general, 4-5 minor).

and turns them into a tier with one reason per fact. It is advice: the officer decides
(:func:`decide_work`), states the reason, and the decision is a ``decision`` step of the
case's timeline, audited, with the suggestion it was given beside it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend_client.config import read_toml
from backend_client.protocol.messages import IncidentUpdate
from backend_client.protocol.ops import (
    Benchmark,
    BenchmarkTier,
    CaseDecideAnswer,
    CaseDecideArgs,
    Decision,
    DecisionTier,
    DiscretionAnswer,
    DiscretionFacts,
)
from backend_client.resources import resource
from hub.snapshot_load import incident_from_row
from hub.store.models import CaseEvent as CaseEventRow
from hub.store.models import Incident as IncidentRow
from hub.writer import Emitter

DECISION_KIND = "decision"
TIER_ORDER: tuple[DecisionTier, ...] = ("none", "minor", "general", "serious", "severe")
TIER_LABELS: dict[str, str] = {
    "none": "不予处罚",
    "minor": "轻微",
    "general": "一般",
    "serious": "较重",
    "severe": "严重",
}
Harm = Literal["minor", "general", "serious"]


class DecisionRefused(ValueError):
    """A decision the hub will not store; ``field`` names the argument."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# ---- the benchmark files ---------------------------------------------------------------


class _TierFile(msgspec.Struct, forbid_unknown_fields=True):
    tier: Literal["minor", "general", "serious", "severe"]
    label: str
    conditions: list[str]
    fine_min: float
    fine_max: float
    measure: str = ""


class _MatterFile(msgspec.Struct, forbid_unknown_fields=True):
    code: str
    name: str
    legal_basis: str
    source: str
    tier: list[_TierFile]
    aliases: list[str] = msgspec.field(default_factory=list)
    first_offence_waiver: bool = False
    first_offence_conditions: list[str] = msgspec.field(default_factory=list)


class _BenchmarkFile(msgspec.Struct, forbid_unknown_fields=True):
    matter: list[_MatterFile]
    sample: bool = False


def load_benchmarks(folder: Path | None = None) -> dict[str, Benchmark]:
    """Every matter of the folder's ``*.toml`` files by code (files in name order; a later
    file's matter replaces an earlier one with the same code). Raises
    :class:`~backend_client.config.ConfigError` naming file, line and field."""
    found: dict[str, Benchmark] = {}
    for path in sorted((folder or resource("discretion")).glob("*.toml")):
        file = read_toml(path)
        declared = file.convert(file.data, _BenchmarkFile)
        for index, matter in enumerate(declared.matter):
            for t, tier in enumerate(matter.tier):
                if not 0 <= tier.fine_min <= tier.fine_max:
                    where: list[str | int] = ["matter", index, "tier", t, "fine_max"]
                    raise file.error(where, "fine_max must be at least fine_min (>= 0)")
            found[matter.code] = Benchmark(
                code=matter.code,
                name=matter.name,
                aliases=matter.aliases,
                legal_basis=matter.legal_basis,
                tiers=[
                    BenchmarkTier(t.tier, t.label, t.conditions, t.fine_min, t.fine_max, t.measure)
                    for t in matter.tier
                ],
                first_offence_waiver=matter.first_offence_waiver,
                first_offence_conditions=matter.first_offence_conditions,
                source=matter.source,
                sample=declared.sample,
            )
    return found


@functools.cache
def shipped_benchmarks() -> Mapping[str, Benchmark]:
    return load_benchmarks()


def match(benchmarks: Mapping[str, Benchmark], category: str) -> Benchmark | None:
    """The benchmark of a case's category: by code, name or alias (old codes too)."""
    wanted = category.strip()
    for benchmark in benchmarks.values():
        if wanted in (benchmark.code, benchmark.name, *benchmark.aliases):
            return benchmark
    # A full matter code is the 6-digit area + the 5-digit class (33070209005).
    if len(wanted) == 11 and wanted.isdigit():
        return benchmarks.get(wanted[6:])
    return None


# ---- the suggestion (pure) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Suggestion:
    tier: DecisionTier
    waiver: bool
    fine_min: float | None
    fine_max: float | None
    reasons: list[str]


def harm_of(priority: int) -> Harm:
    return "serious" if priority <= 2 else "general" if priority == 3 else "minor"


def suggest(benchmark: Benchmark, facts: DiscretionFacts, has_history: bool) -> Suggestion:
    """The tier the facts point to, and one reason per fact (in the officer's words)."""
    reasons: list[str] = []
    if not has_history:
        reasons.append("案件未关联商户，无违法记录可查，按首次违法计")
    if facts.first_offence:
        reasons.append("首次违法：该商户此前无同一事项的处罚决定")
    else:
        reasons.append(
            f"再次违法：该商户此前有 {len(facts.earlier_penalties)} 件同一事项的处罚决定"
            f"（{'、'.join(facts.earlier_penalties)}）"
        )
    reasons.append("已及时改正" if facts.corrected else "尚未改正（未处置完毕或整改未复查）")
    reasons.append(
        {"minor": "危害后果轻微", "general": "危害后果一般", "serious": "危害后果较重"}[facts.harm]
        + "（据案件优先级）"
    )
    if (
        benchmark.first_offence_waiver
        and facts.first_offence
        and facts.corrected
        and facts.harm == "minor"
    ):
        # The case records no "cooperated" (配合调查): the officer confirms what is not read.
        reasons.append(
            "首次违法、已改正、危害轻微，符合首违不罚条件（基准条件："
            + "、".join(benchmark.first_offence_conditions)
            + "；未记录的条件由执法人员确认）"
        )
        return Suggestion("none", True, 0.0, 0.0, reasons)
    # One point per aggravating fact; two for serious harm or two earlier penalties.
    score = (
        min(len(facts.earlier_penalties), 2)
        + (0 if facts.corrected else 1)
        + {"minor": 0, "general": 1, "serious": 2}[facts.harm]
    )
    tier: DecisionTier = (
        "minor"
        if score == 0
        else "general"
        if score <= 2
        else "serious"
        if score == 3
        else "severe"
    )
    chosen = next((t for t in benchmark.tiers if t.tier == tier), None)
    if chosen is not None:
        reasons.append(f"建议阶次：{chosen.label}（{'；'.join(chosen.conditions)}）")
    return Suggestion(
        tier,
        False,
        None if chosen is None else chosen.fine_min,
        None if chosen is None else chosen.fine_max,
        reasons,
    )


# ---- reading the facts from the store --------------------------------------------------


def _events(session: Session, incident_ids: Iterable[str]) -> list[CaseEventRow]:
    ids = list(incident_ids)
    if not ids:
        return []
    return list(
        session.scalars(
            select(CaseEventRow)
            .where(CaseEventRow.incident_id.in_(ids))
            .order_by(CaseEventRow.ts, CaseEventRow.id)
        )
    )


def corrected(events: Sequence[CaseEventRow]) -> bool:
    """Handled on scene, and any rectification ordered since followed up or closed."""
    handled = False
    pending = False
    for event in events:
        if event.kind == "handled":
            handled = True
        elif event.kind == "rectification_deadline":
            pending = True
        elif event.kind in ("followup", "closed"):
            pending = False
    return handled and not pending


def is_penalty(detail: Mapping[str, Any] | None) -> bool:
    return bool(detail) and str((detail or {}).get("tier", "none")) != "none"


def earlier_penalties(session: Session, row: IncidentRow, code: str) -> list[str]:
    """The merchant's cases reported before ``row`` with a penalty decision for ``code``,
    oldest first: one query over the merchant's decision steps (ix_incidents_merchant)."""
    if row.merchant_id is None:
        return []
    decisions = session.execute(
        select(CaseEventRow.incident_id, CaseEventRow.detail)
        .join(IncidentRow, IncidentRow.id == CaseEventRow.incident_id)
        .where(
            IncidentRow.merchant_id == row.merchant_id,
            IncidentRow.id != row.id,
            IncidentRow.reported_at <= row.reported_at,
            CaseEventRow.kind == DECISION_KIND,
        )
        .order_by(IncidentRow.reported_at, CaseEventRow.ts, CaseEventRow.id)
    ).all()
    found: list[str] = []
    for incident_id, detail in decisions:
        if (detail or {}).get("matter") == code and is_penalty(detail) and incident_id not in found:
            found.append(incident_id)
    return found


def _decisions(events: Sequence[CaseEventRow]) -> list[Decision]:
    return [
        Decision(
            tier=(e.detail or {}).get("tier", "none"),
            amount=float((e.detail or {}).get("amount", 0)),
            reason=str((e.detail or {}).get("reason", "")),
            matter=str((e.detail or {}).get("matter", "")),
            suggested_tier=str((e.detail or {}).get("suggested_tier", "")),
            waived=bool((e.detail or {}).get("waived", False)),
            actor=e.actor,
            ts=e.ts,
        )
        for e in events
        if e.kind == DECISION_KIND
    ]


def advise(
    session: Session, row: IncidentRow, benchmarks: Mapping[str, Benchmark]
) -> DiscretionAnswer:
    """``discretion.suggest``'s answer for a stored case (in the caller's session)."""
    events = _events(session, [row.id])
    benchmark = match(benchmarks, row.category)
    penalties = [] if benchmark is None else earlier_penalties(session, row, benchmark.code)
    facts = DiscretionFacts(
        first_offence=not penalties,
        earlier_penalties=penalties,
        corrected=corrected(events),
        harm=harm_of(row.priority),
    )
    decisions = _decisions(events)
    if benchmark is None:
        return DiscretionAnswer(
            case_id=row.id,
            matter=None,
            benchmark=None,
            suggested_tier=None,
            waiver_suggested=False,
            fine_min=None,
            fine_max=None,
            reasons=[f"裁量基准中没有与案件类别“{row.category}”对应的事项"],
            facts=facts,
            decisions=decisions,
        )
    suggestion = suggest(benchmark, facts, has_history=row.merchant_id is not None)
    return DiscretionAnswer(
        case_id=row.id,
        matter=benchmark.code,
        benchmark=benchmark,
        suggested_tier=suggestion.tier,
        waiver_suggested=suggestion.waiver,
        fine_min=suggestion.fine_min,
        fine_max=suggestion.fine_max,
        reasons=suggestion.reasons,
        facts=facts,
        decisions=decisions,
    )


# ---- the decision ----------------------------------------------------------------------


def check_decision(args: CaseDecideArgs) -> None:
    """Refuse what no officer could mean; the amount itself is the officer's call."""
    if not args.reason.strip():
        raise DecisionRefused("reason", "a decision states its reason")
    if "\x00" in args.reason:
        raise DecisionRefused("reason", "text may not contain NUL characters")
    if args.amount < 0 or args.amount != args.amount:  # NaN compares unequal to itself
        raise DecisionRefused("amount", "the amount is a number of 元, 0 or more")
    if args.tier == "none" and args.amount != 0:
        raise DecisionRefused("amount", "no penalty (none) has no fine")
    if args.waived and args.tier != "none":
        raise DecisionRefused("tier", "首违不罚 (waived) is a decision of no penalty (none)")


def decide_work(
    session: Session,
    emitter: Emitter,
    args: CaseDecideArgs,
    actor: str,
    benchmarks: Mapping[str, Benchmark],
) -> CaseDecideAnswer:
    """Store the decision as a ``decision`` step (in the caller's transaction) with the
    suggestion it was given, and announce the case's change. Raises ``LookupError`` for
    an unknown case."""
    row = session.get(IncidentRow, args.case_id)
    if row is None:
        raise LookupError(args.case_id)
    advice = advise(session, row, benchmarks)
    if advice.matter is None:
        raise DecisionRefused("case_id", f"no benchmark matter for category {row.category}")
    suggested = advice.suggested_tier or ""
    now = time.time()
    session.add(
        CaseEventRow(
            incident_id=row.id,
            kind=DECISION_KIND,
            ts=now,
            actor=actor,
            detail={
                "matter": advice.matter,
                "tier": args.tier,
                "amount": args.amount,
                "reason": args.reason,
                "waived": args.waived,
                "suggested_tier": suggested,
                "suggestion_reasons": advice.reasons,
            },
        )
    )
    incident = incident_from_row(row)
    update = emitter.emit(
        lambda seq, ts: IncidentUpdate(seq=seq, ts=ts, incident=incident, change=DECISION_KIND),
        ts=now,
    )
    return CaseDecideAnswer(
        case_id=row.id,
        seq=update.seq,
        tier=args.tier,
        amount=args.amount,
        suggested_tier=suggested,
        follows_suggestion=args.tier == suggested,
    )
