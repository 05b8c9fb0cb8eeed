"""A QR code as a QPixmap, drawn offline (segno: pure Python, no image library)."""

from __future__ import annotations

import io

import segno
from PySide6.QtGui import QPixmap


def qr_pixmap(text: str, module_px: int = 4) -> QPixmap:
    """``text`` as a QR code (error correction M, a 4-module quiet zone as the standard
    asks), each module ``module_px`` pixels square: scanners read whole pixels best."""
    code = segno.make_qr(text, error="m")
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=module_px, border=4, dark="#000000", light="#ffffff")
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap


def qr_modules(text: str) -> list[list[bool]]:
    """The dark (True) and light modules of ``text``'s code, quiet zone excluded."""
    code = segno.make_qr(text, error="m")
    return [[bool(module) for module in row] for row in code.matrix]
