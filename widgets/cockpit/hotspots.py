"""The hotspot layer's wiring: a :class:`~backend_client.stories.cockpit.HotspotQuery`
kept fresh for one map, its answers drawn with ``MapView.show_hotspots``.

The map has no status line of its own: while the hub is away the wall's stale banner
says so, and the layer keeps the last heat it drew (the heat of 30 days does not change
in the minutes a hub restarts).
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from backend_client.protocol.ops import RECURRENCE_MIN
from backend_client.qt import QtFeed
from backend_client.stories.base import ANSWER
from backend_client.stories.cockpit import HotspotQuery
from widgets.map import MapView
from widgets.map.hotspots import HotPoint, Hotspots
from widgets.text import translate
from widgets.vocabulary import word


def point_label(category: str, count: int) -> str:
    return translate("cockpit", "{category} ×{n}").format(category=word(category), n=count)


class HotspotLayer(QObject):
    """Asks ``stats.hotspots`` for the last ``days`` days while the feed is live (and a
    while after new cases, coalesced) and draws each answer on ``view``."""

    def __init__(self, view: MapView, feed: QtFeed, days: int, *, refresh_s: float = 300.0) -> None:
        super().__init__(view)
        self.view = view
        self.query = HotspotQuery(feed.client.request, days, clock=feed.now, interval_s=refresh_s)
        self._live = False
        self.query.changed.connect(self._on_change)
        feed.linkChanged.connect(self._on_link)
        feed.incidentChanged.connect(self._on_incident)
        self._on_link(feed.status.link.value, None)
        self.destroyed.connect(self.query.stop)

    def _on_link(self, link: str, _last_good: object) -> None:
        live = link == "live"
        came_back = live and not self._live
        self._live = live
        if live and not self.query.running:
            self.query.start()
        elif came_back:
            self.query.poke(now=True)

    def _on_incident(self, _incident: object, is_new: bool) -> None:
        if is_new:
            self.query.poke()

    def _on_change(self, topic: str) -> None:
        answer = self.query.answer
        if topic != ANSWER or answer is None:
            return
        points = tuple(
            HotPoint(p.lat, p.lon, p.count, point_label(p.category, p.count))
            for p in answer.recurrences
            if p.count >= RECURRENCE_MIN
        )
        self.view.show_hotspots(
            Hotspots(
                cells=tuple((c.lat, c.lon, c.count) for c in answer.cells),
                cell_deg=answer.cell_deg,
                points=points,
            )
        )
