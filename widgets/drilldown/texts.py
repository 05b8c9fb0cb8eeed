"""Every word and colour of the drill-downs, one table per thing named.

The words are marked for ``pyside6-lupdate`` in the ``drilldown`` context (one context for
the package: its modules share these tables) and looked up at display time with
``translate("drilldown", TEXT[key])``. The colours are the theme's
(``resources/themes/wall-dark.toml``, ``[drilldown]``) and the panel's style sheet is
``resources/themes/drilldown.qss``.
"""

from __future__ import annotations

from functools import cache

from backend_client.resources import resource
from widgets.palette import colour
from widgets.text import QT_TRANSLATE_NOOP

#: Every user-visible text of the case panel (and the words the others borrow).
TEXT: dict[str, str] = {
    "title": QT_TRANSLATE_NOOP("drilldown", "案件详情"),
    "loading": QT_TRANSLATE_NOOP("drilldown", "正在加载案件 {case}…"),
    "failed": QT_TRANSLATE_NOOP("drilldown", "加载失败：{message}"),
    "cached": QT_TRANSLATE_NOOP("drilldown", "缓存数据 · {m} 分钟前"),
    "case": QT_TRANSLATE_NOOP("drilldown", "案件编号"),
    "category": QT_TRANSLATE_NOOP("drilldown", "案件类别"),
    "source": QT_TRANSLATE_NOOP("drilldown", "来源"),
    "status": QT_TRANSLATE_NOOP("drilldown", "状态"),
    "address": QT_TRANSLATE_NOOP("drilldown", "地点"),
    "text": QT_TRANSLATE_NOOP("drilldown", "案情"),
    "reporter": QT_TRANSLATE_NOOP("drilldown", "报案人"),
    "no_reporter": QT_TRANSLATE_NOOP("drilldown", "未登记"),
    "merchant": QT_TRANSLATE_NOOP("drilldown", "涉事商户"),
    "rectify_by": QT_TRANSLATE_NOOP("drilldown", "整改期限"),
    # The 处置时限 deadline (docs/casework.md; worded in widgets/deadline_text.py).
    "deadline": QT_TRANSLATE_NOOP("drilldown", "处置时限"),
    "rectify_left": QT_TRANSLATE_NOOP("drilldown", "{date} · 剩余 {span}"),
    "rectify_overdue": QT_TRANSLATE_NOOP("drilldown", "{date} · 已逾期 {span}"),
    "days": QT_TRANSLATE_NOOP("drilldown", "{n} 天"),
    "hours": QT_TRANSLATE_NOOP("drilldown", "{n} 小时"),
    "sla": QT_TRANSLATE_NOOP("drilldown", "1-3-15 时限"),
    "time": QT_TRANSLATE_NOOP("drilldown", "时间"),
    "kind": QT_TRANSLATE_NOOP("drilldown", "环节"),
    "actor": QT_TRANSLATE_NOOP("drilldown", "经办人"),
    "detail": QT_TRANSLATE_NOOP("drilldown", "说明"),
    "met": QT_TRANSLATE_NOOP("drilldown", "{stage} 达标 · 提前 {s} 秒"),
    "missed": QT_TRANSLATE_NOOP("drilldown", "{stage} 超时 {s} 秒"),
    "pending": QT_TRANSLATE_NOOP("drilldown", "{stage} 计时中 · 剩余 {s} 秒"),
    "overdue": QT_TRANSLATE_NOOP("drilldown", "{stage} 已超时 {s} 秒（未完成）"),
    "reported_at": QT_TRANSLATE_NOOP("drilldown", "上报时间"),
    "pdf_heading": QT_TRANSLATE_NOOP("drilldown", "婺城区综合行政执法 · 案件详情 {case}"),
    "pdf_records": QT_TRANSLATE_NOOP("drilldown", "文书（电子笔录）"),
    "pdf_decisions": QT_TRANSLATE_NOOP("drilldown", "处罚决定"),
    "export_pdf": QT_TRANSLATE_NOOP("drilldown", "导出 PDF"),
    "exported_to": QT_TRANSLATE_NOOP("drilldown", "已导出到 {path}"),
    "exported": QT_TRANSLATE_NOOP("drilldown", "导出时间 {t}"),
    "push": QT_TRANSLATE_NOOP("drilldown", "推送到大屏"),
    "more": QT_TRANSLATE_NOOP("drilldown", "加载更多"),
    "shown": QT_TRANSLATE_NOOP("drilldown", "已显示 {shown} / 共 {total} 条"),
    "timeline": QT_TRANSLATE_NOOP("drilldown", "办理经过"),
    "photos": QT_TRANSLATE_NOOP("drilldown", "现场照片"),
    "photo_broken": QT_TRANSLATE_NOOP("drilldown", "图片无法显示"),
    "photo_url": QT_TRANSLATE_NOOP("drilldown", "照片链接：{url}"),
    "related": QT_TRANSLATE_NOOP("drilldown", "关联案件"),
    "related_failed": QT_TRANSLATE_NOOP("drilldown", "关联案件暂不可用：{message}"),
    "same_merchant": QT_TRANSLATE_NOOP("drilldown", "同一商户 {n}"),
    "nearby": QT_TRANSLATE_NOOP("drilldown", "100 米内 {n}"),
    "same_category": QT_TRANSLATE_NOOP("drilldown", "同类 30 天 {n}"),
    "distance": QT_TRANSLATE_NOOP("drilldown", "距离"),
    "related_counts": QT_TRANSLATE_NOOP(
        "drilldown", "同一商户 {a} 件 · 100 米内 {b} 件 · 同类 30 天 {c} 件"
    ),
    "unit": QT_TRANSLATE_NOOP("drilldown", "警员 {unit}"),
    "inspection_passed": QT_TRANSLATE_NOOP("drilldown", "复查合格"),
    "inspection_failed": QT_TRANSLATE_NOOP("drilldown", "复查不合格"),
    "record_version": QT_TRANSLATE_NOOP("drilldown", "第 {version} 版"),
    "fine": QT_TRANSLATE_NOOP("drilldown", "罚款 {amount} 元"),
    "merged_into": QT_TRANSLATE_NOOP("drilldown", "并入案件 {id}"),
    "merged_child": QT_TRANSLATE_NOOP("drilldown", "案件 {id} 并入本案，共 ×{n}"),
    # A merged child names its parent (a link); a parent lists its children (case.merge).
    "parent": QT_TRANSLATE_NOOP("drilldown", "并入案件"),
    "children": QT_TRANSLATE_NOOP("drilldown", "合并的重复报告 · {n} 件"),
    "child_reporter": QT_TRANSLATE_NOOP("drilldown", "上报人"),
    "visit": QT_TRANSLATE_NOOP("drilldown", "回访"),
    "not_visited": QT_TRANSLATE_NOOP("drilldown", "未回访"),
    "visited_at": QT_TRANSLATE_NOOP("drilldown", "{result} · {t}"),
    # A merged child is off the clocks (the hub records no more misses for it): its
    # 1-3-15 marks and its 处置时限 say so instead of counting on.
    "clocks_stopped": QT_TRANSLATE_NOOP("drilldown", "已并入 {id}，不再计时"),
}

