"""Joint inspections (进一次门、查多项事) of the simulated merchants, for the drill-down.

Zhejiang's "inspect once" reform sends the departments concerned with a shop together,
in one visit, instead of one after another. A share of the merchants (the riskier more
often) has had a few such visits in the past year. Pure and deterministic given the seed
and ``now``, like the rest of the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hub.simulator.world import Merchant, WuchengWorld

DAY = 86400.0
YEAR_DAYS = 365

# Department (as on an inspection record) -> specialist team that stands for it (None:
# the township's own comprehensive enforcement team) and what it checks.
DEPARTMENTS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "市场监管": ("scjg", ("营业执照", "食品经营许可", "价格公示", "计量器具", "进货台账")),
    "消防": ("xf", ("灭火器", "疏散通道", "应急照明", "电气线路", "易燃物存放")),
    "卫健": ("wsjk", ("从业人员健康证", "公共场所卫生许可", "消毒记录")),
    "生态环境": ("sthj", ("油烟净化设施", "危废台账", "噪声排放", "污水排放")),
    "城管": (None, ("门前三包", "出店经营", "店招店牌", "垃圾分类")),
}

# Which departments are concerned with which kind of shop (the first always goes).
BY_SHOP_KIND: dict[str, tuple[str, ...]] = {
    "餐饮": ("市场监管", "消防", "卫健", "生态环境", "城管"),
    "便利店": ("市场监管", "消防", "城管"),
    "建材": ("消防", "城管", "市场监管"),
    "汽修": ("生态环境", "消防", "城管"),
    "服装": ("市场监管", "消防", "城管"),
    "水果生鲜": ("市场监管", "城管", "卫健"),
    "美容美发": ("卫健", "市场监管", "消防"),
    "五金": ("消防", "市场监管", "城管"),
    "娱乐": ("消防", "卫健", "市场监管", "城管"),
}

RESULTS = ("pass", "rectify", "fail")
NOTES = {
    "pass": ("未发现问题", "各项检查合格", "台账齐全，现场整洁"),
    "rectify": ("责令限期整改", "当场指出问题，约定三日内整改复查", "下达整改通知书"),
    "fail": ("存在重大隐患，已立案调查", "拒不整改，移交立案", "责令停业整顿"),
}


@dataclass(frozen=True)
class InspectionRecord:
    id: str
    merchant_id: str
    ts: float
    teams: tuple[str, ...]
    departments: tuple[str, ...]
    items: tuple[str, ...]
    result: str
    note: str
    officers: tuple[str, ...]


def make_inspections(
    world: WuchengWorld, seed: int, now: float, share: float = 0.2
) -> list[InspectionRecord]:
    """A few past joint inspections for about ``share`` of the merchants, oldest first."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x1A5]))
    township_team = {
        name: team.id for team in world.teams if team.kind == "township" for name in team.townships
    }
    default_team = next((t.id for t in world.teams if t.kind == "township"), "")
    officers_of: dict[str, list[str]] = {}
    for officer in world.officers:
        officers_of.setdefault(officer.team_id, []).append(officer.id)
    records: list[InspectionRecord] = []
    for merchant in world.merchants:
        # Risky shops are inspected more often, as the "double random" plan weights them.
        if rng.random() >= share * (0.6 + 0.4 * merchant.risk):
            continue
        visits = int(rng.integers(1, 4 + merchant.risk))
        days = np.sort(rng.choice(YEAR_DAYS, size=min(visits, YEAR_DAYS), replace=False))[::-1]
        for n, day in enumerate(days.tolist()):
            records.append(
                _inspection(
                    rng,
                    merchant,
                    f"INS-{merchant.id}-{n + 1}",
                    now - (day + rng.random()) * DAY,
                    township_team.get(merchant.township, default_team),
                    officers_of,
                )
            )
    records.sort(key=lambda r: (r.ts, r.id))
    return records


def _inspection(
    rng: np.random.Generator,
    merchant: Merchant,
    inspection_id: str,
    ts: float,
    township_team: str,
    officers_of: dict[str, list[str]],
) -> InspectionRecord:
    concerned = BY_SHOP_KIND.get(merchant.category, ("市场监管", "消防", "城管"))
    count = int(rng.integers(2, len(concerned) + 1))
    departments = (concerned[0], *rng.permutation(list(concerned[1:]))[: count - 1].tolist())
    teams: list[str] = []
    items: list[str] = []
    for department in departments:
        team, checks = DEPARTMENTS[department]
        team = team or township_team
        if team and team not in teams:
            teams.append(team)
        picked = rng.choice(len(checks), size=int(rng.integers(1, 3)), replace=False)
        items.extend(checks[int(i)] for i in sorted(picked.tolist()))
    officers: list[str] = []
    for team in teams:
        pool = officers_of.get(team, [])
        if pool:
            officers.append(pool[int(rng.integers(0, len(pool)))])
    # Riskier shops fail more often; most visits find nothing or something small.
    weights = np.array([0.75 - 0.1 * merchant.risk, 0.2 + 0.06 * merchant.risk, 0.05])
    result = RESULTS[int(rng.choice(3, p=weights / weights.sum()))]
    notes = NOTES[result]
    return InspectionRecord(
        id=inspection_id,
        merchant_id=merchant.id,
        ts=round(ts, 3),
        teams=tuple(teams),
        departments=tuple(str(d) for d in departments),
        items=tuple(items),
        result=result,
        note=notes[int(rng.integers(0, len(notes)))],
        officers=tuple(officers),
    )
