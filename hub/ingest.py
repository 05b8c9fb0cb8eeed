"""HTTP ingest (``http://HOST:API_PORT``): reports, Open311, OsmAnd GPS, health.

Every body is validated at the edge; a bad one gets a 4xx naming the field and nothing is
stored. A report is answered only after it is committed; the same ``source`` +
``external_id`` again answers the stored id, so retries never duplicate a case.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import sqlite3
import ssl
import time
from typing import Any

import msgspec
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from backend_client.protocol.codec import field_of
from backend_client.protocol.messages import Fix, IncidentNew, SlaMarks, Ticker
from backend_client.vocabulary import SOURCES
from hub.auth import Principal
from hub.domain.sla import ONE_THREE_FIFTEEN, SlaLimits
from hub.domain.wording import report_line
from hub.ingest_models import Reporter, ReportIn
from hub.open311 import Open311Error, to_report
from hub.openapi import openapi_document
from hub.positions import FixesNotStored
from hub.service import Hub
from hub.snapshot_load import incident_from_row
from hub.store.models import CaseEvent
from hub.store.models import Incident as IncidentRow
from hub.writer import Emitter

log = logging.getLogger(__name__)

__all__ = ["IngestServer", "ReportIn", "Reporter", "sla_for"]

MAX_BODY_BYTES = 8 * 1024 * 1024
KNOTS_TO_MS = 0.514444
SOURCE_NAMES = SOURCES  # backend_client/vocabulary.py: the words the walls translate


PG_DISK_FULL = "53100"  # SQLSTATE disk_full
STORAGE_FULL_MESSAGE = (
    "the store is full (database or disk is full); nothing was stored, retry later"
)


STORE_UNAVAILABLE_MESSAGE = (
    "the store (database) is unreachable or failed; nothing was stored, retry shortly"
)


class StorageFull(Exception):
    """The store refused a write for want of space (SQLite SQLITE_FULL, PostgreSQL 53100)."""


class StoreUnavailable(Exception):
    """The database could not be reached or lost the connection (a restart, a network
    cut): the report may be retried as it is; its external_id makes the retry safe."""


def _store_unavailable() -> web.Response:
    return web.json_response(
        {"error": "store_unavailable", "message": STORE_UNAVAILABLE_MESSAGE}, status=503
    )


def _is_storage_full(exc: OperationalError) -> bool:
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF == sqlite3.SQLITE_FULL:
        return True
    return getattr(exc.orig, "sqlstate", None) == PG_DISK_FULL


def _store_failure(exc: Exception) -> StorageFull | StoreUnavailable | None:
    """What a failed write means to the sender: the store is full, the store is away (both
    worth a retry, and nothing was stored), or None for anything else (a bug: a 500)."""
    if isinstance(exc, OperationalError):
        return StorageFull(str(exc.orig)) if _is_storage_full(exc) else StoreUnavailable()
    if isinstance(exc, PoolTimeout):
        return StoreUnavailable()
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        # A connection the server dropped (psycopg raises some of these as
        # InterfaceError rather than OperationalError).
        return StoreUnavailable()
    return None


def _storage_full() -> web.Response:
    # 507 Insufficient Storage, as JSON: it was an unhandled 500 with a text body.
    return web.json_response({"error": "storage_full", "message": STORAGE_FULL_MESSAGE}, status=507)


def _bad(field: str | None, message: str, status: int = 400) -> web.Response:
    return web.json_response(
        {"error": "invalid", "field": field, "message": message}, status=status
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("watchfloor")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


def _open311_error(field: str | None, message: str) -> web.Response:
    # GeoReport's error shape (a list of {code, description}), naming our field too.
    return web.json_response([{"code": 400, "description": message, "field": field}], status=400)


def _field_of(exc: msgspec.ValidationError) -> str | None:
    return field_of(str(exc))


def _nul_field(report: ReportIn) -> str | None:
    """The first text field holding a NUL character: PostgreSQL cannot store one (it was a
    500 there and stored fine on SQLite), so it is refused at the edge on every store."""
    texts = {
        "external_id": report.external_id,
        "category": report.category,
        "text": report.text,
        "address": report.address,
        "merchant_id": report.merchant_id or "",
    }
    if report.reporter is not None:
        texts["reporter.name"] = report.reporter.name
        texts["reporter.phone"] = report.reporter.phone
    texts.update({f"photos[{i}]": photo for i, photo in enumerate(report.photos)})
    return next((name for name, value in texts.items() if "\x00" in value), None)


def _decode_report(body: bytes) -> ReportIn:
    """The body as a report; ``"priority": 2.0`` is the integer 2.

    JSON has one number type (``2.0`` is an integer to JSON Schema, and so to the OpenAPI
    document), and clients that compute a priority often send it so; msgspec's strict
    ints refused it. Strings are still not numbers.
    """
    try:
        return msgspec.json.decode(body, type=ReportIn)
    except msgspec.ValidationError as exc:
        if _field_of(exc) != "priority":
            raise
        loose = msgspec.json.decode(body)
        priority = loose.get("priority") if isinstance(loose, dict) else None
        if not (isinstance(priority, float) and priority.is_integer()):
            raise
        loose["priority"] = int(priority)
        return msgspec.convert(loose, ReportIn)


def sla_for(reported_at: float, limits: SlaLimits = ONE_THREE_FIFTEEN) -> SlaMarks:
    """The deadlines of a new case, fixed at report time (a later config change does not
    move the goalposts of cases already open)."""
    return SlaMarks(
        accept_by=reported_at + limits.accept_within,
        move_by=reported_at + limits.move_within,
        handle_by=reported_at + limits.handle_within,
    )


class IngestServer:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.app = web.Application(client_max_size=MAX_BODY_BYTES)
        self.app.add_routes(
            [
                web.post("/api/v1/reports", self.post_report),
                web.get("/osmand", self.osmand),
                web.post("/osmand", self.osmand),
                web.get("/", self.osmand_root),
                web.get("/api/v1/health", self.health),
                web.post("/open311/v2/requests.json", self.post_open311),
                web.get("/openapi.json", self.openapi),
            ]
        )
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.tls: ssl.SSLContext | None = None  # set by HubRuntime: https:// only

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        self._site = web.TCPSite(
            self._runner, self.hub.config.host, self.hub.config.api_port, ssl_context=self.tls
        )
        await self._site.start()

    @property
    def port(self) -> int:
        assert self._runner is not None
        server = self._runner.addresses[0]
        return int(server[1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _principal(self, request: web.Request, action: str) -> Principal | web.Response:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else request.query.get("token")
        principal = self.hub.tokens.authenticate(token)
        if principal is None:
            return web.json_response(
                {
                    "error": "unauthorized",
                    "field": "Authorization",
                    "message": "missing or unknown token",
                },
                status=401,
            )
        if not principal.may(action):
            return web.json_response(
                {"error": "forbidden", "message": f"role {principal.role} may not {action}"},
                status=403,
            )
        return principal

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "status": "ok",
                "seq": self.hub.published_seq,
                "uptime": time.time() - self.hub.started_at,
                "clients": len(self.hub.subscribers),
                **{name: part() for name, part in self.hub.health_parts.items()},
            }
        )

    async def post_report(self, request: web.Request) -> web.Response:
        principal = self._principal(request, "ingest")
        if isinstance(principal, web.Response):
            return principal
        body = await request.read()
        try:
            report = _decode_report(body)
        except msgspec.ValidationError as exc:
            return _bad(_field_of(exc), str(exc))
        except msgspec.DecodeError as exc:
            return _bad(None, f"body is not JSON: {exc}")
        except RecursionError:
            # msgspec raises this (not DecodeError) for very deep nesting, even in a
            # field that would be ignored; without this it was a 500.
            return _bad(None, "body is nested too deeply")
        nul = _nul_field(report)
        if nul is not None:
            return _bad(nul, "text may not contain NUL characters")
        try:
            incident_id, seq, created = await self.store_report(report, principal)
        except StorageFull:
            return _storage_full()
        except StoreUnavailable:
            # 503: it was a 500 with a traceback while PostgreSQL restarted.
            return _store_unavailable()
        return web.json_response({"id": incident_id, "seq": seq}, status=201 if created else 200)

    async def openapi(self, request: web.Request) -> web.Response:
        return web.json_response(openapi_document(_version()))

    async def post_open311(self, request: web.Request) -> web.Response:
        fields: dict[str, Any]
        if request.content_type == "application/json":
            try:
                decoded = msgspec.json.decode(await request.read())
            except msgspec.DecodeError as exc:
                return _open311_error(None, f"body is not JSON: {exc}")
            except RecursionError:
                return _open311_error(None, "body is nested too deeply")
            if not isinstance(decoded, dict):
                return _open311_error(None, "body must be a JSON object")
            fields = decoded
        else:
            fields = dict(await request.post())
        if "Authorization" not in request.headers and fields.get("api_key"):
            # GeoReport clients send their key as api_key in the form.
            token = str(fields["api_key"])
            principal = self.hub.tokens.authenticate(token)
            checked: Principal | web.Response = (
                principal
                if principal is not None and principal.may("ingest")
                else web.json_response(
                    {
                        "error": "forbidden" if principal else "unauthorized",
                        "field": "api_key",
                        "message": "api_key may not ingest",
                    },
                    status=403 if principal else 401,
                )
            )
        else:
            checked = self._principal(request, "ingest")
        if isinstance(checked, web.Response):
            return checked
        try:
            report = to_report(fields, request.headers.get("Idempotency-Key"))
        except Open311Error as exc:
            return _open311_error(exc.field, exc.message)
        nul = _nul_field(report)
        if nul is not None:
            return _open311_error(nul, "text may not contain NUL characters")
        try:
            incident_id, _seq, created = await self.store_report(report, checked)
        except StorageFull:
            return web.json_response(
                [{"code": 507, "description": STORAGE_FULL_MESSAGE, "error": "storage_full"}],
                status=507,
            )
        except StoreUnavailable:
            return web.json_response(
                [
                    {
                        "code": 503,
                        "description": STORE_UNAVAILABLE_MESSAGE,
                        "error": "store_unavailable",
                    }
                ],
                status=503,
            )
        return web.json_response(
            [{"service_request_id": incident_id, "service_notice": "", "account_id": None}],
            status=201 if created else 200,
        )

    async def store_report(self, report: ReportIn, principal: Principal) -> tuple[str, int, bool]:
        lat, lon = report.lat, report.lon
        if report.datum == "gcj02":
            from backend_client.geo import gcj02_to_wgs84

            lat, lon = gcj02_to_wgs84(lat, lon)

        def find(session: Session) -> tuple[str, int, bool] | None:
            existing = session.scalar(
                select(IncidentRow).where(
                    IncidentRow.source == report.source,
                    IncidentRow.external_id == report.external_id,
                )
            )
            return None if existing is None else (existing.id, self.hub.published_seq, False)

        def work(session: Session, emitter: Emitter) -> tuple[str, int, bool]:
            found = find(session)
            if found is not None:
                return found
            now = time.time()
            seq = emitter.next_seq
            incident_id = f"WC{dt.datetime.now().strftime('%y%m%d')}-{seq:07d}"
            row = IncidentRow(
                id=incident_id,
                source=report.source,
                external_id=report.external_id,
                category=report.category,
                text=report.text,
                address=report.address,
                lat=lat,
                lon=lon,
                reporter=msgspec.to_builtins(report.reporter) if report.reporter else None,
                photos=report.photos,
                priority=report.priority,
                status="reported",
                units=[],
                merchant_id=report.merchant_id,
                reported_at=now,
                sla=msgspec.to_builtins(sla_for(now, self.hub.config.sla_limits)),
            )
            session.add(row)
            session.flush()  # the case row must exist before its timeline rows reference it
            session.add(
                CaseEvent(
                    incident_id=incident_id,
                    kind="reported",
                    ts=now,
                    actor=principal.name,
                    detail={"source": report.source},
                )
            )
            session.flush()
            incident = incident_from_row(row)
            emitter.emit(lambda s, ts: IncidentNew(seq=s, ts=ts, incident=incident), ts=now)
            place = report.address or incident_id
            line = report_line(SOURCE_NAMES[report.source], report.category, place)
            emitter.emit(
                lambda s, ts: Ticker(
                    seq=s, ts=ts, urgent=report.priority <= 1, incident_id=incident_id, **line
                ),
                ts=now,
            )
            return incident_id, seq, True

        try:
            return await self.hub.writer.submit(work)
        except OperationalError as exc:
            # One line, not a traceback per refused report: the hub is fine, the store
            # is not.
            log.error("report %s/%s not stored: %s", report.source, report.external_id, exc.orig)
            if _is_storage_full(exc):
                raise StorageFull from exc
            raise StoreUnavailable from exc
        except IntegrityError:
            # Two retries of one report raced; the loser answers the winner's id.
            def reread(session: Session, _emitter: Emitter) -> tuple[str, int, bool] | None:
                return find(session)

            try:
                found = await self.hub.writer.submit(reread)
            except (OperationalError, PoolTimeout) as exc:
                raise StoreUnavailable from exc
            if found is None:
                raise
            return found
        except PoolTimeout as exc:
            log.error("report %s/%s not stored: %s", report.source, report.external_id, exc)
            raise StoreUnavailable from exc
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            # A connection the server dropped (psycopg raises some of these as
            # InterfaceError rather than OperationalError).
            log.error("report %s/%s not stored: %s", report.source, report.external_id, exc.orig)
            raise StoreUnavailable from exc

    async def osmand_root(self, request: web.Request) -> web.Response:
        # Traccar-client posts to the server root by default.
        if "id" in request.query or "deviceid" in request.query:
            return await self.osmand(request)
        return web.json_response({"service": "watchfloor-hub", "docs": "/openapi.json"})

    async def osmand(self, request: web.Request) -> web.Response:
        principal = self._principal(request, "ingest")
        if isinstance(principal, web.Response):
            return principal
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
            params.update(await request.post())
        device = params.get("id") or params.get("deviceid")
        if not device:
            return _bad("id", "device id missing")
        officer = self.hub.devices.get(str(device))
        if officer is None:
            return _bad("id", f"unknown device {device}", status=404)
        try:
            lat, lon = float(params["lat"]), float(params["lon"])
        except KeyError as exc:
            return _bad(str(exc.args[0]), "missing coordinate")
        except ValueError:
            return _bad("lat", "coordinates must be numbers")
        if not (
            math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180
        ):
            return _bad("lat", "coordinates out of range")
        try:
            ts = _parse_timestamp(params.get("timestamp"))
            speed = float(params["speed"]) * KNOTS_TO_MS if params.get("speed") else None
            heading = float(params["bearing"]) if params.get("bearing") else None
        except ValueError as exc:
            return _bad(str(exc), "not a number or time")
        # NaN would be NULL in SQLite (the batch's commit would fail for every device in
        # it) and infinity is no time or speed.
        for name, value in (("timestamp", ts), ("speed", speed), ("bearing", heading)):
            if value is not None and not math.isfinite(value):
                return _bad(name, "not a finite number")
        fix = Fix(id=officer, lat=lat, lon=lon, ts=ts, speed=speed, heading=heading)
        try:
            # The app deletes a fix from its buffer on this 200: answer only once the fix
            # is committed (with the next batch; at once when the hub is idle).
            await self.hub.store_fix(fix)
        except FixesNotStored as exc:
            # Not logged per fix: the positions loop logs failed batches (rate-limited).
            failure = _store_failure(exc.error)
            if failure is None:
                raise
            return _storage_full() if isinstance(failure, StorageFull) else _store_unavailable()
        return web.Response(status=200, text="OK")


def _parse_timestamp(raw: str | None) -> float:
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
