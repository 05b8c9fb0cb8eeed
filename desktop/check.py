"""``watchfloor check``: what an installer needs to know on site, and whether a wall can run.

Prints one line per finding (``OK`` / ``WARN`` / ``FAIL`` / ``INFO``) and exits non-zero
when something would stop a wall:

- 1: no screen, QtWebEngine cannot render a page, no Chinese font, data or log folder
  not writable;
- 2: the configuration or layout file is missing or invalid, or the hub refused the token
  (DESIGN.md: 2 is "bad arguments or config");
- 3: ``--hub`` given and the hub unreachable (DESIGN.md: 3 is "hub unreachable").

With several failures the exit code is that of the first one printed. ``--json`` prints
the same as one JSON object for scripts.

Layout files are checked by the wall's own parser (``desktop.layout.load_layout``, which
raises ``LayoutError`` naming file, line and field); without it (an older tree) only the
TOML syntax is checked. Screens a layout names that this PC does not have are reported
as a warning: the wall then moves their panels or waits (DESIGN.md, "Wall layout file").
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import sys
import tempfile
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from desktop import __version__
from desktop.logsetup import config_dirs, data_dir, find_config, find_layout, log_dir

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

Status = Literal["ok", "warn", "fail", "info"]

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_CONFIG = 2
EXIT_HUB = 3

#: GL renderer names that mean "no GPU": Mesa's CPU rasterisers, Chromium's SwiftShader,
#: Windows' fallback adapter.
SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast", "swiftshader", "basic render")

_LABELS: dict[Status, str] = {"ok": "OK  ", "warn": "WARN", "fail": "FAIL", "info": "INFO"}


@dataclass
class Finding:
    name: str
    status: Status
    detail: str
    exit_code: int = EXIT_OK

    @classmethod
    def failed(cls, name: str, detail: str, exit_code: int = EXIT_FAIL) -> Finding:
        return cls(name, "fail", detail, exit_code)


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hub", help="ws://HOST:PORT of the hub to reach (optional)")
    parser.add_argument(
        "--ca", type=Path, metavar="FILE", help="CA bundle (PEM) to trust for a wss:// hub"
    )
    parser.add_argument("--token", help="a wall token: also checks the hub accepts it")
    parser.add_argument("--layout", type=Path, help="wall layout file (TOML) to validate")
    parser.add_argument("--config", type=Path, help="configuration file (TOML) to validate")
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="seconds for the hub and page (default 5)"
    )
    parser.add_argument("--no-web", action="store_true", help="skip the QtWebEngine page test")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--log-level", default="WARNING")


# --- files and folders -----------------------------------------------------------------


def check_install() -> Finding:
    frozen = getattr(sys, "frozen", False)
    where = f"bundle {Path(sys.executable).parent}" if frozen else f"Python {sys.executable}"
    detail = f"watchfloor {__version__}, {where}"
    info = Path(sys.executable).parent / "BUILD-INFO.txt"
    if frozen and info.is_file():
        fields = dict(
            line.split(": ", 1) for line in info.read_text("utf-8").splitlines() if ": " in line
        )
        detail += f", commit {fields.get('commit', '?')}, built {fields.get('built', '?')}"
    return Finding("install", "info", detail)


def _writable(folder: Path) -> str | None:
    """None if a file can be created in ``folder`` (created if needed), else why not."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".check-", delete=True) as handle:
            handle.write(b"ok")
    except OSError as exc:
        return str(exc)
    return None


def check_dirs() -> list[Finding]:
    findings = []
    for name, folder in (("data dir", data_dir()), ("log dir", log_dir())):
        problem = _writable(folder)
        if problem is None:
            findings.append(Finding(name, "ok", f"{folder} (writable)"))
        else:
            findings.append(Finding.failed(name, f"{folder} not writable: {problem}"))
    searched = ", ".join(str(d) for d in config_dirs())
    findings.append(Finding("config dirs", "info", f"searched in order: {searched}"))
    return findings


