"""Storing an ingested report, and what a failed write means to the sender.

Shared by ``/api/v1/reports``, the Open311 endpoint and the simulator: a report is answered
only after it is committed; the same ``source`` + ``external_id`` again answers the stored
id, so retries never duplicate a case.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import time

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from backend_client.protocol.messages import IncidentNew, SlaMarks, Ticker
from backend_client.vocabulary import SOURCES
from hub.auth import Principal
from hub.cluster import NotDurable, NoWriter
from hub.domain.classes import shipped_catalogue
from hub.domain.sla import ONE_THREE_FIFTEEN, SlaLimits
from hub.domain.wording import report_line
from hub.ingest_models import ReportIn
from hub.service import Hub
from hub.snapshot_load import incident_from_row
from hub.store.models import CaseEvent
from hub.store.models import Incident as IncidentRow
from hub.writer import Emitter

# The logger keeps the name it had before the ingest server was split in modules, so log
# configuration and filters written for "hub.ingest" still catch these lines.
log = logging.getLogger("hub.ingest")

SOURCE_NAMES = SOURCES  # backend_client/vocabulary.py: the words the walls translate
PG_DISK_FULL = "53100"  # SQLSTATE disk_full


class StorageFull(Exception):
    """The store refused a write for want of space (SQLite SQLITE_FULL, PostgreSQL 53100)."""


class StoreUnavailable(Exception):
    """The database could not be reached or lost the connection (a restart, a network
    cut): the report may be retried as it is; its external_id makes the retry safe."""


def is_storage_full(exc: OperationalError) -> bool:
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF == sqlite3.SQLITE_FULL:
        return True
    return getattr(exc.orig, "sqlstate", None) == PG_DISK_FULL


def store_failure(exc: Exception) -> StorageFull | StoreUnavailable | None:
    """What a failed write means to the sender: the store is full, the store is away (both
    worth a retry, and nothing was stored), or None for anything else (a bug: a 500)."""
    if isinstance(exc, OperationalError):
        return StorageFull(str(exc.orig)) if is_storage_full(exc) else StoreUnavailable()
    if isinstance(exc, PoolTimeout):
        return StoreUnavailable()
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        # A connection the server dropped (psycopg raises some of these as
        # InterfaceError rather than OperationalError).
        return StoreUnavailable()
    return None


def nul_field(report: ReportIn) -> str | None:
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


def sla_for(reported_at: float, limits: SlaLimits = ONE_THREE_FIFTEEN) -> SlaMarks:
    """The deadlines of a new case, fixed at report time (a later config change does not
    move the goalposts of cases already open)."""
    return SlaMarks(
        accept_by=reported_at + limits.accept_within,
        move_by=reported_at + limits.move_within,
        handle_by=reported_at + limits.handle_within,
    )


async def store_report(hub: Hub, report: ReportIn, principal: Principal) -> tuple[str, int, bool]:
    """Store *report* (or find it stored): its case id, stream seq and whether it is new.
    Returns once it is durable: committed, and in a cluster in the replicated log too.

    Raises :class:`StorageFull` or :class:`StoreUnavailable` when the store failed and
    nothing was stored, or (a cluster's log without a quorum) when it is committed but
    not yet replicated: either way it must not be acknowledged, and a retry (same source
    and external id) is answered with the same case.
    """
    # The category through the classes catalogue (a name, an alias, an old or a full
    # code; docs/casework.md): stored as the class's name, its code beside it. An
    # unknown one raises UnknownClass (the sender's 400, naming the field) before
    # anything is stored.
    matter = shipped_catalogue().resolve(report.category, "category")
    report = msgspec.structs.replace(report, category=matter.name)
    if not hub.writing:
        # A cluster's standby: the writer node numbers the report's events.
        return await _forward_report(hub, report, principal)
    incident_id, seq, created = await _commit_report(hub, report, principal)
    try:
        # Its incident.new and ticker (seq, seq + 1), whether stored now or before.
        await hub.durable(seq + 1)
    except NotDurable as exc:
        log.error(
            "report %s/%s not yet in the event log: %s", report.source, report.external_id, exc
        )
        raise StoreUnavailable from exc
    return incident_id, seq, created


class ForwardedReport(msgspec.Struct, frozen=True):
    """A report a standby node took, as it asks the writer node to store it."""

    report: ReportIn
    name: str
    role: str


class ForwardedAnswer(msgspec.Struct, frozen=True, omit_defaults=True):
    id: str = ""
    seq: int = 0
    created: bool = False
    #: ``storage_full`` or ``store_unavailable``: not stored, or not yet acknowledgeable.
    error: str = ""


async def _forward_report(
    hub: Hub, report: ReportIn, principal: Principal
) -> tuple[str, int, bool]:
    payload = msgspec.json.encode(ForwardedReport(report, principal.name, principal.role))
    try:
        answer = msgspec.json.decode(await hub.forward("report", payload), type=ForwardedAnswer)
    except NoWriter as exc:
        # 503: the source retries (same external id), by then on a writer that has it.
        log.warning("report %s/%s: %s", report.source, report.external_id, exc)
        raise StoreUnavailable from exc
    if answer.error == "storage_full":
        raise StorageFull
    if answer.error:
        raise StoreUnavailable
    return answer.id, answer.seq, answer.created


async def answer_forwarded_report(hub: Hub, payload: bytes) -> bytes:
    """On the writer node: store a report a standby took; the answer it gives its source."""
    forwarded = msgspec.json.decode(payload, type=ForwardedReport)
    principal = Principal(forwarded.name, forwarded.role)
    try:
        incident_id, seq, created = await store_report(hub, forwarded.report, principal)
    except StorageFull:
        return msgspec.json.encode(ForwardedAnswer(error="storage_full"))
    except StoreUnavailable:
        return msgspec.json.encode(ForwardedAnswer(error="store_unavailable"))
    return msgspec.json.encode(ForwardedAnswer(id=incident_id, seq=seq, created=created))


def classify(category: str) -> str | None:
    """The class code of a category as :func:`store_report` leaves it (a class name)."""
    matter = shipped_catalogue().find(category)
    return None if matter is None else matter.code


def report_seq(incident_id: str) -> int:
    """The ``seq`` of a stored report's ``incident.new``: its case id ends with it
    (``WC<yymmdd>-<seq>``, made so in :func:`_commit_report`). A retry is answered with it,
    on any node of a cluster, as the first answer was."""
    return int(incident_id.rsplit("-", 1)[1])


async def _commit_report(hub: Hub, report: ReportIn, principal: Principal) -> tuple[str, int, bool]:
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
        return None if existing is None else (existing.id, report_seq(existing.id), False)

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
            class_code=classify(report.category),
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
            sla=msgspec.to_builtins(sla_for(now, hub.config.sla_limits)),
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
        return await hub.writer.submit(work)
    except OperationalError as exc:
        # One line, not a traceback per refused report: the hub is fine, the store
        # is not.
        log.error("report %s/%s not stored: %s", report.source, report.external_id, exc.orig)
        if is_storage_full(exc):
            raise StorageFull from exc
        raise StoreUnavailable from exc
    except IntegrityError:
        # Two retries of one report raced; the loser answers the winner's id.
        def reread(session: Session, _emitter: Emitter) -> tuple[str, int, bool] | None:
            return find(session)

        try:
            found = await hub.writer.submit(reread)
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
