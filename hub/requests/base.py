"""What every request op shares: the error it answers with, argument parsing, paging."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
from sqlalchemy.orm import Session

from backend_client.protocol.codec import field_of
from backend_client.protocol.ops import HISTORY_PAGE, PROFILE_PAGE, Answer
from hub.auth import Principal
from hub.service import Hub
from hub.writer import Emitter

MAX_TRACK_SECONDS = 24 * 3600
MAX_AUDIT_ROWS = 1000
# The pages' defaults are the protocol's (a client names them too); the ceilings are the
# hub's own policy.
MAX_HISTORY_PAGE = 2000
MAX_PROFILE_PAGE = 1000
MAX_PHOTOS = 9

__all__ = ["HISTORY_PAGE", "PROFILE_PAGE", "Handler", "Ops", "RequestError", "parse_args"]

ArgsT = TypeVar("ArgsT")
AnswerT = TypeVar("AnswerT", bound=Answer)
#: An op's handler: the caller and the decoded arguments (the op's Struct in
#: backend_client.protocol.ops.OPS) in, the op's answer Struct out.
Handler = Callable[[Principal, Any], Awaitable[Answer]]


class RequestError(Exception):
    """An op's refusal, answered as ``error {code, message, id, field}``."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


def parse_args(kind: type[ArgsT], args: dict[str, Any]) -> ArgsT:
    """The op's arguments as ``kind``; a wrong type is ``invalid``, naming the field."""
    try:
        return msgspec.convert(args, kind)
    except msgspec.ValidationError as exc:
        raise RequestError("invalid", str(exc), field_of(str(exc))) from None


def page(offset: int, limit: int, most: int) -> tuple[int, int]:
    if offset < 0:
        raise RequestError("invalid", "offset must not be negative", "offset")
    return offset, max(1, min(limit, most))


def next_offset(offset: int, shown: int, total: int) -> int | None:
    return offset + shown if offset + shown < total else None


class Ops:
    """The base of the router's groups of ops (views, actions, audit): the hub they serve.

    Reads that are audited still go through the writer: the audit row and the answer
    belong together, and a read that could not be audited is not served.
    """

    hub: Hub

    async def _write(self, work: Callable[[Session, Emitter], AnswerT]) -> AnswerT:
        answer: AnswerT = await self.hub.writer.submit(work)
        return answer
