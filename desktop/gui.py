"""Run the wall: QApplication on a qasync loop, one window per configured screen, the feed."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from backend_client.resources import resource
from desktop.layout import WallLayout, load_layout
from widgets.qtenv import prepare_qt_environment

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_HUB_UNREACHABLE = 3
#: Written next to the screenshots: which panels landed on which screen (tests, installers).
MANIFEST = "wall-layout.json"


@dataclass
class WallOptions:
    hub_url: str
    token: str
    screenshot: Path | None = None
    after: float = 10.0
    windowed: bool = False
    team_colours: dict[str, str] | None = None
    layout: WallLayout | None = None
    lang: str = "zh_CN"
    timings: dict[str, float] = field(default_factory=dict)


def make_application(lang: str, *, offscreen: bool | None = None) -> QApplication:
    """The QApplication with the wall theme, bundled fonts and the UI language."""
    prepare_qt_environment(offscreen=offscreen)
    from PySide6.QtWidgets import QApplication

    from desktop.i18n import install_language

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("watchfloor")
    app.setOrganizationName("watchfloor")
    try:
        from desktop.fonts import register_bundled_fonts

        register_bundled_fonts()
    except ImportError:  # packaging's font module is optional in a checkout
        pass
    app.setStyleSheet(resource("themes", "wall-dark.qss").read_text(encoding="utf-8"))
    install_language(lang)
    return app


def run_wall(options: WallOptions) -> int:
    layout = options.layout or load_layout()
    app = make_application(options.lang, offscreen=True if options.screenshot else None)

    import qasync
    from PySide6.QtCore import QTimer

    from backend_client.qt import QtFeed
    from desktop.screenshot import save_windows
    from desktop.wall import IdleCursor, WallShell, process_age

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    feed = QtFeed(options.hub_url, options.token)
    shell = WallShell(
        feed,
        layout,
        windowed=options.windowed or bool(options.screenshot),
        team_colours=options.team_colours,
    )
    shell.start(app.screens())
    app.screenAdded.connect(lambda screen: shell.screen_added(screen, app.screens()))
    app.screenRemoved.connect(lambda screen: shell.screen_removed(screen, app.screens()))
    idle = IdleCursor(layout.cursor_idle_s, app)
    _watch_first_live_frame(shell, feed, options.timings, process_age)

    exit_code = EXIT_OK
    done = asyncio.Event()

    def take_screenshot() -> None:
        nonlocal exit_code
        assert options.screenshot is not None
        written = save_windows(dict(shell.visible_windows()), options.screenshot)
        for path in written:
            print(f"screenshot: {path}")
        if options.screenshot.suffix.lower() != ".png":
            manifest = {"screens": shell.describe(), "timings": options.timings}
            (options.screenshot / MANIFEST).write_text(
                json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
            )
        if feed.client.last_good is None:
            exit_code = EXIT_HUB_UNREACHABLE
        done.set()

    app.aboutToQuit.connect(done.set)
    shell.quitRequested.connect(done.set)
    feed.start()
    if options.screenshot is not None:
        QTimer.singleShot(int(options.after * 1000), take_screenshot)

    with loop:
        loop.run_until_complete(done.wait())
        loop.run_until_complete(feed.stop())
        idle.stop()
        shell.close_all()
        for window in shell.windows:
            window.deleteLater()
        # The web pages must be gone before QtWebEngine's profile is released at exit,
        # else Chromium crashes the interpreter on the way out.
        from PySide6.QtCore import QCoreApplication, QEvent

        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        app.processEvents()
    return exit_code


def _watch_first_live_frame(
    shell: object, feed: object, timings: dict[str, float], age: object
) -> None:
    """Record (and log) the process age at the first map frame painted from live data."""
    from PySide6.QtCore import QObject

    from backend_client.qt import QtFeed
    from desktop.wall import WallShell
    from widgets.livemap import LiveMapPanel

    assert isinstance(shell, WallShell) and isinstance(feed, QtFeed) and callable(age)
    for window in shell.windows:
        for panel in window.grid.findChildren(LiveMapPanel):
            painted = getattr(panel.map, "framePainted", None)
            if painted is None:
                continue

            def on_frame(*_args: object, _panel: QObject = panel) -> None:
                if "first_live_map_frame_s" not in timings and feed.is_live():
                    timings["first_live_map_frame_s"] = round(float(age()), 3)
                    log.info(
                        "first live map frame %.2f s after start", timings["first_live_map_frame_s"]
                    )

            painted.connect(on_frame)
