"""The wall's panel factory: one builder per panel kind, and a screen's grid of panels.

A builder gets the feed and the wall's settings (:class:`PanelContext`), never the network;
:class:`PanelGrid` lays one screen's cells out as its layout says.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from PySide6.QtWidgets import QGridLayout, QWidget

from backend_client.protocol.messages import WallPush
from backend_client.qt import QtFeed
from backend_client.stories.register import MerchantRegister
from desktop.layout import PanelSpec, PanelView, ScreenSpec
from widgets.drillopen import addressed
from widgets.panel import PanelFrame, PlaylistEntry, RotatingPanel
from widgets.text import QT_TRANSLATE_NOOP, translate
from widgets.ticker import TickerBar

if TYPE_CHECKING:
    from backend_client.cache import CachedRequests

#: The answer cache, or what makes it when a pushed drill-down first needs it: building it
#: imports SQLAlchemy, which has no place between a wall's start and its first live frame.
RequestsSource: TypeAlias = "CachedRequests | Callable[[], CachedRequests] | None"

#: A pushed map view without a zoom shows the street around the place.
PUSHED_VIEW_ZOOM = 16.0
PANEL_TITLES = {
    "map": "",
    "ticker": "",
    "clock": "",
    "situation": "",
    "queue": QT_TRANSLATE_NOOP("panels", "1-3-15 案件队列"),
    "kpi": QT_TRANSLATE_NOOP("panels", "效能指标"),
    "alerts": QT_TRANSLATE_NOOP("panels", "督办告警"),
    "trend": QT_TRANSLATE_NOOP("panels", "案件趋势"),
    "sources": QT_TRANSLATE_NOOP("panels", "案件来源"),
    "categories": QT_TRANSLATE_NOOP("panels", "案件类别"),
    "ranking": QT_TRANSLATE_NOOP("panels", "结案排名"),
    "rates": QT_TRANSLATE_NOOP("panels", "结案与响应"),
}


#: Panels whose construction may wait until the map shows live data: they cost start-up
#: time (pyqtgraph alone is ~0.2 s to import) and read the whole feed state when built,
#: so building them late loses nothing. Ticker and clock are cheap and stay.
DEFERRABLE_KINDS = frozenset(
    {"queue", "kpi", "alerts", "situation", "trend", "sources", "categories", "ranking", "rates"}
)


class PanelContext:
    """What a panel factory may use: the feed and the wall's settings. No network."""

    def __init__(
        self,
        feed: QtFeed,
        team_colours: dict[str, str] | None = None,
        *,
        defer: bool = False,
        requests: RequestsSource = None,
        register: MerchantRegister | None = None,
    ) -> None:
        self.feed = feed
        self.team_colours = team_colours or {}
        self._requests = requests
        #: While True, deferrable panels get a placeholder; finish() builds them.
        self.deferring = defer
        self.deferred: list[PanelFrame] = []
        self._register = register

    @property
    def register(self) -> MerchantRegister:
        """The hub's merchant register every map panel built here draws (handed in by the
        wall shell, so all its screens share one): ``merchant.list`` is asked once."""
        if self._register is None:
            self._register = MerchantRegister(self.feed.client.request)
        return self._register

    @property
    def requests(self) -> CachedRequests | None:
        """What drill-downs pushed to a situation slot read through (cached while offline)."""
        if callable(self._requests):
            self._requests = self._requests()
        return self._requests

    def finish(self) -> None:
        """Build the panels that were deferred (once; later calls do nothing)."""
        self.deferring = False
        frames, self.deferred = self.deferred, []
        for frame in frames:
            frame.build()


PanelBuilder = Callable[[PanelContext, PanelView], QWidget]


def _map(ctx: PanelContext, view: PanelView) -> QWidget:
    from widgets.livemap import LiveMapPanel, MapPanelView

    opts = view.options
    center = opts["center"]
    follow = str(opts["follow"])
    panel = LiveMapPanel(
        ctx.feed,
        team_colours=ctx.team_colours,
        show_incidents=bool(opts["show_incidents"]),
        view=MapPanelView(
            fit=str(opts["fit"]),
            center=(float(center[0]), float(center[1])) if center else None,
            zoom=float(opts["zoom"]) if center else None,
            trails=bool(opts["trails"]),
            trail_minutes=float(opts["trail_minutes"]),
            follow=None if follow == "none" else follow,
            merchants=bool(opts["merchants"]),
            alerts=bool(opts["alerts"]),
        ),
        register=ctx.register,
    )
    feed = ctx.feed
    if int(opts["hotspots"]):
        from widgets.cockpit.hotspots import HotspotLayer

        # A child of the map: asks while the map lives, stops with it.
        HotspotLayer(panel.map, feed, int(opts["hotspots"]))

    def on_push(push: WallPush) -> None:
        # An operator's "show this place on the wall": every map of the addressed wall goes
        # there; "clear" puts each back to the view its layout gives it.
        if not addressed(push, feed.client.name):
            return
        if push.kind == "view" and push.lat is not None and push.lon is not None:
            panel.map.set_view(push.lat, push.lon, push.zoom or PUSHED_VIEW_ZOOM)
        elif push.kind == "clear":
            v = panel.view
            if v.center is not None and v.zoom is not None:
                panel.map.set_view(v.center[0], v.center[1], v.zoom)
            else:
                panel.map.fit_wucheng()

    feed.wallPushed.connect(on_push)
    panel.destroyed.connect(lambda *_: _disconnect(feed.wallPushed, on_push))
    return panel


