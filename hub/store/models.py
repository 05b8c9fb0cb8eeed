"""ORM model of the hub store (DESIGN.md, "The model").

Coordinates are stored in WGS-84 whatever datum they arrived in. Times are float epoch
seconds (UTC), as on the wire; the 1-3-15 arithmetic stays trivial and exact.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    text,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import false, true


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # "township" or "specialist"
    colour: Mapped[str] = mapped_column(String(9))
    zone: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)  # [[lon, lat], ...]


class Officer(Base):
    """A unit of the roster: an officer, or (``kind`` "vehicle") an enforcement vehicle
    with its ``plate``. Both carry a device and are tracked alike (positions, unit.track,
    the JT/T 808 binding), so they share the table; a vehicle's ``badge`` is empty."""

    __tablename__ = "officers"
    __table_args__ = (Index("uq_officers_plate", "plate", unique=True),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    badge: Mapped[str] = mapped_column(String(32))
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id"))
    device: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="available")
    kind: Mapped[str] = mapped_column(String(16), default="officer", server_default="officer")
    #: A vehicle's number plate (e.g. 浙G·A1234); NULL for an officer.
    plate: Mapped[str | None] = mapped_column(String(16), nullable=True)


class Position(Base):
    """One stored fix: the track of record. An officer has one fix per fix time: a device
    sending the same fix again (a retry, a batch sent twice) is stored once (the hub
    inserts with ON CONFLICT DO NOTHING on this index); unit.track reads along it.

    ``fixed`` is false for a report whose coordinates are not a fix (a JT/T 808 terminal's
    status bit 1 clear: the last known place, or zeros): kept as sent, never drawn on the
    live map, left out of ``unit.track`` and of the live position at start."""

    __tablename__ = "positions"
    __table_args__ = (
        Index("uq_positions_officer_ts", "officer_id", "ts", unique=True),
        # units.at (who was where at T, hub/requests/units_at.py) reads back in time from
        # T along this: the fixes of a moment side by side, and all the read needs of them
        # in the index (``fixed`` too: SQLite reads the table for any column it lacks).
        Index(
            "ix_positions_fix_time", "ts", "officer_id", "lat", "lon", "speed", "heading", "fixed"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    officer_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    speed: Mapped[float | None] = mapped_column(Float, nullable=True)
    heading: Mapped[float | None] = mapped_column(Float, nullable=True)
    accuracy: Mapped[float | None] = mapped_column(Float, nullable=True)
    fixed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Merchant(Base):
    __tablename__ = "merchants"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    credit_code: Mapped[str] = mapped_column(String(18))
    address: Mapped[str] = mapped_column(String(256))
    category: Mapped[str] = mapped_column(String(32))
    risk: Mapped[int] = mapped_column(Integer, default=1)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_incident_source_external"),
        Index("ix_incidents_merchant", "merchant_id"),
        Index("ix_incidents_reported", "reported_at"),
        # case.related ranks ids from these alone (no table reads): "nearby" is a lat band
        # of the first, lon filtered in it; "same category, last 30 days" one range of
        # the second.
        Index("ix_incidents_lat_lon", "lat", "lon", "id"),
        Index("ix_incidents_category_reported", "category", "reported_at", "lat", "lon", "id"),
        # stats.query's due cohort (应结案) is one range of the handle deadline.
        Index("ix_incidents_handle_by", "handle_by"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    category: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(256), default="")
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    reporter: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    photos: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    priority: Mapped[int] = mapped_column(Integer, default=3)
    status: Mapped[str] = mapped_column(String(16), default="reported")
    units: Mapped[list[Any]] = mapped_column(JSON, default=list)
    merchant_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reported_at: Mapped[float] = mapped_column(Float)
    sla: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    # The case's figures (revision 0009): ``sla``'s marks and the first officer sent, as
    # plain columns, because stats.query aggregates them over a year of cases and reading
    # them out of the JSON took seconds. They are derived, never set by hand: every ORM
    # write refreshes them from ``sla`` and ``units`` (the listeners below); a bulk
    # writer that bypasses the ORM adds :func:`case_figures` to its rows and calls
    # :func:`mark_days_changed` for their days.
    accept_by: Mapped[float | None] = mapped_column(Float, nullable=True)
    move_by: Mapped[float | None] = mapped_column(Float, nullable=True)
    handle_by: Mapped[float | None] = mapped_column(Float, nullable=True)
    accepted_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    moving_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    handled_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: A miss of the stage is recorded (its ``sla_missed`` event exists).
    missed_accept: Mapped[bool] = mapped_column(Boolean, server_default=false())
    missed_move: Mapped[bool] = mapped_column(Boolean, server_default=false())
    missed_handle: Mapped[bool] = mapped_column(Boolean, server_default=false())
    #: The first officer dispatched (``units[0]``), whose team owns the case.
    first_unit: Mapped[str | None] = mapped_column(String(32), nullable=True)

    # Classes and working-time clocks (revision 0011, hub/deadlines.py): the class code
    # of the catalogue (``category`` stays its name, for every reader that shows it;
    # NULL for an old free name no class has); the 处置时限 deadline fixed at the first
    # dispatch (moved only by an approved 延期), the limit it was counted from as text
    # (``4 working_hours``) and, once the deadline passed undisposed, that deadline
    # (the overdue is recorded: once per deadline, across restarts).
    class_code: Mapped[str | None] = mapped_column(String(5), nullable=True)
    deadline: Mapped[float | None] = mapped_column(Float, nullable=True)
    deadline_limit: Mapped[str | None] = mapped_column(String(32), nullable=True)
    overdue_at: Mapped[float | None] = mapped_column(Float, nullable=True)

    # Duplicates (revision 0013, hub/requests/duplicates.py): a case merged into another
    # names it here; only one level (a parent is never a child). ``merged`` is how many
    # children the case has, kept with the merge so every wire copy carries its ×N.
    parent_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    # No Python-side default: a Core insert written for an older schema (a migration
    # test, a bulk writer) must not name the column; the ORM sets it (_refresh_figures).
    merged: Mapped[int] = mapped_column(Integer, server_default="0")


# Duplicate candidates with the same address (case.duplicates) are one lookup of it
# (revision 0013); declared beside the class so the class's own index list stays as it was.
Index("ix_incidents_address", Incident.address)


#: The times of ``Incident.sla`` that are also columns of the same name.
FIGURE_TIMES = ("accept_by", "move_by", "handle_by", "accepted_at", "moving_at", "handled_at")


def case_figures(sla: Mapping[str, Any] | None, units: Sequence[Any] | None) -> dict[str, Any]:
    """The figure columns of a case with these marks and units (what revision 0009 and
    the ORM listeners store)."""
    marks = sla or {}
    missed = marks.get("missed") or ()
    figures: dict[str, Any] = {name: marks.get(name) for name in FIGURE_TIMES}
    for stage in ("accept", "move", "handle"):
        figures[f"missed_{stage}"] = stage in missed
    figures["first_unit"] = str(units[0]) if units else None
    return figures


#: Asia/Shanghai is UTC+8 all year (no DST since 1991), so a local day is a fixed offset.
LOCAL_OFFSET = 8 * 3600.0


def local_day(ts: float) -> int:
    """The local day of an epoch time, as days since 1970-01-01 (Asia/Shanghai)."""
    return math.floor((ts + LOCAL_OFFSET) / 86400.0)


class CaseDayChange(Base):
    """How many times the cases of a local day changed (``gen``): a case counts for the
    day of its report and the day of its handle deadline. stats.query's day figures
    (:class:`CaseDayFigures`) are valid while their ``gen`` is the day's."""

    __tablename__ = "case_day_changes"

    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    gen: Mapped[int] = mapped_column(Integer)


class CaseDayFigures(Base):
    """stats.query's figures of one local day for one grouping, kept once the day can no
    longer change by the clock alone (no stage pending); see hub/requests/stats.py."""

    __tablename__ = "case_day_figures"

    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    grp: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: The day's ``CaseDayChange.gen`` the figures were read at (0: never changed).
    gen: Mapped[int] = mapped_column(Integer)
    #: What else the figures depend on (the roster, for ``team``), as a digest.
    salt: Mapped[str] = mapped_column(String(64), default="")
    tallies: Mapped[dict[str, Any]] = mapped_column(JSON)
    durations: Mapped[bytes] = mapped_column(LargeBinary)


# PostgreSQL compresses large values (pglz) by default: a year of these blobs took 35 ms
# more to read, for 27 % less space. Stored plain (revision 0009 does the same).
DAY_FIGURES_PLAIN = "ALTER TABLE case_day_figures ALTER COLUMN durations SET STORAGE EXTERNAL"


@event.listens_for(CaseDayFigures.__table__, "after_create")
def _day_figures_plain(_table: Any, connection: Connection, **_kw: Any) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text(DAY_FIGURES_PLAIN))


def mark_days_changed(connection: Connection, days: Iterable[int]) -> None:
    """Bump the change count of these local days (a bulk writer of cases calls it too)."""
    rows = [{"day": d, "gen": 1} for d in sorted(set(days))]
    if not rows:
        return
    upsert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = upsert(CaseDayChange).values(rows)
    connection.execute(
        statement.on_conflict_do_update(index_elements=["day"], set_={"gen": CaseDayChange.gen + 1})
    )


@event.listens_for(Incident, "before_insert")
@event.listens_for(Incident, "before_update")
def _refresh_figures(_mapper: Any, connection: Connection, row: Incident) -> None:
    # Whatever wrote the case (a report, a step, the 1-3-15 sweep, a test moving it in
    # time), the columns follow the JSON in the same statement, and the days the case
    # counts for, before and after, lose their kept figures.
    days = {local_day(t) for t in inspect(row).attrs.reported_at.history.sum() if t is not None}
    if row.merged is None:  # a new case has no children yet (0013); stored, not fetched back
        row.merged = 0
    if row.handle_by is not None:
        days.add(local_day(row.handle_by))
    for name, value in case_figures(row.sla, row.units).items():
        if getattr(row, name) != value:
            setattr(row, name, value)
    if row.handle_by is not None:
        days.add(local_day(row.handle_by))
    mark_days_changed(connection, days)


class CaseEvent(Base):
    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_incident_ts", "incident_id", "ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"))
    kind: Mapped[str] = mapped_column(String(32))
    ts: Mapped[float] = mapped_column(Float)
    actor: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Inspection(Base):
    """A joint inspection (进一次门、查多项事): several departments at one merchant, one visit."""

    __tablename__ = "inspections"
    __table_args__ = (Index("ix_inspections_merchant_ts", "merchant_id", "ts"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[float] = mapped_column(Float)
    teams: Mapped[list[Any]] = mapped_column(JSON, default=list)  # team ids
    departments: Mapped[list[Any]] = mapped_column(JSON, default=list)  # 市场监管, 消防, ...
    items: Mapped[list[Any]] = mapped_column(JSON, default=list)  # what was checked
    result: Mapped[str] = mapped_column(String(16))  # pass | rectify | fail
    note: Mapped[str] = mapped_column(Text, default="")
    officers: Mapped[list[Any]] = mapped_column(JSON, default=list)  # officer ids


class AlertRow(Base):
    """A raised alert; an uncleared one is back on every wall after a hub restart."""

    __tablename__ = "alerts"

    id: Mapped[str] = mapped_column(String(96), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")
    ts: Mapped[float] = mapped_column(Float)
    cleared_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    acked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The alert's event code and args (backend_client/events.py), kept so that an alert
    #: reloaded after a restart is still worded in each wall's language. NULL for rows
    #: stored before revision 0007: walls show their ``text``.
    code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # none_as_null: an alert without a code stores SQL NULL, like the rows before 0007,
    # not the JSON value null.
    args: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_ts", "ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ts: Mapped[float] = mapped_column(Float)
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(96), default="")
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class StoredEventRow(Base):
    """The sequenced event log: one row per stored event, ``seq`` never reused.

    The frame is kept encoded so that a resuming client is answered by replaying bytes.
    """

    __tablename__ = "events"
    # Events by time: what a tool or an audit reads by period (positions left the log).
    __table_args__ = (Index("ix_events_ts", "ts"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(32))
    ts: Mapped[float] = mapped_column(Float)
    frame: Mapped[bytes] = mapped_column(LargeBinary)


class HubSetting(Base):
    """Small values the hub keeps for itself across restarts, by name (e.g. the secret
    the JT/T 808 gateway derives terminals' auth codes from)."""

    __tablename__ = "hub_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# ---- records (电子笔录): issue 19 --------------------------------------------------------


class CaseRecord(Base):
    """An electronic record (询问笔录, 现场检查笔录, ...) made on a case. Its content lives
    in its versions: nothing acknowledged is overwritten, and a signed (or refused) version
    is never changed; a later POST under the same id is a new version (a correction)."""

    __tablename__ = "case_records"
    __table_args__ = (Index("ix_case_records_incident", "incident_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[float] = mapped_column(Float)
    #: The newest version's number (1, 2, ...).
    latest: Mapped[int] = mapped_column(Integer, default=1)


class CaseRecordVersion(Base):
    """One version of a record, as the officer's terminal sent it (``content``: the
    validated body, the person unmasked: masking is per reader, at the hub's edge)."""

    __tablename__ = "case_record_versions"
    __table_args__ = (UniqueConstraint("record_id", "version", name="uq_record_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("case_records.id"))
    version: Mapped[int] = mapped_column(Integer)
    template_version: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(24))
    started_at: Mapped[float] = mapped_column(Float)
    ended_at: Mapped[float] = mapped_column(Float)
    received_at: Mapped[float] = mapped_column(Float)
    actor: Mapped[str] = mapped_column(String(64))
    #: The signed (or refused) version this one corrects; NULL for a first or draft version.
    corrects: Mapped[int | None] = mapped_column(Integer, nullable=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: SHA-256 of the body as validated: the same body again (a retry) is not a new version.
    digest: Mapped[str] = mapped_column(String(64))


class RecordClip(Base):
    """A body-camera clip proving a record version: device number and time span."""

    __tablename__ = "record_clips"
    __table_args__ = (Index("ix_record_clips_version", "version_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("case_record_versions.id"))
    device: Mapped[str] = mapped_column(String(64))
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)


# ---- follow-up visits (回访): issue 18 ---------------------------------------------------


class CaseVisitRow(Base):
    """One follow-up visit (回访) of a closed case: how the citizen was reached and what
    they said. ``result`` is satisfied | basic | dissatisfied | unreached; an unreached
    visit is not a rating (满意率 = satisfied / (satisfied + basic + dissatisfied))."""

    __tablename__ = "case_visits"
    __table_args__ = (
        Index("ix_case_visits_incident_ts", "incident_id", "ts"),
        # Statistics read visits by period.
        Index("ix_case_visits_ts", "ts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"))
    ts: Mapped[float] = mapped_column(Float)
    channel: Mapped[str] = mapped_column(String(16))  # phone | sms | on_site
    result: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64))
