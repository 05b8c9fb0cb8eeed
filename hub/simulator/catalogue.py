"""Incident categories the simulator reports, with the words citizens use for them.

Categories are names from the enforcement-matter catalogue as they appear on 8890
tickets. Each says which shops it usually concerns (so a report lands at a merchant),
which specialist team is fitted to it (for joint "inspect once" dispatches), and how
citizens, grid workers and officers describe it.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain.classes import shipped_catalogue


@dataclass(frozen=True)
class Category:
    name: str
    weight: float
    shop_kinds: tuple[str, ...]  # merchant categories it usually concerns; () = the street
    merchant_share: float  # how often a report names a shop
    specialist: str | None  # team id fitted besides the township team
    priority: int
    texts: tuple[str, ...]  # {place} the spot, {shop} the shop name, {when} a time phrase


CATEGORIES: tuple[Category, ...] = (
    Category(
        "占道经营",
        16,
        ("水果生鲜", "餐饮"),
        0.3,
        None,
        3,
        (
            "{place}有流动摊贩占道经营，{when}把人行道都占满了，行人只能走机动车道。",
            "{place}路口{when}有人摆摊卖菜卖水果，占用盲道，希望尽快处理。",
            "{place}早市摊位越摆越多，三轮车堵在路口，交通很乱。",
        ),
    ),
    Category(
        "出店经营",
        14,
        ("便利店", "水果生鲜", "服装", "五金", "建材"),
        0.9,
        None,
        2,
        (
            "{shop}长期把货物摆到店门外人行道上经营，{when}尤其严重，影响通行。",
            "{place}{shop}出店经营，货架摆出门外好几米，已经劝过没有用。",
            "{shop}门口堆满货物和纸箱，推婴儿车过不去。",
        ),
    ),
    Category(
        "油烟扰民",
        10,
        ("餐饮",),
        0.95,
        "sthj",
        3,
        (
            "{shop}油烟直排，楼上住户{when}窗户都不敢开，已经反映过多次。",
            "{place}{shop}没有装油烟净化器，整栋楼都是油烟味。",
            "{shop}后厨排烟管直接对着居民楼，{when}油烟很大。",
        ),
    ),
    Category(
        "露天烧烤",
        6,
        ("餐饮",),
        0.7,
        None,
        3,
        (
            "{place}{shop}{when}在店外露天烧烤，烟很大，桌子摆到了马路上。",
            "{place}夜宵摊露天烧烤，烟雾和噪声一直到凌晨。",
        ),
    ),
    Category(
        "噪声扰民",
        9,
        ("娱乐", "汽修", "建材", "餐饮"),
        0.6,
        None,
        3,
        (
            "{shop}{when}音响声音很大，严重影响周边居民休息。",
            "{place}有工地夜间施工，{when}电钻声不断，老人孩子都睡不着。",
            "{place}{shop}门口用喇叭循环叫卖，噪声扰民。",
        ),
    ),
    Category(
        "违规广告",
        8,
        ("美容美发", "餐饮", "服装", "便利店"),
        0.6,
        None,
        2,
        (
            "{shop}在门口和人行道上摆放落地广告牌，还挂了横幅，未经审批。",
            "{place}电线杆和墙面上贴满小广告，{when}又新贴了一批。",
            "{place}{shop}店招超出规定尺寸，晚上灯箱闪烁很刺眼。",
        ),
    ),
    Category(
        "建筑垃圾",
        7,
        ("建材",),
        0.3,
        "jtys",
        3,
        (
            "{place}路边偷倒建筑垃圾，堆了一大片，{when}还有车来倒。",
            "{place}装修垃圾乱堆放，没有遮盖，刮风时灰尘很大。",
        ),
    ),
    Category(
        "违章停车",
        12,
        (),
        0.0,
        None,
        2,
        (
            "{place}人行道上停满了机动车，{when}行人无法通行。",
            "{place}有车辆长期占用消防通道停放，存在安全隐患。",
            "{place}非机动车乱停乱放，堵住了小区出入口。",
        ),
    ),
    Category(
        "乱堆物料",
        5,
        ("建材", "五金", "汽修"),
        0.6,
        None,
        2,
        (
            "{shop}在公共场地上乱堆物料，占用了小区通道。",
            "{place}沿街堆放杂物和废旧轮胎，{when}一直没有清理。",
        ),
    ),
    Category(
        "违法建设",
        3,
        (),
        0.0,
        None,
        4,
        (
            "{place}有人在屋顶违法搭建彩钢棚，{when}正在施工。",
            "{place}沿河私自搭建简易房，疑似违章建筑。",
        ),
    ),
    Category(
        "渣土撒漏",
        3,
        (),
        0.0,
        "jtys",
        3,
        ("{place}渣土车未密闭运输，沿路撒漏泥土，{when}路面很脏。",),
    ),
    Category(
        "污水直排",
        3,
        ("餐饮", "汽修"),
        0.7,
        "sthj",
        3,
        (
            "{shop}洗车污水直接排进雨水井，{when}路面都是泡沫。",
            "{place}有污水直排河道，水面发黑有异味。",
        ),
    ),
    Category(
        "无照经营",
        2,
        ("餐饮", "便利店", "美容美发"),
        0.9,
        "scjg",
        3,
        ("{shop}疑似无营业执照经营，店内卫生条件很差。",),
    ),
    Category(
        "食品安全",
        2,
        ("餐饮", "水果生鲜"),
        0.95,
        "scjg",
        4,
        (
            "在{shop}吃饭后身体不适，怀疑食材不新鲜，{when}去的。",
            "{shop}后厨卫生很差，有老鼠出没。",
        ),
    ),
    Category(
        "公共场所卫生",
        1,
        ("美容美发", "娱乐"),
        0.9,
        "wsjk",
        2,
        ("{shop}毛巾和用具不消毒，卫生许可证也没有公示。",),
    ),
    Category(
        "消防通道占用",
        2,
        ("娱乐", "餐饮", "便利店"),
        0.6,
        "xf",
        4,
        (
            "{shop}安全出口被杂物堵死，{when}人很多，存在消防隐患。",
            "{place}楼道里电动车飞线充电，消防通道被占用。",
        ),
    ),
)

WHEN = ("每天晚上", "今天上午", "最近一周", "这几天", "每天早上", "周末", "刚才", "晚上十点以后")

# Share of reports per source: most come through the 8890 hotline and the 随手拍
# mini-program, a quarter from township grid workers, a few from officers on patrol.
SOURCE_MIX: dict[str, float] = {"hotline": 0.40, "snap": 0.30, "grid": 0.25, "patrol": 0.05}
SOURCE_PREFIX = {
    "hotline": "",
    "snap": "",
    "grid": "网格员巡查上报：",
    "patrol": "执法队员巡查发现：",
}

# Relative report rate by Beijing hour: quiet nights, a morning rise, busy evenings
# (fumes, barbecues, noise). Normalised to a daily mean of 1 below.
_HOURLY = (
    0.25,
    0.15,
    0.10,
    0.10,
    0.10,
    0.20,
    0.50,
    0.90,
    1.30,
    1.50,
    1.50,
    1.40,
    1.20,
    1.10,
    1.30,
    1.30,
    1.30,
    1.40,
    1.60,
    1.70,
    1.60,
    1.30,
    0.80,
    0.45,
)
HOURLY_FACTOR: tuple[float, ...] = tuple(h * 24 / sum(_HOURLY) for h in _HOURLY)

CATEGORY_BY_NAME = {c.name: c for c in CATEGORIES}
# The hub stores a report's category as its class's name (docs/casework.md: 渣土撒漏 comes
# back as 道路遗撒): the simulator finds its category by that name too.
CATEGORY_BY_NAME.update(
    {m.name: c for c in CATEGORIES if (m := shipped_catalogue().find(c.name)) is not None}
)
