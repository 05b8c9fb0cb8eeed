"""What goes into the PyInstaller bundle and what is trimmed out (read by watchfloor.spec).

Kept apart from the spec so the rules can be unit-tested without running a build
(tests/packaging/test_packaging_plan.py). Not a package: this folder is scripts only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Final

#: Python modules never used by Watchfloor. Excluding the *Python* bindings is what keeps
#: PyInstaller's Qt hooks from collecting their plugins and data. The shared libraries
#: QtWebEngine links against (libQt6Qml, libQt6Quick, libQt6Positioning...) are still
#: collected by binary dependency analysis, which is all QtWebEngine needs.
EXCLUDED_MODULES: Final[tuple[str, ...]] = (
    "PySide6.Qt3DAnimation",
    "PySide6.Qt3DCore",
    "PySide6.Qt3DExtras",
    "PySide6.Qt3DInput",
    "PySide6.Qt3DLogic",
    "PySide6.Qt3DRender",
    "PySide6.QtAxContainer",
    "PySide6.QtBluetooth",
    "PySide6.QtCharts",
    "PySide6.QtConcurrent",
    "PySide6.QtDataVisualization",
    "PySide6.QtDesigner",
    "PySide6.QtGraphs",
    "PySide6.QtGraphsWidgets",
    "PySide6.QtHelp",
    "PySide6.QtHttpServer",
    "PySide6.QtLocation",
    "PySide6.QtMultimedia",
    "PySide6.QtMultimediaWidgets",
    "PySide6.QtNetworkAuth",
    "PySide6.QtNfc",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    # PySide6.QtQml / QtQuick / QtQuickWidgets stay: QtWebEngine's view is a QQuickWidget
    # inside, and PySide must be able to wrap its QQuickItems when they pass through a
    # Python event filter. Without the bindings the frozen wall crashed (stack overflow
    # in PySide::getWrapperForQObject from an application-wide event filter). Their QML
    # files are still dropped below (DROPPED_DATA_PREFIXES).
    "PySide6.QtQuick3D",
    "PySide6.QtQuickControls2",
    "PySide6.QtQuickTest",
    "PySide6.QtRemoteObjects",
    "PySide6.QtScxml",
    "PySide6.QtSensors",
    "PySide6.QtSerialBus",
    "PySide6.QtSerialPort",
    "PySide6.QtSpatialAudio",
    "PySide6.QtSql",
    "PySide6.QtStateMachine",
    "PySide6.QtTest",
    "PySide6.QtTextToSpeech",
    "PySide6.QtUiTools",
    "PySide6.QtWebEngineQuick",
    "PySide6.QtWebSockets",
    "PySide6.QtWebView",
    # Development-only Python packages that optional imports would otherwise drag in.
    "tkinter",
    "_tkinter",
    "IPython",
    "matplotlib",
    "pytest",
    "pytestqt",
    "hypothesis",
    "mypy",
    "PyQt5",
    "PyQt6",
    "PySide2",
)

#: Qt shared libraries and plugins that can still arrive through another module's
#: dependency scan but that no code path of ours loads. Matched on the file name.
DROPPED_LIBRARY_PREFIXES: Final[tuple[str, ...]] = (
    "libQt63D",
    "libQt6Quick3D",
    "libQt6QuickControls2",
    "libQt6QuickDialogs2",
    "libQt6QuickTemplates2",
    "libQt6QuickParticles",
    "libQt6QuickTimeline",
    "libQt6Multimedia",
    "libQt6Pdf",
    "libQt6Charts",
    "libQt6DataVisualization",
    "libQt6Graphs",
    "libQt6Designer",
    "libQt6VirtualKeyboard",
    "libQt6Lottie",
    "libQt6Labs",
    "libQt6ShaderTools",
    "libQt6SpatialAudio",
    "libQt6FFmpeg",
    "libav",
    "libsw",
    "libQt6SerialPort",  # only for the NMEA positioning plugin, dropped below
    # Reached only through QML plugins' dependencies (QML files are not bundled);
    # nothing we load links them (checked with ldd over the bundle's modules/plugins).
    "libQt6Concurrent",
    "libQt6Location",
    "libQt6PositioningQuick",
    "libQt6QmlLocalStorage",
    "libQt6QmlXmlListModel",
    "libQt6QmlNetwork",
    "libQt6QmlCore",
    "libQt6QuickEffects",
    "libQt6QuickLayouts",
    "libQt6QuickShapes",
    "libQt6QuickTest",
    "libQt6QuickVectorImage",
    "libQt6RemoteObjects",
    "libQt6Scxml",
    "libQt6Sensors",
    "libQt6Sql",
    "libQt6StateMachine",
    "libQt6Test",
    "libQt6TextToSpeech",
    "libQt6WaylandCompositor",
    "libQt6WebChannelQuick",
    "libQt6WebEngineQuick",
    "libQt6WebSockets",
    "libQt6WebView",
    # plugins: satellite positioning, on-screen keyboard, PDF images (need dropped libs)
    "libqtposition",
    "libqtvirtualkeyboard",
    "libqpdf",
)

#: Whole bundle folders that are never read: the QML modules (the QtQml hook copies every
#: one, ~170 MB; we run no QML) and Chromium's developer-tools pack.
DROPPED_DATA_PREFIXES: Final[tuple[str, ...]] = (
    "PySide6/Qt/qml/",
    "PySide6/Qt/plugins/qmltooling/",
    "PySide6/Qt/resources/qtwebengine_devtools_resources",
)

#: Chromium UI locales kept (the others are ~300 KB each and only translate its menus).
KEPT_WEBENGINE_LOCALES: Final[tuple[str, ...]] = ("zh-CN", "en-US")

#: Qt translation catalogues kept (the UI languages of ``--lang``); ~9 MB otherwise.
KEPT_QT_TRANSLATION_SUFFIXES: Final[tuple[str, ...]] = ("_zh_CN", "_en")

#: The CJK font bundled when the build machine has it (Debian: fonts-wqy-microhei).
CJK_FONT_CANDIDATES: Final[tuple[Path, ...]] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),
)

#: Bundle folder (relative to sys._MEIPASS) that holds fonts; desktop/fonts.py reads it.
FONT_DIR: Final = "fonts"

#: Application packages collected whole: ``desktop.cli`` imports subcommands lazily, and a
#: module found by nobody's import scan would be missing only in the bundle.
APP_PACKAGES: Final[tuple[str, ...]] = ("desktop", "hub", "backend_client", "widgets")

#: Folders whose Python files are read from disk at run time, not imported through the
#: archive: Alembic loads env.py and the revisions by path (hub/store/db.py).
SOURCE_DIRS: Final[tuple[str, ...]] = ("hub/migrations",)

#: Libraries imported by name at run time (alembic.context / alembic.op are proxies
#: filled in while a migration runs; its dialect implementations load by name).
DYNAMIC_PACKAGES: Final[tuple[str, ...]] = ("alembic",)

#: Optional runtime drivers bundled when installed (``hub --db postgresql+psycopg://``).
OPTIONAL_IMPORTS: Final[tuple[str, ...]] = ("psycopg", "psycopg_binary")

TocEntry = tuple[str, str, str]


def _posix(dest: str) -> str:
    return str(PurePosixPath(*Path(dest).parts))


def keep_binary(dest: str) -> bool:
    """Whether a collected binary (destination path in the bundle) stays in it."""
    name = PurePosixPath(_posix(dest)).name
    if any(name.startswith(prefix) for prefix in DROPPED_LIBRARY_PREFIXES):
        return False
    # Windows/macOS spell Qt libraries without "lib"; apply the same rules.
    if name.startswith("Qt6") and not keep_binary("lib" + name):
        return False
    return keep_data(dest)


def keep_data(dest: str) -> bool:
    """Whether a collected data file (destination path in the bundle) stays in it."""
    posix = _posix(dest)
    if any(posix.startswith(prefix) for prefix in DROPPED_DATA_PREFIXES):
        return False
    path = PurePosixPath(posix)
    if "/qtwebengine_locales/" in posix and path.suffix == ".pak":
        return path.stem in KEPT_WEBENGINE_LOCALES
    if "Qt/translations/" in posix and path.suffix == ".qm":
        return path.stem.endswith(KEPT_QT_TRANSLATION_SUFFIXES)
    return True


def filter_toc(entries: Iterable[TocEntry], keep: Callable[[str], bool]) -> list[TocEntry]:
    """Entries of a PyInstaller TOC for which ``keep(dest)`` is true."""
    return [entry for entry in entries if keep(entry[0])]


def find_cjk_font(candidates: Sequence[Path] = CJK_FONT_CANDIDATES) -> Path | None:
    for path in candidates:
        if path.is_file():
            return path
    return None


def resource_datas(root: Path) -> list[tuple[str, str]]:
    """(source, bundle folder) pairs for everything under ``resources/`` at build time.

    Walked file by file rather than as one folder so the build never copies editor
    backups or caches, and so an empty resources/ still gives a clear list (empty).
    """
    base = root / "resources"
    pairs: list[tuple[str, str]] = []
    if not base.is_dir():
        return pairs
    for path in sorted(base.rglob("*")):
        if not path.is_file() or _skipped(path):
            continue
        pairs.append((str(path), str(Path("resources") / path.parent.relative_to(base))))
    return pairs


def package_datas(root: Path) -> list[tuple[str, str]]:
    """Non-Python files inside our packages (templates, JS, SQL) plus :data:`SOURCE_DIRS`
    whole, as (source, bundle folder) pairs: code finds them next to its own module."""
    pairs: list[tuple[str, str]] = []
    for package in APP_PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if not path.is_file() or _skipped(path):
                continue
            relative = path.relative_to(root)
            as_source = any(relative.is_relative_to(folder) for folder in SOURCE_DIRS)
            if path.suffix == ".py" and not as_source:
                continue
            pairs.append((str(path), str(relative.parent)))
    return pairs


def _skipped(path: Path) -> bool:
    return (
        path.name.startswith(".")
        or path.name.endswith(("~", ".pyc", ".orig", ".rej"))
        or "__pycache__" in path.parts
    )


def folder_size(path: Path) -> int:
    """Bytes under ``path``, symlinks not followed (a bundle can contain a few)."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
