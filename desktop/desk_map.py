"""What the desk's map shows of the case in hand: the case ringed and a line from each
recommended officer to it, labelled with the distance and ETA the case panel shows.

The numbers are :func:`backend_client.stories.desk.recommend`'s: straight-line distance,
and an ETA at town speed (:data:`~backend_client.stories.desk.SPEED_M_S`, 20 km/h) over
roads :data:`~backend_client.stories.desk.ROAD_FACTOR` times longer than the line.
"""

from __future__ import annotations

from collections.abc import Collection

from backend_client.stories.desk import AWAITING_DISPATCH, DeskTriage, Recommendation
from widgets.map.dispatch import DispatchLine, DispatchPlan
from widgets.text import translate


def distance_text(metres: float) -> str:
    """ "850 m" under a kilometre, "1.2 km" from there."""
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"


def eta_text(seconds: float) -> str:
    """Whole minutes, at least one: nobody arrives in no time."""
    return translate("desk", "{m} 分钟").format(m=max(1, round(seconds / 60)))


def line_label(rec: Recommendation) -> str:
    """ "张三 · 850 m · 3 分钟": who, how far, how long."""
    return " · ".join((rec.unit.name, distance_text(rec.distance_m), eta_text(rec.eta_s)))


def dispatch_plan(triage: DeskTriage, chosen: Collection[str] = ()) -> DispatchPlan | None:
    """The selected case and its recommended officers, while it still waits for officers.

    None without a placed case in hand; a case already dispatched keeps its ring but loses
    its lines (nobody else is to be sent, and the lines would say otherwise).
    """
    incident = triage.incident
    if incident is None or incident.lat is None or incident.lon is None:
        return None
    lines: tuple[DispatchLine, ...] = ()
    if incident.status in AWAITING_DISPATCH and not incident.units:
        lines = tuple(
            DispatchLine(
                rec.unit.id,
                rec.unit.lat,
                rec.unit.lon,
                line_label(rec),
                rec.unit.datum,
                rec.unit.id in chosen,
            )
            for rec in triage.recommendations
            if rec.unit.lat is not None and rec.unit.lon is not None
        )
    return DispatchPlan(incident.id, incident.lat, incident.lon, lines, incident.datum)
