"""``watchfloor desk``: the operator's workstation -- triage and one-action dispatch.

Dockable panels (the 1-3-15 queue, the live map, the selected case with the recommended
officers, its timeline); the operator's arrangement is saved with QSettings and restored
next time, and the first time (or after "reset layout") the window opens maximised.
Dispatch goes to the hub as a ``dispatch`` request; the desk's own queue, and every wall,
change only when the hub's event comes back -- one truth, no optimistic local edits.

This module starts it (:func:`run_desk`); the window and its docks are in
:mod:`desktop.desk_window`, the case panel and its dispatch in :mod:`desktop.desk_case`,
pushes to the walls in :mod:`desktop.desk_push`.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir
from PySide6.QtCore import QSettings, QTimer

from backend_client.cache import AnswerCache, CachedRequests
from backend_client.qt import QtFeed
from backend_client.stories.desk import Recommendation, recommend
from desktop.desk_case import send
from desktop.desk_window import SETTINGS_APP, SETTINGS_ORG, DeskWindow

__all__ = ["DeskOptions", "DeskWindow", "Recommendation", "recommend", "run_desk", "send"]


@dataclass
class DeskOptions:
    hub_url: str
    token: str
    screenshot: Path | None = None
    after: float = 10.0
    lang: str = "zh_CN"
    reset_layout: bool = False


def run_desk(options: DeskOptions) -> int:
    from desktop.gui import EXIT_HUB_UNREACHABLE, EXIT_OK, make_application

    app = make_application(options.lang, offscreen=True if options.screenshot else None)
    import qasync

    from desktop.screenshot import save_windows

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    feed = QtFeed(options.hub_url, options.token)
    settings = QSettings(SETTINGS_ORG, SETTINGS_APP)
    if options.reset_layout:
        settings.clear()
    cache = AnswerCache(Path(user_data_dir("watchfloor", appauthor=False)) / "desk-cache.sqlite")
    window = DeskWindow(feed, settings=settings, requests=CachedRequests(feed.client, cache))
    window.show_for_shift()
    done = asyncio.Event()
    exit_code = EXIT_OK

    def take_screenshot() -> None:
        nonlocal exit_code
        assert options.screenshot is not None
        for path in save_windows({"desk": window}, options.screenshot):
            print(f"screenshot: {path}")
        if feed.client.last_good is None:
            exit_code = EXIT_HUB_UNREACHABLE
        done.set()

    app.aboutToQuit.connect(done.set)
    app.lastWindowClosed.connect(done.set)
    feed.start()
    if options.screenshot is not None:
        QTimer.singleShot(int(options.after * 1000), take_screenshot)
    with loop:
        loop.run_until_complete(done.wait())
        loop.run_until_complete(window.stop())
        loop.run_until_complete(feed.stop())
        window.save_arrangement()
        window.close()
        window.deleteLater()
        from PySide6.QtCore import QCoreApplication, QEvent

        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        app.processEvents()
    return exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run: watchfloor desk --hub ws://HOST:PORT --token TOKEN")
