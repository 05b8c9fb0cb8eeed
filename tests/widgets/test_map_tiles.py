"""Tile base layers: an XYZ server (a local HTTP server counts requests) and MBTiles."""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QEvent, QIODevice
from PySide6.QtGui import QColor, QImage

from backend_client.geo import wgs84_to_gcj02
from tests.support.pagejs import js, wait_until
from widgets.map import MapConfig, MapView, MbTiles, UnitInfo, XyzTiles
from widgets.map.page import build_map_html
from widgets.map.scheme import app_scheme_handler
from widgets.map.tiles import MbTilesReader

pytestmark = pytest.mark.webengine

VIEW_W, VIEW_H = 800, 600
CENTRE = (29.08, 119.64)  # Wucheng's urban core
ZOOM = 12


def png(colour: str) -> bytes:
    img = QImage(256, 256, QImage.Format.Format_RGB32)
    img.fill(QColor(colour))
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    # The stub says bytes; PySide 6.11 only accepts str here at run time.
    img.save(buf, "PNG")  # type: ignore[call-overload]
    return bytes(data.data())


def tile_xy(lat: float, lon: float, z: int) -> tuple[float, float]:
    """Web-mercator tile coordinates (fractional) of a point."""
    n = 2**z
    x = (lon + 180.0) / 360.0 * n
    s = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * n
    return x, y


def expected_tiles(lat: float, lon: float, z: int) -> set[tuple[int, int, int]]:
    """The tiles Leaflet needs to cover a VIEW_W x VIEW_H view centred on a point."""
    cx, cy = tile_xy(lat, lon, z)
    x0, x1 = cx - VIEW_W / 2 / 256, cx + VIEW_W / 2 / 256
    y0, y1 = cy - VIEW_H / 2 / 256, cy + VIEW_H / 2 / 256
    return {
        (z, x, y)
        for x in range(math.floor(x0), math.ceil(x1))
        for y in range(math.floor(y0), math.ceil(y1))
    }


def open_view(config: MapConfig) -> MapView:
    v = MapView(config=config)
    v.resize(VIEW_W, VIEW_H)
    v.show()
    wait_until(lambda: v.is_ready)
    return v


def close_view(v: MapView) -> None:
    v.close()
    v.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    QCoreApplication.processEvents()


