"""The words for the feed's enums, one table per enum, in Chinese (the source language).

The hub words its Chinese lines with them (``hub/ingest_store.py``); the wall translates them
in the ``vocabulary`` context (``widgets/vocabulary.py``). Before, the queue, the
drill-downs and the hub each had their own table, and they had drifted apart (网格 /
网格上报, 巡查 / 巡查发现). Qt-free: the hub imports it.
"""

from __future__ import annotations

from typing import Final

from backend_client.events import QT_TRANSLATE_NOOP

CONTEXT: Final = "vocabulary"

#: Where a case came from (``Incident.source``).
SOURCES: Final[dict[str, str]] = {
    "hotline": QT_TRANSLATE_NOOP("vocabulary", "8890热线"),
    "snap": QT_TRANSLATE_NOOP("vocabulary", "随手拍"),
    "grid": QT_TRANSLATE_NOOP("vocabulary", "网格上报"),
    "patrol": QT_TRANSLATE_NOOP("vocabulary", "巡查发现"),
}
#: The 1-3-15 stages (``backend_client.sla``), and "done" once all three are.
STAGES: Final[dict[str, str]] = {
    "accept": QT_TRANSLATE_NOOP("vocabulary", "受理"),
    "move": QT_TRANSLATE_NOOP("vocabulary", "出发"),
    "handle": QT_TRANSLATE_NOOP("vocabulary", "处置"),
    "done": QT_TRANSLATE_NOOP("vocabulary", "完成"),
}
#: A case's status (``Incident.status``).
STATUSES: Final[dict[str, str]] = {
    "reported": QT_TRANSLATE_NOOP("vocabulary", "待受理"),
    "verified": QT_TRANSLATE_NOOP("vocabulary", "已核实"),
    "accepted": QT_TRANSLATE_NOOP("vocabulary", "已受理"),
    "dispatched": QT_TRANSLATE_NOOP("vocabulary", "已派遣"),
    "arrived": QT_TRANSLATE_NOOP("vocabulary", "已到场"),
    "handled": QT_TRANSLATE_NOOP("vocabulary", "已处置"),
    "rectifying": QT_TRANSLATE_NOOP("vocabulary", "整改中"),
    "followup": QT_TRANSLATE_NOOP("vocabulary", "待复查"),
    "checked": QT_TRANSLATE_NOOP("vocabulary", "核查通过"),
    "closed": QT_TRANSLATE_NOOP("vocabulary", "已结案"),
    "suspended": QT_TRANSLATE_NOOP("vocabulary", "已挂账"),
    "voided": QT_TRANSLATE_NOOP("vocabulary", "已作废"),
}
#: Case categories of the enforcement-matter catalogue (``hub/simulator/catalogue.py``); a
#: category typed by a hotline operator and not listed here shows untranslated.
CATEGORIES: Final[tuple[str, ...]] = (
    QT_TRANSLATE_NOOP("vocabulary", "占道经营"),
    QT_TRANSLATE_NOOP("vocabulary", "出店经营"),
    QT_TRANSLATE_NOOP("vocabulary", "油烟扰民"),
    QT_TRANSLATE_NOOP("vocabulary", "露天烧烤"),
    QT_TRANSLATE_NOOP("vocabulary", "噪声扰民"),
    QT_TRANSLATE_NOOP("vocabulary", "违规广告"),
    QT_TRANSLATE_NOOP("vocabulary", "建筑垃圾"),
    QT_TRANSLATE_NOOP("vocabulary", "违章停车"),
    QT_TRANSLATE_NOOP("vocabulary", "乱堆物料"),
    QT_TRANSLATE_NOOP("vocabulary", "违法建设"),
    QT_TRANSLATE_NOOP("vocabulary", "渣土撒漏"),
    QT_TRANSLATE_NOOP("vocabulary", "污水直排"),
    QT_TRANSLATE_NOOP("vocabulary", "无照经营"),
    QT_TRANSLATE_NOOP("vocabulary", "食品安全"),
    QT_TRANSLATE_NOOP("vocabulary", "公共场所卫生"),
    QT_TRANSLATE_NOOP("vocabulary", "消防通道占用"),
)
#: The classes catalogue's names (resources/classes/chengguan.toml) that the categories
#: above do not already give, and its 大类 (groups): a report's category is stored as its
#: class's name (docs/casework.md), so walls and desks translate these too.
CLASS_NAMES: Final[tuple[str, ...]] = (
    QT_TRANSLATE_NOOP("vocabulary", "私搭乱建"),
    QT_TRANSLATE_NOOP("vocabulary", "沿街晾挂"),
    QT_TRANSLATE_NOOP("vocabulary", "暴露垃圾"),
    QT_TRANSLATE_NOOP("vocabulary", "积存垃圾渣土"),
    QT_TRANSLATE_NOOP("vocabulary", "道路不洁"),
    QT_TRANSLATE_NOOP("vocabulary", "道路遗撒"),
    QT_TRANSLATE_NOOP("vocabulary", "油烟污染"),
    QT_TRANSLATE_NOOP("vocabulary", "非法小广告"),
    QT_TRANSLATE_NOOP("vocabulary", "违规户外广告"),
    QT_TRANSLATE_NOOP("vocabulary", "施工扰民"),
    QT_TRANSLATE_NOOP("vocabulary", "渣土车未密闭"),
    QT_TRANSLATE_NOOP("vocabulary", "无照经营游商"),
    QT_TRANSLATE_NOOP("vocabulary", "店外经营"),
    QT_TRANSLATE_NOOP("vocabulary", "机动车乱停放"),
    QT_TRANSLATE_NOOP("vocabulary", "非机动车乱停放"),
)
CLASS_GROUPS: Final[tuple[str, ...]] = (
    QT_TRANSLATE_NOOP("vocabulary", "市容环境"),
    QT_TRANSLATE_NOOP("vocabulary", "宣传广告"),
    QT_TRANSLATE_NOOP("vocabulary", "施工管理"),
    QT_TRANSLATE_NOOP("vocabulary", "街面秩序"),
    QT_TRANSLATE_NOOP("vocabulary", "其他"),
)
