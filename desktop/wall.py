"""The wall: one frameless window per configured screen, each a grid of panels.

:class:`WallWindow` is one screen (header, stale banner, the grid, and room for the panels
of a screen that went away). :class:`WallShell` owns the windows: it puts each on its
screen, hides the idle cursor, refuses accidental closes, and re-places the grids when
screens come and go (Qt leaves windows where they were after a monitor returns).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from PySide6.QtCore import QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QCursor, QGuiApplication, QKeySequence, QScreen, QShortcut
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from backend_client.protocol.messages import WallPush
from backend_client.qt import QtFeed
from desktop.layout import PanelSpec, PanelView, ScreenSpec, WallLayout, load_layout
from widgets.banner import StaleBanner
from widgets.drillopen import addressed
from widgets.panel import PanelFrame, PlaylistEntry, RotatingPanel
from widgets.text import tr
from widgets.ticker import TickerBar

if TYPE_CHECKING:
    from backend_client.cache import CachedRequests

#: The answer cache, or what makes it when a pushed drill-down first needs it: building it
#: imports SQLAlchemy, which has no place between a wall's start and its first live frame.
RequestsSource: TypeAlias = "CachedRequests | Callable[[], CachedRequests] | None"

log = logging.getLogger(__name__)

LINK_TEXT = {"live": "实时", "stale": "过期", "offline": "离线", "connecting": "连接中"}
#: The deliberate chord that closes a wall; nothing else does (no Alt+F4, no Esc).
QUIT_CHORD = "Ctrl+Alt+Shift+Q"
#: A pushed map view without a zoom shows the street around the place.
PUSHED_VIEW_ZOOM = 16.0
PANEL_TITLES = {
    "map": "",
    "ticker": "",
    "clock": "",
    "situation": "",
    "queue": "1-3-15 案件队列",
    "kpi": "效能指标",
    "alerts": "督办告警",
}


#: Panels whose construction may wait until the map shows live data: they cost start-up
#: time (pyqtgraph alone is ~0.2 s to import) and read the whole feed state when built,
#: so building them late loses nothing. Ticker and clock are cheap and stay.
DEFERRABLE_KINDS = frozenset({"queue", "kpi", "alerts", "situation"})


class PanelContext:
    """What a panel factory may use: the feed and the wall's settings. No network."""

    def __init__(
        self,
        feed: QtFeed,
        team_colours: dict[str, str] | None = None,
        *,
        defer: bool = False,
        requests: RequestsSource = None,
    ) -> None:
        self.feed = feed
        self.team_colours = team_colours or {}
        self._requests = requests
        #: While True, deferrable panels get a placeholder; finish() builds them.
        self.deferring = defer
        self.deferred: list[PanelFrame] = []

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
    )
    feed = ctx.feed

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
    ctx.feed.tickerReceived.connect(bar.announce)
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

    return KpiPanel(ctx.feed, charts=view.options["charts"], period=view.options["period"], tr=tr)


def _alerts(ctx: PanelContext, view: PanelView) -> QWidget:
    from widgets.alerts import AlertList

    return AlertList(ctx.feed, max_items=int(view.options["max_items"]))


def _clock(ctx: PanelContext, view: PanelView) -> QWidget:
    from widgets.clock import ClockPanel

    return ClockPanel(seconds=bool(view.options["seconds"]), clock=ctx.feed.now)


def _situation(ctx: PanelContext, view: PanelView) -> QWidget:
    from widgets.situation import SituationPanel

    return SituationPanel(ctx.feed, title=str(view.options["title"]), requests=ctx.requests)


#: One builder per panel kind of the layout schema (desktop.layout.PANEL_KINDS).
PANEL_BUILDERS: dict[str, PanelBuilder] = {
    "map": _map,
    "ticker": _ticker,
    "queue": _queue,
    "kpi": _kpi,
    "alerts": _alerts,
    "clock": _clock,
    "situation": _situation,
}


