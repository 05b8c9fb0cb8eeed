"""Merchants (registered shops) as the map shows them: a dot by risk, a glyph up close.

Pure Python (no Qt). :meth:`MerchantInfo.from_wire` reads one item of the hub's
``merchant.list`` answer. Thousands of merchants travel to the page as parallel arrays in
one message and are drawn on one canvas, never as one Leaflet object each.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from backend_client.geo import Datum, check_datum

#: The hub stores risk as 1 (low) .. 3 (high); some exports spell it out.
RISK_LEVELS: Final[dict[str, int]] = {"low": 1, "medium": 2, "high": 3}


def parse_risk(value: object) -> int:
    """1 (low) .. 3 (high) from an int or its name; anything else is an error."""
    if isinstance(value, str):
        level = RISK_LEVELS.get(value.strip().lower())
        if level is None and value.strip().isdigit():
            level = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        level = value
    else:
        level = None
    if level is None or not 1 <= level <= 3:
        raise ValueError(f"merchant risk must be 1..3 or low/medium/high, got {value!r}")
    return level


@dataclass(frozen=True, slots=True)
class MerchantInfo:
    """What the map needs of one merchant."""

    id: str
    name: str
    category: str
    #: 1 low, 2 medium, 3 high.
    risk: int
    lat: float
    lon: float
    datum: Datum = "wgs84"

    def __post_init__(self) -> None:
        check_datum(self.datum)
        parse_risk(self.risk)

    @classmethod
    def from_wire(cls, item: Mapping[str, Any]) -> MerchantInfo | None:
        """One ``merchant.list`` item; ``None`` when it has no location to draw."""
        lat, lon = item.get("lat"), item.get("lon")
        if lat is None or lon is None:
            return None
        return cls(
            id=str(item["id"]),
            name=str(item.get("name") or item["id"]),
            category=str(item.get("category") or ""),
            risk=parse_risk(item.get("risk", 1)),
            lat=float(lat),
            lon=float(lon),
            datum=check_datum(str(item.get("datum") or "wgs84")),
        )


def merchant_glyph(category: str) -> str:
    return category[:1] if category else "商"


Converter = Callable[[float, float, Datum], tuple[float, float]]


def page_payload(items: Sequence[MerchantInfo], to_map: Converter) -> dict[str, Any]:
    """The page's ``setMerchants`` arguments: parallel arrays, positions in the map datum."""
    ids = [m.id for m in items]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate merchant id in set_merchants()")
    lat: list[float] = []
    lon: list[float] = []
    for m in items:
        la, lo = to_map(m.lat, m.lon, m.datum)
        # 1e-7 degrees is ~1 cm: enough for a shop front, and half the JSON of repr().
        lat.append(round(la, 7))
        lon.append(round(lo, 7))
    return {
        "ids": ids,
        "names": [m.name for m in items],
        "glyphs": [merchant_glyph(m.category) for m in items],
        "risk": [m.risk for m in items],
        "lat": lat,
        "lon": lon,
    }


__all__ = ["RISK_LEVELS", "MerchantInfo", "merchant_glyph", "page_payload", "parse_risk"]
