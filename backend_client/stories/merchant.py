"""The merchant story: a merchant's profile, cases (paged), counts and joint inspections."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend_client.protocol.messages import Incident
from backend_client.protocol.ops import InspectionRecord, MerchantAnswer, MerchantArgs, MerchantInfo
from backend_client.stories.base import PAGE, AnswerStory
from backend_client.stories.parse import Fields, number
from backend_client.stories.source import Source

#: Risk levels as the store keeps them (hub/simulator/world.py: 1 low .. 3 high).
RISK_LEVELS = (1, 2, 3)


@dataclass(frozen=True, slots=True)
class MerchantProfile:
    name: str = ""
    credit_code: str = ""
    address: str = ""
    category: str = ""
    #: 1 low .. 3 high; None when the answer has no level the store knows.
    risk: int | None = None
    #: The risk as sent, shown when it is not a known level.
    risk_text: str = ""
    lat: float | None = None
    lon: float | None = None

    def field(self, key: str) -> str:
        """A profile field as text, by the view's key (``risk`` as sent)."""
        value: str = self.risk_text if key == "risk" else getattr(self, key)
        return value


@dataclass(frozen=True, slots=True)
class MerchantCase:
    id: str
    reported_at: float = 0.0
    category: str = ""
    status: str = ""
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True)
class Inspection:
    """One joint inspection (several departments at once)."""

    id: str
    ts: float = 0.0
    departments: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    #: ``pass``, ``rectify`` or ``fail``.
    result: str = ""
    note: str = ""
    teams: tuple[str, ...] = ()
    officers: tuple[str, ...] = ()


# ---- from the answer Struct --------------------------------------------------------------


def profile_of(merchant: MerchantInfo) -> MerchantProfile:
    return MerchantProfile(
        name=merchant.name,
        credit_code=merchant.credit_code,
        address=merchant.address,
        category=merchant.category,
        risk=merchant.risk if merchant.risk in RISK_LEVELS else None,
        risk_text=str(merchant.risk),
        lat=merchant.lat,
        lon=merchant.lon,
    )


def case_of(case: Incident) -> MerchantCase:
    return MerchantCase(
        id=case.id,
        reported_at=case.reported_at,
        category=case.category,
        status=case.status,
        lat=case.lat,
        lon=case.lon,
    )


def inspection_of(inspection: InspectionRecord) -> Inspection:
    return Inspection(
        id=inspection.id,
        ts=inspection.ts,
        departments=tuple(inspection.departments),
        items=tuple(inspection.items),
        result=inspection.result,
        note=inspection.note,
        teams=tuple(inspection.teams),
        officers=tuple(inspection.officers),
    )


def ranked(per_category: Mapping[str, int]) -> list[tuple[str, int]]:
    """(category, cases) with the most cases first, ties by name."""
    return sorted(per_category.items(), key=lambda kv: (-kv[1], kv[0]))


# ---- from an answer no Struct accepts ----------------------------------------------------


def read_profile(merchant: Fields) -> MerchantProfile:
    risk = merchant.value("risk")
    known = isinstance(risk, int) and not isinstance(risk, bool) and risk in RISK_LEVELS
    return MerchantProfile(
        name=merchant.text("name"),
        credit_code=merchant.text("credit_code"),
        address=merchant.text("address"),
        category=merchant.text("category"),
        risk=risk if known and isinstance(risk, int) else None,
        risk_text=merchant.text("risk"),
        lat=merchant.number("lat"),
        lon=merchant.number("lon"),
    )


def read_cases(cases: list[Fields]) -> list[MerchantCase]:
    return [
        MerchantCase(
            id=case.text("id"),
            reported_at=case.number_or("reported_at"),
            category=case.text("category"),
            status=case.text("status"),
            lat=case.number("lat"),
            lon=case.number("lon"),
        )
        for case in cases
    ]


def read_inspection(inspection: Fields) -> Inspection:
    return Inspection(
        id=inspection.text("id"),
        ts=inspection.number_or("ts"),
        departments=inspection.strings("departments"),
        items=inspection.strings("items"),
        result=inspection.text("result"),
        note=inspection.text("note"),
        teams=inspection.strings("teams"),
        officers=inspection.strings("officers"),
    )


def read_counts(answer: Fields, cases: list[MerchantCase]) -> list[tuple[str, int]]:
    """The hub's counts over every case, or, from an older hub that sends every case and
    no counts, a count of what came."""
    by_category = answer.value("counts_by_category")
    if not isinstance(by_category, Mapping):
        return ranked(Counter(case.category for case in cases))
    per_category = {str(key): int(number(value) or 0) for key, value in by_category.items()}
    return ranked(per_category)


class MerchantStory(AnswerStory[MerchantAnswer]):
    """One merchant (``merchant.profile``): profile and place, cases per category, the
    joint inspections, and the cases (paged)."""

    #: Cases per ``merchant.profile`` page (the hub's own default).
    PAGE_SIZE = 200

    def __init__(self, merchant_id: str, source: Source, *, page_size: int = PAGE_SIZE) -> None:
        super().__init__(source, MerchantAnswer, page_size=page_size)
        self.merchant_id = merchant_id
        self.profile = MerchantProfile()
        self.cases: list[MerchantCase] = []
        self.counts: list[tuple[str, int]] = []
        self.inspections: list[Inspection] = []

    def args(self) -> MerchantArgs:
        return MerchantArgs(self.merchant_id, 0, self.page_size)

    def _read(self, answer: MerchantAnswer, raw: Mapping[str, Any]) -> None:
        self.profile = profile_of(answer.merchant)
        self.cases = [case_of(case) for case in answer.cases]
        self.paging.update(answer.next_offset, answer.total_cases)
        self.counts = ranked(answer.counts_by_category)
        self.inspections = [inspection_of(i) for i in answer.inspections]

    def _read_leniently(self, answer: Fields) -> None:
        self.profile = read_profile(answer.nested("merchant"))
        self.cases = read_cases(answer.rows("cases"))
        self.paging.update(answer.count("next_offset"), answer.count("total_cases"))
        self.counts = read_counts(answer, self.cases)
        self.inspections = [read_inspection(i) for i in answer.rows("inspections")]

    async def load(self) -> None:
        shown_before = len(self.cases)
        if await self.load_answer():
            while len(self.cases) < shown_before and await self.load_more():
                pass

    async def load_more(self) -> bool:
        """The next page of cases, appended; False when there was none or it failed."""
        page = await self._next_page()
        if page is None:
            return False
        self.paging.update(page.answer.next_offset, page.answer.total_cases)
        self.cases.extend(case_of(case) for case in page.answer.cases)
        assert self.answer is not None
        self.answer = {
            **self.answer,
            "cases": self._merged("cases", page),
            "next_offset": self.paging.next_offset,
        }
        self.changed.emit(PAGE)
        return True
