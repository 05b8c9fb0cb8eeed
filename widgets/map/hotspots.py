"""The cockpit map's hotspot layer as the page draws it: the heat of cases per grid cell
and the recurrence points (重复发生点), from a ``stats.hotspots`` answer.

Pure Python (no Qt). Points are converted to the map's datum here (the hub answers
WGS-84); the labels are worded by the caller in the wall's language.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backend_client.geo import Datum

#: Converts a point from its datum to the map's (the view's ``_to_map``).
ToMap = Callable[[float, float, Datum], tuple[float, float]]


@dataclass(frozen=True, slots=True)
class HotPoint:
    """A recurrence point: where, how many cases, and its label ("渣土撒漏 ×3")."""

    lat: float
    lon: float
    count: int
    label: str


@dataclass(frozen=True, slots=True)
class Hotspots:
    """What the layer shows: ``(lat, lon, count)`` per cell (WGS-84, the mean place of
    its cases), the cells' side, the recurrence points most first, and how many of those
    get a label."""

    cells: tuple[tuple[float, float, int], ...]
    #: The grid's cell side in degrees (the hub's ``cell_deg``).
    cell_deg: float
    points: tuple[HotPoint, ...] = ()
    labels: int = 6
    #: Rings drawn at most (the biggest): the rest are in the answer, not on the wall.
    max_points: int = 40

    def page_item(self, to_map: ToMap) -> dict[str, Any]:
        """What ``setHotspots`` takes, every point in the map's datum."""
        cells = []
        side = self.cell_deg
        for lat, lon, count in self.cells:
            # The hub answers each cell at the mean place of its cases, which lies inside
            # the cell: its square is drawn whole, so neighbouring cells tile the map
            # instead of piling up around a busy street.
            c_lat = (math.floor(lat / side) + 0.5) * side
            c_lon = (math.floor(lon / side) + 0.5) * side
            m_lat, m_lon = to_map(c_lat, c_lon, "wgs84")
            cells.append({"lat": m_lat, "lon": m_lon, "count": count})
        points = []
        for p in self.points:
            m_lat, m_lon = to_map(p.lat, p.lon, "wgs84")
            points.append({"lat": m_lat, "lon": m_lon, "count": p.count, "label": p.label})
        return {
            "cells": cells,
            "points": points,
            "half_deg": side / 2,
            "labels": self.labels,
            "max_points": self.max_points,
        }


__all__ = ["HotPoint", "Hotspots"]
