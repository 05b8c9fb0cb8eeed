"""A built bundle holds what packaging/bundleplan.py says, and its trimming broke no link.

Needs a bundle: ``WATCHFLOOR_BUNDLE=dist/watchfloor pytest tests/packaging`` after
``python packaging/build.py`` (skipped otherwise, so a stale dist/ never fails the suite).
Linux bundles only (reads the libraries' NEEDED entries with binutils' readelf).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import bundleplan  # noqa: E402

_BUNDLE = os.environ.get("WATCHFLOOR_BUNDLE")

pytestmark = [
    pytest.mark.skipif(not _BUNDLE, reason="set WATCHFLOOR_BUNDLE to a built bundle folder"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux (ELF) bundles"),
    pytest.mark.skipif(shutil.which("readelf") is None, reason="needs readelf (binutils)"),
]


@pytest.fixture(scope="module")
def internal() -> Path:
    assert _BUNDLE is not None
    folder = (ROOT / _BUNDLE).resolve() / "_internal"
    if not folder.is_dir():
        pytest.fail(f"{folder} missing: build the bundle first (python packaging/build.py)")
    return folder


def _relative(path: Path, internal: Path) -> str:
    return path.relative_to(internal).as_posix()


def _is_library(name: str) -> bool:
    return ".so" in name or name.endswith((".dll", ".pyd", ".dylib"))


@functools.cache
def _needed(path: Path) -> tuple[str, ...]:
    """NEEDED entries of an ELF file (empty for anything else)."""
    with path.open("rb") as file:
        if file.read(4) != b"\x7fELF":
            return ()
    out = subprocess.run(
        ["readelf", "-d", "-W", str(path)], capture_output=True, text=True, check=False
    ).stdout
    return tuple(
        line.split("[", 1)[1].split("]", 1)[0] for line in out.splitlines() if "(NEEDED)" in line
    )


def _files(internal: Path) -> list[Path]:
    return sorted(p for p in internal.rglob("*") if p.is_file() and not p.is_symlink())


def test_the_bundle_holds_nothing_the_rules_drop(internal: Path) -> None:
    left = []
    for path in sorted(internal.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            continue
        dest = _relative(path, internal)
        keep = bundleplan.keep_binary if _is_library(path.name) else bundleplan.keep_data
        if not keep(dest):
            left.append(dest)
    assert not left, f"the spec did not apply bundleplan's rules to: {left[:20]}"


def test_no_link_points_nowhere(internal: Path) -> None:
    dangling = [_relative(p, internal) for p in internal.rglob("*") if p.is_symlink()]
    dangling = [d for d in dangling if not (internal / d).exists()]
    assert not dangling, f"links to trimmed files: {dangling[:20]}"


def test_nothing_kept_links_a_trimmed_library(internal: Path) -> None:
    broken = {
        _relative(path, internal): missing
        for path in _files(internal)
        if (missing := [n for n in _needed(path) if not bundleplan.keep_binary(n)])
    }
    assert not broken, f"kept files link libraries the rules drop: {broken}"


def test_every_top_level_library_is_linked_or_known_to_be_loaded(internal: Path) -> None:
    """What PyInstaller's dependency scan collected for a trimmed plugin stays behind
    unless DROPPED_SYSTEM_LIBRARIES names it; this finds such leftovers."""
    linked = {name for path in _files(internal) for name in _needed(path)}
    orphans = [
        path.name
        for path in sorted(internal.iterdir())
        if _is_library(path.name)
        and ".cpython-" not in path.name  # Python extension modules are imported
        and ".abi3." not in path.name
        and path.name not in linked
        and not path.name.startswith(bundleplan.UNLINKED_LIBRARIES)
    ]
    assert not orphans, (
        f"no bundled file links {orphans}: add them to DROPPED_SYSTEM_LIBRARIES (with the "
        "reason), or to UNLINKED_LIBRARIES if something loads them with dlopen"
    )


def test_no_debug_information_is_left(internal: Path) -> None:
    with_debug = [
        _relative(path, internal)
        for path in _files(internal)
        if not any(
            part.endswith(bundleplan.UNSTRIPPED_FOLDER_SUFFIXES)
            for part in PurePosixPath(_relative(path, internal)).parts[:-1]
        )
        and bundleplan.has_debug_info(path)
    ]
    assert not with_debug, f"still with DWARF sections (is binutils' strip missing?): {with_debug}"


def test_what_real_wall_pcs_need_is_there(internal: Path) -> None:
    """Not touched by the offscreen smoke test, but needed on site (bundleplan.py)."""
    plugins = internal / "PySide6" / "Qt" / "plugins"
    for wanted in (
        "platforms/libqxcb.so",
        "platforms/libqoffscreen.so",
        "xcbglintegrations/libqxcb-glx-integration.so",
        "xcbglintegrations/libqxcb-egl-integration.so",
        "platforminputcontexts/libibusplatforminputcontextplugin.so",
        "platforminputcontexts/libcomposeplatforminputcontextplugin.so",
        "imageformats/libqjpeg.so",
        "imageformats/libqwebp.so",
        "imageformats/libqgif.so",
        "iconengines/libqsvgicon.so",
    ):
        assert (plugins / wanted).is_file(), wanted
    locales = internal / "PySide6" / "Qt" / "translations" / "qtwebengine_locales"
    assert sorted(p.stem for p in locales.glob("*.pak")) == sorted(
        bundleplan.KEPT_WEBENGINE_LOCALES
    )
    assert (internal / "libsoftokn3.so").is_file()  # NSS, for Chromium's certificate checks
    if importlib.util.find_spec("psycopg_binary") is not None:  # hub on PostgreSQL
        assert any((internal / "psycopg_binary.libs").glob("libpq-*.so*"))
    assert list(internal.glob("numpy-*.dist-info/licenses/LICENSE.txt"))
