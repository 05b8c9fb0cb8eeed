"""The facts of Wucheng district the simulator is built from: where its townships and
commercial streets are, its roads and village names, its enforcement teams and how they
patrol.

Township polygons do not exist in any open source (data/README.md), so zones are cells
of the district outline: each is the outline clipped by a hand-placed rectangle, chosen
so that every clip is one piece (no zero-width bridges along a cut). The six township
teams tile the district; the specialist teams patrol overlapping cells of the urban core
and the plain, which is where their work is.

Township centres below are approximate (to a few km, from public maps); they name the
township in addresses and decide which team a township belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
