"""The cockpit (驾驶舱) wall panels: figures over history from the hub's ``stats.query``.

``trend`` (received and closed per day), ``sources``, ``categories`` (top N 大类, each with
its top 小类), ``ranking`` (teams by 结案率 or 按期结案率) and ``rates`` (the headline rates
with their formulas).
Each panel observes one :class:`~backend_client.stories.cockpit.CockpitStats`;
:func:`build_panel` makes the model and the panel for a layout's panel kind and options.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from backend_client.protocol.ops import StatsGroup
from backend_client.qt import QtFeed
from backend_client.stories.cockpit import CockpitStats, ServiceQuery
from widgets.cockpit.base import CockpitPanel
from widgets.cockpit.charts import BarsPanel, TrendPanel
from widgets.cockpit.rates import RatesPanel

#: The grouping each panel kind asks for. ``rates`` reads the period's total, which
#: every grouping carries; ``source`` has the fewest rows.
GROUPS: Final[dict[str, StatsGroup]] = {
    "trend": "day",
    "sources": "source",
    "categories": "class_group",
    "ranking": "team",
    "rates": "source",
}
KINDS: Final = tuple(GROUPS)


def build_panel(kind: str, feed: QtFeed, options: Mapping[str, Any]) -> CockpitPanel:
    """The panel of ``kind`` with its model, asking ``feed``'s hub on ``feed``'s clock."""
    group = GROUPS[kind]
    if kind == "categories" and int(options.get("classes", 2)) == 0:
        group = "category"  # the 小类 alone, as bars of their own
    stats = CockpitStats(
        feed.client.request,
        group,
        int(options["days"]),
        clock=feed.now,
        interval_s=float(options["refresh_s"]),
    )
    if kind == "trend":
        return TrendPanel(stats, feed)
    if kind == "rates":
        # 满意率 and 重复派单率 (stats.service) beside the stats.query rates, same period.
        service = ServiceQuery(feed.client.request, int(options["days"]), clock=feed.now)
        return RatesPanel(stats, feed, formulas=bool(options["formulas"]), service=service)
    return BarsPanel(
        kind,
        stats,
        feed,
        top=int(options.get("top", 0)),
        by=options.get("by", "closure_rate"),
        classes=int(options.get("classes", 2)),
    )


__all__ = [
    "GROUPS",
    "KINDS",
    "BarsPanel",
    "CockpitPanel",
    "RatesPanel",
    "TrendPanel",
    "build_panel",
]
