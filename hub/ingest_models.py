"""The ingest bodies as msgspec types: the report both ``/api/v1/reports`` and the Open311
endpoint store, and the JSON answers of every ingest endpoint."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from backend_client.protocol.ops import (
    QA,
    Clip,
    RecordKind,
    RecordName,
    RecordOfficer,
    RecordPerson,
    Signature,
)

Text = Annotated[str, msgspec.Meta(max_length=4000)]
Short = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class Reporter(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(max_length=64)] = ""
    phone: Annotated[str, msgspec.Meta(max_length=32)] = ""


class ReportIn(msgspec.Struct):
    source: Literal["hotline", "snap", "grid", "patrol"]
    external_id: Short
    category: Short
    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)]
    lon: Annotated[float, msgspec.Meta(ge=-180, le=180)]
    text: Text = ""
    datum: Literal["wgs84", "gcj02"] = "wgs84"
    address: Annotated[str, msgspec.Meta(max_length=256)] = ""
    reporter: Reporter | None = None
    photos: Annotated[list[str], msgspec.Meta(max_length=9)] = msgspec.field(default_factory=list)
    priority: Annotated[int, msgspec.Meta(ge=1, le=5)] = 3
    merchant_id: str | None = None


# The answers. Handlers build their JSON from these Structs and hub/openapi.py derives the
# answer schemas from them, so the document says what the hub sends, not what it meant to.
# A Struct's docstring becomes its schema's description (the document's readers see it).

ErrorCode = Annotated[
    Literal["invalid", "unauthorized", "forbidden", "storage_full", "store_unavailable"],
    msgspec.Meta(description="what went wrong; storage_full and store_unavailable: retry"),
]


# kw_only lets "field", which has a default, stay between the two required fields: the
# keys keep the order the answers always had.
class Problem(msgspec.Struct, kw_only=True):
    """A refusal or failure of /api/v1/reports, /osmand, or a token check."""

    error: ErrorCode
    # UNSET, not None: a 400 that blames no field says null, but the store and role
    # answers have never had a "field" key; UNSET keeps both as they were on the wire.
    field: Annotated[str | None, msgspec.Meta(description="the offending field")] | UnsetType = (
        UNSET
    )
    message: str
    #: An unknown category's nearest class names (docs/casework.md), best first.
    suggestions: (
        Annotated[list[str], msgspec.Meta(description="nearest class names, best first")]
        | UnsetType
    ) = UNSET


class Accepted(msgspec.Struct):
    """A report stored (201) or already stored under the same source + external_id (200)."""

    id: Annotated[str, msgspec.Meta(description="the case id")]
    seq: Annotated[int, msgspec.Meta(description="stream seq of its incident.new")]


class GeoReportProblem(msgspec.Struct):
    """One entry of a GeoReport v2 error list."""

    code: Annotated[int, msgspec.Meta(description="the HTTP status")]
    description: str
    # As in Problem: a 400 names its field (or null); the store failures have no "field"
    # key but an "error" word, which the 400s do not have.
    field: str | UnsetType | None = UNSET
    error: ErrorCode | UnsetType = UNSET


class GeoReportReceipt(msgspec.Struct):
    """One entry of a GeoReport v2 create answer."""

    service_request_id: Annotated[str, msgspec.Meta(description="the case id")]
    service_notice: str = ""
    account_id: str | None = None


# GeoReport v2 answers are lists, one entry per request (always one here).
GeoReportError = list[GeoReportProblem]
GeoReportCreated = list[GeoReportReceipt]


# ---- records (电子笔录): POST /api/v1/cases/{id}/records ------------------------------------

# The parts of a record are the ones case.records answers with (shared with the client).


class RecordIn(msgspec.Struct, kw_only=True):
    """An electronic record from an officer's terminal. ``record_id`` names the record:
    the same id with a new body is its next version (after a signature, a correction,
    which must give ``correction_reason``); the same body again is a retry."""

    record_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern="^[^\\u0000]*$")]
    kind: RecordKind
    template_version: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    number: Annotated[str, msgspec.Meta(max_length=64)] = ""
    sitting: Annotated[int, msgspec.Meta(ge=1, le=99, description="第几次 (inquiry)")] = 1
    officers: Annotated[list[RecordOfficer], msgspec.Meta(min_length=2, max_length=8)]
    started_at: float
    ended_at: float
    place: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
    person: RecordPerson
    present: Annotated[list[RecordName], msgspec.Meta(max_length=16)] = msgspec.field(
        default_factory=list
    )
    notice_read: bool = False
    qa: Annotated[list[QA], msgspec.Meta(max_length=500)] = msgspec.field(default_factory=list)
    findings: Annotated[str, msgspec.Meta(max_length=20000)] = ""
    signature: Signature
    clips: Annotated[list[Clip], msgspec.Meta(max_length=32)] = msgspec.field(default_factory=list)
    correction_reason: Annotated[str, msgspec.Meta(max_length=512)] = ""


class RecordAccepted(msgspec.Struct):
    """A record version stored (201), or the same body already stored (200)."""

    case_id: str
    record_id: str
    version: Annotated[int, msgspec.Meta(description="1 for a new record")]
    corrects: Annotated[
        int | None, msgspec.Meta(description="the signed version this one corrects")
    ]
    seq: Annotated[int, msgspec.Meta(description="stream seq of the case's incident.update")]
