"""What every ingest endpoint shares at the HTTP edge: the token check and the JSON answers.

Answers are built from the Structs in :mod:`hub.ingest_models`, the same types
``GET /openapi.json`` derives its answer schemas from.
"""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web
from msgspec import UNSET, UnsetType

from hub.auth import Principal
from hub.ingest_models import ErrorCode, Problem
from hub.service import Hub

STORAGE_FULL_MESSAGE = (
    "the store is full (database or disk is full); nothing was stored, retry later"
)
STORE_UNAVAILABLE_MESSAGE = (
    "the store (database) is unreachable or failed; nothing was stored, retry shortly"
)


def json_answer(body: msgspec.Struct | list[Any], status: int = 200) -> web.Response:
    # to_builtins and aiohttp's json.dumps, not msgspec.json.encode: the bytes stay what
    # they were before the answers were Structs (ASCII escapes, ", " separators).
    return web.json_response(msgspec.to_builtins(body), status=status)


def problem(
    error: ErrorCode, message: str, status: int, field: str | UnsetType | None = UNSET
) -> web.Response:
    return json_answer(Problem(error=error, field=field, message=message), status=status)


def bad(field: str | None, message: str, status: int = 400) -> web.Response:
    return problem("invalid", message, status, field=field)


def storage_full() -> web.Response:
    # 507 Insufficient Storage, as JSON: it was an unhandled 500 with a text body.
    return problem("storage_full", STORAGE_FULL_MESSAGE, 507)


def store_unavailable() -> web.Response:
    return problem("store_unavailable", STORE_UNAVAILABLE_MESSAGE, 503)


def authorize(hub: Hub, request: web.Request, action: str) -> Principal | web.Response:
    """The caller's principal, from ``Authorization: Bearer`` or ``?token=`` (GPS apps
    such as OsmAnd take only a URL), or the 401/403 to answer instead."""
    header = request.headers.get("Authorization", "")
    token = header[7:] if header.startswith("Bearer ") else request.query.get("token")
    principal = hub.tokens.authenticate(token)
    if principal is None:
        return problem("unauthorized", "missing or unknown token", 401, field="Authorization")
    if not principal.may(action):
        return problem("forbidden", f"role {principal.role} may not {action}", 403)
    return principal
