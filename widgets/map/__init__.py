"""The live map widget: base layer (offline, XYZ or MBTiles), officers on one canvas layer,
trails, incidents with their 1-3-15 state (clustered at low zoom), merchants by risk,
supervision alert rings, click-through.

Import ``widgets.qtenv.prepare_qt_environment()`` (which registers ``watchfloor://``)
before creating the QApplication.
"""

from widgets.map.alerts import AlertInfo
from widgets.map.dispatch import DispatchLine, DispatchPlan
from widgets.map.incidents import ClockState, IncidentInfo
from widgets.map.merchants import MerchantInfo
from widgets.map.page import MapConfig
from widgets.map.tiles import MbTiles, TileSource, XyzTiles
from widgets.map.units import UnitInfo
from widgets.map.view import MapView

__all__ = [
    "AlertInfo",
    "ClockState",
    "DispatchLine",
    "DispatchPlan",
    "IncidentInfo",
    "MapConfig",
    "MapView",
    "MbTiles",
    "MerchantInfo",
    "TileSource",
    "UnitInfo",
    "XyzTiles",
]
