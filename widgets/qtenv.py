"""Process-wide Qt set-up that must happen before the QApplication exists.

QtWebEngine refuses to start as root without Chromium's sandbox disabled (wall PCs and CI
run kiosk sessions as root more often than one would like), and it must share OpenGL
contexts with the widgets; both are decided at QApplication construction time.
"""

from __future__ import annotations

import os
import sys

#: The custom URL scheme that serves the application's own pages and assets (map page,
#: Leaflet, boundaries, later offline tiles) so that nothing is fetched from the network.
APP_SCHEME = b"watchfloor"

_CHROMIUM_DEFAULT_FLAGS = (
    "--disable-background-networking --disable-component-update --disable-sync "
    "--no-first-run --disable-quic"
)


def prepare_qt_environment(*, offscreen: bool | None = None) -> None:
    """Set the environment and application attributes QtWebEngine needs.

    Call before any QApplication is created. ``offscreen`` forces the offscreen platform
    (tests, screenshots); ``None`` keeps what the environment says and falls back to
    offscreen when there is no display at all, so a wall PC without X still renders.
    """
    if offscreen or (
        offscreen is None
        and sys.platform.startswith("linux")
        and not os.environ.get("QT_QPA_PLATFORM")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM") or "offscreen"
        if offscreen and not os.environ["QT_QPA_PLATFORM"].startswith("offscreen"):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    wanted = _CHROMIUM_DEFAULT_FLAGS.split()
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        wanted.append("--no-sandbox")
    missing = [flag for flag in wanted if flag not in flags.split()]
    if missing:
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join([flags, *missing]).strip()
    os.environ.setdefault("QT_QUICK_BACKEND", "software")
    # Chromium logs GL/Vulkan/D-Bus complaints on software-rendered machines; they are
    # harmless and would drown real warnings in the wall's log.
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1" if "--no-sandbox" in wanted else "0")

    from PySide6 import QtWebEngineWidgets  # noqa: F401  (must be imported before QApplication)
    from PySide6.QtCore import QCoreApplication, Qt

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    register_app_scheme()


def register_app_scheme() -> None:
    """Declare ``watchfloor://`` to Chromium; must run before the QApplication exists.

    Idempotent. The flags, and why:
    - Secure: pages served from it are a secure context (no mixed-content blocking of
      other local resources, and APIs that require a secure origin work).
    - Local + LocalAccessAllowed: a page on this scheme may load ``file:``/``qrc:``
      resources, and a ``file:`` page may load this scheme (offline tiles) -- without
      LocalScheme such a page never requests them.
    - CorsEnabled + FetchApiAllowed: page scripts may ``fetch()`` data (GeoJSON, tiles)
      from the scheme, which Chromium otherwise refuses for custom schemes.
    """
    from PySide6.QtWebEngineCore import QWebEngineUrlScheme

    if QWebEngineUrlScheme.schemeByName(APP_SCHEME).name() == APP_SCHEME:
        return
    scheme = QWebEngineUrlScheme(APP_SCHEME)
    # Host syntax gives each URL an origin (watchfloor://app), which same-origin checks
    # and relative asset URLs need.
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
    flag = QWebEngineUrlScheme.Flag
    scheme.setFlags(
        flag.SecureScheme
        | flag.LocalScheme
        | flag.LocalAccessAllowed
        | flag.CorsEnabled
        | flag.FetchApiAllowed
    )
    QWebEngineUrlScheme.registerScheme(scheme)
