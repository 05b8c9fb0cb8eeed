"""The bundled CJK font reaches Qt and fontconfig (desktop/fonts.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import fonts

SYSTEM_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


@pytest.fixture
def fake_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if not SYSTEM_FONT.is_file():
        pytest.skip("fonts-wqy-microhei not installed")
    bundle = tmp_path / "bundle"
    (bundle / fonts.BUNDLE_FONT_DIR).mkdir(parents=True)
    shutil.copy(SYSTEM_FONT, bundle / fonts.BUNDLE_FONT_DIR / "bundled-microhei.ttc")
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    monkeypatch.delenv("FONTCONFIG_FILE", raising=False)
    return bundle


def test_no_bundle_means_nothing_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    monkeypatch.setattr(fonts, "resources_dir", lambda: tmp_path)
    monkeypatch.delenv("FONTCONFIG_FILE", raising=False)
    assert fonts.bundled_font_files() == []
    assert fonts.prepare_bundled_fonts(tmp_path / "cache") is None
    assert "FONTCONFIG_FILE" not in os.environ


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fontconfig")
def test_prepare_points_fontconfig_at_the_bundle(fake_bundle: Path, tmp_path: Path) -> None:
    conf = fonts.prepare_bundled_fonts(tmp_path / "cache")
    assert conf is not None and os.environ["FONTCONFIG_FILE"] == str(conf)
    text = conf.read_text(encoding="utf-8")
    assert f"<dir>{fake_bundle / 'fonts'}</dir>" in text
    assert fonts.SYSTEM_FONTCONFIG in text
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        pytest.skip("fc-list not installed")
    # What Chromium will see: fontconfig lists the bundled file for Chinese.
    listed = subprocess.run(
        [fc_list, ":lang=zh-cn", "file"],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "bundled-microhei.ttc" in listed


def test_user_choice_of_fontconfig_is_kept(
    fake_bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FONTCONFIG_FILE", "/etc/custom.conf")
    assert fonts.prepare_bundled_fonts(tmp_path / "cache") is None
    assert os.environ["FONTCONFIG_FILE"] == "/etc/custom.conf"


def test_unwritable_cache_does_not_stop_the_wall(fake_bundle: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert fonts.prepare_bundled_fonts(blocker / "cache") is None
    assert "FONTCONFIG_FILE" not in os.environ


def test_register_adds_the_family_to_qt(fake_bundle: Path, qapp: object) -> None:
    from PySide6.QtGui import QFontDatabase

    families = fonts.register_bundled_fonts()
    assert "WenQuanYi Micro Hei" in families
    assert fonts.register_bundled_fonts() == families  # idempotent
    assert "WenQuanYi Micro Hei" in QFontDatabase.families(
        QFontDatabase.WritingSystem.SimplifiedChinese
    )
