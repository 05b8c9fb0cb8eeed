"""What every request op shares: the error it answers with, argument parsing, paging."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
from sqlalchemy.orm import Session

from backend_client.protocol.codec import field_of
from hub.auth import Principal
from hub.service import Hub
from hub.writer import Emitter

MAX_TRACK_SECONDS = 24 * 3600
MAX_AUDIT_ROWS = 1000
HISTORY_PAGE, MAX_HISTORY_PAGE = 500, 2000
PROFILE_PAGE, MAX_PROFILE_PAGE = 200, 1000
MAX_PHOTOS = 9

ArgsT = TypeVar("ArgsT")
Handler = Callable[[Principal, dict[str, Any]], Awaitable[dict[str, Any]]]


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

    async def _write(self, work: Callable[[Session, Emitter], dict[str, Any]]) -> dict[str, Any]:
        return await self.hub.writer.submit(work)
