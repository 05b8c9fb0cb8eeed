"""User-visible text goes through Qt's translation hook, Chinese being the source language.

Every string is written in Chinese in the code, in a form ``pyside6-lupdate`` extracts
(checked against what it really reads from Python):

- ``translate("ticker", "案件播报")``: a call named ``translate`` (or
  ``QCoreApplication.translate``) with a *literal* context and text. A context held in a
  variable, or a helper with another name, is not extracted.
- ``QT_TRANSLATE_NOOP("queue", "受理")`` in tables, looked up at display time with
  ``translate("queue", TABLE[key])``: the same context, so the entry is found.

One context per module (``ticker``, ``queue``, ...). ``scripts/i18n.py`` regenerates
``resources/i18n/watchfloor_en.ts`` from the tree; ``desktop.i18n`` loads the ``.qm``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from PySide6.QtCore import QCoreApplication

from backend_client.events import CONTEXT as EVENTS_CONTEXT
from backend_client.events import compose

#: The context of the old one-argument :func:`tr`.
CONTEXT: Final = "watchfloor"


# Qt's name: lupdate recognises the call by it.
def QT_TRANSLATE_NOOP(context: str, source: str) -> str:
    """Mark ``source`` for extraction in ``context``; it is translated later, at display.

    PySide6's own version is typed ``object -> object``; this one keeps tables ``str``.
    """
    return source


def translate(context: str, source: str) -> str:
    """``source`` in the UI language (the Chinese itself when no translation is installed)."""
    return QCoreApplication.translate(context, source)


def tr(source: str) -> str:
    """The old form, context ``watchfloor``, for modules not yet given a context of their own.

    lupdate files a bare ``tr("…")`` under the empty context; ``scripts/i18n.py`` moves
    those entries to ``watchfloor``. A table lookup ``tr(TABLE[x])`` is invisible to it,
    so the texts such modules look up that way are listed in :data:`LEGACY` below.
    """
    return QCoreApplication.translate(CONTEXT, source)


#: Texts that modules still using :func:`tr` look up through tables (widgets/drilldown/,
#: situation.py, casepdf.py, desktop/desk.py; and queue's stage, source and status labels,
#: which they borrow). Listed here only so lupdate sees them in the ``watchfloor`` context;
#: an entry goes when its module takes a context of its own. A new text of such a module
#: goes here too, then ``scripts/i18n.py update`` and its English in the .ts.
LEGACY: Final[tuple[str, ...]] = (
    QT_TRANSLATE_NOOP("watchfloor", "婺城区综合行政执法指挥平台"),
    QT_TRANSLATE_NOOP("watchfloor", "1-3-15 案件队列"),
    QT_TRANSLATE_NOOP("watchfloor", "态势一张图"),
    QT_TRANSLATE_NOOP("watchfloor", "案件时间线"),
    QT_TRANSLATE_NOOP("watchfloor", "值班台"),
    QT_TRANSLATE_NOOP("watchfloor", "环节"),
    QT_TRANSLATE_NOOP("watchfloor", "案件类别"),
    QT_TRANSLATE_NOOP("watchfloor", "来源"),
    QT_TRANSLATE_NOOP("watchfloor", "地点"),
    QT_TRANSLATE_NOOP("watchfloor", "状态"),
    QT_TRANSLATE_NOOP("watchfloor", "受理"),
    QT_TRANSLATE_NOOP("watchfloor", "出发"),
    QT_TRANSLATE_NOOP("watchfloor", "处置"),
    QT_TRANSLATE_NOOP("watchfloor", "完成"),
    QT_TRANSLATE_NOOP("watchfloor", "超时"),
    QT_TRANSLATE_NOOP("watchfloor", "8890热线"),
    QT_TRANSLATE_NOOP("watchfloor", "随手拍"),
    QT_TRANSLATE_NOOP("watchfloor", "网格"),
    QT_TRANSLATE_NOOP("watchfloor", "巡查"),
    QT_TRANSLATE_NOOP("watchfloor", "待受理"),
    QT_TRANSLATE_NOOP("watchfloor", "已受理"),
    QT_TRANSLATE_NOOP("watchfloor", "已派遣"),
    QT_TRANSLATE_NOOP("watchfloor", "已到场"),
    QT_TRANSLATE_NOOP("watchfloor", "已处置"),
    QT_TRANSLATE_NOOP("watchfloor", "整改中"),
    QT_TRANSLATE_NOOP("watchfloor", "待复查"),
    QT_TRANSLATE_NOOP("watchfloor", "已结案"),
    QT_TRANSLATE_NOOP("watchfloor", "1-3-15 超时"),
    QT_TRANSLATE_NOOP("watchfloor", "态势研判"),
    QT_TRANSLATE_NOOP("watchfloor", "推送案件"),
    QT_TRANSLATE_NOOP("watchfloor", "最紧急案件"),
    QT_TRANSLATE_NOOP("watchfloor", "1-3-15 达标"),
    QT_TRANSLATE_NOOP("watchfloor", "状态：{s}"),
    QT_TRANSLATE_NOOP("watchfloor", "处置警员：{names}"),
    QT_TRANSLATE_NOOP("watchfloor", "未派遣"),
    QT_TRANSLATE_NOOP("watchfloor", "当前无待处置案件"),
    QT_TRANSLATE_NOOP("watchfloor", "{stage}已超时 {t}"),
    QT_TRANSLATE_NOOP("watchfloor", "{stage}剩余 {t}"),
    QT_TRANSLATE_NOOP("watchfloor", "请在案件队列中选择案件"),
    QT_TRANSLATE_NOOP("watchfloor", "推荐警员"),
    QT_TRANSLATE_NOOP("watchfloor", "中队"),
    QT_TRANSLATE_NOOP("watchfloor", "距离"),
    QT_TRANSLATE_NOOP("watchfloor", "预计到达"),
    QT_TRANSLATE_NOOP("watchfloor", "辖区"),
    QT_TRANSLATE_NOOP("watchfloor", "本辖区"),
    QT_TRANSLATE_NOOP("watchfloor", "{m} 分钟"),
    QT_TRANSLATE_NOOP("watchfloor", "派遣（Ctrl+D）"),
    QT_TRANSLATE_NOOP("watchfloor", "地图未加载"),
    QT_TRANSLATE_NOOP("watchfloor", "案件详情与派遣"),
    QT_TRANSLATE_NOOP("watchfloor", "请选择要派遣的警员"),
    QT_TRANSLATE_NOOP("watchfloor", "正在派遣…"),
    QT_TRANSLATE_NOOP("watchfloor", "派遣失败：{e}"),
    QT_TRANSLATE_NOOP("watchfloor", "已派遣 {names} → {id}（{status}）"),
    QT_TRANSLATE_NOOP("watchfloor", "加载失败：{message}"),
    QT_TRANSLATE_NOOP("watchfloor", "缓存数据 · {m} 分钟前"),
    QT_TRANSLATE_NOOP("watchfloor", "案件编号"),
    QT_TRANSLATE_NOOP("watchfloor", "上报时间"),
    QT_TRANSLATE_NOOP("watchfloor", "商户详情"),
    QT_TRANSLATE_NOOP("watchfloor", "正在加载商户 {merchant}…"),
    QT_TRANSLATE_NOOP("watchfloor", "商户名称"),
    QT_TRANSLATE_NOOP("watchfloor", "统一社会信用代码"),
    QT_TRANSLATE_NOOP("watchfloor", "经营地址"),
    QT_TRANSLATE_NOOP("watchfloor", "经营类别"),
    QT_TRANSLATE_NOOP("watchfloor", "风险等级"),
    QT_TRANSLATE_NOOP("watchfloor", "各类案件数"),
    QT_TRANSLATE_NOOP("watchfloor", "件数"),
    QT_TRANSLATE_NOOP("watchfloor", "案件记录（新→旧）"),
    QT_TRANSLATE_NOOP("watchfloor", "警员详情"),
    QT_TRANSLATE_NOOP("watchfloor", "车辆详情"),
    QT_TRANSLATE_NOOP("watchfloor", "车牌"),
    QT_TRANSLATE_NOOP("watchfloor", "车辆"),
    QT_TRANSLATE_NOOP("watchfloor", "正在加载警员 {unit} 的轨迹…"),
    QT_TRANSLATE_NOOP("watchfloor", "姓名"),
    QT_TRANSLATE_NOOP("watchfloor", "回放时段"),
    QT_TRANSLATE_NOOP("watchfloor", "播放"),
    QT_TRANSLATE_NOOP("watchfloor", "暂停"),
    QT_TRANSLATE_NOOP("watchfloor", "倍速"),
    QT_TRANSLATE_NOOP("watchfloor", "该时段无轨迹"),
    QT_TRANSLATE_NOOP("watchfloor", "时段内案件"),
    QT_TRANSLATE_NOOP("watchfloor", "{t} · {lat:.5f}, {lon:.5f}"),
    QT_TRANSLATE_NOOP("watchfloor", "推送到大屏"),
    QT_TRANSLATE_NOOP("watchfloor", "所有大屏"),
    QT_TRANSLATE_NOOP("watchfloor", "详情 → {wall}"),
    QT_TRANSLATE_NOOP("watchfloor", "大屏地图定位到本案"),
    QT_TRANSLATE_NOOP("watchfloor", "恢复大屏自动显示"),
    QT_TRANSLATE_NOOP("watchfloor", "请先选择案件"),
    QT_TRANSLATE_NOOP("watchfloor", "推送失败：{e}"),
    QT_TRANSLATE_NOOP("watchfloor", "已推送到 {wall}"),
    QT_TRANSLATE_NOOP("watchfloor", "推送{kind} · {id} · {by}"),
    QT_TRANSLATE_NOOP("watchfloor", "案件"),
    QT_TRANSLATE_NOOP("watchfloor", "商户"),
    QT_TRANSLATE_NOOP("watchfloor", "警员"),
    QT_TRANSLATE_NOOP("watchfloor", "案件详情"),
    QT_TRANSLATE_NOOP("watchfloor", "正在加载案件 {case}…"),
    QT_TRANSLATE_NOOP("watchfloor", "案情"),
    QT_TRANSLATE_NOOP("watchfloor", "报案人"),
    QT_TRANSLATE_NOOP("watchfloor", "未登记"),
    QT_TRANSLATE_NOOP("watchfloor", "涉事商户"),
    QT_TRANSLATE_NOOP("watchfloor", "整改期限"),
    QT_TRANSLATE_NOOP("watchfloor", "{date} · 剩余 {span}"),
    QT_TRANSLATE_NOOP("watchfloor", "{date} · 已逾期 {span}"),
    QT_TRANSLATE_NOOP("watchfloor", "{n} 天"),
    QT_TRANSLATE_NOOP("watchfloor", "{n} 小时"),
    QT_TRANSLATE_NOOP("watchfloor", "1-3-15 时限"),
    QT_TRANSLATE_NOOP("watchfloor", "时间"),
    QT_TRANSLATE_NOOP("watchfloor", "经办人"),
    QT_TRANSLATE_NOOP("watchfloor", "说明"),
    QT_TRANSLATE_NOOP("watchfloor", "{stage} 达标 · 提前 {s} 秒"),
    QT_TRANSLATE_NOOP("watchfloor", "{stage} 超时 {s} 秒"),
    QT_TRANSLATE_NOOP("watchfloor", "{stage} 计时中 · 剩余 {s} 秒"),
    QT_TRANSLATE_NOOP("watchfloor", "{stage} 已超时 {s} 秒（未完成）"),
    QT_TRANSLATE_NOOP("watchfloor", "婺城区综合行政执法 · 案件详情 {case}"),
    QT_TRANSLATE_NOOP("watchfloor", "导出时间 {t}"),
    QT_TRANSLATE_NOOP("watchfloor", "加载更多"),
    QT_TRANSLATE_NOOP("watchfloor", "已显示 {shown} / 共 {total} 条"),
    QT_TRANSLATE_NOOP("watchfloor", "办理经过"),
    QT_TRANSLATE_NOOP("watchfloor", "现场照片"),
    QT_TRANSLATE_NOOP("watchfloor", "图片无法显示"),
    QT_TRANSLATE_NOOP("watchfloor", "照片链接：{url}"),
    QT_TRANSLATE_NOOP("watchfloor", "关联案件"),
    QT_TRANSLATE_NOOP("watchfloor", "关联案件暂不可用：{message}"),
    QT_TRANSLATE_NOOP("watchfloor", "同一商户 {n}"),
    QT_TRANSLATE_NOOP("watchfloor", "100 米内 {n}"),
    QT_TRANSLATE_NOOP("watchfloor", "同类 30 天 {n}"),
    QT_TRANSLATE_NOOP("watchfloor", "同一商户 {a} 件 · 100 米内 {b} 件 · 同类 30 天 {c} 件"),
    QT_TRANSLATE_NOOP("watchfloor", "警员 {unit}"),
    QT_TRANSLATE_NOOP("watchfloor", "复查合格"),
    QT_TRANSLATE_NOOP("watchfloor", "复查不合格"),
    QT_TRANSLATE_NOOP("watchfloor", "网格上报"),
    QT_TRANSLATE_NOOP("watchfloor", "巡查发现"),
    QT_TRANSLATE_NOOP("watchfloor", "上报"),
    QT_TRANSLATE_NOOP("watchfloor", "派遣"),
    QT_TRANSLATE_NOOP("watchfloor", "到场"),
    QT_TRANSLATE_NOOP("watchfloor", "复查"),
    QT_TRANSLATE_NOOP("watchfloor", "结案"),
    QT_TRANSLATE_NOOP("watchfloor", "案件记录（新→旧）· 共 {n} 件"),
    QT_TRANSLATE_NOOP("watchfloor", "联合检查记录"),
    QT_TRANSLATE_NOOP("watchfloor", "联合检查记录 · {n} 次"),
    QT_TRANSLATE_NOOP("watchfloor", "检查时间"),
    QT_TRANSLATE_NOOP("watchfloor", "检查部门"),
    QT_TRANSLATE_NOOP("watchfloor", "检查事项"),
    QT_TRANSLATE_NOOP("watchfloor", "结果"),
    QT_TRANSLATE_NOOP("watchfloor", "备注"),
    QT_TRANSLATE_NOOP("watchfloor", "参检中队：{teams}\n参检人员：{officers}"),
    QT_TRANSLATE_NOOP("watchfloor", "合格"),
    QT_TRANSLATE_NOOP("watchfloor", "限期整改"),
    QT_TRANSLATE_NOOP("watchfloor", "不合格"),
    QT_TRANSLATE_NOOP("watchfloor", "低风险"),
    QT_TRANSLATE_NOOP("watchfloor", "中风险"),
    QT_TRANSLATE_NOOP("watchfloor", "高风险"),
)


def _event_words(source: str) -> str:
    return QCoreApplication.translate(EVENTS_CONTEXT, source)


def event_text(code: str, args: Mapping[str, object], text: str) -> str:
    """A ticker or alert line in the UI language, worded from its ``code`` and ``args``;
    the hub's Chinese ``text`` when the code is unknown here (or absent: an older hub)."""
    line = compose(code, args, _event_words)
    return text if line is None else line


def duration_text(seconds: float) -> str:
    """``mm:ss`` (or ``h:mm:ss``) for countdowns; the sign is the caller's business."""
    total = int(abs(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
