"""Message and entity schemas of the stream protocol (DESIGN.md, "Wire protocol").

Every frame is a JSON object with a ``type`` tag. Schemas are msgspec Structs: unknown
fields are ignored (forward compatibility), wrong types are rejected with the path of the
offending field. Stored events carry ``seq`` (rising by one per stored event) and ``ts``
(seconds since the epoch, hub clock). Live positions (``unit.positions``) are not stored
events: they carry no ``seq``, and a client that missed some is resynced with the newest
fix of each unit (a snapshot, or a full ``unit.positions`` after a resume).
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal, get_args

import msgspec

PROTOCOL_VERSION = 1

Datum = Literal["wgs84", "gcj02"]
Latitude = Annotated[float, msgspec.Meta(ge=-90.0, le=90.0)]
Longitude = Annotated[float, msgspec.Meta(ge=-180.0, le=180.0)]
Seq = Annotated[int, msgspec.Meta(ge=0)]
UnitStatusName = Literal["available", "busy", "en_route", "on_scene", "off_duty", "offline"]
IncidentStatusName = Literal[
    "reported",
    "verified",  # 核实 confirmed a public report; accepting it is next
    "accepted",
    "dispatched",
    "arrived",
    "handled",
    "rectifying",
    "followup",
    "checked",  # 核查 on site passed; closing it is next
    "closed",
    "suspended",  # 挂账: parked with a written reason, can be resumed
    "voided",  # 作废: void with a reason (a false report among them); final
]
#: Statuses of a case that is no longer anyone's work: a closed or a void case. A
#: suspended (挂账) case is neither open work nor finished: readers say which they mean.
FINISHED_STATUSES: Final[frozenset[IncidentStatusName]] = frozenset({"closed", "voided"})
#: Statuses that are not open work (walls' open counts, the clocks): finished or parked.
NOT_OPEN_STATUSES: Final = FINISHED_STATUSES | {"suspended"}
#: Statuses a case is still worked in, in lifecycle order: the rest.
OPEN_STATUSES: Final[tuple[IncidentStatusName, ...]] = tuple(
    s for s in get_args(IncidentStatusName) if s not in NOT_OPEN_STATUSES
)


class Team(msgspec.Struct, kw_only=True, omit_defaults=True):
    """An enforcement team (township/street or specialist) and its map colour."""

    id: str
    name: str
    colour: str = "#4da3ff"
    kind: str = "township"


#: What a unit is. Kept a plain string on the wire (not a Literal): a client meeting a
#: kind it does not know still decodes the frame and draws the unit as an officer.
UNIT_KINDS = ("officer", "vehicle")


class Unit(msgspec.Struct, kw_only=True, omit_defaults=True):
    """An officer or (``kind`` "vehicle") an enforcement vehicle, as walls see it.

    ``kind`` and ``plate`` are left off the wire at their defaults, so an officer's frame
    is what it always was; clients older than vehicles ignore both fields.
    """

    id: str
    name: str
    team: str
    device: str = ""
    status: UnitStatusName = "available"
    kind: str = "officer"
    plate: str = ""
    lat: Latitude | None = None
    lon: Longitude | None = None
    datum: Datum = "wgs84"
    ts: float | None = None
    speed: float | None = None
    heading: float | None = None


class Fix(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One position fix of one officer, as carried by ``unit.positions``."""

    id: str
    lat: Latitude
    lon: Longitude
    ts: float
    datum: Datum = "wgs84"
    speed: float | None = None
    heading: float | None = None


