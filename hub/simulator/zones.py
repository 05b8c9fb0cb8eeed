"""The world's geometry: the district outline, township centres, team zones cut from the
outline, the patrol graph inside each zone, and where shops stand.

All of it is built once by ``WuchengWorld.load`` from the shipped boundary data and the
seed; nothing here moves.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from hub.simulator import geo
from hub.simulator.wucheng import TEAM_SPECS, TOWNSHIP_CENTRES, URBAN_HUBS, WUCHENG_ADCODE

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Township:
    code: str
    name: str
    kind: str
    lon: float
    lat: float


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    kind: Literal["township", "specialist"]
    colour: str
    zone: tuple[tuple[float, float], ...]  # open ring of (lon, lat), WGS-84
    townships: tuple[str, ...]  # township names whose centre lies in the zone


@dataclass
class PatrolGraph:
    """Patrol waypoints of every zone, as one flat graph in the local metric frame.

    Edges join near neighbours inside one zone whose straight segment never touches the
    zone's outline, so an officer walking edges can never leave the zone.
    """

    x: FloatArray
    y: FloatArray
    zone: IntArray  # team index of each node
    neighbours: IntArray  # (nodes, K): global node indices, padded by repetition
    degree: IntArray
    zone_nodes: list[IntArray] = field(default_factory=list)  # usable nodes per team


def load_outline(path: Path) -> FloatArray:
    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    for feature in data["features"]:
        if str(feature["properties"].get("adcode")) == WUCHENG_ADCODE:
            geom = feature["geometry"]
            polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
            # The district is one polygon without holes; take the largest outer ring.
            rings = [geo.open_ring(poly[0]) for poly in polys]
            return max(rings, key=geo.ring_area)
    raise ValueError(f"{path}: no feature with adcode {WUCHENG_ADCODE}")


def load_townships(path: Path, outline: FloatArray) -> list[Township]:
    out: list[Township] = []
    # A fixed lattice of points inside the outline: an approximate centre that falls just
    # outside the (equally approximate) outline moves to the nearest of them.
    grid_lon, grid_lat = np.meshgrid(
        np.linspace(119.30, 119.77, 120), np.linspace(28.73, 29.25, 120)
    )
    glon, glat = grid_lon.ravel(), grid_lat.ravel()
    inside = geo.contains(outline, glon, glat)
    glon, glat = glon[inside], glat[inside]
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            lon, lat = TOWNSHIP_CENTRES.get(row["name"], (119.60, 29.00))
            if not geo.contains(outline, np.array([lon]), np.array([lat]))[0]:
                j = int(np.argmin((glon - lon) ** 2 + (glat - lat) ** 2))
                lon, lat = round(float(glon[j]), 6), round(float(glat[j]), 6)
            out.append(Township(row["code"], row["name"], row["kind"], lon, lat))
    return out


def build_teams(
    outline: FloatArray, townships: list[Township]
) -> tuple[list[Team], list[FloatArray]]:
    teams: list[Team] = []
    rings_xy: list[FloatArray] = []
    for spec in TEAM_SPECS:
        x0, y0, x1, y1 = spec.window
        window = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
        ring = geo.clip_convex(outline, window)
        ring = _dedupe(ring)
        lon, lat = ring[:, 0], ring[:, 1]
        tlon = np.array([t.lon for t in townships])
        tlat = np.array([t.lat for t in townships])
        inside = geo.contains(ring, tlon, tlat)
        teams.append(
            Team(
                id=spec.key,
                name=spec.name,
                kind=spec.kind,
                colour=spec.colour,
                zone=tuple(
                    (round(a, 6), round(b, 6))
                    for a, b in zip(lon.tolist(), lat.tolist(), strict=True)
                ),
                townships=tuple(t.name for t, ok in zip(townships, inside, strict=True) if ok),
            )
        )
        x, y = geo.to_xy(lon, lat)
        rings_xy.append(np.column_stack([x, y]))
    return teams, rings_xy


def _dedupe(ring: FloatArray) -> FloatArray:
    keep = np.any(np.abs(ring - np.roll(ring, 1, axis=0)) > 1e-9, axis=1)
    return ring[keep]


def build_graph(rings_xy: list[FloatArray], rng: np.random.Generator, k: int = 6) -> PatrolGraph:
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    zones: list[IntArray] = []
    rows: list[IntArray] = []
    base = 0
    for team, ring in enumerate(rings_xy):
        area_km2 = geo.ring_area(ring) / 1e6
        # Denser waypoints in town, where streets are short; a rural zone gets a node
        # every few square kilometres.
        n = int(np.clip(40 + area_km2 * 0.4 + (200.0 / max(area_km2, 1.0)) * 20, 60, 240))
        x, y = _sample_in_ring(rng, ring, n)
        d2 = (x[:, None] - x[None, :]) ** 2 + (y[:, None] - y[None, :]) ** 2
        np.fill_diagonal(d2, np.inf)
        cand = np.argsort(d2, axis=1)[:, :k]
        a = np.repeat(np.arange(n), k)
        b = cand.ravel()
        ok = ~geo.segments_cross_ring(x[a], y[a], x[b], y[b], ring)
        # Symmetric adjacency so that a walk can always come back the way it went.
        adj = np.zeros((n, n), dtype=np.bool_)
        adj[a[ok], b[ok]] = True
        adj |= adj.T
        rows.extend(np.flatnonzero(adj[i]) + base for i in range(n))
        xs.append(x)
        ys.append(y)
        zones.append(np.full(n, team, dtype=np.int64))
        base += n
    degree = np.array([len(r) for r in rows], dtype=np.int64)
    width = int(degree.max())
    # Rows are padded by repeating their own entries, so a uniform pick over the first
    # ``degree`` columns is all a walker needs; an isolated node points at itself.
    neighbours = np.array(
        [np.resize(r, width) if len(r) else np.full(width, i) for i, r in enumerate(rows)],
        dtype=np.int64,
    )
    zone = np.concatenate(zones)
    usable = degree > 0
    return PatrolGraph(
        x=np.concatenate(xs),
        y=np.concatenate(ys),
        zone=zone,
        neighbours=neighbours,
        degree=degree,
        zone_nodes=[np.flatnonzero(usable & (zone == t)) for t in range(len(rings_xy))],
    )


def _sample_in_ring(
    rng: np.random.Generator, ring: FloatArray, n: int
) -> tuple[FloatArray, FloatArray]:
    x0, y0 = ring.min(axis=0)
    x1, y1 = ring.max(axis=0)
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    got = 0
    while got < n:
        m = max(64, 3 * (n - got))
        x = rng.uniform(x0, x1, m)
        y = rng.uniform(y0, y1, m)
        ok = geo.contains(ring, x, y)
        xs.append(x[ok])
        ys.append(y[ok])
        got += int(ok.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def merchant_points(
    rng: np.random.Generator, n: int, outline: FloatArray, townships: list[Township]
) -> tuple[FloatArray, FloatArray]:
    """Shops: three in four around the urban core's commercial streets, the rest in the
    centres of towns and townships."""
    hubs = np.array([(h[0], h[1]) for h in URBAN_HUBS])
    hub_w = np.array([h[2] for h in URBAN_HUBS])
    rural = np.array([(t.lon, t.lat) for t in townships if t.kind != "street"])
    lons: list[FloatArray] = []
    lats: list[FloatArray] = []
    got = 0
    while got < n:
        m = max(256, 2 * (n - got))
        urban = rng.random(m) < 0.75
        centre = np.where(
            urban[:, None],
            hubs[rng.choice(len(hubs), size=m, p=hub_w / hub_w.sum())],
            rural[rng.integers(0, len(rural), size=m)],
        )
        sigma_m = np.where(urban, 900.0, 500.0)
        lon = centre[:, 0] + rng.normal(0, 1, m) * sigma_m / geo.M_PER_DEG_LON
        lat = centre[:, 1] + rng.normal(0, 1, m) * sigma_m / geo.M_PER_DEG_LAT
        # Rounded as stored, then tested: a shop on the outline must not round outside.
        lon, lat = np.round(lon, 6), np.round(lat, 6)
        ok = geo.contains(outline, lon, lat)
        lons.append(lon[ok])
        lats.append(lat[ok])
        got += int(ok.sum())
    return np.concatenate(lons)[:n], np.concatenate(lats)[:n]
