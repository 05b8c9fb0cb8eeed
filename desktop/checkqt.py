"""``watchfloor check``, the Qt part: screens, rendering (GPU or software), the CJK font,
and whether QtWebEngine can load and run a page on this PC. Qt is imported only inside
the functions, so ``desktop.check`` and its file and hub checks load without it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from desktop.check import Finding

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

#: GL renderer names that mean "no GPU": Mesa's CPU rasterisers, Chromium's SwiftShader,
#: Windows' fallback adapter.
SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast", "swiftshader", "basic render")


def screen_findings(app: QApplication, wanted: Sequence[str] = ()) -> list[Finding]:
    screens = app.screens()
    if not screens:
        return [Finding.failed("screens", "no screen: a wall has nowhere to show")]
    primary = app.primaryScreen()
    parts = []
    for index, screen in enumerate(screens):
        geo = screen.geometry()
        extra = [f"{screen.logicalDotsPerInch():.0f} dpi", f"x{screen.devicePixelRatio():g}"]
        extra.append(f"{screen.refreshRate():.0f} Hz")
        if screen is primary:
            extra.insert(0, "primary")
        model = " ".join(p for p in (screen.manufacturer(), screen.model()) if p)
        if model:
            extra.append(model)
        label = screen.name() or "(unnamed)"
        where = f"{geo.width()}x{geo.height()}+{geo.x()}+{geo.y()}"
        parts.append(f"[{index}] {label} {where} ({', '.join(extra)})")
    findings = [Finding("screens", "ok", f"{len(screens)}: " + "; ".join(parts))]
    names = [s.name() for s in screens]
    if any(not name for name in names) or len(set(names)) != len(names):
        findings.append(
            Finding(
                "screen names", "warn", "unnamed or duplicate: name screens by index in layouts"
            )
        )
    missing = [name for name in wanted if name not in names]
    if missing:
        have = ", ".join(name or "(unnamed)" for name in names)
        detail = f"layout names {', '.join(missing)}, not connected here (have {have})"
        findings.append(Finding("layout screens", "warn", detail))
    return findings


def _gl_renderer() -> tuple[str | None, str]:
    """(renderer, why-not) from a throw-away OpenGL context."""
    from PySide6.QtGui import QOffscreenSurface, QOpenGLContext

    context = QOpenGLContext()
    if not context.create():
        return None, "no OpenGL context on this platform"
    surface = QOffscreenSurface()
    surface.create()
    try:
        if not context.makeCurrent(surface):
            return None, "OpenGL context cannot be made current"
        functions = context.functions()
        renderer = str(functions.glGetString(0x1F01))  # GL_RENDERER
        version = str(functions.glGetString(0x1F02))  # GL_VERSION
        context.doneCurrent()
        return f"{renderer}, OpenGL {version}", ""
    finally:
        surface.destroy()


def _rendering(app: QApplication) -> Finding:
    platform = app.platformName()
    renderer, why = _gl_renderer()
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    gpu_off = "--disable-gpu" in flags.split()
    if renderer is None:
        return Finding("rendering", "warn", f"software (platform {platform}: {why})")
    software = any(name in renderer.lower() for name in SOFTWARE_RENDERERS)
    if software or gpu_off:
        reason = "Chromium GPU disabled by flags, " if gpu_off else ""
        return Finding("rendering", "warn", f"software: {reason}{renderer} (platform {platform})")
    return Finding("rendering", "ok", f"GPU: {renderer} (platform {platform})")


def _fonts() -> Finding:
    from PySide6.QtGui import QFontDatabase

    from desktop.fonts import register_bundled_fonts

    chinese = QFontDatabase.WritingSystem.SimplifiedChinese
    # Before registering our own files: what fontconfig (and so Chromium, on Linux) sees.
    system = QFontDatabase.families(chinese)
    bundled = register_bundled_fonts()
    widgets = QFontDatabase.families(chinese)
    if not widgets:
        return Finding.failed("CJK font", "none: Chinese shows as boxes (bundle or install one)")
    origin = f"bundled: {', '.join(bundled)}; " if bundled else ""
    detail = f"{origin}available: {', '.join(widgets[:4])}"
    if not system and sys.platform != "win32":
        return Finding("CJK font", "warn", detail + " (not visible to the map's web view)")
    return Finding("CJK font", "ok", detail)


def _web_engine(timeout: float) -> Finding:
    """Load and run a tiny page: proves QtWebEngineProcess, its resources and the sandbox
    settings all work here, the usual reasons a bundle shows a blank map."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWebEngineCore import QWebEnginePage

    page = QWebEnginePage()
    loop = QEventLoop()
    outcome: dict[str, object] = {}

    def loaded(ok: bool) -> None:
        outcome["loaded"] = ok
        if not ok:
            loop.quit()
            return
        page.runJavaScript("document.title + ':' + (6 * 7)", 0, evaluated)

    def evaluated(value: object) -> None:
        outcome["script"] = value
        loop.quit()

    page.loadFinished.connect(loaded)
    QTimer.singleShot(int(timeout * 1000), loop.quit)
    page.setHtml("<html><head><title>check</title></head><body>婺城</body></html>")
    loop.exec()
    page.deleteLater()
    if outcome.get("script") == "check:42":
        return Finding("web engine", "ok", "QtWebEngine loaded and ran a page")
    if "loaded" not in outcome:
        return Finding.failed(
            "web engine", f"no page loaded in {timeout:g} s (QtWebEngineProcess?)"
        )
    return Finding.failed("web engine", f"page load failed: {outcome}")


def check_qt(timeout: float, web: bool, wanted_screens: Sequence[str] = ()) -> list[Finding]:
    from widgets.qtenv import prepare_qt_environment

    prepare_qt_environment(offscreen=None)
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    findings = screen_findings(app, wanted_screens)
    findings.append(_rendering(app))
    findings.append(_fonts())
    if web:
        findings.append(_web_engine(timeout))
        # Chromium aborts at exit if a page is still pending deletion.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        app.processEvents()
    return findings
