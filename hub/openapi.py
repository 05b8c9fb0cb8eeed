"""The OpenAPI 3 document of the ingest endpoints (``GET /openapi.json``).

Report and answer schemas come from the msgspec types that validate the bodies and build
the answers (:mod:`hub.ingest_models`), so the document cannot drift from what the hub
accepts or sends.
"""

from __future__ import annotations

from typing import Any

import msgspec

from hub.domain.classes import shipped_catalogue
from hub.ingest_models import (
    Accepted,
    GeoReportCreated,
    GeoReportError,
    Problem,
    RecordAccepted,
    RecordIn,
    ReportIn,
)

REF = "#/components/schemas/{name}"
# PostgreSQL cannot store NUL, so the hub refuses it in every text field (400).
NO_NUL = "^[^\\u0000]*$"
# The answer bodies by the component name the paths refer to, as the handlers build them.
# The GeoReport ones are lists, whose entries (GeoReportProblem, GeoReportReceipt) become
# components of their own.
ANSWERS: dict[str, Any] = {
    "Problem": Problem,
    "Accepted": Accepted,
    "GeoReportError": GeoReportError,
    "GeoReportCreated": GeoReportCreated,
    "RecordAccepted": RecordAccepted,
}


def _no_nul(schema: dict[str, Any]) -> None:
    """Add the NUL rule to every string (and list-of-strings) property, in place."""
    for prop in schema.get("properties", {}).values():
        for variant in [prop, *prop.get("anyOf", []), prop.get("items", {})]:
            if variant.get("type") == "string":
                variant["pattern"] = NO_NUL


def _categories() -> list[str]:
    """Every category a report may name (the hub resolves it through the classes
    catalogue, docs/casework.md): each class's name, aliases, code, full matter code and
    older codes, as the shipped file writes them. The hub also takes these typed
    full-width or with spaces; anything else is a 400 naming the field."""
    catalogue = shipped_catalogue()
    keys: list[str] = []
    for matter in catalogue.classes:
        keys += [matter.name, *matter.aliases, matter.code, matter.full_code(catalogue.area)]
        keys += matter.old_codes
    return list(dict.fromkeys(keys))


CATEGORY_NOTE = (
    "a class of the catalogue (docs/casework.md): its name, an alias, its code, its full "
    "matter code or an older code; an unknown one is a 400 naming the field, with the "
    "nearest names"
)


def _text(max_length: int, nullable: bool) -> dict[str, Any]:
    # GeoReport clients send null (in JSON) for fields they leave out: taken as absent.
    kind: str | list[str] = ["string", "null"] if nullable else "string"
    return {"type": kind, "maxLength": max_length, "pattern": NO_NUL}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(name="Problem")}}},
    }


def _georeport(json: bool) -> dict[str, Any]:
    """A GeoReport request as a form (every value text) or as JSON (null is absent).

    Written by hand, not derived from a Struct: no Struct decodes these bodies.
    hub.open311.to_report reads a form, where every value is text (lat is "29.0851"), or
    JSON, where null means absent; a Struct types a field one way for both, and a
    text-typed one would lose the number ranges stated here.
    """
    return {
        "type": "object",
        "required": ["service_code", "lat", "long"],
        "properties": {
            "service_code": {
                **_text(128, nullable=False),
                "minLength": 1,
                "enum": _categories(),
                "description": f"the category (事项): {CATEGORY_NOTE}",
            },
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "long": {"type": "number", "minimum": -180, "maximum": 180},
            "description": _text(4000, json),
            "address_string": _text(256, json),
            # The reporter's name is "last first", 64 characters at most.
            "first_name": _text(31, json),
            "last_name": _text(31, json),
            "phone": _text(32, json),
            "email": {
                "type": ["string", "null"] if json else "string",
                "description": "not stored",
            },
            "media_url": _text(4000, json),
            "api_key": {"type": "string", "description": "a source token, if no header"},
            "attribute[external_id]": {
                **_text(120, json),
                "description": "idempotency key: the same key again answers the same id",
            },
            "attribute[source]": {
                "type": ["string", "null"] if json else "string",
                # Not given (null in JSON; empty in a form, which has no null): snap.
                "enum": ["hotline", "snap", "grid", "patrol", None if json else ""],
                "description": "the report's source; snap when not given (null or empty)",
            },
        },
    }


def _param(kind: str) -> dict[str, Any]:
    if kind == "device":
        return {"type": "string", "minLength": 1}
    return {"type": kind}


