"""Build the map page (HTML) with folium: offline base layer plus the live-units script.

The default base layer is vector data shipped in ``resources/geo`` (district outlines,
rivers), styled for a dark wall; with no tiles nothing can be fetched from the network.
A tile base (an XYZ template or an MBTiles file, see ``tiles.py``) replaces the filled
districts; the outlines stay on top as orientation. Every script and stylesheet is served
by ``watchfloor://app/``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final, Literal

import folium
import numpy as np
import numpy.typing as npt
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from backend_client.geo import Datum, check_datum, wgs84_to_gcj02_array
from widgets.map.scheme import BASE_URL, RESOURCES_DIR
from widgets.map.tiles import MbTiles, TileSource, XyzTiles
from widgets.palette import colour

WUCHENG_ADCODE: Final = "330702"
JINHUA_ADCODE: Final = "330700"
GEO_DIR: Final = RESOURCES_DIR / "geo"

_BOUNDARY_FILES: Final[dict[Datum, str]] = {
    "wgs84": "jinhua-wgs84.geojson",
    "gcj02": "jinhua-gcj02.geojson",
}
_RIVERS_WGS84: Final = "jinhua-rivers-wgs84.geojson"

#: The page's script: one plain file per job in ``resources/map/`` sharing ``window.watchfloor``
#: (no ES modules, no build step), in load order: ``core.js`` holds what the others take at
#: load time, ``main.js`` defines ``watchfloor.init`` that wires them (see core.js).
MAP_SCRIPTS: Final = (
    "core.js",
    "sprites.js",
    "units.js",
    "baseline.js",
    "trails.js",
    "feed.js",
    "view.js",
    "incidents.js",
    "merchants.js",
    "alerts.js",
    "hotspot.js",
    "dispatch.js",
    "main.js",
)


@dataclass(frozen=True, slots=True)
class MapConfig:
    """How a map view looks and behaves; the datum is the base layer's datum.

    With ``tiles`` set, ``datum`` must be the tiles' datum (a mismatch would put every
    officer ~565 m off the streets under them): build it with :meth:`for_tiles`.
    """

    datum: Datum = "wgs84"
    #: ``None``: the offline vector base; else an XYZ template or an MBTiles file.
    tiles: TileSource | None = None
    #: Officers' trails (last ``trail_minutes``, ``trail_points`` samples each).
    trails: bool = False
    trail_minutes: float = 10.0
    trail_points: int = 60
    #: The merchants layer (filled by ``MapView.set_merchants``) starts shown.
    merchants: bool = True
    #: ``"canvas"``: the one-layer renderer; ``"markers"``: one Leaflet circleMarker per
    #: officer moved by setLatLng -- the baseline the benchmark compares against.
    unit_renderer: Literal["canvas", "markers"] = "canvas"
    #: Minimum spacing of bridge calls carrying positions: one per 60 Hz display frame
    #: (33 ms made a batch wait for the one before it; a weak wall PC may raise it, at
    #: the cost of up to that much latency).
    frame_interval_ms: int = 16
    #: Wall maps are not touched; a workstation wants +/- buttons.
    zoom_controls: bool = False
    #: Extra options merged into the page's ``watchfloor.init`` config (JS styling).
    page_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_datum(self.datum)
        if not 1 <= self.frame_interval_ms <= 1000:
            raise ValueError(f"frame_interval_ms must be 1..1000, got {self.frame_interval_ms}")
        if self.tiles is not None and self.tiles.datum != self.datum:
            raise ValueError(
                f"MapConfig.datum {self.datum!r} differs from the tiles' datum "
                f"{self.tiles.datum!r}; use MapConfig.for_tiles()"
            )
        if not 0 < self.trail_minutes <= 120:
            raise ValueError(f"trail_minutes must be in (0, 120], got {self.trail_minutes}")
        if not 2 <= self.trail_points <= 1000:
            raise ValueError(f"trail_points must be 2..1000, got {self.trail_points}")
        if self.unit_renderer not in ("canvas", "markers"):
            raise ValueError(f"unit_renderer must be 'canvas' or 'markers': {self.unit_renderer!r}")

    @classmethod
    def for_tiles(cls, tiles: TileSource, **options: Any) -> MapConfig:
        """A config over ``tiles``, in the tiles' datum."""
        return cls(datum=tiles.datum, tiles=tiles, **options)


