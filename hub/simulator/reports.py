"""Citizens', grid workers' and officers' reports: when, what, where, by whom.

Draws come from the report stream only (``_rrng``), one child stream per report, so the
stream of reports is the same whatever the officers do.
"""

from __future__ import annotations

import base64
import datetime
import struct
import zlib
from typing import Any

import numpy as np

from backend_client.geo import wgs84_to_gcj02
from hub.simulator import catalogue, geo, names
from hub.simulator.state import AVAILABLE_STATES, SimState
from hub.simulator.steps import Source
from hub.simulator.world import Merchant

BEIJING = datetime.timezone(datetime.timedelta(hours=8))


class Reporting(SimState):
    def _reports(self, t0: float, now: float) -> list[dict[str, Any]]:
        if self.rate <= 0 or now <= t0:
            return []
        r = self._rrng
        mean = self.rate * (now - t0) / 3600.0
        if self.diurnal:
            hour = datetime.datetime.fromtimestamp((t0 + now) / 2, BEIJING).hour
            mean *= catalogue.HOURLY_FACTOR[hour]
        n = int(r.poisson(mean))
        if n == 0:
            return []
        times = np.sort(r.uniform(t0, now, n))
        # One child stream per report: what a report says never shifts the draws of the
        # next, so the stream is the same whatever officers (and so patrol reports) do.
        seeds = r.integers(0, 2**63, n)
        return [
            self._report(float(ts), np.random.default_rng(int(sd)))
            for ts, sd in zip(times, seeds, strict=True)
        ]

    def _report(self, ts: float, r: np.random.Generator) -> dict[str, Any]:
        w = self.world
        source: Source = self._sources[int(r.choice(len(self._sources), p=self._source_p))]
        cat = catalogue.CATEGORIES[int(r.choice(len(catalogue.CATEGORIES), p=self._cat_p))]
        officer: int | None = None
        if source == "patrol":
            on = np.flatnonzero(np.isin(self.state, AVAILABLE_STATES) & self._person)
            if len(on) == 0:
                source = "grid"
            else:
                officer = int(on[int(r.integers(0, len(on)))])
        merchant = None
        if cat.shop_kinds and r.random() < cat.merchant_share:
            kind = cat.shop_kinds[int(r.integers(0, len(cat.shop_kinds)))]
            pool = self._shops_by_kind.get(kind)
            if pool is not None and len(pool):
                if officer is not None:
                    # An officer reports what is in front of him: the nearest such shop.
                    d = np.hypot(self._mx[pool] - self.x[officer], self._my[pool] - self.y[officer])
                    merchant = w.merchants[int(pool[int(np.argmin(d))])]
                else:
                    merchant = w.merchants[int(pool[int(r.integers(0, len(pool)))])]
        lon, lat = self._place(r, merchant, officer)
        if merchant is not None:
            address, town = merchant.address, merchant.township
        else:
            address, town = w.address(r, lon, lat)
        place = address.removeprefix("金华市婺城区")
        if merchant is None and r.random() < 0.5:
            place += "附近"
        template = cat.texts[int(r.integers(0, len(cat.texts)))]
        text = template.format(
            place=place,
            shop=merchant.name if merchant is not None else _unnamed_shop(template, place),
            when=catalogue.WHEN[int(r.integers(0, len(catalogue.WHEN)))],
        )
        text = catalogue.SOURCE_PREFIX[source] + text
        reporter = self._reporter(r, source, town, officer)
        datum = "wgs84"
        if source == "snap" and self.snap_datum == "gcj02":
            lat, lon = wgs84_to_gcj02(lat, lon)
            datum = "gcj02"
        report: dict[str, Any] = {
            "source": source,
            "external_id": self._external_id(source, ts, town, officer),
            "category": cat.name,
            "text": text,
            "lat": round(lat, 6),
            "lon": round(lon, 6),
            "datum": datum,
            "address": address,
            "reporter": reporter,
            "photos": self._photo_list(r, source, cat.name),
            "priority": cat.priority,
            "reported_at": round(ts, 3),
        }
        if merchant is not None:
            report["merchant_id"] = merchant.id
        return report

    def _place(
        self, r: np.random.Generator, merchant: Merchant | None, officer: int | None
    ) -> tuple[float, float]:
        """WGS-84 (lon, lat) of a report: at the shop's door, the officer, or a street."""
        w = self.world
        for _ in range(8):
            if merchant is not None:
                lon, lat, spread = merchant.lon, merchant.lat, 8.0
            elif officer is not None:
                lo, la = geo.to_lonlat(self.x[officer : officer + 1], self.y[officer : officer + 1])
                lon, lat, spread = float(lo[0]), float(la[0]), 15.0
            elif r.random() < 0.7 and len(w.merchants):
                # Street problems happen where people and shops are.
                m = w.merchants[int(r.integers(0, len(w.merchants)))]
                lon, lat, spread = m.lon, m.lat, 80.0
            else:
                g = w.graph
                j = int(r.integers(0, len(g.x)))
                lo, la = geo.to_lonlat(g.x[j : j + 1], g.y[j : j + 1])
                lon, lat, spread = float(lo[0]), float(la[0]), 40.0
            lon += float(r.normal()) * spread / geo.M_PER_DEG_LON
            lat += float(r.normal()) * spread / geo.M_PER_DEG_LAT
            lon, lat = round(lon, 6), round(lat, 6)
            if w.contains(np.array([lon]), np.array([lat]))[0]:
                return lon, lat
        if merchant is not None:
            return float(merchant.lon), float(merchant.lat)
        return 119.648, 29.083  # the urban core: always inside

    def _reporter(
        self, r: np.random.Generator, source: Source, town: str, officer: int | None
    ) -> dict[str, str]:
        if source == "patrol" and officer is not None:
            o = self.world.officers[officer]
            return {"name": o.name, "phone": o.phone}
        if source == "grid":
            pool = self._grid_workers.get(town)
            if pool is None:
                # Each township has a handful of grid workers who file again and again.
                seed = sum(ord(c) for c in town)
                gr = np.random.default_rng([seed, 0x6D1D])
                pool = list(zip(names.person_names(gr, 6), names.phones(gr, 6), strict=True))
                self._grid_workers[town] = pool
            name, phone = pool[int(r.integers(0, len(pool)))]
            return {"name": name, "phone": phone}
        name = (
            names.polite_name(r)
            if source == "hotline" and r.random() < 0.6
            else names.person_names(r, 1)[0]
        )
        return {"name": name, "phone": names.phones(r, 1)[0]}

    def _external_id(self, source: Source, ts: float, town: str, officer: int | None) -> str:
        self._seq[source] += 1
        seq = self._seq[source]
        t = datetime.datetime.fromtimestamp(ts, BEIJING)
        # The run's start (seconds since the epoch, base 36) keeps ids apart across runs:
        # numbering restarts with every run, and the hub takes an id it has seen for a
        # retry of that report (the demo on a kept store lost its new reports that way).
        run = _base36(int(self._run_start if self._run_start is not None else ts))
        if source == "hotline":
            return f"8890-{t:%Y%m%d}-{run}{seq:06d}"
        if source == "snap":
            return f"SSP{t:%Y%m%d%H%M%S}{run}{seq:05d}"
        if source == "grid":
            code = next((t_.code for t_ in self.world.townships if t_.name == town), "330702000")
            return f"WG{code}{t:%Y%m%d}{run}{seq:05d}"
        badge = self.world.officers[officer].badge if officer is not None else "0"
        return f"XC{badge}-{run}{seq:06d}"

    def _photo_list(self, r: np.random.Generator, source: Source, category: str) -> list[str]:
        if source == "hotline":
            return []
        count = int(r.integers(1, 4)) if source == "snap" else int(r.random() < 0.8)
        photos = self._photos.get(category)
        if photos is None:
            photos = [_tiny_png(category, k) for k in range(3)]
            self._photos[category] = photos
        return photos[:count]


def _unnamed_shop(template: str, place: str) -> str:
    # A caller who does not know the shop's name says where it is instead.
    return "路边一家商铺" if "{place}" in template else f"{place}一家商铺"


def _tiny_png(label: str, variant: int, width: int = 32, height: int = 24) -> str:
    """A small base64 PNG standing in for a citizen's photo: coloured by its category,
    so that a wall or drill-down shows real image bytes, not a placeholder string."""
    h = zlib.crc32(label.encode("utf-8")) + variant * 7919
    base = ((h >> 16) & 0xFF, (h >> 8) & 0xFF, h & 0xFF)
    rows = bytearray()
    for yy in range(height):
        rows.append(0)
        for xx in range(width):
            shade = (xx * 4 + yy * 3) % 64
            rows.extend(
                ((base[0] + shade) & 0xFF, (base[1] + shade) & 0xFF, (base[2] + shade) & 0xFF)
            )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(bytes(rows)))
        + chunk(b"IEND", b"")
    )
    return base64.b64encode(png).decode("ascii")


def _base36(value: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while True:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
        if value == 0:
            return out
