"""Sans-I/O JT/T 808 (2013 and 2019) core for the device gateway.

Bytes in, events out: a :class:`Deframer` per connection turns the stream into decoded
:class:`Message` values, :class:`FrameError` (dropped and counted) and :class:`Fatal`
(close the connection); :class:`PlatformAnswers` writes the platform's 0x8100 and 0x8001
frames. No sockets, no asyncio: a TCP server drives these.
"""

from hub.jt808.codec import (
    FrameRejected,
    PlatformAnswers,
    decode_frame,
    encode_frame,
    general_answer,
    register_answer,
)
from hub.jt808.deframer import (
    MAX_BAD_IN_A_ROW,
    MAX_FRAME,
    MAX_GARBAGE,
    Deframer,
    Event,
    Fatal,
    FrameError,
)
from hub.jt808.messages import (
    AnswerResult,
    Authenticate,
    BatchItemError,
    Body,
    Header,
    Heartbeat,
    Location,
    LocationBatch,
    Logout,
    Message,
    MsgId,
    Register,
    RegisterResult,
    TerminalAnswer,
    Undecoded,
)

__all__ = [
    "MAX_BAD_IN_A_ROW",
    "MAX_FRAME",
    "MAX_GARBAGE",
    "AnswerResult",
    "Authenticate",
    "BatchItemError",
    "Body",
    "Deframer",
    "Event",
    "Fatal",
    "FrameError",
    "FrameRejected",
    "Header",
    "Heartbeat",
    "Location",
    "LocationBatch",
    "Logout",
    "Message",
    "MsgId",
    "PlatformAnswers",
    "Register",
    "RegisterResult",
    "TerminalAnswer",
    "Undecoded",
    "decode_frame",
    "encode_frame",
    "general_answer",
    "register_answer",
]