@dataclass(frozen=True, slots=True)
class District:
    adcode: str
    name: str
    geometry: dict[str, Any]
    label_at: tuple[float, float]  # (lat, lon)
    bounds: tuple[tuple[float, float], tuple[float, float]]  # ((s, w), (n, e))


@dataclass(frozen=True, slots=True)
class BaseGeography:
    datum: Datum
    city: dict[str, Any]
    districts: tuple[District, ...]
    rivers: dict[str, Any]

    def district(self, adcode: str) -> District:
        return next(d for d in self.districts if d.adcode == adcode)


def _rings(geometry: dict[str, Any]) -> list[npt.NDArray[np.float64]]:
    """Outer rings as (n, 2) lon/lat arrays, largest first."""
    coords = geometry["coordinates"]
    polys = coords if geometry["type"] == "MultiPolygon" else [coords]
    rings = [np.asarray(poly[0], dtype=np.float64) for poly in polys]
    return sorted(rings, key=lambda r: -abs(_ring_area(r)))


def _ring_area(ring: npt.NDArray[np.float64]) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return float(0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


_LABEL_RING_POINTS = 300


def label_point(geometry: dict[str, Any], grid: int = 48) -> tuple[float, float]:
    """A point deep inside the largest polygon, as (lat, lon).

    Centroids of concave districts can fall outside them (or hug an edge); the label
    goes where the distance to the outline is greatest on a coarse grid instead.
    """
    ring = _rings(geometry)[0]
    if len(ring) > _LABEL_RING_POINTS:
        # A label needs no metre-level outline: thinning the ring keeps the grid search
        # (grid^2 x edges) from costing half a second of every wall's start-up.
        step = -(-len(ring) // _LABEL_RING_POINTS)
        ring = np.vstack([ring[::step], ring[:1]])
    lon0, lat0 = ring.min(axis=0)
    lon1, lat1 = ring.max(axis=0)
    gx, gy = np.meshgrid(np.linspace(lon0, lon1, grid), np.linspace(lat0, lat1, grid))
    px, py = gx.ravel(), gy.ravel()
    x1, y1 = ring[:-1, 0], ring[:-1, 1]
    x2, y2 = ring[1:, 0], ring[1:, 1]
    # Ray casting, vectorised over grid points (rows) and edges (columns).
    crosses = ((y1 > py[:, None]) != (y2 > py[:, None])) & (
        px[:, None] < (x2 - x1) * (py[:, None] - y1) / np.where(y2 == y1, 1e-300, y2 - y1) + x1
    )
    inside = crosses.sum(axis=1) % 2 == 1
    if not inside.any():
        centre = ring.mean(axis=0)
        return float(centre[1]), float(centre[0])
    px, py = px[inside], py[inside]
    dx, dy = x2 - x1, y2 - y1
    seg_len2 = np.where(dx * dx + dy * dy == 0, 1e-300, dx * dx + dy * dy)
    t = np.clip(((px[:, None] - x1) * dx + (py[:, None] - y1) * dy) / seg_len2, 0.0, 1.0)
    dist2 = (px[:, None] - (x1 + t * dx)) ** 2 + (py[:, None] - (y1 + t * dy)) ** 2
    best = int(np.argmax(dist2.min(axis=1)))
    return float(py[best]), float(px[best])


def _bounds(geometry: dict[str, Any]) -> tuple[tuple[float, float], tuple[float, float]]:
    pts = np.concatenate(_rings(geometry))
    (w, s), (e, n) = pts.min(axis=0), pts.max(axis=0)
    return (float(s), float(w)), (float(n), float(e))


def _convert_lines(data: dict[str, Any]) -> dict[str, Any]:
    """Rivers ship in WGS-84 only; shift them for a GCJ-02 base layer."""
    out: dict[str, Any] = copy.deepcopy(data)
    for feature in out["features"]:
        geom = feature["geometry"]
        lines = geom["coordinates"] if geom["type"] == "MultiLineString" else [geom["coordinates"]]
        converted = []
        for line in lines:
            arr = np.asarray(line, dtype=np.float64)
            lat, lon = wgs84_to_gcj02_array(arr[:, 1], arr[:, 0])
            converted.append(np.column_stack([np.round(lon, 6), np.round(lat, 6)]).tolist())
        geom["coordinates"] = converted if geom["type"] == "MultiLineString" else converted[0]
    return out


@lru_cache(maxsize=2)
def load_geography(datum: Datum) -> BaseGeography:
    """Boundaries and rivers in ``datum``, with label points; cached per datum."""
    boundaries = json.loads((GEO_DIR / _BOUNDARY_FILES[datum]).read_text(encoding="utf-8"))
    rivers = json.loads((GEO_DIR / _RIVERS_WGS84).read_text(encoding="utf-8"))
    if datum != "wgs84":
        rivers = _convert_lines(rivers)
    city: dict[str, Any] | None = None
    districts = []
    for feature in boundaries["features"]:
        props = feature["properties"]
        if props["adcode"] == JINHUA_ADCODE:
            city = feature
            continue
        geometry = feature["geometry"]
        districts.append(
            District(
                adcode=props["adcode"],
                # The two shipped files name the field differently.
                name=props.get("district") or props["name"],
                geometry=geometry,
                label_at=label_point(geometry),
                bounds=_bounds(geometry),
            )
        )
    if city is None:
        raise ValueError(f"{GEO_DIR / _BOUNDARY_FILES[datum]}: no feature with adcode 330700")
    return BaseGeography(datum, city, tuple(districts), rivers)


class LiveUnitsLayer(JSCSSMixin, MacroElement):
    """Loads the page script and hands it the folium map once every layer exists."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            window.watchfloor.init({{ this._parent.get_name() }}, {{ this.config_json }});
        {% endmacro %}
        """
    )

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped
        self._name = "LiveUnitsLayer"
        # Script tags keep this order: QWebChannel, then the map script's parts.
        self.default_js = [("qwebchannel", BASE_URL + "qt/qwebchannel.js")] + [
            (f"watchfloor_map_{name.removesuffix('.js')}", BASE_URL + "map/" + name)
            for name in MAP_SCRIPTS
        ]
        self.default_css = [("watchfloor_map_css", BASE_URL + "map/watchfloor-map.css")]
        # Escaping "</" keeps a name like "</script>" in the data from closing the tag.
        self.config_json = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")


def _feature(geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _tile_spec(config: MapConfig, tile_url: str | None) -> dict[str, Any] | None:
    tiles = config.tiles
    if tiles is None:
        return None
    if isinstance(tiles, XyzTiles):
        return {
            "url": tile_url or tiles.url,
            "options": {
                "minZoom": tiles.min_zoom,
                "maxNativeZoom": tiles.max_native_zoom,
                "maxZoom": tiles.max_zoom,
                "subdomains": tiles.subdomains,
                "attribution": tiles.attribution,
            },
        }
    assert isinstance(tiles, MbTiles)
    if tile_url is None:
        raise ValueError("an MBTiles base needs the URL its tiles are served at")
    return {"url": tile_url, "options": dict(_MBTILES_OPTIONS)}


_MBTILES_OPTIONS: Final = {"minZoom": 0, "maxZoom": 19, "maxNativeZoom": 18}


def build_map_html(
    config: MapConfig,
    *,
    tile_url: str | None = None,
    tile_zooms: tuple[int, int] | None = None,
) -> str:
    """The complete page for one map view.

    ``tile_url`` is where an MBTiles base is served (``AppSchemeHandler.add_mbtiles``);
    ``tile_zooms`` its (min, max) zoom, so Leaflet scales the deepest tiles rather than
    asking for deeper ones the package lacks.
    """
    tiled = config.tiles is not None
    geo = load_geography(config.datum)
    wucheng = geo.district(WUCHENG_ADCODE)
    m = folium.Map(
        location=list(wucheng.label_at),
        zoom_start=10,
        tiles=None,
        zoom_control=config.zoom_controls,
        attribution_control=False,
        # The page script adds a metric-only scale bar (folium's shows miles too).
        control_scale=False,
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    # Per instance, never the class-level CDN list: see shared/QT-NOTES.md.
    m.default_js = [("leaflet", BASE_URL + "leaflet/leaflet.js")]
    m.default_css = [("leaflet_css", BASE_URL + "leaflet/leaflet.css")]

    others = [d for d in geo.districts if d.adcode != WUCHENG_ADCODE]
    # Over tiles the districts are outlines only: fills would hide the streets.
    district_fill = 0.0 if tiled else 1.0
    folium.GeoJson(
        {"type": "FeatureCollection", "features": [_feature(d.geometry) for d in others]},
        name="districts",
        style_function=lambda _f: {
            "color": colour("map.district_edge"),
            "weight": 1,
            "fillColor": colour("map.district_fill"),
            "fillOpacity": district_fill,
        },
        interactive=False,
        control=False,
    ).add_to(m)
    # A wide faint stroke under a thin bright one reads as a glow on a dark wall.
    for weight, opacity, stroke in (
        (9, 0.16, colour("map.wucheng_glow")),
        (2.5, 0.95, colour("map.wucheng_edge")),
    ):
        folium.GeoJson(
            _feature(wucheng.geometry),
            style_function=lambda _f, w=weight, o=opacity, c=stroke: {
                "color": c,
                "weight": w,
                "opacity": o,
                "fillColor": colour("map.wucheng_fill"),
                "fillOpacity": district_fill if w > 3 else 0.0,
            },
            interactive=False,
            control=False,
        ).add_to(m)
    if not tiled:  # tiles draw their own rivers
        folium.GeoJson(
            geo.rivers,
            style_function=lambda _f: {"color": colour("map.river"), "weight": 1.6, "opacity": 0.9},
            interactive=False,
            control=False,
        ).add_to(m)
    folium.GeoJson(
        geo.city,
        style_function=lambda _f: {"color": colour("map.city_edge"), "weight": 1.5, "fill": False},
        interactive=False,
        control=False,
    ).add_to(m)
    for d in geo.districts:
        css = "wf-label wf-label-focus" if d.adcode == WUCHENG_ADCODE else "wf-label"
        folium.Marker(
            list(d.label_at),
            icon=folium.DivIcon(
                html=f'<span class="{css}">{d.name}</span>',
                class_name="wf-label-icon",
                icon_size=(0, 0),
            ),
            interactive=False,
            keyboard=False,
        ).add_to(m)

    tiles = _tile_spec(config, tile_url)
    if tiles is not None and tile_zooms is not None:
        # Not minZoom: a layer minZoom above the current zoom makes Leaflet start an
        # animated zoom that lands after (and undoes) the wall's first setView. Below the
        # package's zooms the layer is simply blank (its requests find nothing).
        tiles["options"]["maxNativeZoom"] = tile_zooms[1]
        tiles["options"]["maxZoom"] = max(tile_zooms[1] + 1, 19)
    page_config: dict[str, Any] = {
        "datum": config.datum,
        "wucheng": [list(wucheng.bounds[0]), list(wucheng.bounds[1])],
        "origin": list(wucheng.label_at),
        "tiles": tiles,
        "unitRenderer": config.unit_renderer,
        "merchants": config.merchants,
        "trails": {
            "enabled": config.trails,
            "minutes": config.trail_minutes,
            "points": config.trail_points,
        },
        **config.page_options,
    }
    LiveUnitsLayer(page_config).add_to(m)
    html: str = m.get_root().render()
    return html


def wucheng_origin(datum: Datum) -> tuple[float, float]:
    """A fixed point in the district, the origin of the float32 position offsets."""
    return load_geography(datum).district(WUCHENG_ADCODE).label_at


__all__ = [
    "MAP_SCRIPTS",
    "BaseGeography",
    "District",
    "LiveUnitsLayer",
    "MapConfig",
    "build_map_html",
    "label_point",
    "load_geography",
    "wucheng_origin",
]
