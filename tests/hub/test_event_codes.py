"""Every ticker and alert line the hub words carries a code and args that compose to
exactly its Chinese text (hub/domain/wording.py, backend_client/events.py)."""

from __future__ import annotations

import re
from pathlib import Path

from backend_client import vocabulary
from backend_client.events import SENTENCE_WORDS, TEMPLATES, compose
from backend_client.sla import STAGES
from hub.domain.wording import (
    STAGE_LIMIT_TEXT,
    STAGE_WORDS,
    report_line,
    sla_miss_line,
    sos_wording,
    word,
)
from hub.ingest import SOURCE_NAMES
from hub.simulator.catalogue import CATEGORIES

HUB = Path(__file__).resolve().parents[2] / "hub"


def _codes_in_hub() -> set[str]:
    """Every event code named in the hub's source: the first argument of ``word(…)``
    anywhere, and the quoted codes the wording module picks between."""
    codes: set[str] = set()
    for path in HUB.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes.update(re.findall(r'\bword\(\s*"([a-z_.]+)"', text))
    wording = (HUB / "domain" / "wording.py").read_text(encoding="utf-8")
    codes.update(re.findall(r'"((?:ticker|alert)\.[a-z_]+)"', wording))
    return codes


def test_every_code_the_hub_emits_has_a_template() -> None:
    codes = _codes_in_hub()
    assert {"ticker.report", "ticker.sla_missed", "alert.sos", "alert.officer_idle"} <= codes
    assert codes - set(TEMPLATES) == set()
    # And no template is left that nothing sends.
    assert set(TEMPLATES) - codes == set()


def test_the_composed_line_is_the_text_the_hub_always_sent() -> None:
    # The f-strings the hub used before codes, reproduced: the text must not change a byte.
    line = report_line(SOURCE_NAMES["hotline"], "占道经营", "金华市婺城区城中街道八一北街12号")
    assert line["text"] == "【8890热线】占道经营 · 金华市婺城区城中街道八一北街12号"
    assert line["code"] == "ticker.report"
    for stage in STAGES:
        for done, late in ((True, "超时"), (False, "超时未")):
            miss = sla_miss_line("WC1", "油烟扰民", "丹溪路", stage, done=done)
            assert miss["text"] == (
                f"【超时】案件 WC1（油烟扰民 · 丹溪路）{late}{STAGE_WORDS[stage]}"
                f"，时限 {STAGE_LIMIT_TEXT[stage]}"
            )
    sos = sos_wording("王建国", "终端 013800000001")
    assert sos["text"] == "王建国 紧急求助（SOS，终端 013800000001）"
    assert sos["args"] == {"officer": "王建国", "terminal": "013800000001"}
    assert sos_wording("WC00001", "手机")["text"] == "WC00001 紧急求助（SOS，手机）"
    assert word("alert.device_silent", officer="李娜", minutes=10)["text"] == (
        "李娜 设备超过 10 分钟无定位"
    )
    assert word("alert.officer_idle", officer="李娜", minutes=20)["text"] == (
        "李娜 原地停留超过 20 分钟"
    )
    assert word("alert.outside_zone", officer="李娜")["text"] == "李娜 离开责任区"
    assert word("alert.sla_missed", case_id="c-1", stage="出动")["text"] == "案件 c-1 超时未出动"
    assert word("alert.rectification_overdue", case_id="c-1")["text"] == "案件 c-1 整改逾期未复查"
    for days, shown in ((30.0, "30"), (7.5, "7.5")):
        repeat = word("alert.repeat_complaints", merchant="M000001", days=days, count=3)
        assert repeat["text"] == f"商户 M000001 {shown} 天内被投诉 3 次"
        assert compose(repeat["code"], repeat["args"]) == repeat["text"]


def test_every_label_the_hub_sends_is_listed_for_translation() -> None:
    assert set(SOURCE_NAMES.values()) <= set(vocabulary.SOURCES.values())
    assert {c.name for c in CATEGORIES} <= set(vocabulary.CATEGORIES)
    assert set(STAGE_WORDS.values()) | set(STAGE_LIMIT_TEXT.values()) <= set(SENTENCE_WORDS)
