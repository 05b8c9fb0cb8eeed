"""Run the wall: QApplication on a qasync loop, one window per screen, the live feed."""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from backend_client.resources import resource
from widgets.qtenv import prepare_qt_environment

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_HUB_UNREACHABLE = 3


@dataclass
class WallOptions:
    hub_url: str
    token: str
    screenshot: Path | None = None
    after: float = 10.0
    windowed: bool = False
    team_colours: dict[str, str] | None = None


def run_wall(options: WallOptions) -> int:
    prepare_qt_environment(offscreen=True if options.screenshot else None)

    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from backend_client.qt import QtFeed
    from desktop.screenshot import save_windows
    from desktop.wall import WallWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("watchfloor")
    app.setStyleSheet(resource("themes", "wall-dark.qss").read_text(encoding="utf-8"))
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    feed = QtFeed(options.hub_url, options.token)
    windows: dict[str, WallWindow] = {}
    for screen in app.screens():
        window = WallWindow(feed, screen.name(), options.team_colours)
        window.setGeometry(screen.geometry())
        if options.windowed or options.screenshot:
            window.resize(screen.geometry().size())
            window.show()
        else:
            window.showFullScreen()
        windows[screen.name()] = window

    exit_code = EXIT_OK
    done = asyncio.Event()

    def take_screenshot() -> None:
        nonlocal exit_code
        written = save_windows(dict(windows), options.screenshot)  # type: ignore[arg-type]
        for path in written:
            print(f"screenshot: {path}")
        if feed.client.last_good is None:
            exit_code = EXIT_HUB_UNREACHABLE
        done.set()

    app.aboutToQuit.connect(done.set)
    feed.start()
    if options.screenshot is not None:
        QTimer.singleShot(int(options.after * 1000), take_screenshot)

    with loop:
        loop.run_until_complete(done.wait())
        loop.run_until_complete(feed.stop())
        for window in windows.values():
            window.close()
            window.deleteLater()
    return exit_code
