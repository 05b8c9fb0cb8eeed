"""UI language: Chinese is the source text in the code; the others come from Qt ``.qm`` files.

The translations live in one place, ``resources/i18n/watchfloor_<lang>.ts`` (made and
checked by ``scripts/i18n.py``, editable with Qt Linguist). What is loaded is its ``.qm``:

- in the PyInstaller bundle, the ``.qm`` the build compiled next to it (the bundle has
  no ``lrelease``);
- in a checkout, the ``.ts`` compiled by ``pyside6-lrelease`` on first use into the user
  cache folder, named by the hash of the ``.ts``. A fresh clone therefore needs no build
  step (``./scripts/bootstrap && ./scripts/test`` just works), and an edited ``.ts`` is
  never shadowed by a stale ``.qm`` (the bootstrap only checks when it runs again, so a
  ``.qm`` built there would go stale on the first edit).
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Final

from PySide6.QtCore import QCoreApplication, QTranslator

from backend_client.resources import resource

log = logging.getLogger(__name__)

LANGUAGES: Final = ("zh_CN", "en")
#: The source language: it needs no catalogue.
SOURCE_LANGUAGE: Final = "zh_CN"


def ts_path(lang: str) -> Path:
    return resource("i18n", f"watchfloor_{lang}.ts")


def lrelease_path() -> Path:
    """PySide6's own ``lrelease`` binary (what ``pyside6-lrelease`` runs)."""
    import PySide6

    return Path(PySide6.__file__).resolve().parent / "lrelease"


def compile_qm(ts: Path, qm: Path) -> None:
    """``lrelease ts -qm qm``, written atomically (parallel starts may race for the cache)."""
    qm.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".qm", dir=qm.parent)
    os.close(fd)
    try:
        subprocess.run(
            [str(lrelease_path()), "-silent", str(ts), "-qm", tmp],
            check=True,
            capture_output=True,
            timeout=60,
        )
        os.replace(tmp, qm)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("watchfloor", appauthor=False)) / "i18n"


def qm_path(lang: str) -> Path | None:
    """The ``.qm`` for ``lang``: shipped (bundle) or compiled from the ``.ts`` (checkout)."""
    ts = ts_path(lang)
    shipped = ts.with_suffix(".qm")
    if getattr(sys, "frozen", False) or not ts.exists() or not lrelease_path().exists():
        return shipped if shipped.exists() else None
    digest = hashlib.sha256(ts.read_bytes()).hexdigest()[:16]
    cached = _cache_dir() / f"{ts.stem}-{digest}.qm"
    if not cached.exists():
        compile_qm(ts, cached)
    return cached


_installed: list[QTranslator] = []


def install_language(lang: str) -> None:
    """Install the translator for ``lang`` (``zh_CN`` needs none: it is the source)."""
    app = QCoreApplication.instance()
    assert app is not None, "create the QApplication first"
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    if lang == SOURCE_LANGUAGE:
        return
    try:
        qm = qm_path(lang)
    except (OSError, subprocess.SubprocessError) as error:
        # A wall that cannot build its catalogue still shows everything, in Chinese.
        log.warning("translations for %s could not be built: %s", lang, error)
        qm = None
    translator = QTranslator()
    if qm is None or not translator.load(str(qm)):
        log.warning("no translations for %s (%s); the UI stays in Chinese", lang, qm)
        return
    app.installTranslator(translator)
    _installed.append(translator)


@cache
def catalogue(context: str, lang: str = "en") -> dict[str, str]:
    """Source -> finished translation of one context of the ``.ts`` (for tests and checks)."""
    found: dict[str, str] = {}
    for ctx in ET.parse(ts_path(lang)).getroot().iter("context"):
        if ctx.findtext("name", "") != context:
            continue
        for message in ctx.iter("message"):
            translation = message.find("translation")
            if translation is None or translation.get("type") in ("unfinished", "vanished"):
                continue
            found[message.findtext("source", "")] = translation.text or ""
    return found


def __getattr__(name: str) -> dict[str, str]:
    # EN, read from the .ts on first use: the English of the old one-argument tr()
    # (context "watchfloor"), which the tests of modules still using it check tables against.
    if name == "EN":
        return catalogue("watchfloor")
    raise AttributeError(name)
