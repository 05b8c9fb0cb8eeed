"""Run the wall: QApplication on a qasync loop, one window per configured screen, the feed."""

from __future__ import annotations

import asyncio
import gc
import json
import linecache
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from backend_client.resources import resource
from desktop.layout import WallLayout, load_layout
from widgets.qtenv import prepare_qt_environment

if TYPE_CHECKING:
    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QApplication

    from backend_client.cache import CachedRequests
    from backend_client.qt import QtFeed

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_HUB_UNREACHABLE = 3
#: Longest wait for the first live map frame before the other panels are built anyway.
DEFERRED_PANELS_LIMIT_MS = 2500
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
    # Before any hub, stream or worker thread exists: cycles holding Qt objects must never
    # be collected on those threads (desktop/gcguard.py).
    from desktop.gcguard import install as collect_on_gui_thread

    collect_on_gui_thread(app)
    return app


def _wall_requests(feed: QtFeed) -> CachedRequests:
    """What a pushed drill-down reads through: answers cached on this PC, so a case pushed
    before the hub went away stays readable (marked as cached) until it is back."""
    from platformdirs import user_data_dir

    from backend_client.cache import AnswerCache, CachedRequests

    folder = Path(user_data_dir("watchfloor", appauthor=False))
    return CachedRequests(feed.client, AnswerCache(folder / "wall-cache.sqlite"))


def run_wall(options: WallOptions) -> int:
    from desktop.wall import process_age

    timings = options.timings

    def mark(name: str) -> None:
        # Process ages of the start-up steps, in the manifest and the log: the 3 s budget
        # to the first live frame is checked against these, step by step.
        timings.setdefault(name, round(process_age(), 3))

    mark("main_s")
    layout = options.layout or load_layout()
    app = make_application(options.lang, offscreen=True if options.screenshot else None)
    mark("app_s")
    warm = _start_web_engine(app)

    import qasync
    from PySide6.QtCore import QTimer

    from backend_client.qt import QtFeed
    from desktop.screenshot import save_windows
    from desktop.wall import IdleCursor, WallShell

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    feed = QtFeed(options.hub_url, options.token)
    shell = WallShell(
        feed,
        layout,
        requests=lambda: _wall_requests(feed),
        windowed=options.windowed or bool(options.screenshot),
        team_colours=options.team_colours,
        defer_panels=True,
    )
    mark("shell_built_s")
    shell.start(app.screens())
    mark("windows_shown_s")
    app.screenAdded.connect(lambda screen: shell.screen_added(screen, app.screens()))
    app.screenRemoved.connect(lambda screen: shell.screen_removed(screen, app.screens()))
    idle = IdleCursor(layout.cursor_idle_s, app)

    def finish_panels() -> None:
        nonlocal warm
        if warm is not None:
            warm.deleteLater()  # its job (starting Chromium early) is done
            warm = None
        if shell.panels_pending:
            shell.finish_panels()
            mark("panels_built_s")

    _watch_first_live_frame(shell, feed, options.timings, process_age, finish_panels)
    # A hub that is down or slow must not leave the other panels empty: build them anyway.
    QTimer.singleShot(DEFERRED_PANELS_LIMIT_MS, finish_panels)
    _freeze_after_first_snapshot(feed, shell, mark)

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
    feed.snapshotLoaded.connect(lambda: mark("snapshot_s"))
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
        if warm is not None:  # quit before the first frame or the deferred-panel limit
            warm.deleteLater()
        # The web pages must be gone before QtWebEngine's profile is released at exit,
        # else Chromium crashes the interpreter on the way out.
        from PySide6.QtCore import QCoreApplication, QEvent

        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        app.processEvents()
    return exit_code


def _start_web_engine(app: QApplication) -> QObject | None:
    """Start Chromium (browser context, GPU and renderer processes) now, on the shared
    default profile the maps use: its processes then start up while Python spends
    ~1 s importing folium and building the map page, instead of after it."""
    from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile

    page = QWebEnginePage(QWebEngineProfile.defaultProfile(), app)
    page.setHtml("<!doctype html><title>warm-up</title>")
    return page


def _freeze_after_first_snapshot(feed: object, shell: object, mark: Callable[[str], None]) -> None:
    """Once the first snapshot is applied and every panel is built, move the start-up
    objects (modules, widgets, the roster) out of the collector's reach: a wall runs for
    weeks, and full collections re-scanning them were measured at ~80 ms pauses under load.
    """
    from PySide6.QtCore import QTimer

    from backend_client.qt import QtFeed
    from desktop.wall import WallShell

    assert isinstance(feed, QtFeed) and isinstance(shell, WallShell)
    done = False

    def freeze() -> None:
        nonlocal done
        if done:
            return
        if shell.panels_pending:
            # Panels built after the freeze would be scanned again; wait for them.
            QTimer.singleShot(100, freeze)
            return
        done = True
        # PySide6's import hook (shibokensupport's feature.py) reads the source of every
        # module imported after it, through inspect.getsource, to see whether it names
        # PySide6: the lines of ~480 files then stay in linecache, ~20 MB measured
        # (bench/wall_memory.py). Tracebacks read the lines again when they need them.
        linecache.clearcache()
        # Collect first: start-up garbage frozen now would stay in memory for good.
        gc.collect()
        gc.freeze()
        mark("gc_frozen_s")

    # After the other snapshot slots have run (the panels apply it in their own slots).
    feed.snapshotLoaded.connect(lambda: QTimer.singleShot(0, freeze))


def _watch_first_live_frame(
    shell: object,
    feed: object,
    timings: dict[str, float],
    age: object,
    then: Callable[[], None] = lambda: None,
) -> None:
    """Record (and log) the process age at the first map frame painted from live data."""
    from PySide6.QtCore import QTimer

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
                    # The next turn of the loop: this frame's slot returns first.
                    QTimer.singleShot(0, then)

            painted.connect(on_frame)
