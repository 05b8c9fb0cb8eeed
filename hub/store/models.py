"""ORM model of the hub store (DESIGN.md, "The model").

Coordinates are stored in WGS-84 whatever datum they arrived in. Times are float epoch
seconds (UTC), as on the wire; the 1-3-15 arithmetic stays trivial and exact.
"""

from __future__ import annotations

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
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import true


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
    __table_args__ = (Index("uq_positions_officer_ts", "officer_id", "ts", unique=True),)

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
