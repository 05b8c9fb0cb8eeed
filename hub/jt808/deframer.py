"""Turn one TCP connection's byte stream into decoded messages and counted errors.

``7E`` separates frames: whatever lies between two marks is one candidate frame, so a
terminal that shares one mark between two frames is read as well as one that sends
``7E 7E``, and a damaged frame costs only itself. The policy:

- a frame with a bad escape, a wrong checksum, a body length that disagrees with its
  header, or a body too short for its message id is dropped and reported as a
  :class:`FrameError`; the connection lives on;
- the connection is given up (:class:`Fatal`) on more than :data:`MAX_GARBAGE` bytes
  before the first mark, a frame longer than :data:`MAX_FRAME` bytes (unescaped), or
  :data:`MAX_BAD_IN_A_ROW` bad frames without one good frame between them.

:meth:`Deframer.feed` never raises.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from hub.jt808.codec import FrameRejected, Reason, decode_frame
from hub.jt808.messages import Header, Message
from hub.jt808.wire import ESCAPE, FLAG, BadEscape, unescape

# The largest legal frame is 21 header + 1023 body + 1 checksum = 1045 bytes; 2 KiB is
# room for every terminal and still a small bound on what one connection can make us hold.
MAX_FRAME = 2048
# A JT/T 808 terminal's first byte is 7E. A kilobyte of anything else is another protocol
# (or a scanner) on our port.
MAX_GARBAGE = 1024
# A healthy link sees a bad frame now and then (a reset mid-frame, a firmware slip) and
# good ones in between; sixteen in a row is a terminal we cannot understand, and a
# connection that only costs CPU.
MAX_BAD_IN_A_ROW = 16

FatalReason = Literal["no_frame_mark", "frame_too_long", "too_many_bad_frames"]


@dataclass(frozen=True, slots=True)
class FrameError:
    """A dropped frame (or dropped leading bytes): count it, keep the connection.

    ``header`` is set when the frame's header was readable (``bad_body``), so that the
    server may answer it with "bad message". ``frame`` is the unescaped content, for logs.
    """

    reason: Reason
    detail: str
    header: Header | None = None
    frame: bytes = field(default=b"", repr=False)


@dataclass(frozen=True, slots=True)
class Fatal:
    """Close this connection: the stream cannot be understood. Nothing follows it."""

    reason: FatalReason
    detail: str


Event = Message | FrameError | Fatal


class Deframer:
    """The receiving side of one connection: :meth:`feed` bytes as they arrive, act on the
    events it returns. ``counts`` tallies messages (``"message"``) and every error reason
    since the connection began; ``closed`` is set once a :class:`Fatal` was returned."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.closed = False
        self._seen_mark = False
        self._garbage = 0
        self._frame = bytearray()
        self._escapes = 0
        self._bad_in_a_row = 0

    def feed(self, data: bytes) -> list[Event]:
        """Take the next bytes of the stream; return what they completed, in order."""
        events: list[Event] = []
        if self.closed:
            return events
        pos, end = 0, len(data)
        while pos < end:
            mark = data.find(FLAG, pos)
            stop = end if mark < 0 else mark
            if not self._seen_mark:
                self._garbage += stop - pos
                if self._garbage > MAX_GARBAGE:
                    return self._fatal(
                        events, "no_frame_mark", f"{self._garbage} bytes without a 7E"
                    )
                if mark < 0:
                    break
                self._seen_mark = True
                if self._garbage:
                    self._error(events, FrameError("garbage", f"{self._garbage} bytes before 7E"))
                    self._garbage = 0
                    if self.closed:
                        return events
            else:
                chunk = data[pos:stop]
                self._frame += chunk
                self._escapes += chunk.count(ESCAPE)
                # Measured unescaped (each 7D stands for one byte with the byte after it),
                # so a legal frame full of escaped 7E still fits.
                if len(self._frame) - self._escapes > MAX_FRAME:
                    return self._fatal(
                        events, "frame_too_long", f"more than {MAX_FRAME} bytes without a 7E"
                    )
                if mark < 0:
                    break
                if self._frame:
                    raw = bytes(self._frame)
                    self._frame.clear()
                    self._escapes = 0
                    self._take(events, raw)
                    if self.closed:
                        return events
            pos = stop + 1
        return events

    def _take(self, events: list[Event], raw: bytes) -> None:
        try:
            frame = unescape(raw)
        except BadEscape as exc:
            self._error(events, FrameError("bad_escape", str(exc), frame=raw))
            return
        try:
            message = decode_frame(frame)
        except FrameRejected as exc:
            self._error(events, FrameError(exc.reason, exc.detail, exc.header, frame))
            return
        except Exception as exc:
            # A decoder bug must cost one frame, not the connection task. The fuzz tests
            # assert this branch is never taken.
            self._error(events, FrameError("internal", repr(exc), frame=frame))
            return
        self._bad_in_a_row = 0
        self.counts["message"] += 1
        events.append(message)

    def _error(self, events: list[Event], error: FrameError) -> None:
        self.counts[error.reason] += 1
        events.append(error)
        self._bad_in_a_row += 1
        if self._bad_in_a_row >= MAX_BAD_IN_A_ROW:
            self._fatal(events, "too_many_bad_frames", f"{self._bad_in_a_row} bad frames in a row")

    def _fatal(self, events: list[Event], reason: FatalReason, detail: str) -> list[Event]:
        self.closed = True
        self.counts[reason] += 1
        self._frame.clear()
        events.append(Fatal(reason, detail))
        return events
