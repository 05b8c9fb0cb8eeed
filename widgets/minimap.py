"""A small painted map for the drill-downs: where a case is, where an officer went.

Drill-downs open and close all day, so this is a plain QWidget drawn with QPainter: no
QtWebEngine page, no tiles. The base is the vector data shipped in ``resources/geo`` (the
district outlines and the rivers, WGS-84, as :func:`widgets.map.page.load_geography`
reads them), built once per process into lon/lat painter paths and drawn through one
transform, so a repaint costs the same whatever the zoom. A corner inset shows the whole
of Wucheng with the main view's box on it: at street scale the district outline is
rarely in view, and "where in the district" is the first question.

Everything drawn is also readable back (:meth:`MiniMap.marker_points`,
:meth:`MiniMap.cursor_point`, :meth:`MiniMap.project`) so tests check placement
without reading pixels. The boxes, markers, base paths and projection it draws are in
:mod:`widgets.minimap_geometry`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from PySide6.QtCore import QPointF, QRectF, QSize, QSizeF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QPolygonF,
    QTransform,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from widgets.minimap_geometry import (
    M_PER_DEG,
    Box,
    Marker,
    base_paths,
    fit_transform,
    nice_scale,
)
from widgets.palette import colour
from widgets.text import QT_TRANSLATE_NOOP, translate

# Box, Marker, base_paths and nice_scale live in widgets.minimap_geometry; the drill-downs
# and the tests import them from here, with the widget.
__all__ = [
    "COLOURS",
    "RADII",
    "TEXT",
    "Box",
    "Marker",
    "MiniMap",
    "base_paths",
    "distance_text",
    "nice_scale",
    "scale_text",
]

TEXT: dict[str, str] = {
    "metres": QT_TRANSLATE_NOOP("minimap", "{n} 米"),
    "kilometres": QT_TRANSLATE_NOOP("minimap", "{n} 公里"),
    "no_place": QT_TRANSLATE_NOOP("minimap", "无位置信息"),
}

COLOURS: Final[dict[str, str]] = {
    "background": colour("minimap.background"),
    "district": colour("minimap.district"),
    "district_edge": colour("minimap.district_edge"),
    "wucheng": colour("minimap.wucheng"),
    "wucheng_edge": colour("minimap.wucheng_edge"),
    "river": colour("minimap.river"),
    "case": colour("minimap.case"),
    "nearby": colour("minimap.nearby"),
    "track": colour("minimap.track"),
    "track_ahead": colour("minimap.track_ahead"),
    "track_case": colour("minimap.track_case"),
    "cursor": colour("minimap.cursor"),
    "cursor_ring": colour("minimap.cursor_ring"),
    "text": colour("minimap.text"),
    "inset": colour("minimap.inset"),
}
#: Marker radius in pixels, by kind: the case itself stands out, its neighbours do not.
RADII: Final[dict[str, float]] = {"case": 7.0, "nearby": 4.0, "track_case": 5.5}


def scale_text(metres: int) -> str:
    if metres >= 1000:
        km = metres / 1000
        return translate("minimap", TEXT["kilometres"]).format(n=f"{km:g}")
    return translate("minimap", TEXT["metres"]).format(n=metres)


def distance_text(metres: float) -> str:
    """``85 米`` / ``1.2 公里``: metres where they matter, a decimal of km beyond."""
    if metres < 1000:
        return translate("minimap", TEXT["metres"]).format(n=round(metres))
    return translate("minimap", TEXT["kilometres"]).format(n=f"{metres / 1000:.1f}")


class MiniMap(QWidget):
    """The base map fitted to a box, with case markers, a track and a moving cursor.

    ``markerActivated(key)`` fires when a marker is clicked.
    """

    markerActivated = Signal(str)

    MARGIN = 8.0
    INSET = QSize(96, 84)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MiniMap")
        self.setMinimumSize(220, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.box: Box | None = None
        self.markers: list[Marker] = []
        self.track: list[tuple[float, float]] = []
        self.cursor_at: tuple[float, float] | None = None
        self.travelled: int | None = None
        #: The inset locator; off for boxes as big as the district itself.
        self.show_inset = True
        self._cache: tuple[tuple[object, ...], QPixmap, QPixmap] | None = None

    def sizeHint(self) -> QSize:
        return QSize(360, 240)

    # ---- state ------------------------------------------------------------------------

    def set_box(self, box: Box | None) -> None:
        self.box = box
        self.update()

    def fit(self, points: Iterable[tuple[float, float]], *, min_span_m: float = 600.0) -> None:
        """Show all ``points`` (lat, lon), at least ``min_span_m`` across."""
        self.set_box(Box.around(points, min_span_m=min_span_m))

    def set_markers(self, markers: Iterable[Marker]) -> None:
        self.markers = list(markers)
        self.update()

    def set_track(self, points: Iterable[tuple[float, float]]) -> None:
        self.track = list(points)
        self.update()

    def set_cursor(self, where: tuple[float, float] | None, travelled: int | None = None) -> None:
        """The moving dot; ``travelled`` track points (those before it in time) are drawn
        bright and the rest dim, so a replay shows where the officer has been so far."""
        self.cursor_at = where
        self.travelled = travelled
        self.update()

    # ---- geometry (also what tests read) -----------------------------------------------

    def map_rect(self) -> QRectF:
        m = self.MARGIN
        return QRectF(m, m, max(1.0, self.width() - 2 * m), max(1.0, self.height() - 2 * m))

    def transform(self) -> QTransform | None:
        return None if self.box is None else fit_transform(self.box, self.map_rect())

    def project(self, lat: float, lon: float) -> QPointF | None:
        """Where (lat, lon) is drawn, in widget pixels; ``None`` with no box yet."""
        transform = self.transform()
        return None if transform is None else transform.map(QPointF(lon, lat))

    def marker_points(self) -> dict[str, QPointF]:
        """Each marker's key -> its centre in widget pixels."""
        out: dict[str, QPointF] = {}
        for marker in self.markers:
            point = self.project(marker.lat, marker.lon)
            if point is not None:
                out[marker.key] = point
        return out

    def cursor_point(self) -> QPointF | None:
        return None if self.cursor_at is None else self.project(*self.cursor_at)

    def track_points(self) -> list[QPointF]:
        transform = self.transform()
        if transform is None:
            return []
        return [transform.map(QPointF(lon, lat)) for lat, lon in self.track]

    def metres_per_pixel(self) -> float | None:
        transform = self.transform()
        return None if transform is None else M_PER_DEG / abs(transform.m22())

    def marker_at(self, point: QPointF, slop: float = 4.0) -> str | None:
        """The key of the marker drawn under ``point`` (topmost first), if any."""
        for marker in reversed(self.markers):
            where = self.project(marker.lat, marker.lon)
            if where is None:
                continue
            r = RADII[marker.kind] + slop
            if (where.x() - point.x()) ** 2 + (where.y() - point.y()) ** 2 <= r * r:
                return marker.key
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        key = self.marker_at(event.position())
        if key is not None and event.button() == Qt.MouseButton.LeftButton:
            self.markerActivated.emit(key)
            event.accept()
            return
        super().mousePressEvent(event)

    # ---- painting ---------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            transform = self.transform()
            if transform is None:
                painter.fillRect(self.rect(), QColor(COLOURS["background"]))
                painter.setPen(QColor(COLOURS["text"]))
                painter.drawText(
                    self.rect(),
                    Qt.AlignmentFlag.AlignCenter,
                    translate("minimap", TEXT["no_place"]),
                )
                return
            base, overlay = self._layers(transform)
            painter.drawPixmap(0, 0, base)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.save()
            painter.setClipRect(self.map_rect())
            self._paint_track(painter, transform)
            self._paint_markers(painter)
            self._paint_cursor(painter)
            painter.restore()
            painter.drawPixmap(0, 0, overlay)
        finally:
            painter.end()

    def _layers(self, transform: QTransform) -> tuple[QPixmap, QPixmap]:
        """The base map and the scale/inset overlay, drawn once per box and size: a
        replay moves the dot five times a second, and the outlines are thousands of
        points that do not move."""
        ratio = self.devicePixelRatioF()
        key = (self.box, self.width(), self.height(), ratio, self.show_inset)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1], self._cache[2]
        size = self.size() * ratio
        base, overlay = QPixmap(size), QPixmap(size)
        overlay.fill(Qt.GlobalColor.transparent)
        for pixmap in (base, overlay):
            pixmap.setDevicePixelRatio(ratio)
        rect = self.map_rect()
        painter = QPainter(base)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.fillRect(self.rect(), QColor(COLOURS["background"]))
            painter.setClipRect(rect)
            self._paint_base(painter, transform)
        finally:
            painter.end()
        painter = QPainter(overlay)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._paint_scale(painter, rect)
            if self.show_inset:
                self._paint_inset(painter, rect)
        finally:
            painter.end()
        self._cache = (key, base, overlay)
        return base, overlay

    def _paint_base(self, painter: QPainter, transform: QTransform) -> None:
        base = base_paths()
        painter.save()
        painter.setTransform(transform, combine=True)
        for path, fill, edge, width in (
            (base.others, COLOURS["district"], COLOURS["district_edge"], 1.0),
            (base.wucheng, COLOURS["wucheng"], COLOURS["wucheng_edge"], 1.6),
        ):
            pen = QPen(QColor(edge), width)
            pen.setCosmetic(True)  # pixels, not degrees
            painter.setPen(pen)
            painter.setBrush(QColor(fill))
            painter.drawPath(path)
        pen = QPen(QColor(COLOURS["river"]), 2.0)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(base.rivers)
        painter.restore()

    def _paint_track(self, painter: QPainter, transform: QTransform) -> None:
        if len(self.track) < 2:
            return
        points = self.track_points()
        dot = self.cursor_point()
        split = self.travelled
        if dot is None or split is None:
            done, ahead = points, []
        else:
            split = max(0, min(split, len(points)))
            done, ahead = [*points[:split], dot], [dot, *points[split:]]
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for line, shade in ((ahead, COLOURS["track_ahead"]), (done, COLOURS["track"])):
            if len(line) >= 2:
                pen = QPen(QColor(shade), 2.5)
                pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
                painter.setPen(pen)
                painter.drawPolyline(QPolygonF(line))
        # Where the window's track begins, so its direction reads without playing it.
        painter.setPen(QPen(QColor(COLOURS["track"]), 2.0))
        painter.setBrush(QColor(COLOURS["background"]))
        painter.drawEllipse(points[0], 4.0, 4.0)

    def _paint_markers(self, painter: QPainter) -> None:
        # Neighbours first, so the case itself is never hidden under one of them.
        order = {"nearby": 0, "track_case": 1, "case": 2}
        for marker in sorted(self.markers, key=lambda m: order[m.kind]):
            point = self.project(marker.lat, marker.lon)
            if point is None:
                continue
            r = RADII[marker.kind]
            painter.setPen(QPen(QColor(colour("minimap.marker_outline")), 1.5))
            painter.setBrush(QBrush(QColor(COLOURS[marker.kind])))
            if marker.kind == "track_case":
                diamond = QPolygonF(
                    [
                        point + QPointF(0, -r),
                        point + QPointF(r, 0),
                        point + QPointF(0, r),
                        point + QPointF(-r, 0),
                    ]
                )
                painter.drawPolygon(diamond)
            else:
                if marker.kind == "case":
                    painter.setPen(QPen(QColor(colour("minimap.case_outline")), 2.0))
                painter.drawEllipse(point, r, r)

    def _paint_cursor(self, painter: QPainter) -> None:
        point = self.cursor_point()
        if point is None:
            return
        painter.setPen(QPen(QColor(COLOURS["cursor_ring"]), 3.0))
        painter.setBrush(QColor(COLOURS["cursor"]))
        painter.drawEllipse(point, 6.0, 6.0)

    def _paint_scale(self, painter: QPainter, rect: QRectF) -> None:
        mpp = self.metres_per_pixel()
        if mpp is None:
            return
        metres = nice_scale(mpp, rect.width() / 4)
        length = metres / mpp
        x0, y0 = rect.left() + 8, rect.bottom() - 8
        painter.setPen(QPen(QColor(COLOURS["text"]), 2.0))
        painter.drawLine(QPointF(x0, y0), QPointF(x0 + length, y0))
        painter.drawLine(QPointF(x0, y0 - 4), QPointF(x0, y0))
        painter.drawLine(QPointF(x0 + length, y0 - 4), QPointF(x0 + length, y0))
        painter.drawText(QPointF(x0, y0 - 6), scale_text(metres))

    def inset_rect(self) -> QRectF:
        rect = self.map_rect()
        size = self.INSET
        return QRectF(rect.right() - size.width() - 4, rect.top() + 4, size.width(), size.height())

    def _paint_inset(self, painter: QPainter, rect: QRectF) -> None:
        if self.box is None or rect.width() < 3 * self.INSET.width():
            return
        base = base_paths()
        area = self.inset_rect()
        transform = fit_transform(base.wucheng_box, area.adjusted(4, 4, -4, -4))
        # The main view's box on the district; a street-scale box is smaller than a pixel
        # here, so it is drawn at least as a visible square around its centre.
        top_left = transform.map(QPointF(self.box.west, self.box.north))
        bottom_right = transform.map(QPointF(self.box.east, self.box.south))
        seen = QRectF(top_left, bottom_right).normalized()
        if seen.width() * seen.height() > 0.5 * area.width() * area.height():
            return  # the main view is the district itself: a locator says nothing more
        if seen.width() < 6:
            seen = QRectF(seen.center() - QPointF(3, 3), QSizeF(6, 6))
        painter.save()
        painter.setPen(QPen(QColor(COLOURS["district_edge"]), 1.0))
        painter.setBrush(QColor(COLOURS["inset"]))
        painter.drawRect(area)
        painter.setClipRect(area)
        painter.save()
        painter.setTransform(transform, combine=True)
        pen = QPen(QColor(COLOURS["wucheng_edge"]), 1.0)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(QColor(COLOURS["wucheng"]))
        painter.drawPath(base.wucheng)
        painter.restore()
        painter.setPen(QPen(QColor(COLOURS["case"]), 1.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(seen)
        painter.restore()
