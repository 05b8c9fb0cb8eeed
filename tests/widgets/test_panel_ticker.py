"""Ticker, clock, alerts and banner, as widgets, in Chinese and English (the catalogue itself:
tests/desktop/test_i18n.py)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from backend_client.protocol.messages import Alert
from backend_client.qt import QtFeed
from desktop.i18n import install_language
from widgets.alerts import AlertList
from widgets.banner import StaleBanner
from widgets.clock import ClockPanel
from widgets.ticker import FLASH_S, TickerBar


def test_urgent_items_are_pinned_and_the_rest_scroll(qtbot: Any) -> None:
    bar = TickerBar(pinned=1)
    qtbot.addWidget(bar)
    bar.resize(1600, 60)
    bar.show()
    now = time.time()
    bar.announce("【热线】占道经营 · 八一北街", False, now - 5)
    bar.announce("【超时】案件 C1 超时未受理", True, now - 2)
    bar.announce("【超时】案件 C2 超时未出发", True, now)
    assert bar.items[0].endswith("C2 超时未出发")
    assert [p.text for p in bar.pinned(now)] == ["【超时】案件 C2 超时未出发"]
    assert "C2" not in bar._run and "八一北街" in bar._run  # pinned, not scrolled twice
    assert bar.pinned(now + FLASH_S + 1)  # still pinned after flashing stops
    before = bar._offset
    qtbot.wait(200)
    assert bar._offset > before  # it scrolls
    assert not bar.grab().isNull()


def test_clock_fills_its_cell(qtbot: Any) -> None:
    clock = ClockPanel()
    qtbot.addWidget(clock)
    clock.resize(900, 300)
    clock.show()
    qtbot.wait(10)
    assert clock.time_label.text().count(":") == 2
    assert "年" in clock.date_label.text()
    assert clock.time_label.font().pixelSize() >= 150


def test_alert_list_orders_by_severity(qtbot: Any) -> None:
    feed = QtFeed("ws://127.0.0.1:9/stream", "unused")
    now = time.time()
    # Severities as the hub sends them (hub/domain/supervision.py: 3 urgent .. 1 notice).
    feed.state.alerts["a1"] = Alert(id="a1", kind="device_silent", subject="U1", ts=now, severity=2)
    feed.state.alerts["a2"] = Alert(
        id="a2", kind="sla_missed", subject="C1", ts=now - 60, severity=3, text="案件 C1 超时"
    )
    feed.state.alerts["a3"] = Alert(id="a3", kind="officer_idle", subject="U2", ts=now, severity=1)
    alerts = AlertList(feed)
    qtbot.addWidget(alerts)
    texts = alerts.texts()
    assert "1-3-15 超时" in texts[0] and "终端失联" in texts[1] and "静止" in texts[2]
    assert alerts.item(0).foreground().color().name() == "#ff6b6b"
    # An SOS, even older than everything, goes above everything.
    feed.state.alerts["s"] = Alert(id="s", kind="sos", subject="U3", ts=now - 600, severity=3)
    feed.alertChanged.emit("s", None)
    assert "紧急求助" in alerts.texts()[0]
    for key in ("a1", "a2", "a3", "s"):
        del feed.state.alerts[key]
    feed.alertChanged.emit("a1", None)
    assert alerts.texts() == ["暂无督办告警"]


@pytest.fixture
def english(qapp: QApplication) -> Any:
    install_language("en")
    yield
    install_language("zh_CN")


def test_english_ui(english: Any, qtbot: Any) -> None:
    banner = StaleBanner()
    qtbot.addWidget(banner)
    banner.set_link("offline", time.time() - 75)
    assert banner.text() == "Hub offline · last data 1 min 15 s ago"
    clock = ClockPanel()
    qtbot.addWidget(clock)
    assert "年" not in clock.date_label.text() and "day" in clock.date_label.text()