KIND_TEXT: dict[str, str] = {
    "reported": QT_TRANSLATE_NOOP("drilldown", "上报"),
    "accepted": QT_TRANSLATE_NOOP("drilldown", "受理"),
    "dispatched": QT_TRANSLATE_NOOP("drilldown", "派遣"),
    "moving": QT_TRANSLATE_NOOP("drilldown", "出发"),
    "arrived": QT_TRANSLATE_NOOP("drilldown", "到场"),
    "handled": QT_TRANSLATE_NOOP("drilldown", "处置"),
    "rectification_deadline": QT_TRANSLATE_NOOP("drilldown", "整改期限"),
    "followup": QT_TRANSLATE_NOOP("drilldown", "复查"),
    "closed": QT_TRANSLATE_NOOP("drilldown", "结案"),
    "sla_missed": QT_TRANSLATE_NOOP("drilldown", "超时"),
    # Clocks on working time: the 处置时限 deadline missed, and 延期 (docs/casework.md).
    "deadline_missed": QT_TRANSLATE_NOOP("drilldown", "超期"),
    "extension_requested": QT_TRANSLATE_NOOP("drilldown", "延期申请"),
    "extension_approved": QT_TRANSLATE_NOOP("drilldown", "延期批准"),
    "extension_rejected": QT_TRANSLATE_NOOP("drilldown", "延期驳回"),
    "record": QT_TRANSLATE_NOOP("drilldown", "笔录"),
    "decision": QT_TRANSLATE_NOOP("drilldown", "处罚决定"),
    "merged": QT_TRANSLATE_NOOP("drilldown", "并案"),
    "merged_child": QT_TRANSLATE_NOOP("drilldown", "重复件并入"),
    # The closed loop's other nodes (issue 18, hub/domain/lifecycle.py).
    "verified": QT_TRANSLATE_NOOP("drilldown", "核实"),
    "checked": QT_TRANSLATE_NOOP("drilldown", "核查"),
    "rework": QT_TRANSLATE_NOOP("drilldown", "返工"),
    "supervised": QT_TRANSLATE_NOOP("drilldown", "督办"),
    "voided": QT_TRANSLATE_NOOP("drilldown", "作废"),
    "suspended": QT_TRANSLATE_NOOP("drilldown", "挂账"),
    "resumed": QT_TRANSLATE_NOOP("drilldown", "恢复办理"),
    "visited": QT_TRANSLATE_NOOP("drilldown", "回访"),
}
#: The verdict of a 核实, 核查 or 回访 step (``detail.result``).
VERDICT_TEXT: dict[str, str] = {
    "confirmed": QT_TRANSLATE_NOOP("drilldown", "属实"),
    "false": QT_TRANSLATE_NOOP("drilldown", "不属实"),
    "passed": QT_TRANSLATE_NOOP("drilldown", "核查通过"),
    "failed": QT_TRANSLATE_NOOP("drilldown", "核查不通过"),
    "satisfied": QT_TRANSLATE_NOOP("drilldown", "满意"),
    "basic": QT_TRANSLATE_NOOP("drilldown", "基本满意"),
    "dissatisfied": QT_TRANSLATE_NOOP("drilldown", "不满意"),
    "unreached": QT_TRANSLATE_NOOP("drilldown", "未联系上"),
}
#: How a 回访 reached the citizen (``detail.channel``).
CHANNEL_TEXT: dict[str, str] = {
    "phone": QT_TRANSLATE_NOOP("drilldown", "电话"),
    "sms": QT_TRANSLATE_NOOP("drilldown", "短信"),
    "on_site": QT_TRANSLATE_NOOP("drilldown", "上门"),
}
#: What sent a case back as 返工 (``detail.by``).
REWORK_BY_TEXT: dict[str, str] = {
    "check": QT_TRANSLATE_NOOP("drilldown", "核查不通过"),
    "visit": QT_TRANSLATE_NOOP("drilldown", "回访不满意"),
    "desk": QT_TRANSLATE_NOOP("drilldown", "指挥中心退回"),
}
#: A record step's and a decision step's details (the 文书 and 裁量 tabs say more).
RECORD_KIND_TEXT: dict[str, str] = {
    "inquiry": QT_TRANSLATE_NOOP("drilldown", "询问笔录"),
    "inspection": QT_TRANSLATE_NOOP("drilldown", "现场检查笔录"),
    "survey": QT_TRANSLATE_NOOP("drilldown", "勘验笔录"),
}
RECORD_STATE_TEXT: dict[str, str] = {
    "draft": QT_TRANSLATE_NOOP("drilldown", "草稿"),
    "awaiting_signature": QT_TRANSLATE_NOOP("drilldown", "待签名"),
    "signed": QT_TRANSLATE_NOOP("drilldown", "已签名"),
    "refused": QT_TRANSLATE_NOOP("drilldown", "拒绝签名"),
}
TIER_TEXT: dict[str, str] = {
    "none": QT_TRANSLATE_NOOP("drilldown", "不予处罚"),
    "minor": QT_TRANSLATE_NOOP("drilldown", "轻微"),
    "general": QT_TRANSLATE_NOOP("drilldown", "一般"),
    "serious": QT_TRANSLATE_NOOP("drilldown", "较重"),
    "severe": QT_TRANSLATE_NOOP("drilldown", "严重"),
}
MARK_COLOURS: dict[str, str] = {
    state: colour(f"drilldown.{state}") for state in ("met", "missed", "pending")
}

