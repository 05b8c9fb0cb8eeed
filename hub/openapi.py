"""The OpenAPI 3 document of the ingest endpoints (``GET /openapi.json``).

Report schemas come from the msgspec types that validate the bodies, so the document
cannot drift from what the hub accepts.
"""

from __future__ import annotations

from typing import Any

import msgspec

from hub.ingest_models import ReportIn

REF = "#/components/schemas/{name}"


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(name="Problem")}}},
    }


def openapi_document(version: str) -> dict[str, Any]:
    (_report_ref,), schemas = msgspec.json.schema_components([ReportIn], ref_template=REF)
    schemas["Problem"] = {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "enum": ["invalid", "unauthorized", "forbidden"]},
            "field": {"type": ["string", "null"], "description": "the offending field"},
            "message": {"type": "string"},
        },
    }
    schemas["Accepted"] = {
        "type": "object",
        "required": ["id", "seq"],
        "properties": {
            "id": {"type": "string", "description": "the case id"},
            "seq": {"type": "integer", "description": "stream seq of its incident.new"},
        },
    }
    schemas["GeoReportRequest"] = {
        "type": "object",
        "required": ["service_code", "lat", "long"],
        "properties": {
            "service_code": {"type": "string", "description": "the category (事项)"},
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "long": {"type": "number", "minimum": -180, "maximum": 180},
            "description": {"type": "string"},
            "address_string": {"type": "string"},
            "first_name": {"type": "string"},
            "last_name": {"type": "string"},
            "phone": {"type": "string"},
            "email": {"type": "string"},
            "media_url": {"type": "string"},
            "api_key": {"type": "string", "description": "a source token, if no header"},
            "attribute[external_id]": {
                "type": "string",
                "description": "idempotency key: the same key again answers the same id",
            },
            "attribute[source]": {"type": "string", "enum": ["hotline", "snap", "grid", "patrol"]},
        },
    }
    schemas["GeoReportCreated"] = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "service_request_id": {"type": "string"},
                "service_notice": {"type": "string"},
                "account_id": {"type": ["string", "null"]},
            },
        },
    }
    bearer: list[dict[str, list[str]]] = [{"bearer": []}]
    accepted = {"application/json": {"schema": {"$ref": REF.format(name="Accepted")}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Watchfloor hub ingest",
            "version": version,
            "description": (
                "Reports, Open311 GeoReport v2 requests and officer GPS into the Wucheng "
                "command-centre hub. Every accepted report is committed before the answer."
            ),
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": {
            "/api/v1/reports": {
                "post": {
                    "summary": "A hotline ticket, citizen photo report or grid report",
                    "security": bearer,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _report_ref}},
                    },
                    "responses": {
                        "201": {
                            "description": "stored (committed)",
                            "content": accepted,
                        },
                        "200": {
                            "description": "already stored: the same source + external_id",
                            "content": accepted,
                        },
                        "400": _error("invalid body; field names the offending field"),
                        "401": _error("missing or unknown token"),
                        "403": _error("the token's role may not ingest"),
                    },
                }
            },
            "/open311/v2/requests.json": {
                "post": {
                    "summary": "Open311 GeoReport v2: create a service request",
                    "security": bearer,
                    "requestBody": {
                        "required": True,
                        "content": {
                            ct: {"schema": {"$ref": REF.format(name="GeoReportRequest")}}
                            for ct in ("application/x-www-form-urlencoded", "application/json")
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "stored (committed)",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": REF.format(name="GeoReportCreated")}
                                }
                            },
                        },
                        "200": {"description": "already stored under the same external_id"},
                        "400": {"description": "GeoReport error list, each naming its field"},
                        "401": _error("missing or unknown token"),
                        "403": _error("the token's role may not ingest"),
                    },
                }
            },
            "/osmand": {
                op: {
                    "summary": "Officer GPS, OsmAnd / Traccar-client protocol",
                    "security": bearer,
                    "parameters": [
                        {"name": n, "in": "query", "required": r, "schema": {"type": t}}
                        for n, r, t in (
                            ("id", True, "string"),
                            ("lat", True, "number"),
                            ("lon", True, "number"),
                            ("timestamp", False, "string"),
                            ("speed", False, "number"),
                            ("bearing", False, "number"),
                            ("token", False, "string"),
                        )
                    ],
                    "responses": {
                        "200": {"description": "queued for the next positions batch"},
                        "400": _error("bad coordinate or time"),
                        "404": _error("unknown device"),
                    },
                }
                for op in ("get", "post")
            },
            "/api/v1/health": {
                "get": {
                    "summary": "Liveness, latest seq, stream clients",
                    "responses": {"200": {"description": "ok"}},
                }
            },
            "/openapi.json": {
                "get": {"summary": "This document", "responses": {"200": {"description": "ok"}}}
            },
        },
    }
