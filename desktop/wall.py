"""The wall: one frameless window per configured screen, each a grid of panels.

:class:`WallWindow` is one screen (header, stale banner, the grid, and room for the panels
of a screen that went away). :class:`WallShell` owns the windows: it puts each on its
screen, refuses accidental closes, and re-places the grids when screens come and go (Qt
leaves windows where they were after a monitor returns). The panels come from
``desktop.panels``, the header from ``desktop.header``, the idle pointer from
``desktop.cursor``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import QObject, QRect, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QScreen, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from backend_client.qt import QtFeed
from backend_client.stories.register import MerchantRegister
from desktop.cursor import IdleCursor as IdleCursor
from desktop.header import LINK_TEXT as LINK_TEXT
from desktop.header import WallHeader, layout_title
from desktop.layout import ScreenSpec, WallLayout, load_layout
from desktop.panels import PANEL_BUILDERS as PANEL_BUILDERS
from desktop.panels import PANEL_TITLES as PANEL_TITLES
from desktop.panels import PanelContext as PanelContext
from desktop.panels import PanelGrid as PanelGrid
from desktop.panels import RequestsSource
from desktop.speech.wall import WallSpeech
from desktop.wall_rules import WallRules
from widgets.banner import StaleBanner
from widgets.panel import PanelFrame
from widgets.ticker import TickerBar

log = logging.getLogger(__name__)

#: The deliberate chord that closes a wall; nothing else does (no Alt+F4, no Esc).
QUIT_CHORD = "Ctrl+Alt+Shift+Q"


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
        register: MerchantRegister | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("WallWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowTitle(f"Watchfloor {layout_title(title)} — {screen_name}")
        self.feed = feed
        self.screen_name = screen_name
        self.spec = spec or load_layout().screens[0]
        self.allow_close = True

        screen_title = f" · {layout_title(self.spec.title)}" if self.spec.title else ""
        header = WallHeader(layout_title(title) + screen_title)
        self.header = header
        # The labels stay reachable where tests and screenshots have always read them.
        self.title = header.title
        self.counters = header.counters
        self.link_state = header.link_state

        self.banner = StaleBanner()
        self.panel_context = PanelContext(
            feed, team_colours, defer=defer_panels, requests=requests, register=register
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
        client = self.feed.client
        self.header.show_link(link, client.node if len(client.urls) > 1 else "")

    def _update_counters(self) -> None:
        self.header.show_counts(self.feed.state)


class ScreenLike(Protocol):
    def name(self) -> str: ...
    def geometry(self) -> QRect: ...


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
        #: One merchant register for every map of every screen of this wall.
        self.register = MerchantRegister(feed.client.request)
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
                register=self.register,
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
        # Spoken announcements (desktop/speech): one voice per wall, however many screens.
        self.speech = WallSpeech(feed, layout.speech, self)
        # Rule-triggered views (desktop/wall_rules.py): maps fly to an SOS or a priority-1 case.
        self.rules = WallRules(feed, layout.rules, self.windows, self)

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
        self.speech.stop()
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
