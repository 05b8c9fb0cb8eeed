"""Tile base layers: an XYZ URL template, or an MBTiles file served on ``watchfloor://``.

Each source names its datum, because Chinese tile providers draw in different ones
(Amap and Tencent in GCJ-02; Tianditu in CGCS2000, which is WGS-84 to centimetres) and
the map must shift every live position into the datum of the tiles under it.

MBTiles (the SQLite tile package closed government networks get their maps in) stores
rows in TMS order, counting from the south: ``tile_row = 2**z - 1 - y`` for Leaflet's
XYZ ``y``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from backend_client.geo import Datum, check_datum

_FORMAT_MIME: Final = {
    "png": b"image/png",
    "jpg": b"image/jpeg",
    "jpeg": b"image/jpeg",
    "webp": b"image/webp",
    "pbf": b"application/x-protobuf",
}


@dataclass(frozen=True, slots=True)
class XyzTiles:
    """A ``{z}/{x}/{y}`` URL template (``{s}`` picks one of ``subdomains``)."""

    url: str
    datum: Datum = "wgs84"
    min_zoom: int = 0
    #: Deepest zoom the server has; Leaflet scales its tiles beyond it up to ``max_zoom``.
    max_native_zoom: int = 18
    max_zoom: int = 19
    subdomains: str = "abc"
    attribution: str = ""

    def __post_init__(self) -> None:
        check_datum(self.datum)
        for part in ("{z}", "{x}", "{y}"):
            if part not in self.url:
                raise ValueError(f"tile URL template {self.url!r} lacks {part}")
        if not 0 <= self.min_zoom <= self.max_native_zoom <= self.max_zoom <= 22:
            raise ValueError("tile zooms must satisfy 0 <= min <= max_native <= max <= 22")

    @classmethod
    def amap(cls) -> XyzTiles:
        """Amap (高德) street map: GCJ-02, public endpoint (needs internet access)."""
        return cls(
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
            "&style=8&x={x}&y={y}&z={z}",
            datum="gcj02",
            subdomains="1234",
            attribution="© 高德地图",
        )

    @classmethod
    def tianditu(cls, key: str) -> XyzTiles:
        """Tianditu (天地图) vector map, web-mercator set: CGCS2000 ~ WGS-84."""
        return cls(
            "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
            "&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
            f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}",
            datum="wgs84",
            subdomains="01234567",
            attribution="© 天地图",
        )


@dataclass(frozen=True, slots=True)
class MbTiles:
    """An MBTiles file on disk, read locally and served on ``watchfloor://``."""

    path: Path
    datum: Datum = "wgs84"

    def __post_init__(self) -> None:
        check_datum(self.datum)


TileSource = XyzTiles | MbTiles


class MbTilesReader:
    """Read-only access to one MBTiles file (tiles and metadata)."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise FileNotFoundError(f"MBTiles file not found: {path}")
        self.path = path
        # Read-only URI: a wall must never lock or modify a shared tile package.
        self._db = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True)
        try:
            rows = self._db.execute("SELECT name, value FROM metadata").fetchall()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise ValueError(f"{path}: not an MBTiles file ({exc})") from exc
        self.metadata: dict[str, str] = {str(k): str(v) for k, v in rows}
        fmt = self.metadata.get("format", "png").lower()
        self.mime = _FORMAT_MIME.get(fmt, b"application/octet-stream")

    def zoom_range(self) -> tuple[int, int]:
        """(min, max) zoom, from the metadata or else from the tiles present."""
        lo, hi = self.metadata.get("minzoom"), self.metadata.get("maxzoom")
        if lo is not None and hi is not None:
            return int(lo), int(hi)
        row = self._db.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
        return (int(row[0] or 0), int(row[1] or 0))

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at XYZ ``(z, x, y)``, or ``None`` if the package lacks it."""
        if not (0 <= z <= 30 and 0 <= x < 2**z and 0 <= y < 2**z):
            return None
        row = self._db.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
            (z, x, (1 << z) - 1 - y),
        ).fetchone()
        return bytes(row[0]) if row else None

    def close(self) -> None:
        self._db.close()


__all__ = ["MbTiles", "MbTilesReader", "TileSource", "XyzTiles"]
