"""The static world of the Wucheng simulator: teams and zones, officers, merchants.

Township polygons do not exist in any open source (data/README.md), so zones are cells
of the district outline: each is the outline clipped by a hand-placed rectangle, chosen
so that every clip is one piece (no zero-width bridges along a cut). The six township
teams tile the district; the specialist teams patrol overlapping cells of the urban core
and the plain, which is where their work is.

Township centres below are approximate (to a few km, from public maps); they name the
township in addresses and decide which team a township belongs to.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from hub.simulator import geo, names

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

WUCHENG_ADCODE = "330702"
TravelMode = Literal["walk", "ebike", "car"]

# Approximate centres (lon, lat) of the 26 township-level units.
TOWNSHIP_CENTRES: dict[str, tuple[float, float]] = {
    "城东街道": (119.664, 29.092),
    "城中街道": (119.648, 29.088),
    "城西街道": (119.630, 29.090),
    "城北街道": (119.650, 29.106),
    "江南街道": (119.650, 29.066),
    "三江街道": (119.626, 29.071),
    "西关街道": (119.615, 29.086),
    "秋滨街道": (119.610, 29.101),
    "新狮街道": (119.600, 29.121),
    "罗店镇": (119.640, 29.180),
    "雅畈镇": (119.700, 28.985),
    "安地镇": (119.640, 28.945),
    "白龙桥镇": (119.560, 29.070),
    "琅琊镇": (119.520, 28.980),
    "蒋堂镇": (119.460, 29.050),
    "汤溪镇": (119.400, 29.050),
    "罗埠镇": (119.390, 29.100),
    "洋埠镇": (119.340, 29.090),
    "乾西乡": (119.580, 29.100),
    "竹马乡": (119.660, 29.030),
    "长山乡": (119.480, 29.000),
    "箬阳乡": (119.580, 28.810),
    "沙畈乡": (119.540, 28.860),
    "塔石乡": (119.420, 28.890),
    "莘畈乡": (119.660, 28.890),
    "苏孟乡": (119.720, 29.040),
}

# Commercial centres of the urban core (lon, lat, weight): where most shops are.
URBAN_HUBS: tuple[tuple[float, float, float], ...] = (
    (119.648, 29.083, 3.0),
    (119.652, 29.066, 2.0),
    (119.628, 29.090, 1.5),
    (119.662, 29.095, 1.5),
    (119.615, 29.086, 1.0),
    (119.626, 29.071, 1.0),
    (119.605, 29.110, 0.8),
)
URBAN_ROADS = (
    "八一北街",
    "八一南街",
    "人民西路",
    "人民东路",
    "解放西路",
    "解放东路",
    "婺州街",
    "宾虹路",
    "李渔路",
    "双龙南街",
    "丹溪路",
    "环城南路",
    "江南东路",
    "新华街",
    "胜利街",
    "将军路",
    "迎宾大道",
    "金帆街",
    "回溪街",
    "五一路",
    "中山路",
    "酒坊巷",
    "西市街",
    "飘萍路",
    "站前大道",
    "兰溪街",
    "三江路",
    "白沙路",
)
VILLAGE_HEADS = ("下", "上", "塘", "后", "前", "东", "西", "新", "溪", "山")
VILLAGE_TAILS = ("王村", "头村", "宅村", "口村", "畈村", "坞村", "店村", "岭村", "桥村")


@dataclass(frozen=True)
class TeamSpec:
    key: str
    name: str
    kind: Literal["township", "specialist"]
    colour: str
    window: tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max
    share: float  # of all officers
    modes: tuple[float, float, float]  # walk, e-bike, car


# Six merged township/street teams (they tile the district) and five specialist teams.
TEAM_SPECS: tuple[TeamSpec, ...] = (
    TeamSpec(
        "cz",
        "城中片区综合执法队",
        "township",
        "#E53935",
        (119.600, 29.085, 119.720, 29.140),
        0.17,
        (0.35, 0.45, 0.20),
    ),
    TeamSpec(
        "jn",
        "江南片区综合执法队",
        "township",
        "#FB8C00",
        (119.600, 29.020, 119.780, 29.085),
        0.15,
        (0.30, 0.45, 0.25),
    ),
    TeamSpec(
        "bs",
        "北山片区综合执法队",
        "township",
        "#43A047",
        (119.550, 29.140, 119.720, 29.260),
        0.07,
        (0.05, 0.35, 0.60),
    ),
    TeamSpec(
        "blq",
        "白龙桥片区综合执法队",
        "township",
        "#1E88E5",
        (119.470, 29.020, 119.600, 29.140),
        0.11,
        (0.10, 0.45, 0.45),
    ),
    TeamSpec(
        "tx",
        "汤溪片区综合执法队",
        "township",
        "#8E24AA",
        (119.280, 28.700, 119.470, 29.260),
        0.10,
        (0.05, 0.40, 0.55),
    ),
    TeamSpec(
        "ns",
        "南山片区综合执法队",
        "township",
        "#00897B",
        (119.470, 28.700, 119.780, 29.020),
        0.10,
        (0.05, 0.35, 0.60),
    ),
    TeamSpec(
        "scjg",
        "市场监管执法队",
        "specialist",
        "#FDD835",
        (119.590, 29.040, 119.680, 29.130),
        0.07,
        (0.30, 0.40, 0.30),
    ),
    TeamSpec(
        "jtys",
        "交通运输执法队",
        "specialist",
        "#6D4C41",
        (119.300, 29.020, 119.720, 29.120),
        0.06,
        (0.00, 0.20, 0.80),
    ),
    TeamSpec(
        "sthj",
        "生态环境执法队",
        "specialist",
        "#7CB342",
        (119.400, 28.780, 119.720, 29.000),
        0.06,
        (0.00, 0.30, 0.70),
    ),
    TeamSpec(
        "wsjk",
        "卫生健康执法队",
        "specialist",
        "#00ACC1",
        (119.590, 29.040, 119.680, 29.120),
        0.05,
        (0.30, 0.40, 0.30),
    ),
    TeamSpec(
        "xf",
        "消防救援执法队",
        "specialist",
        "#D81B60",
        (119.550, 29.000, 119.720, 29.160),
        0.06,
        (0.00, 0.30, 0.70),
    ),
)

# m/s ranges per travel mode: a foot patrol, an e-bike in town traffic, a patrol car.
SPEED_RANGES: dict[TravelMode, tuple[float, float]] = {
    "walk": (1.0, 1.6),
    "ebike": (3.5, 6.5),
    "car": (7.0, 14.0),
}
MODES: tuple[TravelMode, ...] = ("walk", "ebike", "car")


@dataclass(frozen=True)
class Township:
    code: str
    name: str
    kind: str
    lon: float
    lat: float


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    kind: Literal["township", "specialist"]
    colour: str
    zone: tuple[tuple[float, float], ...]  # open ring of (lon, lat), WGS-84
    townships: tuple[str, ...]  # township names whose centre lies in the zone


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
class PatrolGraph:
    """Patrol waypoints of every zone, as one flat graph in the local metric frame.

    Edges join near neighbours inside one zone whose straight segment never touches the
    zone's outline, so an officer walking edges can never leave the zone.
    """

    x: FloatArray
    y: FloatArray
    zone: IntArray  # team index of each node
    neighbours: IntArray  # (nodes, K): global node indices, padded by repetition
    degree: IntArray
    zone_nodes: list[IntArray] = field(default_factory=list)  # usable nodes per team


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
        outline = _load_outline(geo_dir / "jinhua-wgs84.geojson")
        townships = _load_townships(geo_dir / "wucheng-townships.csv", outline)
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0x57C]))
        teams, rings_xy = _build_teams(outline, townships)
        graph = _build_graph(rings_xy, np.random.default_rng(rng.integers(2**63)))
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
        return geo.contains(self.outline, np.asarray(lon), np.asarray(lat))

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
        lon, lat = _merchant_points(rng, n, self.outline, self.townships)
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


def _load_outline(path: Path) -> FloatArray:
    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    for feature in data["features"]:
        if str(feature["properties"].get("adcode")) == WUCHENG_ADCODE:
            geom = feature["geometry"]
            polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
            # The district is one polygon without holes; take the largest outer ring.
            rings = [geo.open_ring(poly[0]) for poly in polys]
            return max(rings, key=geo.ring_area)
    raise ValueError(f"{path}: no feature with adcode {WUCHENG_ADCODE}")


def _load_townships(path: Path, outline: FloatArray) -> list[Township]:
    out: list[Township] = []
    # A fixed lattice of points inside the outline: an approximate centre that falls just
    # outside the (equally approximate) outline moves to the nearest of them.
    grid_lon, grid_lat = np.meshgrid(
        np.linspace(119.30, 119.77, 120), np.linspace(28.73, 29.25, 120)
    )
    glon, glat = grid_lon.ravel(), grid_lat.ravel()
    inside = geo.contains(outline, glon, glat)
    glon, glat = glon[inside], glat[inside]
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            lon, lat = TOWNSHIP_CENTRES.get(row["name"], (119.60, 29.00))
            if not geo.contains(outline, np.array([lon]), np.array([lat]))[0]:
                j = int(np.argmin((glon - lon) ** 2 + (glat - lat) ** 2))
                lon, lat = round(float(glon[j]), 6), round(float(glat[j]), 6)
            out.append(Township(row["code"], row["name"], row["kind"], lon, lat))
    return out


def _build_teams(
    outline: FloatArray, townships: list[Township]
) -> tuple[list[Team], list[FloatArray]]:
    teams: list[Team] = []
    rings_xy: list[FloatArray] = []
    for spec in TEAM_SPECS:
        x0, y0, x1, y1 = spec.window
        window = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
        ring = geo.clip_convex(outline, window)
        ring = _dedupe(ring)
        lon, lat = ring[:, 0], ring[:, 1]
        tlon = np.array([t.lon for t in townships])
        tlat = np.array([t.lat for t in townships])
        inside = geo.contains(ring, tlon, tlat)
        teams.append(
            Team(
                id=spec.key,
                name=spec.name,
                kind=spec.kind,
                colour=spec.colour,
                zone=tuple(
                    (round(a, 6), round(b, 6))
                    for a, b in zip(lon.tolist(), lat.tolist(), strict=True)
                ),
                townships=tuple(t.name for t, ok in zip(townships, inside, strict=True) if ok),
            )
        )
        x, y = geo.to_xy(lon, lat)
        rings_xy.append(np.column_stack([x, y]))
    return teams, rings_xy


def _dedupe(ring: FloatArray) -> FloatArray:
    keep = np.any(np.abs(ring - np.roll(ring, 1, axis=0)) > 1e-9, axis=1)
    return ring[keep]


def _build_graph(rings_xy: list[FloatArray], rng: np.random.Generator, k: int = 6) -> PatrolGraph:
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    zones: list[IntArray] = []
    rows: list[IntArray] = []
    base = 0
    for team, ring in enumerate(rings_xy):
        area_km2 = geo.ring_area(ring) / 1e6
        # Denser waypoints in town, where streets are short; a rural zone gets a node
        # every few square kilometres.
        n = int(np.clip(40 + area_km2 * 0.4 + (200.0 / max(area_km2, 1.0)) * 20, 60, 240))
        x, y = _sample_in_ring(rng, ring, n)
        d2 = (x[:, None] - x[None, :]) ** 2 + (y[:, None] - y[None, :]) ** 2
        np.fill_diagonal(d2, np.inf)
        cand = np.argsort(d2, axis=1)[:, :k]
        a = np.repeat(np.arange(n), k)
        b = cand.ravel()
        ok = ~geo.segments_cross_ring(x[a], y[a], x[b], y[b], ring)
        # Symmetric adjacency so that a walk can always come back the way it went.
        adj = np.zeros((n, n), dtype=np.bool_)
        adj[a[ok], b[ok]] = True
        adj |= adj.T
        rows.extend(np.flatnonzero(adj[i]) + base for i in range(n))
        xs.append(x)
        ys.append(y)
        zones.append(np.full(n, team, dtype=np.int64))
        base += n
    degree = np.array([len(r) for r in rows], dtype=np.int64)
    width = int(degree.max())
    # Rows are padded by repeating their own entries, so a uniform pick over the first
    # ``degree`` columns is all a walker needs; an isolated node points at itself.
    neighbours = np.array(
        [np.resize(r, width) if len(r) else np.full(width, i) for i, r in enumerate(rows)],
        dtype=np.int64,
    )
    zone = np.concatenate(zones)
    usable = degree > 0
    return PatrolGraph(
        x=np.concatenate(xs),
        y=np.concatenate(ys),
        zone=zone,
        neighbours=neighbours,
        degree=degree,
        zone_nodes=[np.flatnonzero(usable & (zone == t)) for t in range(len(rings_xy))],
    )


def _sample_in_ring(
    rng: np.random.Generator, ring: FloatArray, n: int
) -> tuple[FloatArray, FloatArray]:
    x0, y0 = ring.min(axis=0)
    x1, y1 = ring.max(axis=0)
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    got = 0
    while got < n:
        m = max(64, 3 * (n - got))
        x = rng.uniform(x0, x1, m)
        y = rng.uniform(y0, y1, m)
        ok = geo.contains(ring, x, y)
        xs.append(x[ok])
        ys.append(y[ok])
        got += int(ok.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _merchant_points(
    rng: np.random.Generator, n: int, outline: FloatArray, townships: list[Township]
) -> tuple[FloatArray, FloatArray]:
    """Shops: three in four around the urban core's commercial streets, the rest in the
    centres of towns and townships."""
    hubs = np.array([(h[0], h[1]) for h in URBAN_HUBS])
    hub_w = np.array([h[2] for h in URBAN_HUBS])
    rural = np.array([(t.lon, t.lat) for t in townships if t.kind != "street"])
    lons: list[FloatArray] = []
    lats: list[FloatArray] = []
    got = 0
    while got < n:
        m = max(256, 2 * (n - got))
        urban = rng.random(m) < 0.75
        centre = np.where(
            urban[:, None],
            hubs[rng.choice(len(hubs), size=m, p=hub_w / hub_w.sum())],
            rural[rng.integers(0, len(rural), size=m)],
        )
        sigma_m = np.where(urban, 900.0, 500.0)
        lon = centre[:, 0] + rng.normal(0, 1, m) * sigma_m / geo.M_PER_DEG_LON
        lat = centre[:, 1] + rng.normal(0, 1, m) * sigma_m / geo.M_PER_DEG_LAT
        # Rounded as stored, then tested: a shop on the outline must not round outside.
        lon, lat = np.round(lon, 6), np.round(lat, 6)
        ok = geo.contains(outline, lon, lat)
        lons.append(lon[ok])
        lats.append(lat[ok])
        got += int(ok.sum())
    return np.concatenate(lons)[:n], np.concatenate(lats)[:n]


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))
