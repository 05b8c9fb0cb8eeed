"""What goes into the PyInstaller bundle and what is trimmed out (read by watchfloor.spec).

Kept apart from the spec so the rules can be unit-tested without running a build
(tests/packaging/test_packaging_plan.py). Not a package: this folder is scripts only.
"""

from __future__ import annotations

import posixpath
import shutil
import struct
import subprocess
import sys
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
    # PySide6.QtMultimedia stays: the wall plays its announcements through QAudioSink
    # (desktop/speech/player.py). Its FFmpeg backend plugin does not (see "multimedia" in
    # DROPPED_PLUGIN_TYPES): QAudioSink and QMediaDevices work without any backend.
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
    # Bindings PySide's hooks list as dependencies of QtWebEngine's bindings, but that no
    # import loads (not mapped by the running wall, desk, hub or demo). Their C++ libraries
    # (libQt6Positioning, libQt6DBus) stay: libQt6WebEngineCore and libQt6Gui link them.
    "PySide6.QtDBus",
    "PySide6.QtPositioning",
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
    # Test helpers of libraries: collect_submodules("alembic") would take alembic.testing,
    # which pulls in sqlalchemy.testing; numpy.testing loads only on ``np.testing``.
    "alembic.testing",
    "sqlalchemy.testing",
    "numpy.testing",
    "numpy.f2py",
    "numpy._core._multiarray_tests",
    # Packages reached only through optional imports that Watchfloor never takes; each
    # importer copes with their absence (checked against the running bundle):
    # requests imports cryptography/pyOpenSSL only when Python's ssl lacks SNI (~14 MB).
    "cryptography",
    "OpenSSL",
    "cffi",
    "_cffi_backend",
    # yarl probes ``find_spec("pydantic_core")``; pydantic then pulls rich and dotenv.
    "pydantic",
    "pydantic_core",
    "pydantic_settings",
    "dotenv",
    "rich",
    "markdown_it",
    "mdurl",
    # mako (for alembic) highlights its HTML error pages with pygments, else plain text.
    "pygments",
    # msgspec.yaml and numpy.show_config() only.
    "yaml",
    "_yaml",
    # websockets' optional routing (werkzeug) and trio APIs; we use its asyncio API.
    "werkzeug",
    "trio",
    # Build tools. PyInstaller's setuptools runtime hook also imported setuptools at every
    # start of the bundle (it read setuptools/_vendor/.../Lorem ipsum.txt), for nothing.
    "setuptools",
    "pkg_resources",
    "_distutils_hack",
    "distutils",
    "wheel",
    # The interactive prompt (and its libreadline/libtinfo) and help()'s topic texts.
    "readline",
    "pydoc_data",
    # CJK codecs other than mainland Chinese: _codecs_cn (GBK, GB18030) and
    # _multibytecodec stay for Chinese files and feeds; Japanese, Korean, Big5/HK and
    # ISO-2022 encodings are not Watchfloor's.
    "_codecs_jp",
    "_codecs_kr",
    "_codecs_tw",
    "_codecs_hk",
    "_codecs_iso2022",
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
    "libQt6MultimediaQuick",
    "libQt6MultimediaWidgets",
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
    # (libQt6Concurrent is not among them any more: libQt6Multimedia links it.)
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
    # Only for platform plugins that are not bundled (see KEPT_PLUGINS): Wayland (the
    # PySide6 wheels ship no wayland platform plugin, so Qt cannot use them) and eglfs.
    "libQt6Wayland",
    "libQt6WlShellIntegration",
    "libQt6EglFS",
    "libQt6EglFs",
)

#: System libraries that PyInstaller's dependency scan collected only for the plugins
#: dropped below (DROPPED_PLUGIN_TYPES), or for excluded modules; nothing kept links them
#: (tests/packaging/test_bundle_contents.py checks that on a built bundle). Matched on
#: the name before ".so".
DROPPED_SYSTEM_LIBRARIES: Final[tuple[str, ...]] = (
    # GTK 3 platform theme (platformthemes/libqgtk3): it needs the target's own GTK 3,
    # which a wall PC need not have, and would mix it with these copies from the build
    # machine. The wall and desk draw their own theme (wall-dark.qss).
    "libatk-1.0",
    "libcairo",
    "libcairo-gobject",
    "libdatrie",
    "libfribidi",
    "libgdk_pixbuf-2.0",
    "libgraphite2",
    "libharfbuzz",  # the system's, for pango; Qt and Chromium carry their own
    "libjpeg",  # for gdk-pixbuf; Qt's JPEG plugin has its own decoder
    "libpango-1.0",
    "libpangocairo-1.0",
    "libpangoft2-1.0",
    "libpixman-1",
    "libthai",
    # GIO, for the GTK theme and the glib network-information plugin.
    "libblkid",
    "libgio-2.0",
    "libgmodule-2.0",
    "libgobject-2.0",
    "libmount",
    "libselinux",
    # CUPS printing (printsupport/libcupsprintersupport) and its GnuTLS: Watchfloor does
    # not print; case PDFs are written with QPdfWriter.
    "libcups",
    "libgmp",
    "libgnutls",
    "libhogweed",
    "libidn2",
    "libnettle",
    "libp11-kit",
    "libtasn1",
    "libunistring",
    # The readline module's (excluded above). Mesa's llvmpipe on a wall PC without GPU
    # then takes the system's libtinfo, as it does outside the bundle.
    "libreadline",
    "libtinfo",
)

