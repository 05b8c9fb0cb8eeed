"""The wall layout file's schema: its tables as Structs and the panel options per kind.

Declared once, with a type, a default and a description per field: ``desktop.layout``
loads files with it (through ``backend_client.config``), docs/configuration.md shows it
(its tables are made from it and checked in tests). Checks that involve two fields (a
panel must fit its screen's grid) are the loader's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal

import msgspec
from msgspec import Meta

from desktop.speech.settings import SpeechTable

ScreenLost = Literal["move", "wait"]
PANEL_KINDS: Final = (
    "map",
    "ticker",
    "queue",
    "kpi",
    "alerts",
    "clock",
    "situation",
    # The cockpit (驾驶舱): figures over history from the hub's stats.query.
    "trend",
    "sources",
    "categories",
    "ranking",
    "rates",
)
KPI_CHARTS: Final = ("per_hour", "compliance", "officers", "response")
MAX_GRID: Final = 12
DEFAULT_TITLE: Final = "婺城区综合行政执法指挥平台"

# ---- the schema ------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One panel option: its type, default, an extra check and what it is for."""

    kind: type | tuple[type, ...]
    default: Any
    doc: str
    check: Callable[[Any], str | None] = lambda _value: None


def _range(low: float, high: float) -> Callable[[Any], str | None]:
    return lambda v: None if low <= v <= high else f"must be {low:g}..{high:g}"


