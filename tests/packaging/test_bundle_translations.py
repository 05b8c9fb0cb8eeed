"""The bundle ships the compiled .qm of the UI's translations, and the palette."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTranslator

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import bundleplan  # noqa: E402


def test_qm_files_and_the_palette_go_in(tmp_path: Path) -> None:
    shipped = {Path(src).relative_to(ROOT).as_posix() for src, _ in bundleplan.resource_datas(ROOT)}
    assert "resources/themes/wall-dark.toml" in shipped  # the palette travels with the QSS

    pairs = bundleplan.translation_datas(ROOT, tmp_path)
    assert [(Path(src).name, dest) for src, dest in pairs] == [
        ("watchfloor_en.qm", "resources/i18n")
    ]
    translator = QTranslator()
    assert translator.load(pairs[0][0])
    assert translator.translate("header", "实时") == "LIVE"