#: Top-folder libraries that stay although no bundled file links them (so the check for
#: orphans in tests/packaging/test_bundle_contents.py passes them): the bootloader loads
#: libpython with dlopen; Chromium's libnss3 dlopens NSS's crypto modules when it first
#: checks a certificate (online tiles over https); the target's own libxcb (which
#: PyInstaller never bundles) links libXau and libXdmcp, and the running wall opens these
#: copies. Matched on the start of the name.
UNLINKED_LIBRARIES: Final[tuple[str, ...]] = (
    # Loaded with ctypes by desktop/speech/engine.py (the wall's voice).
    "libespeak-ng",
    "libpython3",
    "libsoftokn3",
    "libfreeblpriv3",
    "libfreebl3",
    "libnssckbi",
    "libnssdbm3",
    "libXau",
    "libXdmcp",
)

#: Qt plugin folders nothing of ours can load (the platform plugins they serve are not
#: bundled, or no code path asks for them). Names of folders under Qt's plugins/.
DROPPED_PLUGIN_TYPES: Final[tuple[str, ...]] = (
    # eglfs/linuxfb only: KMS device integration and evdev/TUIO input. Under X11 (xcb)
    # the X server delivers keyboard, mouse and touch.
    "egldeviceintegrations",
    "generic",
    # QNetworkInformation, never used (Chromium and asyncio watch the network themselves).
    "networkinformation",
    # GTK 3 and xdg-desktop-portal themes: see DROPPED_SYSTEM_LIBRARIES.
    "platformthemes",
    # CUPS printing: see DROPPED_SYSTEM_LIBRARIES.
    "printsupport",
    # QtNetwork's TLS backends: wss:// and https:// go through Python's ssl (with the
    # bundled libssl), Chromium has its own TLS; no QSslSocket is ever made.
    "tls",
    # Wayland client extensions: no wayland platform plugin is bundled (none in the
    # wheels). Real wall PCs run X11; under a Wayland session Qt uses XWayland (xcb).
    "wayland-decoration-client",
    "wayland-graphics-integration-client",
    "wayland-graphics-integration-server",
    "wayland-shell-integration",
    # For excluded Qt modules, should a hook ever collect them.
    "position",
    "qmltooling",
    "sqldrivers",
    # The FFmpeg media backend (video, decoding): ~20 MB with libav*, and raw PCM through
    # QAudioSink, all the wall plays, needs no backend (checked: "No QtMultimedia backends
    # found. Only QMediaDevices, QAudioDevice, QSoundEffect, QAudioSink ... available").
    "multimedia",
    "designer",
    "virtualkeyboard",
    "texttospeech",
    "sensors",
    "canbus",
    "webview",
    "sceneparsers",
    "geometryloaders",
    "renderers",
    "renderplugins",
    "assetimporters",
    "scxmldatamodel",
)

#: Plugin folders of which only some plugins stay (stem without "lib" and suffix).
KEPT_PLUGINS: Final[dict[str, tuple[str, ...]]] = {
    # xcb: the real wall PCs (X11); offscreen: `check`, `--screenshot`, tests and the
    # smoke test. Windows/macOS builds keep their native one. eglfs, linuxfb, minimal,
    # minimalegl, vnc and vkkhrdisplay are never chosen (widgets/qtenv.py falls back to
    # offscreen, not minimal).
    "platforms": ("qxcb", "qoffscreen", "qwindows", "qcocoa"),
    # Case photos arrive as JPEG, PNG (built into QtGui), GIF or WebP from phones and
    # WeChat; TIFF, TGA, WBMP, ICNS, ICO and SVG are not photo formats (an SVG "photo"
    # is refused rather than rendered). pyqtgraph's SVG legend icon goes through
    # iconengines/qsvgicon, which stays.
    "imageformats": ("qjpeg", "qgif", "qwebp"),
}

