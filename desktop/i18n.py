"""UI language: Chinese is the source text in the code; English comes from this catalogue.

Widgets call ``widgets.text.tr()`` (``QCoreApplication.translate`` underneath), so the
lookup goes through Qt's own translator chain. :class:`CatalogueTranslator` answers from
the typed dict below; a ``.qm`` file built with ``pyside6-lupdate``/``pyside6-lrelease``
can be installed instead, with no change to any widget. The dict won for now because it is
reviewed in a diff, checked by a test (every ``tr()`` text has an entry) and needs no
build step in CI or in the PyInstaller bundle.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QCoreApplication, QTranslator

LANGUAGES: Final = ("zh_CN", "en")

EN: Final[dict[str, str]] = {
    # wall shell
    "婺城区综合行政执法指挥平台": "Wucheng Law Enforcement Command Center",
    "在岗警力 {units}\u3000在办案件 {cases}": "On duty {units}\u3000Open cases {cases}",
    "实时": "LIVE",
    "过期": "STALE",
    "离线": "OFFLINE",
    "连接中": "CONNECTING",
    "1-3-15 案件队列": "1-3-15 case queue",
    "效能指标": "Performance",
    "督办告警": "Supervision alerts",
    "面板“{kind}”加载失败，{s} 秒后重试": "Panel '{kind}' failed to start; retrying in {s} s",
    # screen titles of the shipped layouts
    "案件 1-3-15": "Cases 1-3-15",
    "态势一张图": "Situation map",
    "案件时间线": "Case timeline",
    "效能监督": "Supervision",
    "值班台": "Duty desk",
    # stale banner
    "正在连接指挥中心数据枢纽…": "Connecting to the command-center hub…",
    "数据中断：与数据枢纽失去连接 · 最后数据 {age} 前": "Hub offline · last data {age} ago",
    "数据中断：无法连接数据枢纽": "Hub unreachable",
    "数据已过期：{age} 未收到心跳": "Data stale · no heartbeat for {age}",
    "{s} 秒": "{s} s",
    "{m} 分 {s} 秒": "{m} min {s} s",
    "{h} 小时 {m} 分": "{h} h {m} min",
    # queue
    "时限": "Time left",
    "环节": "Stage",
    "案件类别": "Category",
    "来源": "Source",
    "地点": "Place",
    "状态": "Status",
    "受理": "Accept",
    "出发": "Move",
    "处置": "Handle",
    "完成": "Done",
    "达标": "Met",
    "超时": "Missed",
    "超": "Over",
    "8890热线": "8890 hotline",
    "随手拍": "Photo report",
    "网格": "Grid",
    "巡查": "Patrol",
    "待受理": "Reported",
    "已受理": "Accepted",
    "已派遣": "Dispatched",
    "已到场": "On scene",
    "已处置": "Handled",
    "整改中": "Rectifying",
    "待复查": "Follow-up",
    "已结案": "Closed",
    # KPIs
    "每小时案件数（按来源）": "Cases per hour by source",
    "今日 1-3-15 达标率": "1-3-15 compliance today",
    "警力状态": "Officers by status",
    "响应时间分布（报案至出发）": "Response time (report to moving)",
    "待命": "Available",
    "出警途中": "En route",
    "现场处置": "On scene",
    "忙碌": "Busy",
    "下班": "Off duty",
    "今日暂无已判定案件": "No case decided yet today",
    "暂无待处置案件": "No open cases",
    "1分钟受理": "Accept 1 min",
    "3分钟出发": "Move 3 min",
    "15分钟处置": "Handle 15 min",
    "<1分": "<1 min",
    "1-2分": "1-2 min",
    "2-3分": "2-3 min",
    "3-5分": "3-5 min",
    "5-10分": "5-10 min",
    ">10分": ">10 min",
    # alerts
    "暂无督办告警": "No supervision alerts",
    "警员长时间静止": "Officer idle",
    "越出责任区": "Outside zone",
    "终端失联": "Device silent",
    "1-3-15 超时": "1-3-15 missed",
    "整改逾期": "Rectification overdue",
    "重复投诉": "Repeat complaints",
    "紧急求助": "SOS",
    # clock
    "{y}年{m}月{d}日 {weekday}": "{weekday} {y}-{m:02d}-{d:02d}",
    "星期一": "Monday",
    "星期二": "Tuesday",
    "星期三": "Wednesday",
    "星期四": "Thursday",
    "星期五": "Friday",
    "星期六": "Saturday",
    "星期日": "Sunday",
    # ticker
    "案件播报": "Cases",
    "【案件播报】等待新案件…": "Waiting for new cases…",
    "急": "URGENT",
    # situation slot
    "态势研判": "Situation",
    "推送案件": "Pushed case",
    "最紧急案件": "Most urgent case",
    "1-3-15 达标": "1-3-15 met",
    "状态：{s}": "Status: {s}",
    "处置警员：{names}": "Officers: {names}",
    "未派遣": "none dispatched",
    "当前无待处置案件": "No open cases",
    "{stage}已超时 {t}": "{stage} overdue by {t}",
    "{stage}剩余 {t}": "{stage}: {t} left",
    # desk
    "请在案件队列中选择案件": "Select a case in the queue",
    "推荐警员": "Recommended officer",
    "中队": "Team",
    "距离": "Distance",
    "预计到达": "ETA",
    "辖区": "Zone",
    "本辖区": "local team",
    "{m} 分钟": "{m} min",
    "派遣（Ctrl+D）": "Dispatch (Ctrl+D)",
    "地图未加载": "Map not loaded",
    "案件详情与派遣": "Case and dispatch",
    "请选择要派遣的警员": "Select the officers to dispatch",
    "正在派遣…": "Dispatching…",
    "派遣失败：{e}": "Dispatch failed: {e}",
    "已派遣 {names} → {id}（{status}）": "Dispatched {names} → {id} ({status})",
    # drill-down texts the merchant and officer panels share with the case panel
    "加载失败：{message}": "Loading failed: {message}",
    "缓存数据 · {m} 分钟前": "Cached data · {m} min ago",
    "案件编号": "Case no.",
    "上报时间": "Reported at",
    # merchant drill-down
    "商户详情": "Merchant",
    "正在加载商户 {merchant}…": "Loading merchant {merchant}…",
    "商户名称": "Name",
    "统一社会信用代码": "Unified social credit code",
    "经营地址": "Address",
    "经营类别": "Business category",
    "风险等级": "Risk level",
    "各类案件数": "Cases per category",
    "件数": "Cases",
    "案件记录（新→旧）": "Cases (newest first)",
    # officer drill-down and track replay
    "警员详情": "Officer",
    "车辆详情": "Vehicle",
    "车牌": "Plate",
    "车辆": "Vehicle",
    "正在加载警员 {unit} 的轨迹…": "Loading the track of officer {unit}…",
    "姓名": "Name",
    "回放时段": "Replay window",
    "播放": "Play",
    "暂停": "Pause",
    "倍速": "Speed",
    "该时段无轨迹": "No track in this window",
    "时段内案件": "Cases in the window",
    "{t} · {lat:.5f}, {lon:.5f}": "{t} · {lat:.5f}, {lon:.5f}",
    # push to wall (desk menu, wall situation slot)
    "推送到大屏": "Push to wall",
    "所有大屏": "all walls",
    "详情 → {wall}": "Details → {wall}",
    "大屏地图定位到本案": "Show this case's place on the walls' maps",
    "恢复大屏自动显示": "Give the walls back their own view",
    "请先选择案件": "Select a case first",
    "推送失败：{e}": "Push failed: {e}",
    "已推送到 {wall}": "Pushed to {wall}",
    "推送{kind} · {id} · {by}": "Pushed {kind} · {id} · by {by}",
    "案件": "case",
    "商户": "merchant",
    "警员": "officer",
    # case drill-down (widgets/drilldown.py TEXT) and its mini-map
    "案件详情": "Case",
    "正在加载案件 {case}…": "Loading case {case}…",
    "案情": "Description",
    "报案人": "Reporter",
    "未登记": "Not recorded",
    "涉事商户": "Merchant",
    "整改期限": "Rectification deadline",
    "{date} · 剩余 {span}": "{date} · {span} left",
    "{date} · 已逾期 {span}": "{date} · overdue by {span}",
    "{n} 天": "{n} d",
    "{n} 小时": "{n} h",
    "1-3-15 时限": "1-3-15 deadlines",
    "时间": "Time",
    "经办人": "By",
    "说明": "Details",
    "{stage} 达标 · 提前 {s} 秒": "{stage} met · {s} s early",
    "{stage} 超时 {s} 秒": "{stage} missed by {s} s",
    "{stage} 计时中 · 剩余 {s} 秒": "{stage} running · {s} s left",
    "{stage} 已超时 {s} 秒（未完成）": "{stage} overdue by {s} s (open)",
    "婺城区综合行政执法 · 案件详情 {case}": "Wucheng Law Enforcement · Case {case}",
    "导出时间 {t}": "Exported {t}",
    "加载更多": "Load more",
    "已显示 {shown} / 共 {total} 条": "Showing {shown} of {total}",
    "办理经过": "Timeline",
    "现场照片": "Photos",
    "图片无法显示": "Photo cannot be shown",
    "照片链接：{url}": "Photo link: {url}",
    "关联案件": "Related cases",
    "关联案件暂不可用：{message}": "Related cases unavailable: {message}",
    "同一商户 {n}": "Same merchant {n}",
    "100 米内 {n}": "Within 100 m {n}",
    "同类 30 天 {n}": "Same category, 30 days {n}",
    "同一商户 {a} 件 · 100 米内 {b} 件 · 同类 30 天 {c} 件": (
        "Same merchant {a} · within 100 m {b} · same category, 30 days {c}"
    ),
    "警员 {unit}": "Officer {unit}",
    "复查合格": "Follow-up passed",
    "复查不合格": "Follow-up failed",
    "网格上报": "Grid report",
    "巡查发现": "Patrol",
    "上报": "Reported",
    "派遣": "Dispatched",
    "到场": "Arrived",
    "复查": "Follow-up",
    "结案": "Closed",
    "{n} 米": "{n} m",
    "{n} 公里": "{n} km",
    "无位置信息": "No location",
    # merchant drill-down: joint inspections, paging
    "案件记录（新→旧）· 共 {n} 件": "Cases (newest first) · {n} in all",
    "联合检查记录": "Joint inspections",
    "联合检查记录 · {n} 次": "Joint inspections · {n}",
    "检查时间": "Inspected at",
    "检查部门": "Departments",
    "检查事项": "Items checked",
    "结果": "Result",
    "备注": "Note",
    "参检中队：{teams}\n参检人员：{officers}": "Teams: {teams}\nOfficers: {officers}",
    "合格": "Passed",
    "限期整改": "Rectify by deadline",
    "不合格": "Failed",
    "低风险": "Low risk",
    "中风险": "Medium risk",
    "高风险": "High risk",
}

CATALOGUES: Final[dict[str, dict[str, str]]] = {"en": EN}


class CatalogueTranslator(QTranslator):
    """A QTranslator answering from a dict (source text -> translation)."""

    def __init__(self, catalogue: dict[str, str]) -> None:
        super().__init__()
        self._catalogue = catalogue

    def translate(  # type: ignore[override]
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        # None (a null QString) tells Qt "not here": it falls back to the source text.
        return self._catalogue.get(source)

    def isEmpty(self) -> bool:
        return not self._catalogue


_installed: list[QTranslator] = []


def install_language(lang: str) -> None:
    """Install the translator for ``lang`` (``zh_CN`` needs none: it is the source)."""
    app = QCoreApplication.instance()
    assert app is not None, "create the QApplication first"
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    catalogue = CATALOGUES.get(lang)
    if catalogue is not None:
        translator = CatalogueTranslator(catalogue)
        app.installTranslator(translator)
        _installed.append(translator)
