"""Rules that change a wall by themselves (``[[rules]]`` in the layout file), as a video
management system's rule-triggered presets do: a new priority-1 case or an officer's SOS
flies the maps of the windows a rule names to it for some minutes, then back to the view
their layout gives them.

A rule acts on live news only: a case or an alarm older than :data:`NEWS_S` when the wall
learns of it (replayed after a reconnect, or in the snapshot) moves nothing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QObject, QTimer

from backend_client.protocol.messages import Alert, Incident
from desktop.layoutschema import RuleTable, RuleTrigger

if TYPE_CHECKING:
    from backend_client.qt import QtFeed
    from desktop.wall import WallWindow
    from widgets.livemap import LiveMapPanel

log = logging.getLogger(__name__)

#: A case or alarm is news this long after it happened: what a reconnect replays is not.
NEWS_S: Final = 120.0
SOS_KIND: Final = "sos"


class WallRules(QObject):
    def __init__(
        self,
        feed: QtFeed,
        rules: tuple[RuleTable, ...],
        windows: list[WallWindow],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.feed = feed
        self.rules = rules
        self.windows = windows
        #: The pending "go back" of each window index whose maps a rule moved.
        self._back: dict[int, QTimer] = {}
        #: What each rule did, newest last: (trigger, subject id, window keys).
        self.fired: list[tuple[RuleTrigger, str, tuple[str, ...]]] = []
        if rules:
            feed.incidentChanged.connect(self._on_incident)
            feed.alertChanged.connect(self._on_alert)

    def _on_incident(self, incident: Incident, is_new: bool) -> None:
        if not is_new or incident.priority > 1 or incident.lat is None or incident.lon is None:
            return
        if self.feed.now() - incident.reported_at > NEWS_S:
            return
        self._fire("priority1", incident.id, incident.lat, incident.lon, incident.datum)

    def _on_alert(self, _alert_id: str, alert: Alert | None) -> None:
        if alert is None or alert.kind != SOS_KIND or self.feed.now() - alert.ts > NEWS_S:
            return
        unit = self.feed.client.state.units.get(alert.subject)
        if unit is None or unit.lat is None or unit.lon is None:
            log.info("rules: SOS of %s, whose position is unknown: no map moves", alert.subject)
            return
        self._fire("sos", alert.id, unit.lat, unit.lon, "wgs84")

    def _fire(self, trigger: RuleTrigger, subject: str, lat: float, lon: float, datum: str) -> None:
        for rule in self.rules:
            if rule.on != trigger:
                continue
            moved: list[str] = []
            for index, window in enumerate(self.windows):
                if window.spec.screen not in rule.screens:
                    continue
                for panel in self._maps(window):
                    panel.map.set_view(lat, lon, rule.zoom, datum)
                moved.append(window.spec.key)
                self._go_back_after(index, rule.minutes)
            self.fired.append((trigger, subject, tuple(moved)))

    def _go_back_after(self, index: int, minutes: float) -> None:
        # A second trigger while the first holds restarts the clock: the maps stay on the
        # newest news for the whole time, then go back once.
        timer = self._back.get(index)
        if timer is None:
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(lambda i=index: self.go_back(i))
            self._back[index] = timer
        timer.start(int(minutes * 60_000))

    def go_back(self, index: int) -> None:
        """Put window ``index``'s maps back to the view their layout gives them."""
        self._back.pop(index, None)
        for panel in self._maps(self.windows[index]):
            view = panel.view
            if view.center is not None and view.zoom is not None:
                panel.map.set_view(view.center[0], view.center[1], view.zoom)
            else:
                panel.map.fit_wucheng()

    def holding(self) -> list[str]:
        """The windows whose maps a rule holds now (for tests and ``describe``)."""
        return [self.windows[i].spec.key for i in sorted(self._back)]

    @staticmethod
    def _maps(window: WallWindow) -> list[LiveMapPanel]:
        from widgets.livemap import LiveMapPanel

        return window.grid.findChildren(LiveMapPanel)