#: Whole bundle folders that are never read: the QML modules (the QtQml hook copies every
#: one, ~170 MB; we run no QML), Chromium's developer-tools pack, and pyqtgraph's own
#: application icon (set only by ``pg.mkQApp()``; Watchfloor makes its QApplication).
DROPPED_DATA_PREFIXES: Final[tuple[str, ...]] = (
    "PySide6/Qt/qml/",
    "PySide6/Qt/plugins/qmltooling/",
    "PySide6/Qt/resources/qtwebengine_devtools_resources",
    "pyqtgraph/icons/peegee/",
)

#: Data files never read at run time wherever they are: type stubs.
DROPPED_DATA_SUFFIXES: Final[tuple[str, ...]] = (".pyi",)

#: Chromium UI locales kept: zh-CN for Chinese wall PCs, en-US for every other locale
#: (Chromium's fallback). The others are ~500 KB each and only translate its menus.
KEPT_WEBENGINE_LOCALES: Final[tuple[str, ...]] = ("zh-CN", "en-US")

#: Qt's own translation catalogues (qtbase_*.qm...) kept: none. Watchfloor loads only its
#: own (resources/i18n/watchfloor_<lang>.qm, see translation_datas); the running wall,
#: desk and demo opened none of Qt's, with LANG=zh_CN.UTF-8 or C.UTF-8. A feature that
#: shows Qt's standard dialogs in Chinese would load qtbase_zh_CN.qm: list it here.
KEPT_QT_TRANSLATIONS: Final[tuple[str, ...]] = ()

#: Distributions whose metadata (``*.dist-info``) is bundled although no code reads it: for
#: their license texts. numpy's lists the licenses of the OpenBLAS, gfortran and other
#: code shipped in numpy.libs/ (PyInstaller collected it only while setuptools asked for
#: numpy's version, and setuptools is excluded now).
LICENSE_METADATA: Final[tuple[str, ...]] = ("numpy",)

#: Distributions whose code reads its own metadata when imported: rustpy_xlsxwriter's
#: ``__init__`` asks ``importlib.metadata`` for its version and authors, and without its
#: ``*.dist-info`` the bundle's ``watchfloor export --format xlsx`` died on import.
RUNTIME_METADATA: Final[tuple[str, ...]] = ("rustpy-xlsxwriter",)

#: Folders whose libraries are never stripped of debug information (strip_debug_info):
#: auditwheel's grafted copies (numpy.libs/, psycopg_binary.libs/...) were rewritten by
#: patchelf, and strip is known to corrupt such files. They carry no debug info anyway.
UNSTRIPPED_FOLDER_SUFFIXES: Final[tuple[str, ...]] = (".libs",)

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


def _library_stem(name: str) -> str:
    """``libgio-2.0.so.0`` -> ``libgio-2.0``; ``libcups.so.2`` -> ``libcups``."""
    return name.partition(".so")[0]


def _plugin_stem(name: str) -> str:
    """``libqxcb.so`` / ``qxcb.dll`` / ``libqjpeg.dylib`` -> ``qxcb`` / ``qjpeg``."""
    stem = name.split(".", 1)[0]
    return stem[3:] if stem.startswith("lib") else stem


def keep_plugin(dest: str) -> bool:
    """Whether a file under Qt's ``plugins/`` folder stays (anything else: True)."""
    parts = PurePosixPath(_posix(dest)).parts
    for i, part in enumerate(parts[:-2]):
        if part == "plugins" and i > 0 and parts[i - 1] in ("Qt", "PySide6"):
            kind = parts[i + 1]
            if kind in DROPPED_PLUGIN_TYPES:
                return False
            kept = KEPT_PLUGINS.get(kind)
            return kept is None or _plugin_stem(parts[-1]) in kept
    return True


#: Second copies of a bundled library under another of its file names: nothing links the
#: name (the bundle's users link the SONAME, which stays). Matched on the whole name.
#: libbz2.so.1: the same file as libbz2.so.1.0 (its SONAME, which Python's _bz2 links),
#: collected once more by name since the speech libraries came in.
DUPLICATE_LIBRARIES: Final[tuple[str, ...]] = ("libbz2.so.1",)