def _disconnect(signal: Any, slot: Callable[..., None]) -> None:
    with contextlib.suppress(RuntimeError, TypeError):
        signal.disconnect(slot)


def _ticker(ctx: PanelContext, view: PanelView) -> QWidget:
    bar = TickerBar(
        speed=int(view.options["speed"]), pinned=int(view.options["pinned"]), clock=ctx.feed.now
    )
    ctx.feed.tickerArrived.connect(bar.announce_event)
    return bar


def _queue(ctx: PanelContext, view: PanelView) -> QWidget:
    from widgets.queue import IncidentQueueModel, IncidentQueueView

    model = IncidentQueueModel(
        ctx.feed,
        max_rows=int(view.options["max_rows"]),
        show_handled=bool(view.options["show_handled"]),
    )
    table = IncidentQueueView(model)
    model.setParent(table)
    return table


def _kpi(ctx: PanelContext, view: PanelView) -> QWidget:
    # pyqtgraph is imported only by walls that show charts: it costs start-up time.
    from widgets.kpi import KpiPanel

    return KpiPanel(
        ctx.feed, charts=view.options["charts"], period=view.options["period"], translate=translate
    )


def _alerts(ctx: PanelContext, view: PanelView) -> QWidget:
    from widgets.alerts import AlertList

    return AlertList(ctx.feed, max_items=int(view.options["max_items"]))


def _clock(ctx: PanelContext, view: PanelView) -> QWidget:
    from widgets.clock import ClockPanel

    return ClockPanel(seconds=bool(view.options["seconds"]), clock=ctx.feed.now)


def _situation(ctx: PanelContext, view: PanelView) -> QWidget:
    from widgets.situation import SituationPanel

    return SituationPanel(ctx.feed, title=str(view.options["title"]), requests=ctx.requests)


def _cockpit(ctx: PanelContext, view: PanelView) -> QWidget:
    # pyqtgraph again: imported by walls with a cockpit panel only.
    from widgets.cockpit import build_panel

    return build_panel(view.kind, ctx.feed, view.options)


#: One builder per panel kind of the layout schema (desktop.layout.PANEL_KINDS).
PANEL_BUILDERS: dict[str, PanelBuilder] = {
    "map": _map,
    "ticker": _ticker,
    "queue": _queue,
    "kpi": _kpi,
    "alerts": _alerts,
    "clock": _clock,
    "situation": _situation,
    "trend": _cockpit,
    "sources": _cockpit,
    "categories": _cockpit,
    "ranking": _cockpit,
    "rates": _cockpit,
}


def build_cell(ctx: PanelContext, spec: PanelSpec) -> QWidget:
    def frame(view: PanelView) -> PanelFrame:
        title = PANEL_TITLES.get(view.kind, "")
        deferrable = view.kind in DEFERRABLE_KINDS

        def build() -> QWidget:
            if deferrable and ctx.deferring:
                return QWidget()  # an empty cell with its title, until ctx.finish()
            return PANEL_BUILDERS[view.kind](ctx, view)

        made = PanelFrame(view.kind, translate("panels", title) if title else "", build)
        if deferrable and ctx.deferring:
            ctx.deferred.append(made)
        return made

    if spec.rotates:
        return RotatingPanel([PlaylistEntry(frame(v), v.seconds) for v in spec.views])
    return frame(spec.views[0])


class PanelGrid(QWidget):
    """One screen's grid of panels; can be hosted by another window when its screen goes."""

    def __init__(self, ctx: PanelContext, spec: ScreenSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PanelGrid")
        self.spec = spec
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 6, 6, 6)
        grid.setSpacing(6)
        self.cells: list[QWidget] = []
        for panel in spec.panels:
            cell = build_cell(ctx, panel)
            grid.addWidget(cell, panel.row, panel.col, panel.row_span, panel.col_span)
            self.cells.append(cell)
        for row, weight in enumerate(spec.row_weights or (1,) * spec.rows):
            grid.setRowStretch(row, weight)
        for col, weight in enumerate(spec.col_weights or (1,) * spec.cols):
            grid.setColumnStretch(col, weight)

    def kinds(self) -> list[str]:
        out: list[str] = []
        for cell in self.cells:
            if isinstance(cell, RotatingPanel):
                out.append("+".join(e.frame.kind for e in cell.entries))
            elif isinstance(cell, PanelFrame):
                out.append(cell.kind)
        return out

    def frames(self) -> list[PanelFrame]:
        return self.findChildren(PanelFrame)