class SlaMarks(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Where an incident stands on the 1-3-15 clock (absolute deadlines and met/missed marks)."""

    accept_by: float
    move_by: float
    handle_by: float
    accepted_at: float | None = None
    moving_at: float | None = None
    handled_at: float | None = None
    missed: list[str] = msgspec.field(default_factory=list)


class Incident(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    source: str
    category: str
    status: IncidentStatusName = "reported"
    lat: Latitude | None = None
    lon: Longitude | None = None
    datum: Datum = "wgs84"
    reported_at: float
    sla: SlaMarks | None = None
    units: list[str] = msgspec.field(default_factory=list)
    text: str = ""
    address: str = ""
    priority: int = 3
    merchant_id: str | None = None
    #: Classes and working-time clocks (docs/casework.md): the catalogue's class code
    #: (``category`` is its name); the 处置时限 deadline fixed at dispatch (moved only by an
    #: approved 延期), the limit it was counted from (``"4 working_hours"``, unit one of
    #: minutes, working_hours, working_days) and whether its miss is recorded. Left off
    #: the wire when unset, as the duplicates' fields.
    class_code: str | None = None
    deadline: float | None = None
    deadline_limit: str = ""
    overdue: bool = False
    #: Duplicates (case.merge): the case this one was merged into (then it is no longer
    #: separate work: off the queue, out of the open count, no 1-3-15 misses), and how
    #: many cases were merged into this one (the queue and ticker show ×(1 + merged)).
    #: Left off the wire when unset, so older clients see the frames they always did.
    parent_id: str | None = None
    merged: int = 0
    #: 延期 (docs/casework.md): the limit of an extension asked and not yet decided, as
    #: ``deadline_limit`` words one (``"2 working_days"``); "" when none waits. Rebuilt
    #: from the timeline (no column), so a desk knows to offer 批准 / 驳回.
    extension_asked: str = ""


#: The args of a ticker or alert line (backend_client/events.py): names, ids, numbers and
#: vocabulary labels, nothing nested.
EventArgs = dict[str, str | int | float]


class Alert(msgspec.Struct, kw_only=True, omit_defaults=True):
    """``text`` is the line in Chinese; ``code`` and ``args`` (backend_client/events.py)
    let a wall word it in its own language. Clients older than codes ignore both."""

    id: str
    kind: str
    subject: str
    ts: float
    text: str = ""
    severity: int = 2
    code: str = ""
    args: EventArgs = msgspec.field(default_factory=dict)


# ---- client -> hub -------------------------------------------------------------------


class Hello(msgspec.Struct, tag="hello", tag_field="type", kw_only=True):
    token: str
    since: Seq | None = None
    #: The ``epoch`` of the welcome that ``since`` was counted under: a hub whose log has
    #: another epoch (re-created, restored, another cluster) answers with a snapshot.
    epoch: str | None = None
    version: int = PROTOCOL_VERSION


class Request(msgspec.Struct, tag="req", tag_field="type", kw_only=True):
    id: int
    op: str
    args: dict[str, Any] = msgspec.field(default_factory=dict)


ClientMessage = Hello | Request


# ---- hub -> client -------------------------------------------------------------------


class Welcome(msgspec.Struct, tag="welcome", tag_field="type", kw_only=True):
    role: str
    server_time: float
    #: The token's name from the hub's auth file; walls are addressed by it (``wall.push``).
    name: str = ""
    seq: Seq = 0
    ts: float = 0.0
    #: Names the event log this hub's ``seq`` numbers count in (see Hello.epoch).
    epoch: str = ""
    #: The hub node that answered (its ``--node`` name, or host:port).
    node: str = ""


class Snapshot(msgspec.Struct, tag="snapshot", tag_field="type", kw_only=True):
    seq: Seq
    ts: float
    teams: list[Team] = msgspec.field(default_factory=list)
    units: list[Unit] = msgspec.field(default_factory=list)
    incidents: list[Incident] = msgspec.field(default_factory=list)
    alerts: list[Alert] = msgspec.field(default_factory=list)


class UnitPositions(msgspec.Struct, tag="unit.positions", tag_field="type", kw_only=True):
    """The newest fixes, live and unsequenced: what the map shows, not the record (every
    fix is stored for ``unit.track``). A client keeps a fix only if it is newer than the
    unit's, so frames that cross (a resync after a resume, a fail-over) never move a unit
    back."""

    ts: float
    fixes: list[Fix]


class UnitStatus(msgspec.Struct, tag="unit.status", tag_field="type", kw_only=True):
    seq: Seq
    ts: float
    unit: Unit


class IncidentNew(msgspec.Struct, tag="incident.new", tag_field="type", kw_only=True):
    seq: Seq
    ts: float
    incident: Incident


class IncidentUpdate(msgspec.Struct, tag="incident.update", tag_field="type", kw_only=True):
    seq: Seq
    ts: float
    incident: Incident
    change: str = ""


class AlertNew(msgspec.Struct, tag="alert.new", tag_field="type", kw_only=True):
    seq: Seq
    ts: float
    alert: Alert


class AlertClear(msgspec.Struct, tag="alert.clear", tag_field="type", kw_only=True):
    seq: Seq
    ts: float
    alert_id: str


class Ticker(msgspec.Struct, tag="ticker", tag_field="type", kw_only=True):
    """A line to broadcast: ``text`` in Chinese, and ``code`` and ``args`` to word it in
    the wall's language (backend_client/events.py). Clients older than codes ignore both."""

    seq: Seq
    ts: float
    text: str
    urgent: bool = False
    incident_id: str | None = None
    code: str = ""
    args: EventArgs = msgspec.field(default_factory=dict)


class WallPush(msgspec.Struct, tag="wall.push", tag_field="type", kw_only=True):
    """An operator pinned something to a wall's situation slot (``wall`` "" = every wall).

    ``kind`` is ``incident``, ``merchant`` or ``officer`` (``id`` names it), ``view`` (the
    wall's maps go to ``lat``/``lon``/``zoom``) or ``clear`` (back to the automatic view).
    Stored like every event, so a wall that resumes after a gap still gets it.
    """

    seq: Seq
    ts: float
    wall: str = ""
    kind: str
    id: str = ""
    lat: float | None = None
    lon: float | None = None
    zoom: float | None = None
    by: str = ""


class Heartbeat(msgspec.Struct, tag="heartbeat", tag_field="type", kw_only=True):
    """Not stored: ``seq`` is the hub's latest stored seq, so a client can spot a gap."""

    seq: Seq
    ts: float


class Response(msgspec.Struct, tag="res", tag_field="type", kw_only=True):
    id: int
    result: dict[str, Any] = msgspec.field(default_factory=dict)
    ts: float = 0.0


class Error(msgspec.Struct, tag="error", tag_field="type", kw_only=True):
    code: str
    message: str
    id: int | None = None
    field: str | None = None
    ts: float = 0.0


StoredEvent = UnitStatus | IncidentNew | IncidentUpdate | AlertNew | AlertClear | Ticker | WallPush
#: What a feed hands its listeners: stored events, in seq order, and live positions.
FeedEvent = StoredEvent | UnitPositions
ServerMessage = Welcome | Snapshot | StoredEvent | UnitPositions | Heartbeat | Response | Error

STORED_EVENT_TYPES: tuple[type[msgspec.Struct], ...] = (
    UnitStatus,
    IncidentNew,
    IncidentUpdate,
    AlertNew,
    AlertClear,
    Ticker,
    WallPush,
)
