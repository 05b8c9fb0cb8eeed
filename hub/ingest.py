"""HTTP ingest (``http://HOST:API_PORT``): reports, Open311, OsmAnd GPS, health.

Every body is validated at the edge; a bad one gets a 4xx naming the field and nothing is
stored. A report is answered only after it is committed; the same ``source`` +
``external_id`` again answers the stored id, so retries never duplicate a case.

This module is the server and ``/api/v1/reports``; the other jobs live beside it:
:mod:`hub.ingest_store` (storing a report), :mod:`hub.ingest_osmand` (GPS),
:mod:`hub.ingest_open311` (GeoReport v2), :mod:`hub.ingest_http` (token check, answers)
and :mod:`hub.ingest_models` (the bodies as msgspec types).
"""

from __future__ import annotations

import functools
import ssl
import time

import msgspec
from aiohttp import web

from backend_client.protocol.codec import field_of
from hub.auth import Principal
from hub.domain.classes import UnknownClass
from hub.ingest_http import (
    STORAGE_FULL_MESSAGE,
    STORE_UNAVAILABLE_MESSAGE,
    authorize,
    bad,
    json_answer,
    storage_full,
    store_unavailable,
)
from hub.ingest_models import Accepted, Problem, Reporter, ReportIn
from hub.ingest_open311 import post_open311
from hub.ingest_osmand import KNOTS_TO_MS, osmand, osmand_root
from hub.ingest_records import answer_forwarded_record, post_record
from hub.ingest_store import (
    PG_DISK_FULL,
    SOURCE_NAMES,
    StorageFull,
    StoreUnavailable,
    answer_forwarded_report,
    nul_field,
    sla_for,
    store_report,
)
from hub.openapi import openapi_document
from hub.service import Hub

# The names importers used when this was one module (hub/simdriver.py, the tests) stay
# importable from here.
__all__ = [
    "KNOTS_TO_MS",
    "MAX_BODY_BYTES",
    "PG_DISK_FULL",
    "SOURCE_NAMES",
    "STORAGE_FULL_MESSAGE",
    "STORE_UNAVAILABLE_MESSAGE",
    "IngestServer",
    "ReportIn",
    "Reporter",
    "StorageFull",
    "StoreUnavailable",
    "sla_for",
]

MAX_BODY_BYTES = 8 * 1024 * 1024


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("watchfloor")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


def _decode_report(body: bytes) -> ReportIn:
    """The body as a report; ``"priority": 2.0`` is the integer 2.

    JSON has one number type (``2.0`` is an integer to JSON Schema, and so to the OpenAPI
    document), and clients that compute a priority often send it so; msgspec's strict
    ints refused it. Strings are still not numbers.
    """
    try:
        return msgspec.json.decode(body, type=ReportIn)
    except msgspec.ValidationError as exc:
        if field_of(str(exc)) != "priority":
            raise
        loose = msgspec.json.decode(body)
        priority = loose.get("priority") if isinstance(loose, dict) else None
        if not (isinstance(priority, float) and priority.is_integer()):
            raise
        loose["priority"] = int(priority)
        return msgspec.convert(loose, ReportIn)


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
                web.post("/api/v1/cases/{case_id}/records", self.post_record),
                web.get("/openapi.json", self.openapi),
            ]
        )
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.tls: ssl.SSLContext | None = None  # set by HubRuntime: https:// only
        # A cluster's writer stores the reports its standbys took (hub/cluster/node.py).
        hub.rpc_handlers["report"] = functools.partial(answer_forwarded_report, hub)
        hub.rpc_handlers["record"] = functools.partial(answer_forwarded_record, hub)

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

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "status": "ok",
                "node": self.hub.node,
                # One process on its own store, or a cluster's writer node (whose log is
                # mirrored into JetStream: how far is "log_seq") or one of its standbys.
                "mode": self.hub.mode,
                **self.hub.cluster_health(),
                "epoch": self.hub.epoch,
                "seq": self.hub.published_seq,
                "uptime": time.time() - self.hub.started_at,
                "clients": len(self.hub.subscribers),
                **{name: part() for name, part in self.hub.health_parts.items()},
            }
        )

    async def openapi(self, request: web.Request) -> web.Response:
        return web.json_response(openapi_document(_version()))

    async def post_report(self, request: web.Request) -> web.Response:
        principal = authorize(self.hub, request, "ingest")
        if isinstance(principal, web.Response):
            return principal
        body = await request.read()
        try:
            report = _decode_report(body)
        except msgspec.ValidationError as exc:
            return bad(field_of(str(exc)), str(exc))
        except msgspec.DecodeError as exc:
            return bad(None, f"body is not JSON: {exc}")
        except RecursionError:
            # msgspec raises this (not DecodeError) for very deep nesting, even in a
            # field that would be ignored; without this it was a 500.
            return bad(None, "body is nested too deeply")
        nul = nul_field(report)
        if nul is not None:
            return bad(nul, "text may not contain NUL characters")
        try:
            incident_id, seq, created = await self.store_report(report, principal)
        except StorageFull:
            return storage_full()
        except StoreUnavailable:
            # 503: it was a 500 with a traceback while PostgreSQL restarted.
            return store_unavailable()
        except UnknownClass as exc:
            # Not a class of the catalogue: 400 naming the field, with the nearest names.
            return json_answer(
                Problem(
                    error="invalid",
                    field=exc.field,
                    message=str(exc),
                    suggestions=list(exc.suggestions),
                ),
                status=400,
            )
        return json_answer(Accepted(id=incident_id, seq=seq), status=201 if created else 200)

    async def store_report(self, report: ReportIn, principal: Principal) -> tuple[str, int, bool]:
        # Kept as a method: the simulator (hub/simdriver.py) stores its reports through it.
        return await store_report(self.hub, report, principal)

    # The other jobs are functions of the hub in their own modules; these bind them to
    # this server's hub for the routes (and keep them callable as methods, as before).

    async def post_open311(self, request: web.Request) -> web.Response:
        return await post_open311(self.hub, request)

    async def post_record(self, request: web.Request) -> web.Response:
        return await post_record(self.hub, request)

    async def osmand_root(self, request: web.Request) -> web.Response:
        return await osmand_root(self.hub, request)

    async def osmand(self, request: web.Request) -> web.Response:
        return await osmand(self.hub, request)
