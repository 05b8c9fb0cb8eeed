"""A case's photos as a strip of thumbnails: decoded locally, links shown, never fetched."""

from __future__ import annotations

import base64
import binascii
import re

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QWidget

from widgets.drilldown.texts import TEXT
from widgets.text import translate

#: Photo thumbnails fit in this box; smaller photos are shown at their own size.
THUMB = QSize(120, 90)
_DATA_URL = re.compile(r"^data:image/[\w.+-]+;base64,", re.IGNORECASE)


def photo_pixmap(photo: str) -> QPixmap | None:
    """A photo sent as base64 (with or without a ``data:image/...;base64,`` prefix) as a
    pixmap; None when it does not decode to an image (truncated, not base64, not a
    picture): a broken upload must not cost the supervisor the rest of the case."""
    data = _DATA_URL.sub("", photo.strip(), count=1)
    try:
        raw = base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    pixmap = QPixmap()
    if not raw or not pixmap.loadFromData(raw):
        return None
    return pixmap


def is_photo_url(photo: str) -> bool:
    return photo.strip().lower().startswith(("http://", "https://"))


def thumbnail(pixmap: QPixmap, box: QSize = THUMB) -> QPixmap:
    """``pixmap`` shrunk to fit ``box`` (aspect kept); never enlarged."""
    if pixmap.width() <= box.width() and pixmap.height() <= box.height():
        return pixmap
    return pixmap.scaled(
        box, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


class PhotoStrip(QScrollArea):
    """One row of thumbnails (a placeholder for a broken one, the text of a link)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CasePhotos")
        self.strip = QWidget()
        self._row = QHBoxLayout(self.strip)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.addStretch(1)
        self.setWidget(self.strip)
        self.setWidgetResizable(True)
        self.viewport().setAutoFillBackground(False)
        self.strip.setAutoFillBackground(False)
        self.setFixedHeight(THUMB.height() + 28)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.labels: list[QLabel] = []

    def show_photos(self, photos: list[str]) -> None:
        for label in self.labels:
            self._row.removeWidget(label)
            label.deleteLater()
        self.labels = [photo_label(photo) for photo in photos]
        for n, label in enumerate(self.labels):
            self._row.insertWidget(n, label)


def photo_label(photo: str) -> QLabel:
    label = QLabel()
    label.setObjectName("CasePhoto")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    if is_photo_url(photo):
        # Shown, never fetched: a drill-down does not reach out to the internet.
        label.setText(translate("drilldown", TEXT["photo_url"]).format(url=photo.strip()))
        label.setWordWrap(True)
        label.setFixedSize(THUMB.width() * 2, THUMB.height())
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setProperty("photo", "url")
        return label
    pixmap = photo_pixmap(photo)
    if pixmap is None:
        label.setText(translate("drilldown", TEXT["photo_broken"]))
        label.setProperty("photo", "broken")
        label.setFixedSize(THUMB)
    else:
        label.setPixmap(thumbnail(pixmap))
        label.setProperty("photo", "image")
        label.setToolTip(f"{pixmap.width()}×{pixmap.height()}")
    return label
