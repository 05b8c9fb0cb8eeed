"""The report schema shared by ``/api/v1/reports`` and the Open311 endpoint."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Text = Annotated[str, msgspec.Meta(max_length=4000)]
Short = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class Reporter(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(max_length=64)] = ""
    phone: Annotated[str, msgspec.Meta(max_length=32)] = ""


class ReportIn(msgspec.Struct):
    source: Literal["hotline", "snap", "grid", "patrol"]
    external_id: Short
    category: Short
    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)]
    lon: Annotated[float, msgspec.Meta(ge=-180, le=180)]
    text: Text = ""
    datum: Literal["wgs84", "gcj02"] = "wgs84"
    address: Annotated[str, msgspec.Meta(max_length=256)] = ""
    reporter: Reporter | None = None
    photos: Annotated[list[str], msgspec.Meta(max_length=9)] = msgspec.field(default_factory=list)
    priority: Annotated[int, msgspec.Meta(ge=1, le=5)] = 3
    merchant_id: str | None = None
