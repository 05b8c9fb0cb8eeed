"""Sans-I/O protocol core shared by the hub and every client.

Message types with validation (:mod:`.messages`), the codec (:mod:`.codec`) and the
sequence / resume / gap logic (:mod:`.sequence`). No sockets, no asyncio, no Qt.
"""

from backend_client.protocol.codec import ProtocolError, decode_client, decode_server, encode
from backend_client.protocol.messages import (
    PROTOCOL_VERSION,
    Alert,
    AlertClear,
    AlertNew,
    ClientMessage,
    Error,
    Fix,
    Heartbeat,
    Hello,
    Incident,
    IncidentNew,
    IncidentUpdate,
    Request,
    Response,
    ServerMessage,
    Snapshot,
    Team,
    Ticker,
    Unit,
    UnitPositions,
    UnitStatus,
    WallPush,
    Welcome,
)
from backend_client.protocol.sequence import Decision, SequenceTracker

__all__ = [
    "PROTOCOL_VERSION",
    "Alert",
    "AlertClear",
    "AlertNew",
    "ClientMessage",
    "Decision",
    "Error",
    "Fix",
    "Heartbeat",
    "Hello",
    "Incident",
    "IncidentNew",
    "IncidentUpdate",
    "ProtocolError",
    "Request",
    "Response",
    "SequenceTracker",
    "ServerMessage",
    "Snapshot",
    "Team",
    "Ticker",
    "Unit",
    "UnitPositions",
    "UnitStatus",
    "WallPush",
    "Welcome",
    "decode_client",
    "decode_server",
    "encode",
]
