"""Officer GPS over the OsmAnd / Traccar-client protocol (``/osmand`` and ``/``).

One fix per request, in the query (GET) or a form (POST); the 200 is sent only once the
fix is committed, because the app deletes the fix from its buffer on it.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from typing import Any

from aiohttp import web

from backend_client.protocol.messages import Fix
from hub.ingest_http import authorize, bad, storage_full, store_unavailable
from hub.ingest_store import StorageFull, store_failure
from hub.positions import FixesNotStored
from hub.service import Hub

KNOTS_TO_MS = 0.514444


async def osmand_root(hub: Hub, request: web.Request) -> web.Response:
    # Traccar-client posts to the server root by default.
    if "id" in request.query or "deviceid" in request.query:
        return await osmand(hub, request)
    return web.json_response({"service": "watchfloor-hub", "docs": "/openapi.json"})


async def osmand(hub: Hub, request: web.Request) -> web.Response:
    principal = authorize(hub, request, "ingest")
    if isinstance(principal, web.Response):
        return principal
    params: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        params.update(await request.post())
    device = params.get("id") or params.get("deviceid")
    if not device:
        return bad("id", "device id missing")
    officer = hub.devices.get(str(device))
    if officer is None:
        return bad("id", f"unknown device {device}", status=404)
    try:
        lat, lon = float(params["lat"]), float(params["lon"])
    except KeyError as exc:
        return bad(str(exc.args[0]), "missing coordinate")
    except ValueError:
        return bad("lat", "coordinates must be numbers")
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return bad("lat", "coordinates out of range")
    try:
        ts = parse_timestamp(params.get("timestamp"))
        speed = float(params["speed"]) * KNOTS_TO_MS if params.get("speed") else None
        heading = float(params["bearing"]) if params.get("bearing") else None
    except ValueError as exc:
        return bad(str(exc), "not a number or time")
    # NaN would be NULL in SQLite (the batch's commit would fail for every device in
    # it) and infinity is no time or speed.
    for name, value in (("timestamp", ts), ("speed", speed), ("bearing", heading)):
        if value is not None and not math.isfinite(value):
            return bad(name, "not a finite number")
    fix = Fix(id=officer, lat=lat, lon=lon, ts=ts, speed=speed, heading=heading)
    try:
        # The app deletes a fix from its buffer on this 200: answer only once the fix
        # is committed (with the next batch; at once when the hub is idle).
        await hub.store_fix(fix)
    except FixesNotStored as exc:
        # Not logged per fix: the positions loop logs failed batches (rate-limited).
        failure = store_failure(exc.error)
        if failure is None:
            raise
        return storage_full() if isinstance(failure, StorageFull) else store_unavailable()
    return web.Response(status=200, text="OK")


def parse_timestamp(raw: str | None) -> float:
    """A fix time as epoch seconds: now when absent, else seconds, milliseconds or ISO 8601
    (naive is UTC). Raises ``ValueError("timestamp")``, which names the field."""
    if not raw:
        return time.time()
    try:
        value = float(raw)
    except ValueError:
        try:
            parsed = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("timestamp") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed.timestamp()
    # Traccar-client sends seconds; some firmwares send milliseconds.
    return value / 1000.0 if value > 1e11 else value
