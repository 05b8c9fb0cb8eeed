"""``POST /api/v1/cases/{id}/records``: electronic records (电子笔录) from officers'
terminals (source tokens). The body is validated at the edge (400 naming the field, nothing
stored), stored in one transaction of the writer (:mod:`hub.records`), and answered 201
only once committed (and, in a cluster, in the replicated log); the same body again is
answered 200 with the version already stored."""

from __future__ import annotations

import logging
import time

import msgspec
from aiohttp import web
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend_client.protocol.codec import field_of
from hub.auth import Principal
from hub.cluster import NotDurable, NoWriter
from hub.ingest_http import (
    authorize,
    bad,
    json_answer,
    storage_full,
    store_unavailable,
)
from hub.ingest_models import RecordAccepted, RecordIn
from hub.ingest_store import StorageFull, store_failure
from hub.records import RecordRefused, check, store_work
from hub.service import Hub
from hub.writer import Emitter

log = logging.getLogger("hub.ingest")


async def post_record(hub: Hub, request: web.Request) -> web.Response:
    principal = authorize(hub, request, "ingest")
    if isinstance(principal, web.Response):
        return principal
    case_id = request.match_info["case_id"]
    try:
        record = msgspec.json.decode(await request.read(), type=RecordIn)
    except msgspec.ValidationError as exc:
        return bad(field_of(str(exc)), str(exc))
    except msgspec.DecodeError as exc:
        return bad(None, f"body is not JSON: {exc}")
    except RecursionError:
        return bad(None, "body is nested too deeply")
    try:
        check(record)
    except RecordRefused as exc:
        return bad(exc.field, exc.message, exc.status)
    if not hub.writing:
        # A cluster's standby does not number events: the writer node stores it and its
        # answer is the terminal's.
        return await _forward_record(hub, case_id, record, principal)
    return await store_record(hub, case_id, record, principal)


class ForwardedRecord(msgspec.Struct, frozen=True):
    """A record a standby node took, as it asks the writer node to store it."""

    case_id: str
    record: RecordIn
    name: str
    role: str


class ForwardedHttpAnswer(msgspec.Struct, frozen=True):
    status: int
    body: str


async def _forward_record(
    hub: Hub, case_id: str, record: RecordIn, principal: Principal
) -> web.Response:
    payload = msgspec.json.encode(ForwardedRecord(case_id, record, principal.name, principal.role))
    try:
        answer = msgspec.json.decode(await hub.forward("record", payload), type=ForwardedHttpAnswer)
    except NoWriter as exc:
        # A retry of the same body is answered with the stored version: never twice.
        log.warning("record %s on %s: %s", record.record_id, case_id, exc)
        return store_unavailable()
    return web.Response(status=answer.status, text=answer.body, content_type="application/json")


async def answer_forwarded_record(hub: Hub, payload: bytes) -> bytes:
    """On the writer node: store a record a standby took; the answer for its terminal."""
    forwarded = msgspec.json.decode(payload, type=ForwardedRecord)
    principal = Principal(forwarded.name, forwarded.role)
    response = await store_record(hub, forwarded.case_id, forwarded.record, principal)
    assert isinstance(response.text, str)
    return msgspec.json.encode(ForwardedHttpAnswer(response.status, response.text))


async def store_record(
    hub: Hub, case_id: str, record: RecordIn, principal: Principal
) -> web.Response:
    """Store ``record`` on the case (this node numbers events); the answer to send."""

    def work(session: Session, emitter: Emitter) -> tuple[RecordAccepted, bool]:
        return store_work(session, emitter, case_id, record, principal.name, time.time())

    try:
        try:
            accepted, created = await hub.writer.submit(work)
        except IntegrityError:
            # Two retries of one new record raced on its id: the loser is answered from
            # what the winner stored (the same body is a retry, a different one a version).
            accepted, created = await hub.writer.submit(work)
        if created:
            await hub.durable(accepted.seq)
    except RecordRefused as exc:
        # 404 (no such case) and 409 (the id is another case's) say "invalid" too, as
        # /osmand's unknown device does: the status tells them apart, the field names it.
        return bad(exc.field, exc.message, exc.status)
    except NotDurable as exc:
        log.error("record %s on %s not yet in the event log: %s", record.record_id, case_id, exc)
        return store_unavailable()
    except Exception as exc:
        failure = store_failure(exc)
        if failure is None:
            raise
        log.error("record %s on %s not stored: %s", record.record_id, case_id, exc)
        return storage_full() if isinstance(failure, StorageFull) else store_unavailable()
    if not created:
        accepted = msgspec.structs.replace(accepted, seq=hub.published_seq)
    return json_answer(accepted, status=201 if created else 200)