def _subset(allowed: Sequence[str]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        bad = [v for v in value if v not in allowed]
        return f"unknown {bad[0]!r} (one of {', '.join(allowed)})" if bad else None

    return check


def _one_of(allowed: Sequence[str]) -> Callable[[Any], str | None]:
    return lambda v: None if v in allowed else f"one of {', '.join(allowed)}"


def _lat_lon(value: Any) -> str | None:
    ok = (
        len(value) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        and -90 <= value[0] <= 90
        and -180 <= value[1] <= 180
    )
    return None if ok else "[lat, lon] in degrees, e.g. [29.11, 119.65]"


#: Options per panel kind. Unknown options are errors: a typo must not silently do nothing.
PANEL_OPTIONS: Final[dict[str, dict[str, Option]]] = {
    "map": {
        "show_incidents": Option(bool, True, "draw open incidents, live"),
        "fit": Option(
            str,
            "wucheng",
            "wucheng: frame the district; none: keep the view",
            _one_of(("wucheng", "none")),
        ),
        "center": Option(list, [], "[lat, lon] (WGS-84) to centre on; needs zoom", _lat_lon),
        "zoom": Option((int, float), 0, "zoom level with center (8..19)", _range(8, 19)),
        "trails": Option(bool, False, "officers' trails of the last trail_minutes"),
        "trail_minutes": Option((int, float), 10, "trail length in minutes", _range(1, 120)),
        "follow": Option(str, "none", "an officer id to keep centred, or none"),
        "merchants": Option(bool, True, "merchants by risk (high-risk only at district zoom)"),
        "alerts": Option(bool, True, "rings around the subjects of open supervision alerts"),
        "hotspots": Option(
            int,
            0,
            "days of case heat and recurrence points to draw (stats.hotspots); 0: none",
            _range(0, 400),
        ),
    },
    "ticker": {
        "speed": Option(int, 120, "scroll speed, pixels per second", _range(20, 600)),
        "pinned": Option(int, 2, "urgent items pinned at the left", _range(0, 4)),
    },
    "queue": {
        "max_rows": Option(int, 200, "rows kept in the queue", _range(1, 5000)),
        "show_handled": Option(bool, True, "keep handled cases (green) below the open ones"),
    },
    "kpi": {
        "period": Option(str, "today", "today | 24h", _one_of(("today", "24h"))),
        "charts": Option(list, list(KPI_CHARTS), "which charts, in order", _subset(KPI_CHARTS)),
    },
    "alerts": {
        "max_items": Option(int, 50, "alerts listed", _range(1, 500)),
    },
    "clock": {
        "seconds": Option(bool, True, "show seconds"),
    },
    "situation": {
        "title": Option(str, "态势研判", "heading of the pinned situation slot"),
    },
    "trend": {
        "days": Option(int, 31, "local days shown, today the last", _range(2, 400)),
        "refresh_s": Option(int, 60, "seconds between queries to the hub", _range(10, 3600)),
    },
    "sources": {
        "days": Option(
            int, 30, "the period: the last N local days, today included", _range(1, 400)
        ),
        "refresh_s": Option(int, 60, "seconds between queries to the hub", _range(10, 3600)),
    },
    "categories": {
        "days": Option(
            int, 30, "the period: the last N local days, today included", _range(1, 400)
        ),
        "top": Option(int, 8, "bars shown; the rest are summed as one", _range(1, 30)),
        "classes": Option(
            int,
            2,
            "小类 shown under each 大类 (class group) bar; 0: bars of the 小类 alone",
            _range(0, 10),
        ),
        "refresh_s": Option(int, 60, "seconds between queries to the hub", _range(10, 3600)),
    },
    "ranking": {
        "days": Option(
            int, 30, "the period: the last N local days, today included", _range(1, 400)
        ),
        "by": Option(
            str,
            "closure_rate",
            "closure_rate (结案率) or on_time_rate (按期结案率)",
            _one_of(("closure_rate", "on_time_rate")),
        ),
        "top": Option(int, 10, "teams shown", _range(1, 40)),
        "refresh_s": Option(int, 60, "seconds between queries to the hub", _range(10, 3600)),
    },
    "rates": {
        "days": Option(
            int, 30, "the period: the last N local days, today included", _range(1, 400)
        ),
        "formulas": Option(bool, True, "show how each figure is made, under it"),
        "refresh_s": Option(int, 60, "seconds between queries to the hub", _range(10, 3600)),
    },
}


# ---- the file's tables, declared once ------------------------------------------------
# Checks that involve two fields (a panel must fit its screen's grid, weights one per
# row) or that want a message in the installer's words stay in _Reader below.


def _doc(text: str) -> Meta:
    return Meta(description=text)


Weight = Annotated[int, Meta(ge=1, le=100)]


class WallTable(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """``[wall]``: what holds for every window of this wall."""

    title: Annotated[str, _doc("heading shown in every window's header")] = DEFAULT_TITLE
    on_screen_lost: Annotated[
        ScreenLost, _doc("move: a lost screen's panels go to the others; wait: they wait")
    ] = "move"
    cursor_idle_s: Annotated[
        float, Meta(gt=0, le=3600, description="seconds before an idle mouse pointer hides")
    ] = 3.0


class PlaylistEntry(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """``{ kind = ..., seconds = ..., options = {...} }``: one view of a rotating cell."""

    kind: Annotated[str, _doc(f"the panel: one of {', '.join(PANEL_KINDS)}")]
    seconds: Annotated[float, Meta(ge=3, le=3600, description="how long it shows")]
    options: Annotated[dict[str, Any], _doc("the panel's options (PANEL_OPTIONS)")] = msgspec.field(
        default_factory=dict
    )


class PanelTable(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """``[[screens.panels]]``: a cell of the screen's grid, one panel or a playlist."""

    kind: Annotated[str | None, _doc(f"the panel: one of {', '.join(PANEL_KINDS)}")] = None
    options: Annotated[dict[str, Any], _doc("the panel's options (PANEL_OPTIONS)")] = msgspec.field(
        default_factory=dict
    )
    playlist: Annotated[
        list[PlaylistEntry] | None, _doc("views that rotate in this cell (instead of kind)")
    ] = None
    row: Annotated[int, _doc("top row of the cell, from 0")] = 0
    col: Annotated[int, _doc("left column of the cell, from 0")] = 0
    row_span: Annotated[int, _doc("rows the cell covers")] = 1
    col_span: Annotated[int, _doc("columns the cell covers")] = 1


class ScreenTable(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """``[[screens]]``: one wall window, on a screen named by index or by name."""

    screen: Annotated[int | str, _doc("screen index (0..63) or the screen's name")]
    panels: Annotated[list[PanelTable], _doc("the cells, one [[screens.panels]] each")]
    rows: Annotated[int, Meta(ge=1, le=MAX_GRID, description="rows of the grid")] = 1
    cols: Annotated[int, Meta(ge=1, le=MAX_GRID, description="columns of the grid")] = 1
    row_weights: Annotated[list[Weight] | None, _doc("relative row heights, one per row")] = None
    col_weights: Annotated[list[Weight] | None, _doc("relative column widths, one per column")] = (
        None
    )
    title: Annotated[str, _doc("heading of this window (default: the wall's)")] = ""


RuleTrigger = Literal["priority1", "sos"]


class RuleTable(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """``[[rules]]``: something that changes the wall by itself (as a video-management
    system's rule-triggered presets do)."""

    on: Annotated[
        RuleTrigger,
        _doc("priority1: a new case of priority 1; sos: an officer's SOS alarm"),
    ]
    screens: Annotated[
        list[int | str],
        _doc("the windows whose maps fly to it (screen index or name, as in [[screens]])"),
    ]
    minutes: Annotated[
        float, Meta(gt=0, le=120, description="how long the maps stay there before going back")
    ] = 5.0
    zoom: Annotated[float, Meta(ge=10, le=19, description="map zoom while there")] = 16.0


class LayoutFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A whole layout file."""

    screens: Annotated[list[ScreenTable], _doc("the windows, one [[screens]] table each")]
    wall: Annotated[WallTable, _doc("settings of the whole wall")] = WallTable()
    speech: Annotated[SpeechTable, _doc("spoken announcements and alarm sounds")] = SpeechTable()
    rules: Annotated[
        list[RuleTable], _doc("what changes the wall by itself, one [[rules]] each")
    ] = msgspec.field(default_factory=list)