def keep_binary(dest: str) -> bool:
    """Whether a collected binary (destination path in the bundle) stays in it."""
    name = PurePosixPath(_posix(dest)).name
    if name in DUPLICATE_LIBRARIES:
        return False
    if any(name.startswith(prefix) for prefix in DROPPED_LIBRARY_PREFIXES):
        return False
    # Windows/macOS spell Qt libraries without "lib"; apply the same rules.
    if name.startswith("Qt6") and not keep_binary("lib" + name):
        return False
    if _library_stem(name) in DROPPED_SYSTEM_LIBRARIES:
        return False
    return keep_data(dest)  # which applies the plugin rules too


def keep_data(dest: str) -> bool:
    """Whether a collected data file (destination path in the bundle) stays in it."""
    posix = _posix(dest)
    if any(posix.startswith(prefix) for prefix in DROPPED_DATA_PREFIXES):
        return False
    path = PurePosixPath(posix)
    if path.suffix in DROPPED_DATA_SUFFIXES:
        return False
    if "/qtwebengine_locales/" in posix and path.suffix == ".pak":
        return path.stem in KEPT_WEBENGINE_LOCALES
    if "/translations/" in posix and path.suffix == ".qm":
        return path.stem in KEPT_QT_TRANSLATIONS
    return keep_plugin(dest)


def wanted_module(name: str) -> bool:
    """Whether a module found by ``collect_submodules`` becomes a hidden import: not one
    of :data:`EXCLUDED_MODULES` nor inside one (``alembic.testing.fixtures``)."""
    return not any(name == m or name.startswith(m + ".") for m in EXCLUDED_MODULES)


def filter_toc(entries: Iterable[TocEntry], keep: Callable[[str], bool]) -> list[TocEntry]:
    """Entries of a PyInstaller TOC for which ``keep(dest)`` is true."""
    return [entry for entry in entries if keep(entry[0])]


def drop_dangling_symlinks(
    entries: Iterable[TocEntry], kept: Iterable[TocEntry] = ()
) -> list[TocEntry]:
    """``entries`` without the SYMLINK entries whose target is in neither list.

    PyInstaller links each library collected into a sub-folder from the top folder
    (``libQt6Sql.so.6 -> PySide6/Qt/lib/libQt6Sql.so.6``) and files those links with the
    data; once the library is trimmed the link would point nowhere. A link to a kept
    link stays.
    """
    entries = list(entries)
    present = {_posix(dest) for dest, _, kind in [*kept, *entries] if kind != "SYMLINK"}
    links = {
        _posix(dest): posixpath.normpath(
            posixpath.join(posixpath.dirname(_posix(dest)), _posix(target))
        )
        for dest, target, kind in entries
        if kind == "SYMLINK"
    }
    grew = True
    while grew:
        grew = False
        for link, target in links.items():
            if link not in present and target in present:
                present.add(link)
                grew = True
    return [entry for entry in entries if _posix(entry[0]) in present]


def has_debug_info(path: Path) -> bool:
    """Whether ``path`` is an ELF file with DWARF sections (``.debug_*``).

    The loader never maps them: pyenv's libpython and the Cython/C extensions of aiohttp,
    SQLAlchemy, yarl... are built with ``-g``, ~40 MB of the bundle before trimming.
    """
    try:
        with path.open("rb") as file:
            ident = file.read(16)
            if len(ident) < 16 or ident[:4] != b"\x7fELF" or ident[4] not in (1, 2):
                return False
            wide, order = ident[4] == 2, "<" if ident[5] == 1 else ">"
            header = file.read(48 if wide else 36)
            if wide:
                shoff, shentsize, shnum, shstrndx = (
                    struct.unpack_from(order + "Q", header, 24)[0],
                    *struct.unpack_from(order + "HHH", header, 42),
                )
            else:
                shoff, shentsize, shnum, shstrndx = (
                    struct.unpack_from(order + "I", header, 16)[0],
                    *struct.unpack_from(order + "HHH", header, 30),
                )
            if not shoff or not shnum or shstrndx >= shnum:
                return False
            file.seek(shoff)
            table = file.read(shentsize * shnum)
            layout = order + ("IIQQQQ" if wide else "IIIIII")

            def section(index: int) -> tuple[int, int, int]:
                fields = struct.unpack_from(layout, table, index * shentsize)
                return fields[0], fields[4], fields[5]  # name offset, file offset, size

            _, names_at, names_size = section(shstrndx)
            file.seek(names_at)
            names = file.read(names_size)
            for index in range(shnum):
                start = section(index)[0]
                if names[start : names.find(b"\0", start)].startswith(b".debug_"):
                    return True
    except (OSError, struct.error):
        return False
    return False