class TileServer:
    """A loopback XYZ server recording every request path."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        body = png("#204060")
        requests = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def tiles(self) -> set[tuple[int, int, int]]:
        out = set()
        for path in list(self.requests):
            z, x, y = path.strip("/").removesuffix(".png").split("/")
            out.add((int(z), int(x), int(y)))
        return out

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def tile_server() -> Iterator[TileServer]:
    server = TileServer()
    yield server
    server.close()


def test_xyz_layer_requests_exactly_the_tiles_of_the_view(
    qapp: Any, tile_server: TileServer
) -> None:
    source = XyzTiles(f"http://127.0.0.1:{tile_server.port}/{{z}}/{{x}}/{{y}}.png", "gcj02")
    v = open_view(MapConfig.for_tiles(source))
    try:
        assert v.datum == "gcj02"
        # The initial district view asked for its own tiles; count only this view's.
        wait_until(lambda: bool(tile_server.requests))
        QCoreApplication.processEvents()
        v.set_view(*CENTRE, ZOOM, datum="gcj02")
        want = expected_tiles(*CENTRE, ZOOM)
        wait_until(lambda: want <= tile_server.tiles())
        got = {t for t in tile_server.tiles() if t[0] == ZOOM}
        assert got == want
        # Officers are drawn in the tiles' datum: shifted, as the tiles are.
        v.set_units([UnitInfo("x1", "x1", "t", "#fff", "available")])
        v.update_units(["x1"], np.array([CENTRE[0]]), np.array([CENTRE[1]]))
        v.flush_now()
        wait_until(lambda: js(v, "watchfloor.unitState().count") == 1)
        wait_until(lambda: js(v, "watchfloor.unitState().units.x1.lat") is not None)
        state = js(v, "watchfloor.unitState().units.x1")
        e_lat, e_lon = wgs84_to_gcj02(*CENTRE)
        assert abs(state["lat"] - e_lat) < 1e-8 and abs(state["lon"] - e_lon) < 1e-8
    finally:
        close_view(v)


def make_mbtiles(path: Path, tiles: dict[tuple[int, int, int], bytes]) -> None:
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE metadata (name TEXT, value TEXT);"
        "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,"
        " tile_data BLOB);"
    )
    zooms = [z for z, _, _ in tiles]
    db.executemany(
        "INSERT INTO metadata VALUES (?, ?)",
        [
            ("name", "test"),
            ("format", "png"),
            ("minzoom", str(min(zooms))),
            ("maxzoom", str(max(zooms))),
        ],
    )
    for (z, x, y), data in tiles.items():
        # MBTiles rows count from the south (TMS).
        db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, data))
    db.commit()
    db.close()


def test_mbtiles_reader_flips_rows_and_rejects_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "t.mbtiles"
    make_mbtiles(path, {(3, 6, 1): b"north", (3, 6, 6): b"south"})
    reader = MbTilesReader(path)
    try:
        assert reader.tile(3, 6, 1) == b"north" and reader.tile(3, 6, 6) == b"south"
        assert reader.tile(3, 6, 2) is None
        assert reader.tile(3, 8, 1) is None  # outside the zoom's grid
        assert reader.zoom_range() == (3, 3) and reader.mime == b"image/png"
    finally:
        reader.close()
    with pytest.raises(FileNotFoundError):
        MbTilesReader(tmp_path / "missing.mbtiles")
    (tmp_path / "junk.mbtiles").write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(ValueError, match="not an MBTiles"):
        MbTilesReader(tmp_path / "junk.mbtiles")


def test_mbtiles_tiles_are_served_on_the_app_scheme(qapp: Any, tmp_path: Path) -> None:
    cx, cy = tile_xy(*CENTRE, ZOOM)
    centre_tile = (ZOOM, int(cx), int(cy))
    east_tile = (ZOOM, int(cx) + 1, int(cy))
    path = tmp_path / "wucheng.mbtiles"
    make_mbtiles(path, {centre_tile: png("#ff0000"), east_tile: png("#00ff00")})
    v = open_view(MapConfig.for_tiles(MbTiles(path)))
    try:
        handler = app_scheme_handler(v.page().profile())
        v.set_view(*CENTRE, ZOOM)
        # Both tiles the package holds are requested with the right z/x/y and shown.
        loaded = (
            "Array.from(document.querySelectorAll('img.leaflet-tile-loaded'))"
            ".map(function (i) { return i.src.split('/tiles/')[1]; })"
        )
        want = {"/".join(map(str, t)) for t in (centre_tile, east_tile)}
        # Served URLs are tiles/<view key>/z/x/y.
        wait_until(lambda: want <= {s.split("/", 1)[1] for s in js(v, loaded)})
        served = [p for p in handler.served if p.startswith("/tiles/")]
        requested = {tuple(int(n) for n in p.split("/")[3:6]) for p in served}
        assert {centre_tile, east_tile} <= requested
        assert {t for t in requested if t[0] == ZOOM} == expected_tiles(*CENTRE, ZOOM)
        # The red tile really is under the view's centre tile.
        tx, ty = (cx - int(cx)) * 256, (cy - int(cy)) * 256
        px = round(VIEW_W / 2 - tx + 128)
        py = round(VIEW_H / 2 - ty + 128)
        wait_until(lambda: v.grab().toImage().pixelColor(px, py) == QColor("#ff0000"), 3.0)
    finally:
        close_view(v)


def test_tile_configs_are_validated() -> None:
    with pytest.raises(ValueError, match="lacks"):
        XyzTiles("http://example.invalid/{z}/{x}.png")
    with pytest.raises(ValueError, match="for_tiles"):
        MapConfig(datum="wgs84", tiles=XyzTiles.amap())
    assert MapConfig.for_tiles(XyzTiles.amap()).datum == "gcj02"
    assert XyzTiles.tianditu("KEY").datum == "wgs84"
    with pytest.raises(ValueError, match="needs the URL"):
        build_map_html(MapConfig.for_tiles(MbTiles(Path("/nonexistent.mbtiles"))))
