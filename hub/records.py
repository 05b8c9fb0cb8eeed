"""Electronic records (电子笔录) on a case: storing a version, reading them back masked.

A record is named by its ``record_id`` (the terminal's); every accepted POST that changes
its body is a new version, so nothing acknowledged is ever overwritten. A version whose
signature is final (signed, or refused with reason and witness) is never changed: the next
version is a correction, must say why, and both are kept and shown. The same body again
is a retry and answers the version already stored. The record, its version, its clips and
the ``record`` step of the case's timeline are one transaction of the hub's writer, and
the case's ``incident.update`` (change ``record``) is in the sequenced log with them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend_client.privacy import SEES_REPORTER, mask_name, mask_phone
from backend_client.protocol.messages import IncidentUpdate
from backend_client.protocol.ops import (
    QA,
    CaseRecordsAnswer,
    Clip,
    RecordInfo,
    RecordOfficer,
    RecordPerson,
    RecordVersion,
    Signature,
)
from hub.ingest_models import RecordAccepted, RecordIn
from hub.snapshot_load import incident_from_row
from hub.store.models import CaseEvent as CaseEventRow
from hub.store.models import CaseRecord, CaseRecordVersion, RecordClip
from hub.store.models import Incident as IncidentRow
from hub.writer import Emitter

RECORD_KIND = "record"
FINAL_STATES = frozenset({"signed", "refused"})
#: Records one case may hold (a guard against a terminal in a loop, not a legal limit).
MAX_RECORDS_PER_CASE = 200


class RecordRefused(ValueError):
    """A record the hub will not store: 400 (``status`` 404 for an unknown case, 409 for
    a record id already used on another case); ``field`` names what is wrong."""

    def __init__(self, field: str | None, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def check(record: RecordIn) -> None:
    """What the types cannot say; raises :class:`RecordRefused` naming the field."""
    body = msgspec.to_builtins(record)
    for path, text in _strings(body, ""):
        if "\x00" in text:
            # PostgreSQL cannot store NUL: refused on every store, as reports are.
            raise RecordRefused(path, "text may not contain NUL characters")
    if record.ended_at < record.started_at:
        raise RecordRefused("ended_at", "the record ends before it starts")
    for index, clip in enumerate(record.clips):
        if clip.end < clip.start:
            raise RecordRefused(f"clips[{index}].end", "the clip ends before it starts")
    if record.signature.state == "refused":
        # 拒绝签名: the refusal is noted with its reason and a witness, or it is no record.
        if not record.signature.reason.strip():
            raise RecordRefused("signature.reason", "a refusal to sign states the reason")
        if not record.signature.witness.strip():
            raise RecordRefused("signature.witness", "a refusal to sign names a witness")
    if record.signature.state == "signed" and record.signature.at is None:
        raise RecordRefused("signature.at", "a signed record says when it was signed")
    if record.signature.state != "draft":
        if record.kind == "inquiry" and not record.qa:
            raise RecordRefused("qa", "an inquiry to be signed has its questions and answers")
        if record.kind in ("inspection", "survey") and not record.findings.strip():
            raise RecordRefused("findings", "an inspection to be signed states its findings")


def _digest(record: RecordIn) -> str:
    return hashlib.sha256(msgspec.json.encode(record)).hexdigest()


def store_work(
    session: Session, emitter: Emitter, case_id: str, record: RecordIn, actor: str, now: float
) -> tuple[RecordAccepted, bool]:
    """Store ``record`` on the case, in the caller's transaction: the answer and whether
    a version was added (False: the same body was already the newest version)."""
    row = session.get(IncidentRow, case_id)
    if row is None:
        raise RecordRefused("case_id", f"no case {case_id}", status=404)
    stored = session.get(CaseRecord, record.record_id)
    digest = _digest(record)
    corrects: int | None = None
    if stored is None:
        count = session.scalar(
            select(func.count()).select_from(CaseRecord).where(CaseRecord.incident_id == row.id)
        )
        if int(count or 0) >= MAX_RECORDS_PER_CASE:
            raise RecordRefused(None, f"a case holds at most {MAX_RECORDS_PER_CASE} records")
        stored = CaseRecord(
            id=record.record_id, incident_id=row.id, kind=record.kind, created_at=now, latest=0
        )
        session.add(stored)
        session.flush()
    else:
        if stored.incident_id != row.id:
            raise RecordRefused(
                "record_id", f"record {record.record_id} belongs to another case", status=409
            )
        if stored.kind != record.kind:
            raise RecordRefused("kind", f"record {record.record_id} is a {stored.kind}")
        newest = session.scalar(
            select(CaseRecordVersion).where(
                CaseRecordVersion.record_id == stored.id,
                CaseRecordVersion.version == stored.latest,
            )
        )
        assert newest is not None
        if newest.digest == digest:
            # A retry of what is stored: answered as it was, nothing added.
            return RecordAccepted(row.id, stored.id, newest.version, newest.corrects, 0), False
        if newest.state in FINAL_STATES:
            if not record.correction_reason.strip():
                raise RecordRefused(
                    "correction_reason",
                    f"version {newest.version} is {newest.state} and cannot change;"
                    " a correction states its reason",
                )
            corrects = newest.version
        elif newest.corrects is not None:
            # A correction still being signed keeps pointing at the version it corrects.
            corrects = newest.corrects
    version = stored.latest + 1
    stored.latest = version
    content: dict[str, Any] = msgspec.to_builtins(record)
    row_version = CaseRecordVersion(
        record_id=stored.id,
        version=version,
        template_version=record.template_version,
        state=record.signature.state,
        started_at=record.started_at,
        ended_at=record.ended_at,
        received_at=now,
        actor=actor,
        corrects=corrects,
        content=content,
        digest=digest,
    )
    session.add(row_version)
    session.flush()
    for clip in record.clips:
        session.add(
            RecordClip(
                version_id=row_version.id, device=clip.device, start=clip.start, end=clip.end
            )
        )
    session.add(
        CaseEventRow(
            incident_id=row.id,
            kind=RECORD_KIND,
            ts=now,
            actor=actor,
            detail={
                "record_id": stored.id,
                "record_kind": record.kind,
                "version": version,
                "state": record.signature.state,
                "corrects": corrects,
                "clips": len(record.clips),
            },
        )
    )
    incident = incident_from_row(row)
    update = emitter.emit(
        lambda seq, ts: IncidentUpdate(seq=seq, ts=ts, incident=incident, change=RECORD_KIND),
        ts=now,
    )
    return RecordAccepted(row.id, stored.id, version, corrects, update.seq), True


# ---- reading ---------------------------------------------------------------------------


def mask_id_number(number: str) -> str:
    """``330702199001011234`` -> ``3307**********1234``: the area and the last four."""
    digits = number.strip()
    if len(digits) <= 8:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def person_for(role: str, person: RecordPerson) -> RecordPerson:
    """The person as ``role`` may see them: whole for the roles that see reporters."""
    if role in SEES_REPORTER:
        return person
    return msgspec.structs.replace(
        person,
        name=mask_name(person.name) or "*",
        id_number=mask_id_number(person.id_number),
        phone=mask_phone(person.phone) if person.phone else "",
        # The street is enough to place the person; the door number is not shown.
        address=person.address[:3] + "***" if person.address else "",
    )


def _version(row: CaseRecordVersion, role: str) -> RecordVersion:
    sent = msgspec.convert(row.content, RecordIn)
    return RecordVersion(
        version=row.version,
        corrects=row.corrects,
        correction_reason=sent.correction_reason,
        received_at=row.received_at,
        actor=row.actor,
        template_version=sent.template_version,
        number=sent.number,
        sitting=sent.sitting,
        officers=[RecordOfficer(o.name, o.certificate, o.role, o.unit) for o in sent.officers],
        started_at=sent.started_at,
        ended_at=sent.ended_at,
        place=sent.place,
        person=person_for(role, sent.person),
        present=list(sent.present),
        notice_read=sent.notice_read,
        qa=[QA(x.q, x.a) for x in sent.qa],
        findings=sent.findings,
        signature=Signature(
            sent.signature.state, sent.signature.at, sent.signature.reason, sent.signature.witness
        ),
        clips=[Clip(c.device, c.start, c.end) for c in sent.clips],
    )


def records_of(session: Session, case_id: str, role: str) -> CaseRecordsAnswer:
    """``case.records``: every record of the case with every version, oldest first."""
    records = session.scalars(
        select(CaseRecord)
        .where(CaseRecord.incident_id == case_id)
        .order_by(CaseRecord.created_at, CaseRecord.id)
    ).all()
    versions: dict[str, list[CaseRecordVersion]] = {r.id: [] for r in records}
    if records:
        rows = session.scalars(
            select(CaseRecordVersion)
            .where(CaseRecordVersion.record_id.in_(list(versions)))
            .order_by(CaseRecordVersion.record_id, CaseRecordVersion.version)
        )
        for row in rows:
            versions[row.record_id].append(row)
    infos: list[RecordInfo] = []
    for record in records:
        shown = [_version(v, role) for v in versions[record.id]]
        newest = shown[-1]
        infos.append(
            RecordInfo(
                record_id=record.id,
                kind=record.kind,
                created_at=record.created_at,
                state=newest.signature.state,
                missing_clip=record.kind == "inquiry" and not newest.clips,
                versions=shown,
            )
        )
    return CaseRecordsAnswer(case_id, infos)