def answer_schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """The report's schema reference, and every component schema: the report's and the
    answers' (:data:`ANSWERS`), all derived by msgspec."""
    names = list(ANSWERS)
    (report_ref, *answer_refs), schemas = msgspec.json.schema_components(
        [ReportIn, *ANSWERS.values()], ref_template=REF
    )
    for name, ref in zip(names, answer_refs, strict=True):
        # A Struct is already a component under its own name; a list is not, and is put
        # under the name the paths use.
        if ref != {"$ref": REF.format(name=name)}:
            schemas[name] = ref
    return report_ref, schemas


def openapi_document(version: str) -> dict[str, Any]:
    _report_ref, schemas = answer_schemas()
    for name in ("ReportIn", "Reporter"):
        _no_nul(schemas[name])
    category = schemas["ReportIn"]["properties"]["category"]
    category["enum"] = _categories()
    category["description"] = f"the category (事项): {CATEGORY_NOTE}"
    # The record (电子笔录) and its parts: components of their own, from the same Structs
    # that validate the body.
    (record_ref,), record_schemas = msgspec.json.schema_components([RecordIn], ref_template=REF)
    for name, schema in record_schemas.items():
        _no_nul(schema)
        schemas.setdefault(name, schema)
    schemas["GeoReportForm"] = _georeport(json=False)
    schemas["GeoReportJson"] = _georeport(json=True)
    bearer: list[dict[str, list[str]]] = [{"bearer": []}]
    refusals = {
        "401": _error("missing or unknown token"),
        "403": _error("the token's role may not ingest"),
    }
    store_errors = {
        "503": _error("store_unavailable: the database is unreachable (a restart); retry"),
        "507": _error("storage_full: the database or its disk is full; retry later"),
    }
    geo_error = {"application/json": {"schema": {"$ref": REF.format(name="GeoReportError")}}}
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
                        **refusals,
                        "413": {"description": "body over 8 MB"},
                        **store_errors,
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
                            ct: {"schema": {"$ref": REF.format(name=name)}}
                            for ct, name in (
                                ("application/x-www-form-urlencoded", "GeoReportForm"),
                                ("application/json", "GeoReportJson"),
                            )
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
                        "200": {
                            "description": "already stored under the same external_id",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": REF.format(name="GeoReportCreated")}
                                }
                            },
                        },
                        "400": {
                            "description": "GeoReport error list, each naming its field",
                            "content": geo_error,
                        },
                        **refusals,
                        "413": {"description": "body over 8 MB"},
                        "503": {"description": "store_unavailable; retry", "content": geo_error},
                        "507": {"description": "storage_full; retry later", "content": geo_error},
                    },
                }
            },
            "/osmand": {
                op: {
                    "summary": "Officer GPS, OsmAnd / Traccar-client protocol",
                    "security": bearer,
                    "parameters": [
                        {"name": n, "in": "query", "required": r, "schema": _param(t)}
                        for n, r, t in (
                            ("id", True, "device"),
                            ("lat", True, "number"),
                            ("lon", True, "number"),
                            ("timestamp", False, "string"),
                            ("speed", False, "number"),
                            ("bearing", False, "number"),
                            ("token", False, "string"),
                        )
                    ],
                    "responses": {
                        "200": {
                            "description": "stored (committed; the same device and fix "
                            "time again is stored once and answered 200 too)"
                        },
                        "400": _error("bad coordinate or time"),
                        **refusals,
                        "404": _error("unknown device"),
                        **store_errors,
                    },
                }
                for op in ("get", "post")
            },
            "/api/v1/cases/{case_id}/records": {
                "post": {
                    "summary": "An electronic record (电子笔录) of a case from an officer's"
                    " terminal: a new record, its next version, or (after it was signed) a"
                    " correction; the signed version is kept unchanged",
                    "security": bearer,
                    "parameters": [
                        {
                            "name": "case_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": record_ref}},
                    },
                    "responses": {
                        "201": {
                            "description": "a version stored (committed)",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": REF.format(name="RecordAccepted")}
                                }
                            },
                        },
                        "200": {
                            "description": "the same body is already the newest version",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": REF.format(name="RecordAccepted")}
                                }
                            },
                        },
                        "400": _error(
                            "invalid body (field names it), or a correction of a signed"
                            " version without correction_reason; nothing stored"
                        ),
                        **refusals,
                        "404": _error("no such case"),
                        "409": _error("the record id belongs to another case"),
                        "413": {"description": "body over 8 MB"},
                        **store_errors,
                    },
                }
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
