"""Every word and colour of the drill-downs, one table per thing named.

The tables are checked against the English catalogue (desktop.i18n.EN) by the tests, like
widgets.banner.TEXT; the views look them up with :func:`widgets.text.tr`.
"""

from __future__ import annotations

# Every user-visible text of this panel, in one table so the English catalogue
# (desktop.i18n.EN) can be checked against it like widgets.banner.TEXT.
TEXT: dict[str, str] = {
    "title": "案件详情",
    "loading": "正在加载案件 {case}…",
    "failed": "加载失败：{message}",
    "cached": "缓存数据 · {m} 分钟前",
    "case": "案件编号",
    "category": "案件类别",
    "source": "来源",
    "status": "状态",
    "address": "地点",
    "text": "案情",
    "reporter": "报案人",
    "no_reporter": "未登记",
    "merchant": "涉事商户",
    "rectify_by": "整改期限",
    "rectify_left": "{date} · 剩余 {span}",
    "rectify_overdue": "{date} · 已逾期 {span}",
    "days": "{n} 天",
    "hours": "{n} 小时",
    "sla": "1-3-15 时限",
    "time": "时间",
    "kind": "环节",
    "actor": "经办人",
    "detail": "说明",
    "met": "{stage} 达标 · 提前 {s} 秒",
    "missed": "{stage} 超时 {s} 秒",
    "pending": "{stage} 计时中 · 剩余 {s} 秒",
    "overdue": "{stage} 已超时 {s} 秒（未完成）",
    "reported_at": "上报时间",
    "pdf_heading": "婺城区综合行政执法 · 案件详情 {case}",
    "exported": "导出时间 {t}",
    "push": "推送到大屏",
    "more": "加载更多",
    "shown": "已显示 {shown} / 共 {total} 条",
    "timeline": "办理经过",
    "photos": "现场照片",
    "photo_broken": "图片无法显示",
    "photo_url": "照片链接：{url}",
    "related": "关联案件",
    "related_failed": "关联案件暂不可用：{message}",
    "same_merchant": "同一商户 {n}",
    "nearby": "100 米内 {n}",
    "same_category": "同类 30 天 {n}",
    "distance": "距离",
    "related_counts": "同一商户 {a} 件 · 100 米内 {b} 件 · 同类 30 天 {c} 件",
    "unit": "警员 {unit}",
    "inspection_passed": "复查合格",
    "inspection_failed": "复查不合格",
}

SOURCE_TEXT: dict[str, str] = {
    "hotline": "8890热线",
    "snap": "随手拍",
    "grid": "网格上报",
    "patrol": "巡查发现",
}
KIND_TEXT: dict[str, str] = {
    "reported": "上报",
    "accepted": "受理",
    "dispatched": "派遣",
    "moving": "出发",
    "arrived": "到场",
    "handled": "处置",
    "rectification_deadline": "整改期限",
    "followup": "复查",
    "closed": "结案",
    "sla_missed": "超时",
}
STAGE_TEXT: dict[str, str] = {"accept": "受理", "move": "出发", "handle": "处置"}
MARK_COLOURS: dict[str, str] = {"met": "#3ddc84", "missed": "#ff6b6b", "pending": "#ffc94d"}

# The merchant and officer panels' texts (checked against desktop.i18n.EN by the tests).
MERCHANT_TEXT: dict[str, str] = {
    "title": "商户详情",
    "loading": "正在加载商户 {merchant}…",
    "name": "商户名称",
    "credit_code": "统一社会信用代码",
    "address": "经营地址",
    "category": "经营类别",
    "risk": "风险等级",
    "counts": "各类案件数",
    "count": "件数",
    "cases": "案件记录（新→旧）",
    "cases_total": "案件记录（新→旧）· 共 {n} 件",
    "case": "案件编号",
    "inspections": "联合检查记录",
    "inspections_n": "联合检查记录 · {n} 次",
    "inspected_at": "检查时间",
    "departments": "检查部门",
    "items": "检查事项",
    "result": "结果",
    "note": "备注",
    "team_officers": "参检中队：{teams}\n参检人员：{officers}",
}
RESULT_TEXT: dict[str, str] = {"pass": "合格", "rectify": "限期整改", "fail": "不合格"}
#: Merchant risk levels as the store keeps them (hub/simulator/world.py: 1 low .. 3 high).
RISK_TEXT: dict[object, str] = {1: "低风险", 2: "中风险", 3: "高风险"}
RESULT_COLOURS: dict[str, str] = {"pass": "#3ddc84", "rectify": "#ffc94d", "fail": "#ff6b6b"}
OFFICER_TEXT: dict[str, str] = {
    "title": "警员详情",
    "vehicle_title": "车辆详情",
    "loading": "正在加载警员 {unit} 的轨迹…",
    "name": "姓名",
    "plate": "车牌",
    "vehicle_name": "车辆",
    "team": "中队",
    "status": "状态",
    "window": "回放时段",
    "play": "播放",
    "pause": "暂停",
    "speed": "倍速",
    "no_track": "该时段无轨迹",
    "cases": "时段内案件",
    "position": "{t} · {lat:.5f}, {lon:.5f}",
}

#: The drill-downs' own look, dark like the desk and the wall around them. Set on the panel
#: so it wins over the app-wide theme's big wall buttons (a drill-down is read at a desk).
PANEL_QSS = """
QTableWidget { background: #0f1830; color: #e6edf7; gridline-color: #1d2a45;
  border: 1px solid #1d2a45; selection-background-color: #1f6feb; selection-color: #ffffff; }
QTableWidget QHeaderView::section { background: #13203b; color: #9fb3d1; padding: 3px 6px;
  border: none; border-bottom: 1px solid #1f6feb; }
QTabWidget::pane { border: 1px solid #1d2a45; }
QTabBar::tab { background: #13203b; color: #9fb3d1; padding: 4px 12px; margin-right: 2px; }
QTabBar::tab:selected { background: #1f6feb; color: #ffffff; }
QScrollArea#CasePhotos { background: transparent; border: none; }
QScrollArea#CasePhotos > QWidget > QWidget { background: transparent; }
QLabel#CasePhoto[photo="broken"], QLabel#CasePhoto[photo="url"] {
  border: 1px dashed #6b7a90; color: #9fb3d1; padding: 4px; }
QPushButton { background: #1f6feb; color: #ffffff; font-size: 14px; font-weight: bold;
  padding: 5px 14px; border-radius: 4px; }
QPushButton:disabled { background: #2a3550; color: #6b7a95; }
QComboBox { background: #13203b; color: #e6edf7; padding: 2px 6px; }
"""
LINK_COLOUR = "#6fb3ff"
