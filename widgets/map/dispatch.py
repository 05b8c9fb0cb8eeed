"""The desk's dispatch plan as the map shows it: the selected case ringed, and a line from
each recommended officer to it labelled with the distance and the ETA.

Pure Python (no Qt). The numbers are the desk's recommendation's own
(:func:`backend_client.stories.desk.recommend`: straight-line distance, and an ETA at
town speed over a road factor), so the map and the case panel never disagree; the label
text is worded by the caller in the desk's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backend_client.geo import Datum

#: Converts a point from its datum to the map's (the view's ``_to_map``).
ToMap = Callable[[float, float, Datum], tuple[float, float]]


@dataclass(frozen=True, slots=True)
class DispatchLine:
    """One recommended officer: where they are and what the label says."""

    unit_id: str
    lat: float
    lon: float
    #: "1.2 km · 4 分钟" — worded by the desk, in its language.
    label: str
    datum: Datum = "wgs84"
    #: The officer the desk proposes to send (first in the panel, or the operator's choice).
    chosen: bool = False


@dataclass(frozen=True, slots=True)
class DispatchPlan:
    """The case being dispatched and the lines to it, in recommendation order."""

    incident_id: str
    lat: float
    lon: float
    lines: tuple[DispatchLine, ...] = ()
    datum: Datum = "wgs84"

    def page_item(self, to_map: ToMap) -> dict[str, Any]:
        """What ``setDispatch`` takes, every point in the map's datum."""
        lat, lon = to_map(self.lat, self.lon, self.datum)
        lines = []
        for line in self.lines:
            u_lat, u_lon = to_map(line.lat, line.lon, line.datum)
            lines.append(
                {
                    "unit": line.unit_id,
                    "lat": u_lat,
                    "lon": u_lon,
                    "label": line.label,
                    "chosen": line.chosen,
                }
            )
        return {"incident": self.incident_id, "lat": lat, "lon": lon, "lines": lines}


__all__ = ["DispatchLine", "DispatchPlan"]
