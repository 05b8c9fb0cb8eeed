"""The live map widget: offline base layer, officers on one canvas layer, click-through.

Import ``widgets.qtenv.prepare_qt_environment()`` (which registers ``watchfloor://``)
before creating the QApplication.
"""

from widgets.map.page import MapConfig
from widgets.map.units import UnitInfo
from widgets.map.view import MapView

__all__ = ["MapConfig", "MapView", "UnitInfo"]
