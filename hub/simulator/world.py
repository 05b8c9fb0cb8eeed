"""The static world of the Wucheng simulator: teams and zones, officers, merchants.

:class:`WuchengWorld` is the roster (officers, vehicles) and the merchant register on top
of the district's geometry (:mod:`~hub.simulator.zones`), built from the district's facts
(:mod:`~hub.simulator.wucheng`), all drawn from one seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from hub.simulator import geo, names
from hub.simulator.wucheng import (
    MODES,
    SPEED_RANGES,
    TEAM_SPECS,
    URBAN_ROADS,
    VILLAGE_HEADS,
    VILLAGE_TAILS,
    TeamSpec,
    TravelMode,
)
from hub.simulator.zones import (
    PatrolGraph,
    Team,
    Township,
    build_graph,
    build_teams,
    load_outline,
    load_townships,
    merchant_points,
)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# What this module has always offered its importers (the package, tests, inspections).
__all__ = [
    "MODES",
    "SPEED_RANGES",
    "TEAM_SPECS",
    "Merchant",
    "Officer",
    "PatrolGraph",
    "Team",
    "TeamSpec",
    "Township",
    "TravelMode",
    "WuchengWorld",
]


@dataclass(frozen=True)
class Officer:
    """A unit of the roster: an officer, or (``kind`` "vehicle") an enforcement vehicle
    with its ``plate``, a JT/T 808 terminal as ``device``, no badge and no phone."""

    id: str
    name: str
    badge: str
    device: str
    team_id: str
    mode: TravelMode
    phone: str
    kind: Literal["officer", "vehicle"] = "officer"
    plate: str = ""


@dataclass(frozen=True)
class Merchant:
    id: str
    name: str
    credit_code: str
    category: str
    address: str
    township: str
    risk: int  # 1 low, 2 medium, 3 high
    lat: float
    lon: float


@dataclass
class WuchengWorld:
    outline: FloatArray  # district ring (lon, lat)
    townships: list[Township]
    teams: list[Team]
    officers: list[Officer]
    merchants: list[Merchant]
    graph: PatrolGraph
    officer_team: IntArray  # team index per officer
    officer_mode: IntArray  # index into MODES
    officer_speed: FloatArray  # cruising speed, m/s
    merchant_lon: FloatArray
    merchant_lat: FloatArray
    zone_rings_xy: list[FloatArray]
    _outline_index: geo.RingIndex | None = field(default=None, repr=False, compare=False)

    @classmethod
    def load(
        cls,
        resources_dir: str | Path,
        seed: int = 0,
        officers: int = 300,
        merchants: int = 3000,
        vehicles: int = 0,
    ) -> WuchengWorld:
        """Build the world from ``resources_dir`` (the folder holding ``geo/``).

        ``vehicles`` enforcement vehicles (Wucheng fields 114) follow the officers in
        ``officers`` (the simulator moves every unit alike); they are drawn last from the
        seed, so a world with vehicles has the same officers and merchants as without.
        """
        root = Path(resources_dir)
        geo_dir = root / "geo" if (root / "geo").is_dir() else root
        outline = load_outline(geo_dir / "jinhua-wgs84.geojson")
        townships = load_townships(geo_dir / "wucheng-townships.csv", outline)
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0x57C]))
        teams, rings_xy = build_teams(outline, townships)
        graph = build_graph(rings_xy, np.random.default_rng(rng.integers(2**63)))
        world = cls(
            outline=outline,
            townships=townships,
            teams=teams,
            officers=[],
            merchants=[],
            graph=graph,
            officer_team=np.zeros(0, dtype=np.int64),
            officer_mode=np.zeros(0, dtype=np.int64),
            officer_speed=np.zeros(0),
            merchant_lon=np.zeros(0),
            merchant_lat=np.zeros(0),
            zone_rings_xy=rings_xy,
        )
        world._make_officers(np.random.default_rng(rng.integers(2**63)), officers)
        world._make_merchants(np.random.default_rng(rng.integers(2**63)), merchants)
        if vehicles > 0:
            world._make_vehicles(np.random.default_rng(rng.integers(2**63)), vehicles)
        return world

    @property
    def vehicles(self) -> list[Officer]:
        return [o for o in self.officers if o.kind == "vehicle"]

    def team_index(self, team_id: str) -> int:
        for i, team in enumerate(self.teams):
            if team.id == team_id:
                return i
        raise KeyError(team_id)

    def contains(self, lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
        """Whether each point lies inside the district outline."""
        if self._outline_index is None:
            self._outline_index = geo.RingIndex(self.outline)
        return self._outline_index(np.asarray(lon), np.asarray(lat))

    def in_zone(self, team: int, lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
        x, y = geo.to_xy(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
        return geo.contains(self.zone_rings_xy[team], x, y)

    def nearest_township(self, lon: float, lat: float, urban: bool | None = None) -> Township:
        best = min(
            (t for t in self.townships if urban is None or (t.kind == "street") == urban),
            key=lambda t: (t.lon - lon) ** 2 + (t.lat - lat) ** 2,
        )
        return best

    def address(self, rng: np.random.Generator, lon: float, lat: float) -> tuple[str, str]:
        """A plausible postal address near a point, and its township's name."""
        town = self.nearest_township(lon, lat)
        if town.kind == "street":
            road = URBAN_ROADS[int(rng.integers(0, len(URBAN_ROADS)))]
            return f"金华市婺城区{town.name}{road}{int(rng.integers(1, 900))}号", town.name
        village = (
            VILLAGE_HEADS[int(rng.integers(0, len(VILLAGE_HEADS)))]
            + VILLAGE_TAILS[int(rng.integers(0, len(VILLAGE_TAILS)))]
        )
        return f"金华市婺城区{town.name}{village}{int(rng.integers(1, 300))}号", town.name

    def _make_officers(self, rng: np.random.Generator, n: int) -> None:
        shares = np.array([s.share for s in TEAM_SPECS])
        team = rng.choice(len(TEAM_SPECS), size=n, p=shares / shares.sum())
        if n >= len(TEAM_SPECS):
            # Every team gets at least one officer, whatever the draw.
            team[: len(TEAM_SPECS)] = np.arange(len(TEAM_SPECS))
        team = np.sort(team, kind="stable")
        mode_p = np.array([TEAM_SPECS[t].modes for t in range(len(TEAM_SPECS))])
        cum = np.cumsum(mode_p[team], axis=1)
        mode = (rng.random(n)[:, None] > cum).sum(axis=1).clip(0, 2)
        lo = np.array([SPEED_RANGES[m][0] for m in MODES])[mode]
        hi = np.array([SPEED_RANGES[m][1] for m in MODES])[mode]
        self.officer_speed = lo + (hi - lo) * rng.random(n)
        self.officer_team = team.astype(np.int64)
        self.officer_mode = mode.astype(np.int64)
        people = names.person_names(rng, n)
        phone_list = names.phones(rng, n)
        seq_in_team = np.zeros(n, dtype=np.int64)
        counts: dict[int, int] = {}
        for i, t in enumerate(team.tolist()):
            counts[t] = counts.get(t, 0) + 1
            seq_in_team[i] = counts[t]
        # Badge: district code, team number, number within the team (executive badges
        # in Zhejiang are numeric and carry the issuing area).
        self.officers = [
            Officer(
                id=f"WC{i + 1:05d}",
                name=people[i],
                badge=f"0702{t + 1:02d}{s:05d}",
                device=names.imei(i + 1),
                team_id=self.teams[t].id,
                mode=MODES[m],
                phone=phone_list[i],
            )
            for i, (t, s, m) in enumerate(
                zip(team.tolist(), seq_in_team.tolist(), mode.tolist(), strict=True)
            )
        ]

    def _make_vehicles(self, rng: np.random.Generator, n: int) -> None:
        """Patrol cars, shared out over the teams by their share of officers and of car
        patrols (every team gets one when there are enough), appended after the officers."""
        weight = np.array([s.share * (0.5 + s.modes[2]) for s in TEAM_SPECS])
        # Largest remainders: a fleet is allotted, not drawn by lot.
        quota = n * weight / weight.sum()
        per_team = np.floor(quota).astype(np.int64)
        extra = np.argsort(-(quota - per_team), kind="stable")[: n - int(per_team.sum())]
        per_team[extra] += 1
        if n >= len(TEAM_SPECS):
            while (per_team == 0).any():
                per_team[int(np.argmax(per_team))] -= 1
                per_team[int(np.flatnonzero(per_team == 0)[0])] += 1
        team = np.repeat(np.arange(len(TEAM_SPECS)), per_team)
        lo, hi = SPEED_RANGES["car"]
        speed = lo + (hi - lo) * rng.random(n)
        plate_list = names.plates(rng, n)
        first = len(self.officers)
        counts: dict[int, int] = {}
        added: list[Officer] = []
        for k, t in enumerate(team.tolist()):
            counts[t] = counts.get(t, 0) + 1
            short = TEAM_SPECS[t].name.removesuffix("综合执法队").removesuffix("执法队")
            added.append(
                Officer(
                    id=f"WV{k + 1:04d}",
                    name=f"{short}{counts[t]:02d}号执法车",
                    badge="",
                    device=names.jt808_terminal(k + 1),
                    team_id=self.teams[t].id,
                    mode="car",
                    phone="",
                    kind="vehicle",
                    plate=plate_list[k],
                )
            )
        self.officers = [*self.officers[:first], *added]
        self.officer_team = np.concatenate([self.officer_team, team.astype(np.int64)])
        self.officer_mode = np.concatenate(
            [self.officer_mode, np.full(n, MODES.index("car"), dtype=np.int64)]
        )
        self.officer_speed = np.concatenate([self.officer_speed, speed])

    def _make_merchants(self, rng: np.random.Generator, n: int) -> None:
        lon, lat = merchant_points(rng, n, self.outline, self.townships)
        cats = names.SHOP_CATEGORIES
        weights = np.array([c[1] for c in cats])
        cat_idx = rng.choice(len(cats), size=n, p=weights / weights.sum())
        owners = names.person_names(rng, n)
        merchants: list[Merchant] = []
        for i in range(n):
            category, _, risk_share = cats[int(cat_idx[i])]
            address, town = self.address(rng, float(lon[i]), float(lat[i]))
            r = rng.random()
            risk = 3 if r < risk_share * 0.35 else 2 if r < risk_share else 1
            merchants.append(
                Merchant(
                    id=f"M{i + 1:06d}",
                    name=names.shop_name(rng, category, owners[i][0]),
                    credit_code=names.credit_code(rng, individual=rng.random() < 0.7),
                    category=category,
                    address=address,
                    township=town,
                    risk=risk,
                    lat=round(float(lat[i]), 6),
                    lon=round(float(lon[i]), 6),
                )
            )
        self.merchants = merchants
        self.merchant_lon = np.array([m.lon for m in merchants], dtype=np.float64)
        self.merchant_lat = np.array([m.lat for m in merchants], dtype=np.float64)
