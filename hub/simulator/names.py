"""Deterministic Chinese names, shop names, phone numbers and registration codes.

Everything here draws from a caller's ``numpy.random.Generator``, so a seed fixes the
whole cast. Family names are weighted towards those common in Jinhua (楼, 叶, 方, 应,
傅...) so a wall looks like the place it stands in.
"""

from __future__ import annotations

import numpy as np

# (family name, relative frequency): national top names plus Jinhua's own.
FAMILY_NAMES: tuple[tuple[str, float], ...] = (
    ("王", 7.0),
    ("陈", 7.0),
    ("张", 5.0),
    ("李", 5.0),
    ("吴", 4.0),
    ("周", 3.5),
    ("徐", 3.5),
    ("朱", 3.0),
    ("黄", 3.0),
    ("叶", 3.0),
    ("方", 3.0),
    ("楼", 2.5),
    ("金", 2.5),
    ("胡", 2.5),
    ("郑", 2.5),
    ("杨", 2.0),
    ("何", 2.0),
    ("施", 1.5),
    ("邵", 1.5),
    ("倪", 1.2),
    ("汪", 1.2),
    ("应", 1.5),
    ("蒋", 1.5),
    ("傅", 1.5),
    ("吕", 1.2),
    ("刘", 2.0),
    ("赵", 1.5),
    ("孙", 1.2),
    ("林", 1.2),
    ("童", 1.0),
    ("严", 1.0),
    ("鲍", 0.8),
    ("俞", 1.0),
    ("潘", 1.0),
    ("杜", 0.8),
    ("盛", 0.8),
    ("钱", 0.8),
    ("虞", 0.6),
    ("洪", 0.8),
    ("姜", 0.8),
    ("曹", 0.8),
    ("范", 0.8),
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文斌辉鹏宇浩然晨阳"
    "俊峰婷雪琳志红燕飞云海波亮成林佳慧欣怡子轩梓涵一鸣嘉豪晓东丹雯倩颖凯旭"
)
PHONE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "177",
    "180",
    "181",
    "187",
    "188",
    "189",
    "199",
)

