"""What the mini-map draws, as geometry: lat/lon boxes, markers, the base map's outlines
(read once per process from ``resources/geo``) and the lon/lat -> pixel transform.

No widget here: :class:`widgets.minimap.MiniMap` paints these.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final, Literal

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainterPath, QPolygonF, QTransform

from backend_client.resources import resource

WUCHENG_ADCODE: Final = "330702"
JINHUA_ADCODE: Final = "330700"
#: Metres per degree of latitude (and of longitude at the equator), spherical Earth.
M_PER_DEG: Final = 111_320.0

MarkerKind = Literal["case", "nearby", "track_case"]

SCALE_STEPS_M: Final = (20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000)


@dataclass(frozen=True, slots=True)
class Marker:
    """A point to mark: ``key`` names it (a case id) for hit tests and for tests."""

    key: str
    lat: float
    lon: float
    kind: MarkerKind = "case"


@dataclass(frozen=True, slots=True)
class Box:
    """A lat/lon box: south, west, north, east (degrees, WGS-84)."""

    south: float
    west: float
    north: float
    east: float

    @property
    def centre(self) -> tuple[float, float]:
        return (self.south + self.north) / 2, (self.west + self.east) / 2

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east

    @classmethod
    def around(
        cls, points: Iterable[tuple[float, float]], *, min_span_m: float, pad: float = 0.15
    ) -> Box | None:
        """The points' bounds, padded by ``pad`` of the span and at least ``min_span_m``
        across each way (so a lone case is shown with its streets, not at 1 px = 1 mm)."""
        pts = [(lat, lon) for lat, lon in points if math.isfinite(lat) and math.isfinite(lon)]
        if not pts:
            return None
        lats = [p[0] for p in pts]
        lons = [p[1] for p in pts]
        south, north, west, east = min(lats), max(lats), min(lons), max(lons)
        kx = math.cos(math.radians((south + north) / 2))
        lat_span = max((north - south) * (1 + 2 * pad), min_span_m / M_PER_DEG)
        lon_span = max((east - west) * (1 + 2 * pad), min_span_m / (M_PER_DEG * kx))
        clat, clon = (south + north) / 2, (west + east) / 2
        return cls(
            clat - lat_span / 2, clon - lon_span / 2, clat + lat_span / 2, clon + lon_span / 2
        )


@dataclass(frozen=True, slots=True)
class BasePaths:
    """The base map as lon/lat painter paths (x = lon, y = lat)."""

    wucheng: QPainterPath
    others: QPainterPath
    rivers: QPainterPath
    wucheng_box: Box


def _ring_path(path: QPainterPath, ring: Sequence[Sequence[float]]) -> None:
    path.addPolygon(QPolygonF([QPointF(float(x), float(y)) for x, y, *_ in ring]))
    path.closeSubpath()


def _polygon_rings(geometry: dict[str, Any]) -> list[Sequence[Sequence[float]]]:
    polys = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    return [ring for poly in polys for ring in poly]


@lru_cache(maxsize=1)
def base_paths() -> BasePaths:
    """District outlines (Wucheng apart) and rivers; read once per process."""
    boundaries = json.loads(resource("geo", "jinhua-wgs84.geojson").read_text(encoding="utf-8"))
    rivers = json.loads(resource("geo", "jinhua-rivers-wgs84.geojson").read_text(encoding="utf-8"))
    wucheng, others, lines = QPainterPath(), QPainterPath(), QPainterPath()
    for feature in boundaries["features"]:
        adcode = feature["properties"]["adcode"]
        if adcode == JINHUA_ADCODE:
            continue  # the city is the union of the districts: drawing it adds nothing
        target = wucheng if adcode == WUCHENG_ADCODE else others
        for ring in _polygon_rings(feature["geometry"]):
            _ring_path(target, ring)
    for feature in rivers["features"]:
        geometry = feature["geometry"]
        parts = (
            geometry["coordinates"]
            if geometry["type"] == "MultiLineString"
            else [geometry["coordinates"]]
        )
        for part in parts:
            if len(part) >= 2:
                lines.moveTo(float(part[0][0]), float(part[0][1]))
                for x, y, *_ in part[1:]:
                    lines.lineTo(float(x), float(y))
    # Even-odd would punch holes where rings of neighbouring polygons overlap.
    wucheng.setFillRule(Qt.FillRule.WindingFill)
    others.setFillRule(Qt.FillRule.WindingFill)
    r = wucheng.boundingRect()
    box = Box(r.top(), r.left(), r.bottom(), r.right())
    return BasePaths(wucheng, others, lines, box)


def fit_transform(box: Box, rect: QRectF) -> QTransform:
    """lon/lat -> widget pixels: ``box`` centred in ``rect``, north up, true proportions.

    Longitude is shrunk by cos(latitude) (equirectangular about the box's middle), which
    is exact to well under a pixel over a district of 60 km.
    """
    clat, clon = box.centre
    kx = math.cos(math.radians(clat))
    lat_span = max(box.north - box.south, 1e-9)
    lon_span = max((box.east - box.west) * kx, 1e-9)
    scale = min(rect.width() / lon_span, rect.height() / lat_span)
    cx, cy = rect.center().x(), rect.center().y()
    return QTransform(kx * scale, 0.0, 0.0, -scale, cx - clon * kx * scale, cy + clat * scale)


def nice_scale(metres_per_px: float, target_px: float) -> int:
    """The longest round length (m) whose bar fits in ``target_px``."""
    fitting = [m for m in SCALE_STEPS_M if m / metres_per_px <= target_px]
    return fitting[-1] if fitting else SCALE_STEPS_M[0]