def strip_debug_info(
    entries: Iterable[TocEntry], workdir: Path, strip: str | None = None
) -> list[TocEntry]:
    """The binaries of a PyInstaller TOC, those with debug information replaced by copies
    under ``workdir`` made with ``strip --strip-debug`` (symbols the loader needs stay).

    Linux only (other systems' entries pass unchanged), and only when binutils' ``strip``
    is there; a copy newer than its source is reused. Nothing in
    :data:`UNSTRIPPED_FOLDER_SUFFIXES` is touched.
    """
    entries = list(entries)
    tool = strip or shutil.which("strip")
    if tool is None or not sys.platform.startswith("linux"):
        return entries
    result = []
    for dest, source, kind in entries:
        folders = PurePosixPath(_posix(dest)).parts[:-1]
        if (
            kind in ("BINARY", "EXTENSION")
            and not any(f.endswith(UNSTRIPPED_FOLDER_SUFFIXES) for f in folders)
            and has_debug_info(Path(source))
        ):
            target = workdir / _posix(dest)
            if not target.exists() or target.stat().st_mtime < Path(source).stat().st_mtime:
                target.parent.mkdir(parents=True, exist_ok=True)
                subprocess.run(
                    [tool, "--strip-debug", "-o", str(target), source],
                    check=True,
                    capture_output=True,
                )
            source = str(target)
        result.append((dest, source, kind))
    return result


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


#: Where the Qt Linguist sources are, under resources/.
I18N_DIR: Final = "i18n"


def lrelease_path() -> Path:
    """PySide6's own ``lrelease`` (what ``pyside6-lrelease`` runs)."""
    import PySide6

    return Path(PySide6.__file__).resolve().parent / "lrelease"


def translation_datas(root: Path, out_dir: Path) -> list[tuple[str, str]]:
    """The ``.qm`` of every ``resources/i18n/*.ts``, compiled into ``out_dir`` by
    ``lrelease``, as (source, bundle folder) pairs beside the ``.ts``. The bundle has no
    lrelease: desktop/i18n.py loads these there (a checkout compiles its own)."""
    pairs: list[tuple[str, str]] = []
    out_dir.mkdir(parents=True, exist_ok=True)
    for ts in sorted((root / "resources" / I18N_DIR).glob("*.ts")):
        qm = out_dir / f"{ts.stem}.qm"
        # -nounfinished: a message still untranslated shows its Chinese, as at run time.
        subprocess.run(
            [str(lrelease_path()), "-silent", "-nounfinished", str(ts), "-qm", str(qm)],
            check=True,
        )
        pairs.append((str(qm), str(Path("resources") / I18N_DIR)))
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


# ---- speech: espeak-ng and the part of its data the wall speaks with -------------------

#: espeak-ng dictionaries bundled: Mandarin and English (the wall's two languages). The
#: other ~100 languages' dictionaries are 9 MB a wall never uses.
ESPEAK_DICTS: Final[tuple[str, ...]] = ("cmn", "en")
#: Files of espeak-ng-data every voice needs (phonemes, intonation), and the voice files.
ESPEAK_COMMON: Final[tuple[str, ...]] = (
    "phondata",
    "phondata-manifest",
    "phonindex",
    "phontab",
    "intonations",
)
ESPEAK_FOLDERS: Final[tuple[str, ...]] = ("lang", "voices")
#: In the bundle's top folder: desktop/speech/engine.py looks there first.
ESPEAK_LIBRARY: Final = "libespeak-ng.so.1"
ESPEAK_DATA: Final = "espeak-ng-data"


def find_espeak() -> tuple[Path, Path] | None:
    """The build machine's libespeak-ng and its espeak-ng-data folder (Debian and Ubuntu
    keep both in the multiarch library folder), or None."""
    for libdir in (Path("/usr/lib/x86_64-linux-gnu"), Path("/usr/lib64"), Path("/usr/lib")):
        library = libdir / ESPEAK_LIBRARY
        data = libdir / ESPEAK_DATA
        if library.is_file() and data.is_dir():
            return library, data
    return None


def espeak_datas(data: Path) -> list[tuple[str, str]]:
    """(source, bundle folder) pairs of the espeak-ng-data a Mandarin/English wall needs."""
    pairs: list[tuple[str, str]] = []
    wanted = [data / name for name in ESPEAK_COMMON]
    wanted += [data / f"{lang}_dict" for lang in ESPEAK_DICTS]
    for path in wanted:
        if path.is_file():
            pairs.append((str(path), ESPEAK_DATA))
    for folder in ESPEAK_FOLDERS:
        for path in sorted((data / folder).rglob("*")):
            if path.is_file():
                pairs.append((str(path), str(Path(ESPEAK_DATA) / path.parent.relative_to(data))))
    return pairs
