"""Incidents as the map shows them: place, category glyph, priority, 1-3-15 clock state.

Pure Python (no Qt). :meth:`IncidentInfo.from_incident` reads the wire shape
(``backend_client.protocol.messages.Incident``) so the wall can hand events straight in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from backend_client.geo import Datum, check_datum

if TYPE_CHECKING:
    from backend_client.protocol.messages import Incident

#: ``running``: a 1-3-15 deadline is still ahead (the marker pulses);
#: ``missed``: a stage was missed (red); ``met``: the clock is done, all in time;
#: ``none``: no clock (e.g. a patrol finding with no SLA).
ClockState = Literal["running", "missed", "met", "none"]
CLOCK_STATES: Final[tuple[ClockState, ...]] = ("running", "missed", "met", "none")

# Statuses after which the on-scene clock has stopped.
_CLOCK_DONE: Final = frozenset(
    {"handled", "rectifying", "followup", "checked", "closed", "suspended", "voided"}
)

#: One character per catalogue category, readable from across the room (an icon font
#: would need shipping and still be less clear to operators than the word they use).
CATEGORY_GLYPHS: Final[dict[str, str]] = {
    "占道经营": "占",
    "出店经营": "店",
    "油烟扰民": "烟",
    "露天烧烤": "烤",
    "噪声扰民": "噪",
    "违规广告": "广",
    "建筑垃圾": "垃",
    "违章停车": "停",
    "乱堆物料": "堆",
    "违法建设": "违",
    "渣土撒漏": "渣",
    "污水直排": "污",
    "无照经营": "照",
    "食品安全": "食",
    "公共场所卫生": "卫",
    "消防通道占用": "消",
    # The classes catalogue's names (issue 18: a report is stored as its class's name),
    # with the glyph its former free name had where it had one.
    "店外经营": "店",
    "油烟污染": "烟",
    "违规户外广告": "广",
    "积存垃圾渣土": "垃",
    "机动车乱停放": "停",
    "非机动车乱停放": "车",
    "私搭乱建": "违",
    "道路遗撒": "渣",
    "无照经营游商": "照",
}


def category_glyph(category: str) -> str:
    return CATEGORY_GLYPHS.get(category) or (category[:1] if category else "!")


@dataclass(frozen=True, slots=True)
class IncidentInfo:
    """What the map needs of one incident."""

    id: str
    lat: float
    lon: float
    category: str = ""
    #: 1 (most urgent) .. 5, as in the protocol.
    priority: int = 3
    status: str = "reported"
    clock: ClockState = "none"
    #: Epoch seconds of the next pending 1-3-15 deadline (``clock == "running"``): the page
    #: turns the marker red by itself when it passes.
    deadline: float | None = None
    datum: Datum = "wgs84"
    #: Officers assigned (``fit_incident`` frames them with the incident).
    units: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        check_datum(self.datum)
        if self.clock not in CLOCK_STATES:
            raise ValueError(f"unknown clock state {self.clock!r}")
        if not 1 <= self.priority <= 5:
            raise ValueError(f"priority must be 1..5, got {self.priority}")

    @classmethod
    def from_incident(cls, incident: Incident) -> IncidentInfo | None:
        """The map's view of a protocol incident; ``None`` if it has no location."""
        if incident.lat is None or incident.lon is None:
            return None
        clock: ClockState = "none"
        deadline: float | None = None
        sla = incident.sla
        if sla is not None:
            if sla.missed:
                clock = "missed"
            elif sla.handled_at is not None or incident.status in _CLOCK_DONE:
                clock = "met"
            else:
                clock = "running"
                if sla.accepted_at is None:
                    deadline = sla.accept_by
                elif sla.moving_at is None:
                    deadline = sla.move_by
                else:
                    deadline = sla.handle_by
        return cls(
            id=incident.id,
            lat=incident.lat,
            lon=incident.lon,
            category=incident.category,
            priority=min(5, max(1, incident.priority)),
            status=incident.status,
            clock=clock,
            deadline=deadline,
            datum=incident.datum,
            units=tuple(incident.units),
        )

    def page_item(self, lat: float, lon: float) -> dict[str, Any]:
        """The JSON object the page takes, at ``lat, lon`` already in the map datum."""
        return {
            "id": self.id,
            "lat": lat,
            "lon": lon,
            "category": self.category,
            "glyph": category_glyph(self.category),
            "priority": self.priority,
            "status": self.status,
            "clock": self.clock,
            "deadline": self.deadline,
            "units": list(self.units),
        }


def sort_for_page(items: Sequence[IncidentInfo]) -> list[IncidentInfo]:
    """Stable order for the page (by id); duplicates are an error."""
    ids = [i.id for i in items]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate incident id in set_incidents()")
    return sorted(items, key=lambda i: i.id)


__all__ = ["CATEGORY_GLYPHS", "ClockState", "IncidentInfo", "category_glyph"]
