"""Fonts shipped inside the bundle (a CJK font), made visible to Qt widgets and Chromium.

A wall PC may have no Chinese font at all; Qt then draws boxes and the map (Chromium)
draws no labels. The bundle carries one (packaging/bundleplan.py, ``FONT_DIR``). Two
steps are needed because QtWebEngine does not see fonts added with
``QFontDatabase.addApplicationFont`` -- on Linux Chromium asks fontconfig itself:

1. :func:`prepare_bundled_fonts` before the QApplication (``desktop.cli.main`` calls it):
   on Linux, point ``FONTCONFIG_FILE`` at a config that adds the bundle's font folder to
   the system's, so Qt *and* the Chromium helper processes (which inherit the
   environment) find the font.
2. :func:`register_bundled_fonts` once the QApplication exists (``desktop.gui`` and
   ``watchfloor check`` call it): registers the files with Qt directly, which is what
   makes them available to widgets on Windows and macOS.

Outside a bundle both are no-ops unless ``resources/fonts/`` holds font files.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from xml.sax.saxutils import escape

from backend_client.resources import resources_dir

log = logging.getLogger(__name__)

#: Bundle folder (under ``sys._MEIPASS``) the build copies fonts into.
BUNDLE_FONT_DIR = "fonts"
FONT_SUFFIXES = (".ttf", ".ttc", ".otf")
SYSTEM_FONTCONFIG = "/etc/fonts/fonts.conf"

_registered: dict[Path, list[str]] = {}


def bundled_font_dirs() -> list[Path]:
    dirs: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        dirs.append(Path(bundle) / BUNDLE_FONT_DIR)
    dirs.append(resources_dir() / "fonts")
    return [d for d in dirs if d.is_dir()]


def bundled_font_files() -> list[Path]:
    return sorted(
        path
        for folder in bundled_font_dirs()
        for path in folder.iterdir()
        if path.suffix.lower() in FONT_SUFFIXES and path.is_file()
    )


def fontconfig_text(font_dirs: list[Path], cache_dir: Path) -> str:
    """A fontconfig file: the system's configuration plus our font folders."""
    lines = [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
        "<fontconfig>",
        # ignore_missing: a bare target without fontconfig's own files still gets ours.
        f'  <include ignore_missing="yes">{SYSTEM_FONTCONFIG}</include>',
        *(f"  <dir>{escape(str(folder))}</dir>" for folder in font_dirs),
        f"  <cachedir>{escape(str(cache_dir))}</cachedir>",
        "</fontconfig>",
        "",
    ]
    return "\n".join(lines)


def prepare_bundled_fonts(cache_dir: Path | None = None) -> Path | None:
    """Make bundled fonts visible to fontconfig users; call before the QApplication.

    Returns the fontconfig file written, or None when there is nothing to do (no bundled
    fonts, not a fontconfig platform, or ``FONTCONFIG_FILE`` already chosen by the user).
    Never raises: a wall must start even if the cache folder is read-only.
    """
    if not sys.platform.startswith(("linux", "freebsd", "openbsd")):
        return None
    if os.environ.get("FONTCONFIG_FILE"):
        return None
    dirs = bundled_font_dirs()
    if not any(folder.glob("*") for folder in dirs):
        return None
    if cache_dir is None:
        from platformdirs import user_cache_dir

        cache_dir = Path(user_cache_dir("watchfloor", appauthor=False))
    target = cache_dir / "fonts.conf"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        text = fontconfig_text(dirs, cache_dir / "fontconfig")
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    except OSError as exc:
        log.warning("bundled fonts: cannot write %s (%s); using system fonts only", target, exc)
        return None
    os.environ["FONTCONFIG_FILE"] = str(target)
    return target


def register_bundled_fonts() -> list[str]:
    """Register every bundled font file with Qt; returns the font families added.

    Needs a QGuiApplication. Idempotent: a file is registered once per process.
    """
    from PySide6.QtGui import QFontDatabase

    families: list[str] = []
    for path in bundled_font_files():
        if path not in _registered:
            font_id = QFontDatabase.addApplicationFont(str(path))
            if font_id < 0:
                log.warning("bundled fonts: Qt cannot load %s", path)
                _registered[path] = []
            else:
                _registered[path] = list(QFontDatabase.applicationFontFamilies(font_id))
        families.extend(_registered[path])
    return families