#: The merchant and officer panels' texts.
MERCHANT_TEXT: dict[str, str] = {
    "title": QT_TRANSLATE_NOOP("drilldown", "商户详情"),
    "loading": QT_TRANSLATE_NOOP("drilldown", "正在加载商户 {merchant}…"),
    "name": QT_TRANSLATE_NOOP("drilldown", "商户名称"),
    "credit_code": QT_TRANSLATE_NOOP("drilldown", "统一社会信用代码"),
    "address": QT_TRANSLATE_NOOP("drilldown", "经营地址"),
    "category": QT_TRANSLATE_NOOP("drilldown", "经营类别"),
    "risk": QT_TRANSLATE_NOOP("drilldown", "风险等级"),
    "counts": QT_TRANSLATE_NOOP("drilldown", "各类案件数"),
    "count": QT_TRANSLATE_NOOP("drilldown", "件数"),
    "cases": QT_TRANSLATE_NOOP("drilldown", "案件记录（新→旧）"),
    "cases_total": QT_TRANSLATE_NOOP("drilldown", "案件记录（新→旧）· 共 {n} 件"),
    "case": QT_TRANSLATE_NOOP("drilldown", "案件编号"),
    "inspections": QT_TRANSLATE_NOOP("drilldown", "联合检查记录"),
    "inspections_n": QT_TRANSLATE_NOOP("drilldown", "联合检查记录 · {n} 次"),
    "inspected_at": QT_TRANSLATE_NOOP("drilldown", "检查时间"),
    "departments": QT_TRANSLATE_NOOP("drilldown", "检查部门"),
    "items": QT_TRANSLATE_NOOP("drilldown", "检查事项"),
    "result": QT_TRANSLATE_NOOP("drilldown", "结果"),
    "note": QT_TRANSLATE_NOOP("drilldown", "备注"),
    "team_officers": QT_TRANSLATE_NOOP("drilldown", "参检中队：{teams}\n参检人员：{officers}"),
    "qr": QT_TRANSLATE_NOOP("drilldown", "一户一码：在执法台扫码即可打开本商户档案"),
}
RESULT_TEXT: dict[str, str] = {
    "pass": QT_TRANSLATE_NOOP("drilldown", "合格"),
    "rectify": QT_TRANSLATE_NOOP("drilldown", "限期整改"),
    "fail": QT_TRANSLATE_NOOP("drilldown", "不合格"),
}
#: Merchant risk levels as the store keeps them (hub/simulator/world.py: 1 low .. 3 high).
RISK_TEXT: dict[object, str] = {
    1: QT_TRANSLATE_NOOP("drilldown", "低风险"),
    2: QT_TRANSLATE_NOOP("drilldown", "中风险"),
    3: QT_TRANSLATE_NOOP("drilldown", "高风险"),
}
RESULT_COLOURS: dict[str, str] = {
    result: colour(f"drilldown.result_{result}") for result in ("pass", "rectify", "fail")
}
OFFICER_TEXT: dict[str, str] = {
    "title": QT_TRANSLATE_NOOP("drilldown", "警员详情"),
    "vehicle_title": QT_TRANSLATE_NOOP("drilldown", "车辆详情"),
    "loading": QT_TRANSLATE_NOOP("drilldown", "正在加载警员 {unit} 的轨迹…"),
    "name": QT_TRANSLATE_NOOP("drilldown", "姓名"),
    "plate": QT_TRANSLATE_NOOP("drilldown", "车牌"),
    "vehicle_name": QT_TRANSLATE_NOOP("drilldown", "车辆"),
    "team": QT_TRANSLATE_NOOP("drilldown", "中队"),
    "status": QT_TRANSLATE_NOOP("drilldown", "状态"),
    "window": QT_TRANSLATE_NOOP("drilldown", "回放时段"),
    "play": QT_TRANSLATE_NOOP("drilldown", "播放"),
    "pause": QT_TRANSLATE_NOOP("drilldown", "暂停"),
    "speed": QT_TRANSLATE_NOOP("drilldown", "倍速"),
    "no_track": QT_TRANSLATE_NOOP("drilldown", "该时段无轨迹"),
    "cases": QT_TRANSLATE_NOOP("drilldown", "时段内案件"),
    "position": QT_TRANSLATE_NOOP("drilldown", "{t} · {lat:.5f}, {lon:.5f}"),
}
LINK_COLOUR = colour("drilldown.link")


@cache
def panel_qss() -> str:
    """The drill-downs' own style sheet (``resources/themes/drilldown.qss``), read once."""
    return resource("themes", "drilldown.qss").read_text(encoding="utf-8")