def build_cell(ctx: PanelContext, spec: PanelSpec) -> QWidget:
    def frame(view: PanelView) -> PanelFrame:
        title = PANEL_TITLES.get(view.kind, "")
        deferrable = view.kind in DEFERRABLE_KINDS

        def build() -> QWidget:
            if deferrable and ctx.deferring:
                return QWidget()  # an empty cell with its title, until ctx.finish()
            return PANEL_BUILDERS[view.kind](ctx, view)

        made = PanelFrame(view.kind, tr(title) if title else "", build)
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


class WallWindow(QWidget):
    """A whole screen of the wall. Observes a :class:`QtFeed`; never touches the network."""

    def __init__(
        self,
        feed: QtFeed,
        screen_name: str,
        team_colours: dict[str, str] | None = None,
        parent: QWidget | None = None,
        *,
        spec: ScreenSpec | None = None,
        title: str = "婺城区综合行政执法指挥平台",
        defer_panels: bool = False,
        requests: RequestsSource = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("WallWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowTitle(f"Watchfloor {tr(title)} — {screen_name}")
        self.feed = feed
        self.screen_name = screen_name
        self.spec = spec or load_layout().screens[0]
        self.allow_close = True

        heading = tr(title) + (f" · {tr(self.spec.title)}" if self.spec.title else "")
        self.title = QLabel(heading)
        self.title.setObjectName("WallTitle")
        self.counters = QLabel("")
        self.counters.setObjectName("Counters")
        self.link_state = QLabel(tr(LINK_TEXT["connecting"]))
        self.link_state.setObjectName("LinkState")
        self.link_state.setProperty("link", "connecting")
        header = QHBoxLayout()
        header.setContentsMargins(8, 4, 8, 4)
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.counters)
        header.addWidget(self.link_state)

        self.banner = StaleBanner()
        self.panel_context = PanelContext(
            feed, team_colours, defer=defer_panels, requests=requests
        )
        self.grid = PanelGrid(self.panel_context, self.spec)
        self._body = QHBoxLayout()
        self._body.setContentsMargins(0, 0, 0, 0)
        self._body.setSpacing(0)
        self._body.addWidget(self.grid, 3)
        self._guests = QWidget()
        self._guests.setObjectName("GuestArea")
        self._guest_box = QVBoxLayout(self._guests)
        self._guest_box.setContentsMargins(0, 0, 0, 0)
        self._guests.hide()
        self._body.addWidget(self._guests, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addLayout(self._body, 1)

        feed.linkChanged.connect(self._on_link)
        feed.snapshotLoaded.connect(self._update_counters)
        feed.unitsChanged.connect(lambda *_: self._update_counters())
        feed.incidentChanged.connect(lambda *_: self._update_counters())
        self._on_link(feed.status.link.value, feed.client.last_good)
        self._update_counters()

    # -- what is on this screen ----------------------------------------------------------

    @property
    def map(self) -> object | None:
        """The first live map's MapView on this window (its own grid), if any."""
        from widgets.livemap import LiveMapPanel

        panels = self.grid.findChildren(LiveMapPanel)
        return panels[0].map if panels else None

    @property
    def ticker(self) -> TickerBar | None:
        bars = self.grid.findChildren(TickerBar)
        return bars[0] if bars else None

    def guests(self) -> list[PanelGrid]:
        found: list[PanelGrid] = []
        for i in range(self._guest_box.count()):
            item = self._guest_box.itemAt(i)
            widget = item.widget() if item is not None else None
            if isinstance(widget, PanelGrid):
                found.append(widget)
        return found

    def host(self, grid: PanelGrid) -> None:
        """Show another screen's grid here (its screen went away)."""
        self._guest_box.addWidget(grid, 1)
        grid.show()
        self._guests.show()

    def reclaim(self) -> None:
        """Take this window's own grid back, wherever it was hosted."""
        if self.grid.parent() is not self:
            self._body.insertWidget(0, self.grid, 3)
            self.grid.show()
        if not self.guests():
            self._guests.hide()

    def release(self, grid: PanelGrid) -> None:
        self._guest_box.removeWidget(grid)
        if not self.guests():
            self._guests.hide()

    # -- kiosk ---------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        # An operator's stray Alt+F4 must not blank a wall; only the chord (or the app
        # quitting) sets allow_close.
        if self.allow_close:
            event.accept()
        else:
            event.ignore()

    # -- feed ----------------------------------------------------------------------------

    def _on_link(self, link: str, last_good: float | None) -> None:
        self.banner.set_link(link, last_good)
        self.link_state.setText(tr(LINK_TEXT.get(link, link)))
        self.link_state.setProperty("link", link)
        self.link_state.style().unpolish(self.link_state)
        self.link_state.style().polish(self.link_state)

    def _update_counters(self) -> None:
        state = self.feed.state
        # 警力 is people: vehicles are on the map, not in the head count.
        on_duty = sum(
            1
            for u in state.units.values()
            if u.kind != "vehicle" and u.status not in ("off_duty", "offline")
        )
        open_cases = sum(1 for i in state.incidents.values() if i.status != "closed")
        self.counters.setText(
            tr("在岗警力 {units}　在办案件 {cases}").format(units=on_duty, cases=open_cases)
        )


class ScreenLike(Protocol):
    def name(self) -> str: ...
    def geometry(self) -> QRect: ...


class IdleCursor(QObject):
    """Hides the mouse pointer after ``idle_s`` without movement; any movement shows it.

    It polls the pointer position twice a second rather than filtering every event of
    the application: a Python application-wide event filter sees each QtQuick event of
    QtWebEngine (and crashed PySide 6.11 in getWrapperForQObject during a page's focus
    change), and costs a Python call per event on a wall that paints all day.
    """

    def __init__(self, idle_s: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hidden = False
        self._idle_s = idle_s
        self._last_pos = QCursor.pos()
        self._still_since = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setInterval(500)
        self._timer.timeout.connect(self.poll)
        self._timer.start()

    def poll(self) -> None:
        pos = QCursor.pos()
        now = time.monotonic()
        if pos != self._last_pos:
            self._last_pos = pos
            self._still_since = now
            if self.hidden:
                QGuiApplication.restoreOverrideCursor()
                self.hidden = False
        elif not self.hidden and now - self._still_since >= self._idle_s:
            QGuiApplication.setOverrideCursor(QCursor(Qt.CursorShape.BlankCursor))
            self.hidden = True

    def stop(self) -> None:
        self._timer.stop()
        if self.hidden:
            QGuiApplication.restoreOverrideCursor()
            self.hidden = False


class WallShell(QObject):
    """All windows of one wall, kept on their screens as screens come and go."""

    quitRequested = Signal()
    placed = Signal()

    def __init__(
        self,
        feed: QtFeed,
        layout: WallLayout,
        *,
        windowed: bool = False,
        team_colours: dict[str, str] | None = None,
        defer_panels: bool = False,
        requests: RequestsSource = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.feed = feed
        self.layout = layout
        self.windowed = windowed
        self.windows: list[WallWindow] = []
        self._bound: list[str | None] = []
        for spec in layout.screens:
            window = WallWindow(
                feed,
                spec.key,
                team_colours,
                spec=spec,
                title=layout.title,
                # Only a wall with a map has a first live frame to wait for.
                defer_panels=defer_panels and "map" in layout.kinds,
                requests=requests,
            )
            if not windowed:
                window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
            window.allow_close = False
            chord = QShortcut(QKeySequence(QUIT_CHORD), window)
            chord.setContext(Qt.ShortcutContext.WindowShortcut)
            chord.activated.connect(self.quit)
            self.windows.append(window)
            self._bound.append(spec.screen if isinstance(spec.screen, str) else None)
        self.on_screen: dict[int, ScreenLike] = {}

    def finish_panels(self) -> None:
        """Build the panels held back for a fast first map frame (see DEFERRABLE_KINDS)."""
        for window in self.windows:
            window.panel_context.finish()

    @property
    def panels_pending(self) -> bool:
        return any(window.panel_context.deferred for window in self.windows)

    # -- screens -------------------------------------------------------------------------

    def start(self, screens: Sequence[ScreenLike]) -> None:
        """Bind index-named screens to the screens present now, then place every window.

        Indexes are resolved once: after a hot-unplug Qt renumbers the rest, and a wall
        must not shuffle its panels because the left monitor blinked.
        """
        for i, spec in enumerate(self.layout.screens):
            if isinstance(spec.screen, int) and spec.screen < len(screens):
                self._bound[i] = screens[spec.screen].name()
        self.place(screens)

    def screen_added(self, screen: ScreenLike, screens: Sequence[ScreenLike]) -> None:
        names = {n for n in self._bound if n is not None}
        if screen.name() not in names:
            # A new screen serves the first configured index that never had one.
            for i, spec in enumerate(self.layout.screens):
                if self._bound[i] is None and isinstance(spec.screen, int):
                    self._bound[i] = screen.name()
                    break
        self.place(screens)

    def screen_removed(self, screen: ScreenLike, screens: Sequence[ScreenLike]) -> None:
        self.place([s for s in screens if s.name() != screen.name()])

    def place(self, screens: Sequence[ScreenLike]) -> None:
        present = {s.name(): s for s in screens}
        home: dict[int, ScreenLike] = {
            i: present[name]
            for i, name in enumerate(self._bound)
            if name is not None and name in present
        }
        if not home and screens:
            # Nothing configured is here (a laptop with a wall layout): the first window
            # takes the primary screen rather than showing nothing at all.
            home[0] = screens[0]
        # Every grid goes home first; then the grids of absent screens find a host.
        for window in self.windows:
            for guest in window.guests():
                window.release(guest)
        for window in self.windows:
            window.reclaim()
        for i, window in enumerate(self.windows):
            if i in home:
                self._show(window, home[i])
            else:
                window.hide()
        if self.layout.on_screen_lost == "move" and home:
            hosts = sorted(home)
            for i, window in enumerate(self.windows):
                if i in home:
                    continue
                target = min(hosts, key=lambda h: (len(self.windows[h].guests()), h))
                self.windows[target].host(window.grid)
        self.on_screen = home
        self.placed.emit()

    def _show(self, window: WallWindow, screen: ScreenLike) -> None:
        geometry = screen.geometry()
        if isinstance(screen, QScreen):
            window.setScreen(screen)
        window.setGeometry(geometry)
        if self.windowed:
            window.resize(geometry.size())
            window.show()
        else:
            window.showFullScreen()

    # -- what is where (tests, screenshots, `watchfloor check`) ---------------------------

    def visible_windows(self) -> dict[str, WallWindow]:
        return {
            self.on_screen[i].name(): window
            for i, window in enumerate(self.windows)
            if i in self.on_screen
        }

    def describe(self) -> dict[str, dict[str, object]]:
        out: dict[str, dict[str, object]] = {}
        for name, window in self.visible_windows().items():
            g = window.geometry()
            out[name] = {
                "window": window.spec.key,
                "geometry": [g.x(), g.y(), g.width(), g.height()],
                "panels": window.grid.kinds(),
                "guests": [guest.kinds() for guest in window.guests()],
                "failed": [f.kind for f in window.findChildren(PanelFrame) if f.failed],
            }
        return out

    # -- closing -------------------------------------------------------------------------

    def quit(self) -> None:
        log.info("wall closed by the operator's key chord")
        self.close_all()
        self.quitRequested.emit()

    def close_all(self) -> None:
        for window in self.windows:
            window.allow_close = True
            window.close()


def process_age() -> float:
    """Seconds since this process started (Linux /proc; else since this module loaded)."""
    try:
        import os

        with open("/proc/self/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        with open("/proc/uptime", encoding="ascii") as uptime:
            return float(uptime.read().split()[0]) - started
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _LOADED


_LOADED = time.monotonic()
