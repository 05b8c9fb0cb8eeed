"""The bundle's inclusion and trimming rules (packaging/bundleplan.py), without a build."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import bundleplan  # noqa: E402


@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/lib/libQt6WebEngineCore.so.6",
        # QtWebEngine links these; dropping them breaks the map.
        "PySide6/Qt/lib/libQt6Quick.so.6",
        "PySide6/Qt/lib/libQt6Qml.so.6",
        "PySide6/Qt/lib/libQt6Positioning.so.6",
        "PySide6/Qt/lib/libQt6DBus.so.6",  # libQt6Gui links it (the binding goes)
        "PySide6/Qt/lib/libQt6Svg.so.6",  # pyqtgraph imports QtSvg
        "PySide6/Qt/lib/libQt6XcbQpa.so.6",
        "PySide6/Qt6WebEngineCore.dll",
        # Platforms: real wall PCs (X11) and offscreen (check, screenshots, tests).
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/plugins/platforms/qwindows.dll",
        # GL under X11, typing Chinese at the desk (ibus), dead keys (compose).
        "PySide6/Qt/plugins/xcbglintegrations/libqxcb-glx-integration.so",
        "PySide6/Qt/plugins/xcbglintegrations/libqxcb-egl-integration.so",
        "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
        "PySide6/Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so",
        # Case photos (PNG is built in) and pyqtgraph's SVG legend icon.
        "PySide6/Qt/plugins/imageformats/libqjpeg.so",
        "PySide6/Qt/plugins/imageformats/libqgif.so",
        "PySide6/Qt/plugins/imageformats/libqwebp.so",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        # System libraries the kept Qt, Chromium and Python link or load.
        "libglib-2.0.so.0",
        "libxcb-cursor.so.0",
        "libxkbcommon-x11.so.0",
        "libnss3.so",
        "libsoftokn3.so",
        "libfreeblpriv3.so",
        "libssl.so.3",
        "libcrypto.so.3",
        "libfontconfig.so.1",
        "libXau.so.6",
        # hub --db postgresql+psycopg://: libpq and its own TLS, Kerberos, LDAP.
        "psycopg_binary/_psycopg.cpython-311-x86_64-linux-gnu.so",
        "psycopg_binary.libs/libpq-e9b5c9ac.so.5.18",
        "psycopg_binary.libs/libssl-6a9b88ec.so.3",
        # Spoken announcements: QAudioSink, and espeak-ng in the top folder.
        "PySide6/Qt/lib/libQt6Multimedia.so.6",
        "PySide6/Qt/lib/libQt6Concurrent.so.6",  # libQt6Multimedia links it
        "PySide6/QtMultimedia.abi3.so",
        "libespeak-ng.so.1",
        # Chinese text encodings stay; only other CJK codecs are excluded (by module).
        "python3.11/lib-dynload/_codecs_cn.cpython-311-x86_64-linux-gnu.so",
    ],
)
def test_libraries_the_wall_needs_stay(dest: str) -> None:
    assert bundleplan.keep_binary(dest)


@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/lib/libQt6Quick3DRuntimeRender.so.6",
        # QtMultimedia's FFmpeg backend: the wall's QAudioSink needs no backend.
        "PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so",
        "PySide6/Qt/lib/libavcodec.so.61",
        "PySide6/Qt/lib/libQt6MultimediaWidgets.so.6",
        "PySide6/Qt/lib/libQt6Pdf.so.6",
        "PySide6/Qt/plugins/position/libqtposition_nmea.so",
        "PySide6/Qt/plugins/imageformats/libqpdf.so",
        "PySide6/Qt/qml/QtQuick/Controls/libqtquickcontrols2plugin.so",
        "PySide6/Qt63DCore.dll",
        # Platforms nothing chooses, and what only they use.
        "PySide6/Qt/plugins/platforms/libqeglfs.so",
        "PySide6/Qt/plugins/platforms/libqlinuxfb.so",
        "PySide6/Qt/plugins/platforms/libqminimal.so",
        "PySide6/Qt/plugins/platforms/libqminimalegl.so",
        "PySide6/Qt/plugins/platforms/libqvnc.so",
        "PySide6/Qt/plugins/platforms/libqvkkhrdisplay.so",
        "PySide6/plugins/platforms/qminimal.dll",
        "PySide6/Qt/plugins/egldeviceintegrations/libqeglfs-kms-egldevice-integration.so",
        "PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6",
        "PySide6/Qt/lib/libQt6EglFsKmsSupport.so.6",
        "PySide6/Qt/plugins/generic/libqevdevtouchplugin.so",
        # No wayland platform plugin in the wheels: its extensions cannot load.
        "PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so",
        "PySide6/Qt/plugins/wayland-decoration-client/libadwaita.so",
        "PySide6/Qt/lib/libQt6WaylandClient.so.6",
        "PySide6/Qt/lib/libQt6WlShellIntegration.so.6",
        # GTK theme, CUPS printing, Qt's TLS backends, network information.
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so",
        "PySide6/Qt/plugins/printsupport/libcupsprintersupport.so",
        "PySide6/Qt/plugins/tls/libqopensslbackend.so",
        "PySide6/Qt/plugins/tls/libqcertonlybackend.so",
        "PySide6/Qt/plugins/networkinformation/libqnetworkmanager.so",
        # Image formats that are not photos.
        "PySide6/Qt/plugins/imageformats/libqtiff.so",
        "PySide6/Qt/plugins/imageformats/libqtga.so",
        "PySide6/Qt/plugins/imageformats/libqwbmp.so",
        "PySide6/Qt/plugins/imageformats/libqicns.so",
        "PySide6/Qt/plugins/imageformats/libqico.so",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
        "PySide6/plugins/imageformats/qtiff.dll",
        # The system libraries only those plugins (or excluded modules) brought.
        "libgdk_pixbuf-2.0.so.0",
        "libcairo.so.2",
        "libcairo-gobject.so.2",
        "libpango-1.0.so.0",
        "libharfbuzz.so.0",
        "libgio-2.0.so.0",
        "libgobject-2.0.so.0",
        "libcups.so.2",
        "libgnutls.so.30",
        "libp11-kit.so.0",
        "libreadline.so.8",
        "libtinfo.so.6",
    ],
)
def test_unused_qt_is_trimmed(dest: str) -> None:
    assert not bundleplan.keep_binary(dest)


def test_plugin_rules_apply_to_data_entries_too() -> None:
    # Hooks sometimes file plugins as data; the same rules must catch them.
    assert not bundleplan.keep_data("PySide6/Qt/plugins/platformthemes/libqgtk3.so")
    assert bundleplan.keep_data("PySide6/Qt/plugins/platforms/libqxcb.so")
    # "plugins" elsewhere is not Qt's.
    assert bundleplan.keep_data("pygments/plugins/tls/x.py")


def test_library_names_match_whole_stems() -> None:
    # libcairo is dropped, but not a library that merely starts the same way.
    assert not bundleplan.keep_binary("libcairo.so.2")
    assert bundleplan.keep_binary("libcairomm-1.0.so.1")
    assert bundleplan.keep_binary("libgio-3.0.so.0")


def test_only_the_ui_languages_are_kept() -> None:
    base = "PySide6/Qt/translations"
    assert bundleplan.keep_data(f"{base}/qtwebengine_locales/zh-CN.pak")
    assert bundleplan.keep_data(f"{base}/qtwebengine_locales/en-US.pak")
    assert not bundleplan.keep_data(f"{base}/qtwebengine_locales/de.pak")
    assert not bundleplan.keep_data(f"{base}/qtwebengine_locales/zh-TW.pak")
    # Watchfloor translates with its own catalogue and loads no Qt .qm file at all.
    for catalogue in ("qtbase_zh_CN", "qtbase_en", "qt_zh_CN", "qtwebengine_zh_CN", "qtbase_fr"):
        assert not bundleplan.keep_data(f"{base}/{catalogue}.qm")
    # Chromium's resources are not translations and must all stay.
    assert bundleplan.keep_data("PySide6/Qt/resources/qtwebengine_resources.pak")
    assert bundleplan.keep_data("PySide6/Qt/resources/qtwebengine_resources_200p.pak")
    assert bundleplan.keep_data("PySide6/Qt/resources/v8_context_snapshot.bin")
    assert bundleplan.keep_data("PySide6/Qt/resources/icudtl.dat")
    assert bundleplan.keep_data("PySide6/Qt/libexec/QtWebEngineProcess")


def test_pyqtgraph_keeps_what_the_charts_use() -> None:
    assert bundleplan.keep_data("pyqtgraph/icons/auto.png")  # the plot's auto-range button
    assert bundleplan.keep_data("pyqtgraph/icons/invisibleEye.svg")  # a hidden legend entry
    assert bundleplan.keep_data("pyqtgraph/colors/maps/viridis.csv")
    assert not bundleplan.keep_data("pyqtgraph/icons/peegee/peegee_512px.png")
    assert not bundleplan.keep_data("pyqtgraph/Qt/QtCore/__init__.pyi")


@pytest.mark.parametrize(
    "module",
    [
        "cryptography",
        "pydantic_core",
        "pygments",
        "yaml",
        "setuptools",
        "readline",
        "_codecs_jp",
        "alembic.testing",
        "sqlalchemy.testing",
        "numpy.testing",
        "PySide6.QtPositioning",
        "PySide6.QtDBus",
    ],
)
def test_unused_python_modules_are_excluded(module: str) -> None:
    assert module in bundleplan.EXCLUDED_MODULES


@pytest.mark.parametrize(
    "module",
    [
        # Imported while the wall, desk, demo or hub runs (seen in the running bundle).
        "numpy",
        "pyqtgraph",
        "folium",
        "requests",
        "certifi",
        "jinja2",
        "mako",
        "alembic",
        "sqlalchemy",
        "psycopg",
        "psycopg_binary",
        "_codecs_cn",
        "_multibytecodec",
        "_ssl",
        "PySide6.QtSvg",
        "PySide6.QtOpenGL",
        "PySide6.QtOpenGLWidgets",
        "PySide6.QtPrintSupport",
        "PySide6.QtNetwork",
        "PySide6.QtWebChannel",
    ],
)
def test_modules_in_use_are_not_excluded(module: str) -> None:
    assert bundleplan.wanted_module(module)
    assert bundleplan.wanted_module(module + ".sub")


def test_wanted_module_filters_hidden_imports_by_package() -> None:
    assert not bundleplan.wanted_module("alembic.testing.fixtures")
    assert bundleplan.wanted_module("alembic.runtime.migration")
    assert bundleplan.wanted_module("hub.store.db")
    assert not bundleplan.wanted_module("cryptography.x509")
    assert bundleplan.wanted_module("cryptographyx")  # a name, not a prefix


def test_license_metadata_is_collected() -> None:
    assert "numpy" in bundleplan.LICENSE_METADATA
    spec = (ROOT / "packaging" / "watchfloor.spec").read_text(encoding="utf-8")
    assert "copy_metadata" in spec and "bundleplan.LICENSE_METADATA" in spec


def test_qml_files_are_not_bundled_but_quick_bindings_are() -> None:
    # The bindings are needed to wrap QtWebEngine's internal QQuickItems (see bundleplan).
    for module in ("PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtWebEngineWidgets"):
        assert module not in bundleplan.EXCLUDED_MODULES
    assert not bundleplan.keep_data("PySide6/Qt/qml/QtQuick/qmldir")
    assert not bundleplan.keep_binary("PySide6/Qt/qml/QtQuick/libqtquick2plugin.so")


def test_filter_toc_keeps_order_and_drops_by_destination() -> None:
    toc = [
        ("PySide6/Qt/lib/libQt6Core.so.6", "/src/a", "BINARY"),
        ("PySide6/Qt/lib/libQt6Pdf.so.6", "/src/b", "BINARY"),
        ("numpy/core.so", "/src/c", "EXTENSION"),
    ]
    kept = bundleplan.filter_toc(toc, bundleplan.keep_binary)
    assert [entry[0] for entry in kept] == ["PySide6/Qt/lib/libQt6Core.so.6", "numpy/core.so"]


def test_links_to_trimmed_libraries_go_with_them() -> None:
    binaries = [("PySide6/Qt/lib/libQt6Core.so.6", "/src/core", "BINARY")]
    datas = [
        ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
        ("libQt6Sql.so.6", "PySide6/Qt/lib/libQt6Sql.so.6", "SYMLINK"),  # trimmed
        ("PySide6/Qt/lib/libQt6Core.so", "libQt6Core.so.6", "SYMLINK"),  # a relative link
        ("libcore-alias.so", "libQt6Core.so.6", "SYMLINK"),  # a link to a kept link
        ("libnowhere.so", "libgone.so.1", "SYMLINK"),
        ("resources/map/watchfloor-map.js", "/src/map.js", "DATA"),
    ]
    kept = bundleplan.drop_dangling_symlinks(datas, binaries)
    assert [dest for dest, _, _ in kept] == [
        "libQt6Core.so.6",
        "PySide6/Qt/lib/libQt6Core.so",
        "libcore-alias.so",
        "resources/map/watchfloor-map.js",
    ]


def _elf(sections: list[str], wide: bool = True) -> bytes:
    """A minimal little-endian ELF file with the named sections (no contents)."""
    names = b"\0" + b"".join(name.encode() + b"\0" for name in [*sections, ".shstrtab"])
    offsets, at = [], 1
    for name in [*sections, ".shstrtab"]:
        offsets.append(at)
        at += len(name) + 1
    header_size, entry = (64, 64) if wide else (52, 40)
    count = len(sections) + 2  # the null section first, .shstrtab last
    names_at = header_size
    table_at = names_at + len(names)
    layout = "<IIQQQQIIQQ" if wide else "<IIIIIIIIII"
    table = bytes(entry)  # SHN_UNDEF
    for index, name_offset in enumerate(offsets):
        is_names = index == len(offsets) - 1
        at_, size = (names_at, len(names)) if is_names else (0, 0)
        table += struct.pack(layout, name_offset, 3 if is_names else 1, 0, 0, at_, size, 0, 0, 1, 0)
    ident = b"\x7fELF" + bytes([2 if wide else 1, 1, 1]) + bytes(9)
    if wide:
        rest = struct.pack(
            "<HHIQQQIHHHHHH", 3, 62, 1, 0, 0, table_at, 0, 64, 56, 0, entry, count, count - 1
        )
    else:
        rest = struct.pack(
            "<HHIIIIIHHHHHH", 3, 3, 1, 0, 0, table_at, 0, 52, 32, 0, entry, count, count - 1
        )
    return ident + rest + names + table


@pytest.mark.parametrize("wide", [True, False])
def test_debug_info_is_told_from_the_section_names(tmp_path: Path, wide: bool) -> None:
    with_debug = tmp_path / "with.so"
    with_debug.write_bytes(_elf([".text", ".debug_info", ".debug_line"], wide))
    without = tmp_path / "without.so"
    without.write_bytes(_elf([".text", ".dynsym", ".gnu_debuglink"], wide))
    assert bundleplan.has_debug_info(with_debug)
    assert not bundleplan.has_debug_info(without)
    (tmp_path / "data.pak").write_bytes(b"PK\x03\x04" + bytes(100))
    assert not bundleplan.has_debug_info(tmp_path / "data.pak")
    (tmp_path / "short.so").write_bytes(_elf([".debug_info"], wide)[:40])
    assert not bundleplan.has_debug_info(tmp_path / "short.so")
    assert not bundleplan.has_debug_info(tmp_path / "missing.so")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF stripping is Linux only")
def test_strip_debug_info_replaces_only_binaries_with_debug_info(tmp_path: Path) -> None:
    debug = tmp_path / "src" / "libpython3.11.so.1.0"
    debug.parent.mkdir()
    debug.write_bytes(_elf([".text", ".debug_info"]))
    clean = tmp_path / "src" / "libclean.so"
    clean.write_bytes(_elf([".text"]))
    grafted = tmp_path / "src" / "libopenblas.so"
    grafted.write_bytes(_elf([".debug_info"]))
    calls = tmp_path / "calls"
    tool = tmp_path / "fake-strip"  # strip --strip-debug -o TARGET SOURCE, recorded
    tool.write_text(f'#!/bin/sh\necho "$@" >> {calls}\ncp "$4" "$3"\n', encoding="utf-8")
    tool.chmod(0o755)
    toc = [
        ("libpython3.11.so.1.0", str(debug), "BINARY"),
        ("libclean.so", str(clean), "BINARY"),
        ("numpy.libs/libopenblas.so", str(grafted), "BINARY"),
        ("resources/x.so", str(debug), "DATA"),
    ]
    work = tmp_path / "stripped"
    result = bundleplan.strip_debug_info(toc, work, strip=str(tool))
    assert result[0] == ("libpython3.11.so.1.0", str(work / "libpython3.11.so.1.0"), "BINARY")
    assert result[1:] == toc[1:]
    assert calls.read_text(encoding="utf-8").split() == [
        "--strip-debug",
        "-o",
        str(work / "libpython3.11.so.1.0"),
        str(debug),
    ]
    bundleplan.strip_debug_info(toc, work, strip=str(tool))  # up to date: not again
    assert len(calls.read_text(encoding="utf-8").splitlines()) == 1


def test_everything_under_resources_is_bundled_at_its_place() -> None:
    pairs = bundleplan.resource_datas(ROOT)
    sources = {Path(src).relative_to(ROOT).as_posix(): dest for src, dest in pairs}
    expected = [p for p in (ROOT / "resources").rglob("*") if p.is_file()]
    assert expected, "resources/ is empty"
    for path in expected:
        if bundleplan._skipped(path):
            continue
        relative = path.relative_to(ROOT).as_posix()
        assert Path(sources[relative]) == Path(relative).parent


def test_resource_datas_skips_editor_litter(tmp_path: Path) -> None:
    (tmp_path / "resources" / "themes").mkdir(parents=True)
    (tmp_path / "resources" / "themes" / "wall.qss").write_text("x")
    (tmp_path / "resources" / "themes" / "wall.qss~").write_text("x")
    (tmp_path / "resources" / "themes" / ".wall.qss.swp").write_text("x")
    pairs = bundleplan.resource_datas(tmp_path)
    assert [Path(src).name for src, _ in pairs] == ["wall.qss"]
    assert bundleplan.resource_datas(tmp_path / "nothing") == []


def test_alembic_revisions_travel_as_files() -> None:
    """Alembic reads env.py and the revisions from disk; without them the hub cannot
    start from the bundle (seen: 'Path doesn't exist: .../hub/migrations')."""
    pairs = bundleplan.package_datas(ROOT)
    bundled = {Path(src).relative_to(ROOT).as_posix() for src, _ in pairs}
    migrations = ROOT / "hub" / "migrations"
    if not migrations.is_dir():
        pytest.skip("no hub/migrations in this tree")
    assert "hub/migrations/env.py" in bundled
    for revision in (migrations / "versions").glob("*.py"):
        assert revision.relative_to(ROOT).as_posix() in bundled
    # Ordinary modules go through PyInstaller's archive, not as loose files.
    assert "desktop/cli.py" not in bundled


def test_find_cjk_font(tmp_path: Path) -> None:
    font = tmp_path / "f.ttc"
    assert bundleplan.find_cjk_font([font]) is None
    font.write_bytes(b"x")
    assert bundleplan.find_cjk_font([tmp_path / "missing.ttc", font]) == font


def test_spec_uses_the_plan() -> None:
    spec = (ROOT / "packaging" / "watchfloor.spec").read_text(encoding="utf-8")
    for name in (
        "EXCLUDED_MODULES",
        "keep_binary",
        "keep_data",
        "drop_dangling_symlinks",
        "strip_debug_info",
        "wanted_module",
        "resource_datas",
        "FONT_DIR",
    ):
        assert f"bundleplan.{name}" in spec
    assert not (ROOT / "packaging" / "__init__.py").exists(), "would shadow the packaging library"


def test_espeak_data_is_trimmed_to_the_walls_languages(tmp_path: Path) -> None:
    data = tmp_path / "espeak-ng-data"
    for name in ("phondata", "phontab", "phonindex", "intonations", "cmn_dict", "en_dict"):
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        (data / name).write_bytes(b"x")
    (data / "ru_dict").write_bytes(b"x")
    (data / "lang" / "sit").mkdir(parents=True)
    (data / "lang" / "sit" / "cmn-Latn-pinyin").write_text("name x")
    pairs = bundleplan.espeak_datas(data)
    names = {Path(src).name: dest for src, dest in pairs}
    assert "ru_dict" not in names
    assert names["cmn_dict"] == "espeak-ng-data"
    assert names["cmn-Latn-pinyin"] == "espeak-ng-data/lang/sit"
