"""Open311 GeoReport v2 service requests (``POST /open311/v2/requests.json``) as reports.

A GeoReport request arrives as a form (the standard) or as JSON, and becomes the same
:class:`~hub.ingest.ReportIn` that ``/api/v1/reports`` takes, so it follows the same store
path: committed before the answer, idempotent on its key, nothing half-stored.

Mapping: ``service_code`` -> category, ``lat``/``long`` -> lat/lon (WGS-84, as the
standard says), ``description`` -> text, ``address_string`` -> address, ``first_name`` +
``last_name`` / ``phone`` -> reporter, ``media_url`` -> photos. GeoReport has no
idempotency key; a client that retries sends ``attribute[external_id]`` (or the
``Idempotency-Key`` header), otherwise every POST is a new case. The source is ``snap``
(citizens' app reports) unless ``attribute[source]`` names another of the report sources.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import msgspec

from backend_client.protocol.codec import field_of
from hub.ingest_models import ReportIn

# Our field -> the GeoReport field it came from, to name it in errors.
WIRE_NAMES = {
    "category": "service_code",
    "lon": "long",
    "lat": "lat",
    "text": "description",
    "address": "address_string",
    "photos": "media_url",
    "reporter.name": "first_name",
    "reporter.phone": "phone",
    "external_id": "attribute[external_id]",
    "source": "attribute[source]",
}
EXTERNAL_PREFIX = "open311:"


class Open311Error(ValueError):
    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def to_report(fields: Mapping[str, Any], idempotency_key: str | None) -> ReportIn:
    """A validated report from GeoReport fields; raises :class:`Open311Error` naming the
    GeoReport field that is wrong."""
    if not fields.get("service_code"):
        raise Open311Error("service_code", "service_code is required")
    if fields.get("lat") in (None, "") or fields.get("long") in (None, ""):
        # The standard also allows address-only requests; the wall needs a point.
        raise Open311Error(
            "lat" if fields.get("lat") in (None, "") else "long", "lat and long required"
        )
    key = str(fields.get("attribute[external_id]") or idempotency_key or uuid.uuid4().hex)
    who = " ".join(str(fields[k]).strip() for k in ("last_name", "first_name") if fields.get(k))
    media = fields.get("media_url")
    body: dict[str, Any] = {
        "source": fields.get("attribute[source]") or "snap",
        "external_id": EXTERNAL_PREFIX + key,
        "category": fields.get("service_code"),
        "lat": fields.get("lat"),
        "lon": fields.get("long"),
        "datum": "wgs84",
        "text": fields.get("description") or "",
        "address": fields.get("address_string") or "",
        "photos": [media] if media else [],
    }
    if who or fields.get("phone"):
        body["reporter"] = {"name": who, "phone": str(fields.get("phone") or "")}
    try:
        # Forms carry every value as text: let "29.08" be a number.
        return msgspec.convert(body, ReportIn, strict=False)
    except msgspec.ValidationError as exc:
        ours = field_of(str(exc))
        raise Open311Error(WIRE_NAMES.get(ours or "", ours), str(exc)) from None