def _load_toml(path: Path, what: str) -> tuple[dict[str, object] | None, Finding | None]:
    if not path.is_file():
        return None, Finding.failed(what, f"{path}: no such file", EXIT_CONFIG)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle), None
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line L, column C)": the place to fix.
        return None, Finding.failed(what, f"{path}: invalid TOML: {exc}", EXIT_CONFIG)
    except (OSError, UnicodeDecodeError) as exc:
        return None, Finding.failed(what, f"{path}: cannot read: {exc}", EXIT_CONFIG)


def check_config(explicit: Path | None) -> Finding:
    path = find_config(explicit)
    if path is None:
        return Finding("config", "info", "no configuration file (defaults apply)")
    data, problem = _load_toml(path, "config")
    if problem is not None:
        return problem
    assert data is not None
    return Finding("config", "ok", f"{path}: valid TOML, {len(data)} top-level keys")


LayoutValidator = Callable[[dict[str, object], Path], list[str]]


def _layout_validator() -> LayoutValidator | None:
    """The wall's layout parser as a validator, or None where it does not exist."""
    try:
        module = importlib.import_module("desktop.layout")
    except ImportError:
        return None
    load = getattr(module, "load_layout", None)
    error = getattr(module, "LayoutError", None)
    if not callable(load) or not (isinstance(error, type) and issubclass(error, Exception)):
        return None

    def validate(data: dict[str, object], path: Path) -> list[str]:
        try:
            load(path)
        except error as exc:
            return [str(exc)]
        return []

    return validate


def layout_screen_names(path: Path) -> list[str]:
    """Screen names (not indices) a valid layout asks for; [] when unknown."""
    try:
        from desktop.layout import load_layout

        layout = load_layout(path)
    except Exception:  # any parser problem was already reported by check_layout
        return []
    return [spec.screen for spec in layout.screens if isinstance(spec.screen, str)]


def check_layout(value: Path | None, validator: LayoutValidator | None = None) -> Finding | None:
    """None when no layout was asked for and none is installed in the config folders."""
    path = find_layout(value)
    if path is None:
        return None
    data, problem = _load_toml(path, "layout")
    if problem is not None:
        return problem
    assert data is not None
    validator = validator or _layout_validator()
    if validator is None:
        return Finding("layout", "ok", f"{path}: valid TOML (panels not checked yet)")
    errors = validator(data, path)
    if errors:
        return Finding.failed("layout", f"{path}: " + "; ".join(errors), EXIT_CONFIG)
    return Finding("layout", "ok", f"{path}: valid")


# --- the hub -------------------------------------------------------------------------


