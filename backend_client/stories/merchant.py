"""The merchant story: a merchant's profile, cases (paged), counts and joint inspections."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend_client.protocol.ops import MerchantArgs
from backend_client.stories.base import PAGE, Story
from backend_client.stories.parse import items, mapping, number, number_or, strings, text
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


def parse_profile(raw: object) -> MerchantProfile:
    merchant = mapping(raw)
    risk = merchant.get("risk")
    known = isinstance(risk, int) and not isinstance(risk, bool) and risk in RISK_LEVELS
    return MerchantProfile(
        name=text(merchant, "name"),
        credit_code=text(merchant, "credit_code"),
        address=text(merchant, "address"),
        category=text(merchant, "category"),
        risk=risk if known and isinstance(risk, int) else None,
        risk_text=text(merchant, "risk"),
        lat=number(merchant.get("lat")),
        lon=number(merchant.get("lon")),
    )


def parse_cases(raw: object) -> list[MerchantCase]:
    return [
        MerchantCase(
            id=text(case, "id"),
            reported_at=number_or(case.get("reported_at")),
            category=text(case, "category"),
            status=text(case, "status"),
            lat=number(case.get("lat")),
            lon=number(case.get("lon")),
        )
        for case in items(raw)
    ]


def parse_inspection(raw: Mapping[str, Any]) -> Inspection:
    return Inspection(
        id=text(raw, "id"),
        ts=number_or(raw.get("ts")),
        departments=strings(raw.get("departments")),
        items=strings(raw.get("items")),
        result=text(raw, "result"),
        note=text(raw, "note"),
        teams=strings(raw.get("teams")),
        officers=strings(raw.get("officers")),
    )


def category_counts(answer: Mapping[str, Any], cases: list[MerchantCase]) -> list[tuple[str, int]]:
    """(category, cases) with the most cases first: the hub's counts over every case, or,
    from an older hub that sends every case and no counts, a count of what came."""
    by_category = answer.get("counts_by_category")
    per_category: dict[str, int] = {}
    if isinstance(by_category, Mapping):
        for key, value in by_category.items():
            found = number(value)
            per_category[str(key)] = int(found) if found is not None else 0
    else:
        for case in cases:
            per_category[case.category] = per_category.get(case.category, 0) + 1
    return sorted(per_category.items(), key=lambda kv: (-kv[1], kv[0]))


class MerchantStory(Story):
    """One merchant (``merchant.profile``): profile and place, cases per category, the
    joint inspections, and the cases (paged)."""

    #: Cases per ``merchant.profile`` page (the hub's own default).
    PAGE_SIZE = 200

    def __init__(self, merchant_id: str, source: Source, *, page_size: int = PAGE_SIZE) -> None:
        super().__init__(source, page_size=page_size)
        self.merchant_id = merchant_id
        self.profile = MerchantProfile()
        self.cases: list[MerchantCase] = []
        self.counts: list[tuple[str, int]] = []
        self.inspections: list[Inspection] = []

    def args(self) -> MerchantArgs:
        return MerchantArgs(self.merchant_id, 0, self.page_size)

    def _parse(self, answer: dict[str, Any]) -> None:
        self.profile = parse_profile(answer.get("merchant"))
        self.cases = parse_cases(answer.get("cases"))
        self.paging.update(answer.get("next_offset"), answer.get("total_cases"))
        self.counts = category_counts(answer, self.cases)
        self.inspections = [parse_inspection(i) for i in items(answer.get("inspections"))]

    async def load(self) -> None:
        shown_before = len(self.cases)
        if await self.load_answer():
            while len(self.cases) < shown_before and await self.load_more():
                pass

    async def load_more(self) -> bool:
        """The next page of cases, appended; False when there was none or it failed."""
        page = await self._next_page(self.args(), "total_cases")
        if page is None:
            return False
        self.cases.extend(parse_cases(page.get("cases")))
        assert self.answer is not None
        self.answer = {
            **self.answer,
            "cases": [*(self.answer.get("cases") or []), *(page.get("cases") or [])],
            "next_offset": self.paging.next_offset,
        }
        self.changed.emit(PAGE)
        return True
