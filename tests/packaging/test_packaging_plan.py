"""The bundle's inclusion and trimming rules (packaging/bundleplan.py), without a build."""

from __future__ import annotations

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
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt6WebEngineCore.dll",
    ],
)
def test_libraries_the_wall_needs_stay(dest: str) -> None:
    assert bundleplan.keep_binary(dest)


@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/lib/libQt6Quick3DRuntimeRender.so.6",
        "PySide6/Qt/lib/libQt6Multimedia.so.6",
        "PySide6/Qt/lib/libQt6Pdf.so.6",
        "PySide6/Qt/plugins/position/libqtposition_nmea.so",
        "PySide6/Qt/plugins/imageformats/libqpdf.so",
        "PySide6/Qt/qml/QtQuick/Controls/libqtquickcontrols2plugin.so",
        "PySide6/Qt63DCore.dll",
    ],
)
def test_unused_qt_is_trimmed(dest: str) -> None:
    assert not bundleplan.keep_binary(dest)


def test_only_the_ui_languages_are_kept() -> None:
    base = "PySide6/Qt/translations"
    assert bundleplan.keep_data(f"{base}/qtwebengine_locales/zh-CN.pak")
    assert bundleplan.keep_data(f"{base}/qtwebengine_locales/en-US.pak")
    assert not bundleplan.keep_data(f"{base}/qtwebengine_locales/de.pak")
    assert bundleplan.keep_data(f"{base}/qtbase_zh_CN.qm")
    assert not bundleplan.keep_data(f"{base}/qtbase_fr.qm")
    # Chromium's resources are not translations and must all stay.
    assert bundleplan.keep_data("PySide6/Qt/resources/qtwebengine_resources.pak")
    assert bundleplan.keep_data("PySide6/Qt/resources/icudtl.dat")


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
    for name in ("EXCLUDED_MODULES", "keep_binary", "keep_data", "resource_datas", "FONT_DIR"):
        assert f"bundleplan.{name}" in spec
    assert not (ROOT / "packaging" / "__init__.py").exists(), "would shadow the packaging library"
