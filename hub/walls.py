"""``wall.push``: an operator pins a drill-down or a map view to a wall's situation slot.

The push is a stored, sequenced event (``wall.push``) rather than a message to one socket:
walls are addressed by name, a wall that is reconnecting gets it on resume like any other
event, and the audit log says who put what on which wall.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from backend_client.protocol import WallPush
from backend_client.protocol.ops import WallPushAnswer, WallPushArgs
from hub.auth import Principal
from hub.store.models import Incident as IncidentRow
from hub.store.models import Merchant, Officer
from hub.writer import Emitter

PUSH_KINDS = ("incident", "merchant", "officer", "view", "clear")
MAX_WALL_NAME = 64


class PushRejected(Exception):
    def __init__(self, code: str, message: str, field: str) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


def check_push(args: WallPushArgs) -> None:
    """Everything that can be said about the request without the store."""
    if args.kind not in PUSH_KINDS:
        raise PushRejected("invalid", f"kind must be one of {', '.join(PUSH_KINDS)}", "kind")
    if len(args.wall) > MAX_WALL_NAME:
        raise PushRejected("invalid", f"wall name longer than {MAX_WALL_NAME}", "wall")
    if args.kind in ("incident", "merchant", "officer") and not args.id:
        raise PushRejected("invalid", f"a {args.kind} push needs an id", "id")
    if args.kind == "view":
        if args.lat is None or not (-90.0 <= args.lat <= 90.0) or not math.isfinite(args.lat):
            raise PushRejected("invalid", "lat must be within -90..90", "lat")
        if args.lon is None or not (-180.0 <= args.lon <= 180.0) or not math.isfinite(args.lon):
            raise PushRejected("invalid", "lon must be within -180..180", "lon")
        if args.zoom is not None and not (3.0 <= args.zoom <= 20.0):
            raise PushRejected("invalid", "zoom must be within 3..20", "zoom")


_ROWS: dict[str, type[Any]] = {"incident": IncidentRow, "merchant": Merchant, "officer": Officer}


def push_work(
    args: WallPushArgs, who: Principal, audit: Callable[..., None]
) -> Callable[[Session, Emitter], WallPushAnswer]:
    """The writer-thread unit of work: check the subject exists, audit, emit the event."""

    def work(session: Session, emitter: Emitter) -> WallPushAnswer:
        row_type = _ROWS.get(args.kind)
        if row_type is not None and session.get(row_type, args.id) is None:
            raise PushRejected("not_found", f"no {args.kind} {args.id}", "id")
        audit(session, who, "wall.push", args.id or args.kind, wall=args.wall, kind=args.kind)
        event = emitter.emit(
            lambda seq, ts: WallPush(
                seq=seq,
                ts=ts,
                wall=args.wall,
                kind=args.kind,
                id=args.id,
                lat=args.lat,
                lon=args.lon,
                zoom=args.zoom,
                by=who.name,
            )
        )
        return WallPushAnswer(event.seq, args.wall, args.kind, args.id)

    return work
