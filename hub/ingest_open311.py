"""Open311 GeoReport v2 ``POST /open311/v2/requests.json``: a form or JSON, stored as a report.

:mod:`hub.open311` maps the GeoReport fields onto a report; this is the HTTP side: the
``api_key`` token, and GeoReport's answer shapes (lists, one entry per request).
"""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from hub.auth import Principal
from hub.domain.classes import UnknownClass, shipped_catalogue
from hub.ingest_http import (
    STORAGE_FULL_MESSAGE,
    STORE_UNAVAILABLE_MESSAGE,
    authorize,
    json_answer,
    problem,
)
from hub.ingest_models import (
    ErrorCode,
    GeoReportCreated,
    GeoReportError,
    GeoReportProblem,
    GeoReportReceipt,
)
from hub.ingest_store import StorageFull, StoreUnavailable, nul_field, store_report
from hub.open311 import Open311Error, to_report
from hub.service import Hub


def open311_error(field: str | None, message: str) -> web.Response:
    # GeoReport's error shape (a list of {code, description}), naming our field too.
    answer: GeoReportError = [GeoReportProblem(code=400, description=message, field=field)]
    return json_answer(answer, status=400)


def _store_error(status: int, description: str, error: ErrorCode) -> web.Response:
    # The store failures name no field but say which failure, as the Problem answers do.
    answer: GeoReportError = [GeoReportProblem(code=status, description=description, error=error)]
    return json_answer(answer, status=status)


def _api_key_principal(hub: Hub, fields: dict[str, Any]) -> Principal | web.Response:
    # GeoReport clients send their key as api_key in the form.
    principal = hub.tokens.authenticate(str(fields["api_key"]))
    if principal is not None and principal.may("ingest"):
        return principal
    if principal is None:
        return problem("unauthorized", "api_key may not ingest", 401, field="api_key")
    return problem("forbidden", "api_key may not ingest", 403, field="api_key")


async def _fields(request: web.Request) -> dict[str, Any] | web.Response:
    """The request's fields, from JSON or a form, or the 400 to answer instead."""
    if request.content_type != "application/json":
        return dict(await request.post())
    try:
        decoded = msgspec.json.decode(await request.read())
    except msgspec.DecodeError as exc:
        return open311_error(None, f"body is not JSON: {exc}")
    except RecursionError:
        return open311_error(None, "body is nested too deeply")
    if not isinstance(decoded, dict):
        return open311_error(None, "body must be a JSON object")
    return decoded


async def post_open311(hub: Hub, request: web.Request) -> web.Response:
    fields = await _fields(request)
    if isinstance(fields, web.Response):
        return fields
    checked = (
        _api_key_principal(hub, fields)
        if "Authorization" not in request.headers and fields.get("api_key")
        else authorize(hub, request, "ingest")
    )
    if isinstance(checked, web.Response):
        return checked
    try:
        report = to_report(fields, request.headers.get("Idempotency-Key"))
    except Open311Error as exc:
        return open311_error(exc.field, exc.message)
    nul = nul_field(report)
    if nul is not None:
        return open311_error(nul, "text may not contain NUL characters")
    try:
        # GeoReport names the category service_code: checked here so that the 400 says
        # so (the nearest class names are in the description); store_report resolves it.
        shipped_catalogue().resolve(report.category, "service_code")
    except UnknownClass as exc:
        return open311_error(exc.field, str(exc))
    try:
        incident_id, _seq, created = await store_report(hub, report, checked)
    except StorageFull:
        return _store_error(507, STORAGE_FULL_MESSAGE, "storage_full")
    except StoreUnavailable:
        return _store_error(503, STORE_UNAVAILABLE_MESSAGE, "store_unavailable")
    receipt: GeoReportCreated = [GeoReportReceipt(service_request_id=incident_id)]
    return json_answer(receipt, status=201 if created else 200)
