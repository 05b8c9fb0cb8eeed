"""``MapView``: the live map at the centre of every wall.

A folium-built page served on ``watchfloor://``, one small ``MapBridge`` on a
QWebChannel, and a coalescing timer so that Python may call :meth:`MapView.update_units`
at any rate while the page receives at most one positions frame per display frame.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineSettings
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget

from backend_client.geo import Datum, check_datum, convert
from widgets.map.alerts import AlertInfo
from widgets.map.dispatch import DispatchPlan
from widgets.map.hotspots import Hotspots
from widgets.map.incidents import IncidentInfo, sort_for_page
from widgets.map.merchants import MerchantInfo, page_payload
from widgets.map.page import MapConfig, build_map_html, wucheng_origin
from widgets.map.scheme import app_scheme_handler
from widgets.map.tiles import MbTiles, MbTilesReader, XyzTiles
from widgets.map.units import UnitInfo, UnitTable

_page_numbers = itertools.count(1)


class MapBridge(QObject):
    """The only object the page sees. Signals go to JS; slots are called by JS."""

    # Python -> JS, each one JSON text: strings cross the channel without per-field
    # conversion, and the typed arrays inside are base64 already.
    meta = Signal(str)
    frame = Signal(str)
    command = Signal(str)

    # Re-emitted by MapView; kept separate so the page cannot reach MapView's API.
    pageReadyReceived = Signal()
    unitClicked = Signal(str, str)
    painted = Signal(int, float, float)
    followChangedReceived = Signal(str)

    @Slot()
    def pageReady(self) -> None:
        self.pageReadyReceived.emit()

    @Slot(str, str)
    def entityClicked(self, kind: str, entity_id: str) -> None:
        self.unitClicked.emit(kind, entity_id)

    @Slot(int, float, float)
    def framePainted(self, seq: int, apply_ms: float, draw_ms: float) -> None:
        self.painted.emit(seq, apply_ms, draw_ms)

    @Slot(str)
    def followChanged(self, unit_id: str) -> None:
        self.followChangedReceived.emit(unit_id)


class MapView(QWebEngineView):
    """Offline base map of Jinhua/Wucheng with every officer live on one canvas layer.

    All calls may be made before the page is up; they are kept and sent on ``ready``.
    """

    #: The page and the bridge are up; emitted again after a reload (renderer crash).
    ready = Signal()
    #: The operator clicked an entity: ``("unit", officer_id)``,
    #: ``("incident", incident_id)`` or ``("merchant", merchant_id)``.
    entityClicked = Signal(str, str)
    #: A positions frame was painted: ``(seq, js_apply_ms, js_draw_ms)`` -- for latency
    #: figures and a wall's "map is live" check.
    framePainted = Signal(int, float, float)
    #: The officer the view follows, ``""`` when it stopped (e.g. the operator dragged).
    followingChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, config: MapConfig | None = None) -> None:
        super().__init__(parent)
        self._config = config or MapConfig()
        self._datum: Datum = self._config.datum
        self._table = UnitTable(wucheng_origin(self._datum))
        self._pending_commands: list[str] = []
        # State the page must hold: kept here so a reloaded page gets it all again.
        self._incidents: dict[str, IncidentInfo] = {}
        self._merchants: tuple[MerchantInfo, ...] = ()
        self._merchant_payload: dict[str, Any] | None = None
        self._merchants_visible = self._config.merchants
        self._alerts: dict[str, AlertInfo] = {}
        self._dispatch: DispatchPlan | None = None
        self._hotspots: Hotspots | None = None
        self._trails = self._config.trails
        self._trail_args: dict[str, Any] | None = None  # set_trails() since the config
        self._following: str | None = None
        self._is_ready = False
        self._last_send = -1e9
        self.frames_sent = 0

        self._bridge = MapBridge(self)
        self._bridge.pageReadyReceived.connect(self._on_page_ready)
        self._bridge.unitClicked.connect(self.entityClicked)
        self._bridge.painted.connect(self.framePainted)
        self._bridge.followChangedReceived.connect(self._on_follow_changed)
        self._channel = QWebChannel(self)
        self._channel.registerObject("bridge", self._bridge)
        self.page().setWebChannel(self._channel)
        self.page().loadStarted.connect(self._on_load_started)
        self.page().renderProcessTerminated.connect(self._on_renderer_gone)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._flush)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(500)
        self._reload_timer.timeout.connect(self._reload)

        handler = app_scheme_handler(self.page().profile())
        number = next(_page_numbers)
        doc_path = f"page/map-{number}.html"
        tile_url: str | None = None
        tile_zooms: tuple[int, int] | None = None
        tiles = self._config.tiles
        tile_key = f"m{number}"
        if isinstance(tiles, MbTiles):
            reader = MbTilesReader(tiles.path)
            tile_url = handler.add_mbtiles(tile_key, reader)
            tile_zooms = reader.zoom_range()
        elif isinstance(tiles, XyzTiles):
            # watchfloor:// is a LocalScheme (see widgets/qtenv.py), and QtWebEngine keeps
            # such pages off the network unless told otherwise: only a view with XYZ tiles
            # is. (Plain-http tile servers on the LAN then load too, checked: images are
            # not blocked as mixed content from this scheme.)
            self.settings().setAttribute(
                QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, True
            )
        html = build_map_html(self._config, tile_url=tile_url, tile_zooms=tile_zooms)
        self._url = QUrl(handler.add_document(doc_path, html.encode()))

        # The handler outlives views; without this each closed map would leak its page
        # (and keep its MBTiles file open).
        def release(_obj: object = None) -> None:
            handler.remove_document(doc_path)
            handler.remove_mbtiles(tile_key)

        self.destroyed.connect(release)
        self.load(self._url)

    # -- public API ---------------------------------------------------------------------

    @property
    def datum(self) -> Datum:
        """The base layer's datum: positions are shown (and read back) in this datum."""
        return self._datum

    @property
    def is_ready(self) -> bool:
        return self._is_ready

    def document_url(self) -> QUrl:
        """Where this view's page is served (stable across reloads)."""
        return QUrl(self._url)

    def set_units(self, units: Sequence[UnitInfo]) -> None:
        """Replace the roster (metadata); known officers keep their positions."""
        self._table.set_units(units)
        self._schedule()

    def upsert_units(self, units: Sequence[UnitInfo]) -> None:
        """Change or add some officers (status, name, team, colour); the rest stay as is.

        For status changes: unlike :meth:`set_units` its cost does not grow with the roster.
        """
        self._table.upsert(units)
        self._schedule()

    def update_units(
        self,
        ids: Sequence[str],
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        datum: str = "wgs84",
        heading: npt.ArrayLike | None = None,
        speed: npt.ArrayLike | None = None,
    ) -> None:
        """Latest fixes for some officers; cheap, callable at any rate (coalesced).

        ``heading`` (degrees clockwise from north) and ``speed`` (m/s), NaN where unknown,
        give moving officers a direction arrow at street zoom. Officers not in the roster
        yet are shown with placeholder metadata until :meth:`set_units` names them.
        """
        lat_a = np.asarray(lat, dtype=np.float64).reshape(-1)
        lon_a = np.asarray(lon, dtype=np.float64).reshape(-1)
        if not (len(ids) == len(lat_a) == len(lon_a)):
            raise ValueError(
                f"ids, lat and lon differ in length ({len(ids)}, {len(lat_a)}, {len(lon_a)})"
            )
        hd_a = sp_a = None
        if heading is not None:
            hd_a = np.asarray(heading, dtype=np.float64).reshape(-1)
            if len(hd_a) != len(ids):
                raise ValueError(f"heading has {len(hd_a)} values for {len(ids)} officers")
        if speed is not None:
            sp_a = np.asarray(speed, dtype=np.float64).reshape(-1)
            if len(sp_a) != len(ids):
                raise ValueError(f"speed has {len(sp_a)} values for {len(ids)} officers")
        src = check_datum(datum)
        if src != self._datum:
            lat_a, lon_a = convert(lat_a, lon_a, src, self._datum)
        self._table.update(ids, lat_a, lon_a, hd_a, sp_a)
        self._schedule()

    def set_unit_status(self, unit_id: str, status: str) -> None:
        """Change one officer's duty status (drawn style); rides the next frame."""
        self._table.set_status(unit_id, status)
        self._schedule()

    def fit_wucheng(self) -> None:
        """Frame Wucheng district in the view."""
        self._send_command("fitWucheng")

    def set_view(self, lat: float, lon: float, zoom: float, datum: str = "wgs84") -> None:
        """Centre on a point (converted to the map datum) at a zoom level."""
        m_lat, m_lon = convert(float(lat), float(lon), check_datum(datum), self._datum)
        self._send_command("setView", {"lat": m_lat, "lon": m_lon, "zoom": zoom})

    def set_incidents(self, incidents: Sequence[IncidentInfo]) -> None:
        """Replace every incident shown (tens to hundreds; each is a DOM marker)."""
        items = sort_for_page(incidents)
        self._incidents = {i.id: i for i in items}
        self._send_state("setIncidents", {"items": [self._page_item(i) for i in items]})

    def update_incident(self, info: IncidentInfo) -> None:
        """Add or change one incident (place, priority, 1-3-15 state)."""
        self._incidents[info.id] = info
        self._send_state("updateIncident", {"item": self._page_item(info)})

    def remove_incident(self, incident_id: str) -> None:
        """Take an incident off the map (closed, or no longer this wall's concern)."""
        if self._incidents.pop(incident_id, None) is not None:
            self._send_state("removeIncident", {"id": incident_id})

    @property
    def incidents(self) -> Sequence[IncidentInfo]:
        return tuple(self._incidents.values())

    def set_merchants(self, merchants: Sequence[MerchantInfo]) -> None:
        """Replace every merchant shown (thousands; one canvas, decluttered at low zoom)."""
        payload = page_payload(merchants, self._to_map)
        self._merchants = tuple(merchants)
        self._merchant_payload = payload
        self._send_state("setMerchants", payload)

    @property
    def merchants(self) -> Sequence[MerchantInfo]:
        return self._merchants

    def show_merchants(self, visible: bool) -> None:
        """Show or hide the merchants layer (kept in memory either way)."""
        self._merchants_visible = visible
        self._send_state("showMerchants", {"visible": visible})

    @property
    def merchants_visible(self) -> bool:
        return self._merchants_visible

    def set_alerts(self, alerts: Sequence[AlertInfo]) -> None:
        """Replace every alert ring (the subject's position is found on the page)."""
        self._alerts = {a.id: a for a in alerts}
        self._send_state("setAlerts", {"items": [a.page_item() for a in self._alerts.values()]})

    def update_alert(self, alert: AlertInfo) -> None:
        self._alerts[alert.id] = alert
        self._send_state("updateAlert", {"item": alert.page_item()})

    def remove_alert(self, alert_id: str) -> None:
        if self._alerts.pop(alert_id, None) is not None:
            self._send_state("removeAlert", {"id": alert_id})

    @property
    def alerts(self) -> Sequence[AlertInfo]:
        return tuple(self._alerts.values())

    def show_dispatch(self, plan: DispatchPlan | None) -> None:
        """Ring a case and draw a labelled line from each recommended officer to it
        (None clears). The same plan again sends nothing: the desk calls this on every
        refresh of its recommendations."""
        if plan == self._dispatch:
            return
        self._dispatch = plan
        self._send_state("setDispatch", self._dispatch_item())

    @property
    def dispatch_plan(self) -> DispatchPlan | None:
        return self._dispatch

    def _dispatch_item(self) -> dict[str, Any]:
        return {} if self._dispatch is None else self._dispatch.page_item(self._to_map)

    def show_hotspots(self, hotspots: Hotspots | None) -> None:
        """Draw the heat of cases and the recurrence points (None clears); the same
        again sends nothing (the cockpit refreshes them on a timer)."""
        if hotspots == self._hotspots:
            return
        self._hotspots = hotspots
        self._send_state("setHotspots", self._hotspots_item())

    @property
    def hotspots(self) -> Hotspots | None:
        return self._hotspots

    def _hotspots_item(self) -> dict[str, Any]:
        return {} if self._hotspots is None else self._hotspots.page_item(self._to_map)

    def fit_incident(self, incident_id: str, max_zoom: float = 16) -> None:
        """Frame an incident and the officers assigned to it (stops following)."""
        if incident_id not in self._incidents:
            raise KeyError(f"unknown incident {incident_id!r}")
        self._send_command("fitIncident", {"id": incident_id, "maxZoom": max_zoom})

    def follow_unit(self, unit_id: str | None, zoom: float | None = None) -> None:
        """Keep an officer centred as it moves (``None`` stops); a drag stops it too."""
        if unit_id is not None and self._table.slot(unit_id) is None:
            raise KeyError(f"unknown officer {unit_id!r}")
        self._following = unit_id
        self._send_state("followUnit", {"id": unit_id, "zoom": zoom})

    @property
    def following(self) -> str | None:
        """The officer the view keeps centred, if any."""
        return self._following

    def set_trails(
        self, enabled: bool, minutes: float | None = None, points: int | None = None
    ) -> None:
        """Show (or hide) each officer's track of the last ``minutes``, fading with age."""
        if minutes is not None and not 0 < minutes <= 120:
            raise ValueError(f"trail minutes must be in (0, 120], got {minutes}")
        if points is not None and not 2 <= points <= 1000:
            raise ValueError(f"trail points must be 2..1000, got {points}")
        self._trails = enabled
        args: dict[str, Any] = dict(self._trail_args or {})
        args["enabled"] = enabled
        if minutes is not None:
            args["minutes"] = minutes
        if points is not None:
            args["points"] = points
        self._trail_args = args
        self._send_state("setTrails", args)

    @property
    def trails_enabled(self) -> bool:
        return self._trails

    def unit_position(self, unit_id: str) -> tuple[float, float] | None:
        """Latest position Python holds for an officer, in the map datum."""
        return self._table.position(unit_id)

    def flush_now(self) -> None:
        """Send pending changes at once (benchmarks; tests that want no timer wait)."""
        self._timer.stop()
        self._flush()

    # -- internals ----------------------------------------------------------------------

    def _send_command(self, op: str, args: dict[str, Any] | None = None) -> None:
        text = json.dumps({"op": op, "args": args or {}})
        if self._is_ready:
            self._bridge.command.emit(text)
        else:
            self._pending_commands.append(text)

    def _send_state(self, op: str, args: dict[str, Any]) -> None:
        """A change to state the page is re-sent whole on ready: no need to queue it."""
        if self._is_ready:
            self._bridge.command.emit(json.dumps({"op": op, "args": args}, ensure_ascii=False))

    def _to_map(self, lat: float, lon: float, datum: Datum) -> tuple[float, float]:
        return convert(lat, lon, datum, self._datum)

    def _page_item(self, info: IncidentInfo) -> dict[str, Any]:
        lat, lon = convert(info.lat, info.lon, info.datum, self._datum)
        return info.page_item(lat, lon)

    def _on_follow_changed(self, unit_id: str) -> None:
        self._following = unit_id or None
        self.followingChanged.emit(unit_id)

    def _schedule(self) -> None:
        if not self._is_ready or self._timer.isActive():
            return
        since = (time.monotonic() - self._last_send) * 1000.0
        # A 0 ms timer still waits for the current event-loop pass, so a burst of calls
        # made together lands in one frame.
        self._timer.start(max(0, int(self._config.frame_interval_ms - since)))

    def _flush(self) -> None:
        if not self._is_ready:
            return
        meta = self._table.take_meta()
        if meta is not None:
            self._bridge.meta.emit(json.dumps(meta, ensure_ascii=False))
        frame = self._table.take_frame()
        if frame is not None:
            self._bridge.frame.emit(json.dumps(frame))
            self.frames_sent += 1
            self._last_send = time.monotonic()

    def _on_page_ready(self) -> None:
        self._is_ready = True
        # A fresh page (first load or a reload after a renderer crash) knows nothing.
        self._table.mark_all_for_resend()
        commands, self._pending_commands = self._pending_commands, []
        for text in commands:
            self._bridge.command.emit(text)
        self._flush()
        # Incidents, trails and following after the officers, so fit/follow find them.
        self._send_state(
            "setIncidents", {"items": [self._page_item(i) for i in self._incidents.values()]}
        )
        if self._trail_args is not None:
            self._send_state("setTrails", self._trail_args)
        if self._merchant_payload is not None:
            self._send_state("setMerchants", self._merchant_payload)
        if self._merchants_visible != self._config.merchants:
            self._send_state("showMerchants", {"visible": self._merchants_visible})
        # Last: rings look their subjects up among officers, incidents and merchants.
        if self._alerts:
            self._send_state("setAlerts", {"items": [a.page_item() for a in self._alerts.values()]})
        if self._dispatch is not None:
            self._send_state("setDispatch", self._dispatch_item())
        if self._hotspots is not None:
            self._send_state("setHotspots", self._hotspots_item())
        if self._following is not None:
            self._send_state("followUnit", {"id": self._following})
        self.ready.emit()

    def _on_load_started(self) -> None:
        self._is_ready = False
        self._timer.stop()

    def _reload(self) -> None:
        self.load(self._url)

    def _on_renderer_gone(
        self, status: QWebEnginePage.RenderProcessTerminationStatus, _code: int
    ) -> None:
        self._is_ready = False
        self._timer.stop()
        if status == QWebEnginePage.RenderProcessTerminationStatus.NormalTerminationStatus:
            return
        # A wall runs for months; a crashed renderer must come back by itself, and
        # _on_page_ready then resends the whole state. The timer is a child of the view,
        # so a view closed in the meantime never reloads (its renderer is also reported
        # gone when it is torn down).
        self._reload_timer.start()
