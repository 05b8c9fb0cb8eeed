"""One wall window: title bar with clock and link state, the live map, the ticker."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from backend_client.qt import PositionBatch, QtFeed
from widgets.banner import StaleBanner
from widgets.map import MapView, UnitInfo
from widgets.ticker import TickerBar

LINK_TEXT = {
    "live": "实时 LIVE",
    "stale": "过期 STALE",
    "offline": "离线 OFFLINE",
    "connecting": "连接中",
}


class WallWindow(QWidget):
    """A whole screen of the wall. Observes a :class:`QtFeed`; never touches the network."""

    def __init__(
        self,
        feed: QtFeed,
        screen_name: str,
        team_colours: dict[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("WallWindow")
        self.setWindowTitle(f"Watchfloor 婺城区综合行政执法指挥中心 — {screen_name}")
        self.feed = feed
        self.screen_name = screen_name
        self.team_colours = team_colours or {}

        self.title = QLabel("婺城区综合行政执法指挥平台 · 态势一张图")
        self.title.setObjectName("WallTitle")
        self.counters = QLabel("")
        self.counters.setObjectName("Counters")
        self.link_state = QLabel(LINK_TEXT["connecting"])
        self.link_state.setObjectName("LinkState")
        self.link_state.setProperty("link", "connecting")
        self.clock = QLabel("")
        self.clock.setObjectName("WallClock")
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.counters)
        header.addWidget(self.link_state)
        header.addWidget(self.clock)

        self.banner = StaleBanner()
        self.map = MapView()
        self.ticker = TickerBar()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addWidget(self.map, 1)
        layout.addWidget(self.ticker)

        self._clock_timer = QTimer(self)
        self._clock_timer.timeout.connect(self._tick)
        self._clock_timer.start(1000)
        self._tick()

        feed.snapshotLoaded.connect(self._on_snapshot)
        feed.unitsChanged.connect(self._on_units)
        feed.positionsChanged.connect(self._on_positions)
        feed.tickerReceived.connect(self._on_ticker)
        feed.linkChanged.connect(self._on_link)
        feed.incidentChanged.connect(lambda *_: self._update_counters())
        self.map.ready.connect(self._on_snapshot)

    def _unit_info(self) -> list[UnitInfo]:
        return [
            UnitInfo(
                id=u.id, name=u.name, team=u.team, colour=self._colour(u.team), status=u.status
            )
            for u in self.feed.state.units.values()
        ]

    def _colour(self, team_id: str) -> str:
        team = self.feed.state.teams.get(team_id)
        return team.colour if team is not None else self.team_colours.get(team_id, "#4da3ff")

    def _on_snapshot(self) -> None:
        self.map.set_units(self._unit_info())
        batch = self.feed.current_positions()
        if len(batch):
            self.map.update_units(batch.ids, batch.lat, batch.lon)
        self._update_counters()

    def _on_units(self, _units: list[object]) -> None:
        self.map.set_units(self._unit_info())
        self._update_counters()

    def _on_positions(self, batch: PositionBatch) -> None:
        self.map.update_units(batch.ids, batch.lat, batch.lon)

    def _on_ticker(self, text: str, urgent: bool, ts: float) -> None:
        self.ticker.announce(text, urgent, ts)

    def _on_link(self, link: str, last_good: float | None) -> None:
        self.banner.set_link(link, last_good)
        self.link_state.setText(LINK_TEXT.get(link, link))
        self.link_state.setProperty("link", link)
        self.link_state.style().unpolish(self.link_state)
        self.link_state.style().polish(self.link_state)

    def _update_counters(self) -> None:
        state = self.feed.state
        on_duty = sum(1 for u in state.units.values() if u.status not in ("off_duty", "offline"))
        open_cases = sum(1 for i in state.incidents.values() if i.status != "closed")
        self.counters.setText(f"在岗警力 {on_duty}　在办案件 {open_cases}")

    def _tick(self) -> None:
        self.clock.setText(time.strftime("%Y-%m-%d %H:%M:%S"))
        self.clock.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
