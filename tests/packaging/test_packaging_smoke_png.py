"""The smoke test's PNG reader and map verdict (packaging/smoke.py), on images Qt writes."""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QImage, QPainter, QPen

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import smoke  # noqa: E402


def _save(image: QImage, path: Path) -> bytes:
    assert image.save(str(path))
    return path.read_bytes()


def _blank(colour: str, fmt: QImage.Format = QImage.Format.Format_RGB32) -> QImage:
    image = QImage(320, 200, fmt)
    image.fill(QColor(colour))
    return image


def _map_like() -> QImage:
    """Antialiased lines and dots over a dark background, like the wall's map."""
    image = _blank("#0b1220")
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for i in range(40):
        painter.setPen(QPen(QColor.fromHsv((i * 37) % 360, 200, 230), 2))
        painter.drawLine(QPoint(10 + i * 7, 20), QPoint(300 - i * 5, 180))
        painter.setBrush(QColor.fromHsv((i * 53) % 360, 255, 255))
        painter.drawEllipse(QPoint(60 + (i * 13) % 200, 60 + (i * 29) % 90), 4, 4)
    painter.end()
    return image


@pytest.mark.parametrize(
    "fmt", [QImage.Format.Format_RGB32, QImage.Format.Format_ARGB32, QImage.Format.Format_RGB888]
)
def test_decode_matches_qt_pixels(tmp_path: Path, fmt: QImage.Format) -> None:
    image = _map_like().convertToFormat(fmt)
    decoded = smoke.decode_png(_save(image, tmp_path / "m.png"))
    assert (decoded.width, decoded.height) == (320, 200)
    for x, y in [(0, 0), (100, 50), (159, 99), (319, 199), (64, 61)]:
        colour = image.pixelColor(x, y)
        assert decoded.pixel(x, y)[:3] == (colour.red(), colour.green(), colour.blue())


def test_greyscale_png(tmp_path: Path) -> None:
    image = _map_like().convertToFormat(QImage.Format.Format_Grayscale8)
    decoded = smoke.decode_png(_save(image, tmp_path / "g.png"))
    assert decoded.channels == 1
    assert decoded.pixel(64, 61)[0] == image.pixelColor(64, 61).red()


def test_a_blank_page_is_not_a_map(tmp_path: Path) -> None:
    for colour in ("#ffffff", "#0b1220"):
        verdict = smoke.judge_map(smoke.decode_png(_save(_blank(colour), tmp_path / "b.png")))
        assert not verdict.ok
        assert verdict.colours == 1


def test_a_header_over_a_blank_map_is_not_a_map(tmp_path: Path) -> None:
    """Text outside the map area (title bar, ticker) must not make a blank map pass."""
    image = _blank("#0b1220")
    painter = QPainter(image)
    painter.setPen(QColor("white"))
    painter.drawText(5, 15, "婺城区综合行政执法指挥平台 LIVE 12:00:00")
    painter.drawText(5, 195, "【案件播报】等待新案件")
    painter.end()
    assert not smoke.judge_map(smoke.decode_png(_save(image, tmp_path / "h.png"))).ok


def test_a_drawn_map_passes(tmp_path: Path) -> None:
    verdict = smoke.judge_map(smoke.decode_png(_save(_map_like(), tmp_path / "m.png")))
    assert verdict.ok, verdict.describe()
    assert "colours" in verdict.describe()


def test_not_a_png_is_an_error() -> None:
    with pytest.raises(smoke.SmokeError):
        smoke.decode_png(b"GIF89a....")


def test_unsupported_depth_is_an_error() -> None:
    header = b"\x89PNG\r\n\x1a\n"
    ihdr = b"\x00\x00\x00\rIHDR" + (4).to_bytes(4, "big") * 2 + bytes([16, 2, 0, 0, 0]) + b"crc!"
    idat_body = zlib.compress(b"")
    idat = len(idat_body).to_bytes(4, "big") + b"IDAT" + idat_body + b"crc!"
    with pytest.raises(smoke.SmokeError, match="depth 16"):
        smoke.decode_png(header + ihdr + idat + b"\x00\x00\x00\x00IEND" + b"crc!")


def test_smoke_wants_a_built_bundle(tmp_path: Path) -> None:
    with pytest.raises(smoke.SmokeError, match=r"packaging/build\.py"):
        smoke.Runner(tmp_path, tmp_path / "work")


def test_smoke_runs_with_the_standard_library_only() -> None:
    """It must run under a bare python3 on the wall PC or CI: no project imports."""
    source = (ROOT / "packaging" / "smoke.py").read_text(encoding="utf-8")
    for name in ("PySide6", "desktop", "hub", "numpy", "platformdirs"):
        assert f"import {name}" not in source
        assert f"from {name}" not in source