_family = [name for name, _ in FAMILY_NAMES]
_family_p = np.array([w for _, w in FAMILY_NAMES], dtype=np.float64)
_family_p /= _family_p.sum()


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` full names: one family character, then one (30 %) or two given characters."""
    fam = rng.choice(len(_family), size=n, p=_family_p)
    g1 = rng.integers(0, len(GIVEN_CHARS), size=n)
    g2 = rng.integers(0, len(GIVEN_CHARS), size=n)
    two = rng.random(n) < 0.7
    return [
        _family[f] + GIVEN_CHARS[a] + (GIVEN_CHARS[b] if t else "")
        for f, a, b, t in zip(fam.tolist(), g1.tolist(), g2.tolist(), two.tolist(), strict=True)
    ]


def polite_name(rng: np.random.Generator) -> str:
    """How an 8890 agent records a caller who gives no full name: 王女士, 陈先生."""
    fam = _family[int(rng.choice(len(_family), p=_family_p))]
    return fam + ("女士" if rng.random() < 0.5 else "先生")


def phones(rng: np.random.Generator, n: int) -> list[str]:
    """Mainland mobile numbers: 11 digits behind a real carrier prefix."""
    prefix = rng.integers(0, len(PHONE_PREFIXES), size=n).tolist()
    rest = rng.integers(0, 100_000_000, size=n).tolist()
    return [f"{PHONE_PREFIXES[p]}{r:08d}" for p, r in zip(prefix, rest, strict=True)]


def luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def imei(serial: int) -> str:
    """A 15-digit IMEI (Luhn-checked): what a JT/T 808 or Traccar client reports as id."""
    body = f"86{471203:06d}{serial % 1_000_000:06d}"
    return body + luhn_digit(body)


def jt808_terminal(serial: int) -> str:
    """A JT/T 808 (2013) terminal number: the 12 BCD digits of its header, a 0 before the
    11-digit number of its data SIM (147: China Mobile's data-card segment; 0702: the
    district, so the demo's terminals are easy to tell apart)."""
    return f"01470702{serial % 10_000:04d}"


# Plate letters: GA 36 leaves out I and O (read as 1 and 0).
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def plates(rng: np.random.Generator, n: int, prefix: str = "浙G") -> list[str]:
    """Distinct small-car plates of Jinhua (浙G), written as on the plate: 浙G·A1234 or
    浙G·3B456 style (five characters, one or two letters, never I or O)."""
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        letters = 1 + int(rng.random() < 0.3)
        body = [str(int(d)) for d in rng.integers(0, 10, 5)]
        for at in rng.choice(5, size=letters, replace=False).tolist():
            body[at] = PLATE_LETTERS[int(rng.integers(0, len(PLATE_LETTERS)))]
        plate = f"{prefix}·{''.join(body)}"
        if plate not in seen:
            seen.add(plate)
            out.append(plate)
    return out


# GB 32100-2015: the unified social credit code's own alphabet (no I, O, S, V, Z).
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_value(ch: str) -> int:
    return int(ch) if ch.isdigit() else ord(ch) - 55


def org_check(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    c = 11 - sum(_org_value(ch) * w for ch, w in zip(body8, ORG_WEIGHTS, strict=True)) % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def uscc_check(body17: str) -> str:
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def credit_code(rng: np.random.Generator, individual: bool, division: str = "330702") -> str:
    """An 18-character unified social credit code with valid check characters.

    9 = registered by market supervision; 1 = enterprise, 2 = individual business
    (个体工商户). Codes issued since 2015 carry "MA" at the head of the organisation part.
    """
    kind = "92" if individual else "91"
    tail = "".join(USCC_CHARS[int(i)] for i in rng.integers(0, len(USCC_CHARS), size=6))
    org8 = "MA" + tail
    body = kind + division + org8 + org_check(org8)
    return body + uscc_check(body)


def valid_credit_code(code: str) -> bool:
    return (
        len(code) == 18
        and all(ch in USCC_CHARS for ch in code)
        and org_check(code[8:16]) == code[16]
        and uscc_check(code[:17]) == code[17]
    )


SHOP_HEADS = (
    "婺州",
    "八咏",
    "双龙",
    "古子城",
    "江南",
    "金华",
    "婺江",
    "通济",
    "明月",
    "兴旺",
    "鑫源",
    "佳佳",
    "好运来",
    "聚福",
    "和顺",
    "阿强",
    "小芳",
    "老街",
    "回味",
    "万家",
    "福满",
    "荣昌",
    "悦来",
    "旺角",
    "丰源",
    "诚信",
    "金盛",
    "宏达",
    "永康",
    "兰亭",
)
SHOP_TAILS: dict[str, tuple[str, ...]] = {
    "餐饮": ("小吃店", "面馆", "饭店", "烧烤店", "火锅店", "酥饼店", "土菜馆", "快餐店"),
    "便利店": ("便利店", "超市", "百货商行", "烟酒店"),
    "建材": ("建材商行", "五金建材店", "装饰材料店", "瓷砖店"),
    "汽修": ("汽车维修部", "汽修厂", "汽车美容店", "轮胎店"),
    "服装": ("服饰店", "服装店", "鞋店", "童装店"),
    "水果生鲜": ("水果店", "生鲜超市", "农副产品店"),
    "美容美发": ("理发店", "美容美发店", "美甲店"),
    "五金": ("五金店", "电器维修店", "日杂店"),
    "娱乐": ("KTV", "棋牌室", "网吧", "台球室"),
}
# Weights of each category among registered shops, and its base risk share.
SHOP_CATEGORIES: tuple[tuple[str, float, float], ...] = (
    ("餐饮", 0.30, 0.35),
    ("便利店", 0.16, 0.10),
    ("建材", 0.07, 0.25),
    ("汽修", 0.06, 0.35),
    ("服装", 0.12, 0.08),
    ("水果生鲜", 0.10, 0.15),
    ("美容美发", 0.08, 0.10),
    ("五金", 0.06, 0.15),
    ("娱乐", 0.05, 0.40),
)


def shop_name(rng: np.random.Generator, category: str, owner_family: str) -> str:
    tails = SHOP_TAILS[category]
    tail = tails[int(rng.integers(0, len(tails)))]
    # Small shops are as often named after the owner (老王面馆) as after a place.
    head = (
        owner_family + ("记" if rng.random() < 0.5 else "氏")
        if rng.random() < 0.35
        else SHOP_HEADS[int(rng.integers(0, len(SHOP_HEADS)))]
    )
    return f"婺城区{head}{tail}" if rng.random() < 0.3 else f"{head}{tail}"