async def probe_hub(hub: str, token: str | None, timeout: float, ca: Path | None = None) -> Finding:
    """Open the stream; with a token, say hello and expect a welcome.

    TLS problems are named as such: an untrusted certificate, an unreadable ``--ca``, and
    a plain ``ws://`` URL to a hub that serves ``wss://`` (a handshake that never looks
    like HTTP).
    """
    import ssl

    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidMessage, WebSocketException

    from backend_client.protocol import ProtocolError, decode_server, encode
    from backend_client.protocol.messages import Error, Hello, Welcome
    from desktop.cli import stream_url

    url = stream_url(hub)
    tls: ssl.SSLContext | None = None
    if url.startswith("wss:"):
        try:
            tls = ssl.create_default_context(cafile=str(ca) if ca else None)
        except (OSError, ssl.SSLError) as exc:
            detail = f"--ca {ca} cannot be used as a CA bundle: {exc}"
            return Finding.failed("hub", detail, EXIT_CONFIG)
    try:
        async with asyncio.timeout(timeout):
            # The snapshot after a welcome can be large; it is never read here.
            async with connect(url, open_timeout=timeout, max_size=None, ssl=tls) as socket:
                if token is None:
                    return Finding("hub", "ok", f"{url} reachable (give --token to test one)")
                await socket.send(encode(Hello(token=token)).decode())
                reply = decode_server(await socket.recv())
    except TimeoutError:
        return Finding.failed("hub", f"{url} unreachable: no answer in {timeout:g} s", EXIT_HUB)
    except ssl.SSLCertVerificationError as exc:
        detail = (
            f"{url}: TLS certificate not trusted ({exc.verify_message or exc.reason}); "
            "give --ca FILE with the CA that signed it"
        )
        return Finding.failed("hub", detail, EXIT_HUB)
    except ssl.SSLError as exc:
        return Finding.failed("hub", f"{url}: TLS handshake failed: {exc.reason or exc}", EXIT_HUB)
    except InvalidMessage as exc:
        hint = " (does the hub serve TLS? then use wss://)" if url.startswith("ws:") else ""
        return Finding.failed("hub", f"{url} unreachable: {exc}{hint}", EXIT_HUB)
    except (OSError, WebSocketException) as exc:
        return Finding.failed("hub", f"{url} unreachable: {exc}", EXIT_HUB)
    except ProtocolError as exc:
        return Finding.failed("hub", f"{url} is not a Watchfloor hub: {exc}", EXIT_HUB)
    if isinstance(reply, Welcome):
        return Finding("hub", "ok", f"{url} reachable, token accepted (role {reply.role})")
    if isinstance(reply, Error):
        detail = f"{url} refused the token: {reply.code}: {reply.message}"
        return Finding.failed("hub", detail, EXIT_CONFIG)
    return Finding.failed("hub", f"{url} answered {type(reply).__name__}, not welcome")


# --- Qt: screens, rendering, fonts, QtWebEngine -----------------------------------------


def _screens(app: QApplication, wanted: Sequence[str] = ()) -> list[Finding]:
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
    findings = _screens(app, wanted_screens)
    findings.append(_rendering(app))
    findings.append(_fonts())
    if web:
        findings.append(_web_engine(timeout))
        # Chromium aborts at exit if a page is still pending deletion.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        app.processEvents()
    return findings


# --- putting it together ---------------------------------------------------------------


def exit_code(findings: Sequence[Finding]) -> int:
    for finding in findings:
        if finding.status == "fail":
            return finding.exit_code or EXIT_FAIL
    return EXIT_OK


def collect(args: argparse.Namespace) -> list[Finding]:
    findings = [check_install(), *check_dirs(), check_config(args.config)]
    layout = check_layout(args.layout)
    wanted: list[str] = []
    if layout is not None:
        findings.append(layout)
        path = find_layout(args.layout)
        if layout.status == "ok" and path is not None:
            wanted = layout_screen_names(path)
    if args.hub:
        # Before Qt: a plain asyncio loop, no Qt event loop integration needed.
        findings.append(asyncio.run(probe_hub(args.hub, args.token, args.timeout, args.ca)))
    findings += check_qt(args.timeout, web=not args.no_web, wanted_screens=wanted)
    return findings


def report(findings: Sequence[Finding], as_json: bool) -> str:
    code = exit_code(findings)
    if as_json:
        body = {"ok": code == EXIT_OK, "exit": code, "findings": [asdict(f) for f in findings]}
        return json.dumps(body, ensure_ascii=False, indent=2)
    width = max(len(f.name) for f in findings)
    lines = [f"{_LABELS[f.status]}  {f.name:<{width}}  {f.detail}" for f in findings]
    if code == EXIT_OK:
        lines.append("result: 通过 OK — nothing here stops a wall")
    else:
        lines.append(f"result: 失败 FAIL — a wall would not run here (exit {code})")
    return "\n".join(lines)


def run_check(args: argparse.Namespace) -> int:
    findings = collect(args)
    print(report(findings, args.json), flush=True)
    return exit_code(findings)
