"""A local cache of drill-down answers (case histories, merchant profiles) already opened.

A supervisor who opened a case keeps being able to read it while the hub is away: the
answer is then served from this SQLite file (through SQLAlchemy), marked as cached with
its age. Fresh answers always win and refresh the cache.

Answers are kept per hub and per token (``scope``): a workstation shared by several
people must not show one person's drill-downs to another whose role would be refused.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import (
    Column,
    Float,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    select,
    text,
)
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry

from backend_client.transport import RequestFailed

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1

# op -> the argument that names what was asked for.
CACHEABLE_OPS: dict[str, str] = {
    "case.history": "case_id",
    "case.related": "case_id",
    "merchant.profile": "merchant_id",
    "unit.track": "unit_id",
}
#: Ops whose other arguments do not pick the answer apart: a track's window ends "now",
#: so no later request repeats it; while the hub is away the last window fetched for the
#: officer is what there is to show (marked cached, with its own start and end).
KEYED_BY_NAME_ONLY = frozenset({"unit.track"})
# Only these failures mean "the hub is away"; a refusal (forbidden, not_found, invalid)
# is the hub's answer and must never be papered over with an older one.
AWAY_CODES = frozenset({"offline", "timeout"})

_metadata = MetaData()
_answers = Table(
    "answers",
    _metadata,
    Column("scope", String(64), primary_key=True),
    Column("op", String(64), primary_key=True),
    Column("key", String(256), primary_key=True),
    Column("body", Text, nullable=False),
    Column("fetched_at", Float, nullable=False),
    Column("used_at", Float, nullable=False, index=True),
)


def cache_key(op: str, args: dict[str, Any]) -> str | None:
    """The cache key of a request, or None when the op's answers are not cached.

    The named entity, plus the other arguments (a page's offset and limit) when they
    select a different answer, so the second page of a timeline never stands in for the
    first.
    """
    key_field = CACHEABLE_OPS.get(op)
    name = args.get(key_field) if key_field is not None else None
    if not isinstance(name, str):
        return None
    extras = {k: v for k, v in args.items() if k != key_field}
    if not extras or op in KEYED_BY_NAME_ONLY:
        return name
    return name + "?" + json.dumps(extras, sort_keys=True, separators=(",", ":"), default=str)


def scope_for(url: str, token: str) -> str:
    """A stable name for one hub and one token that does not store the token itself."""
    return hashlib.sha256(f"{url}\n{token}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Answer:
    """An answer to a request: fresh from the hub, or ``cached`` from an earlier one."""

    result: dict[str, Any]
    cached: bool
    fetched_at: float

    def age(self, now: float | None = None) -> float:
        return max(0.0, (time.time() if now is None else now) - self.fetched_at)


class AnswerCache:
    """The SQLite file behind :class:`CachedRequests`. Blocking; call it off the UI loop."""

    def __init__(self, path: Path, max_entries: int = 5000) -> None:
        self.max_entries = max_entries
        path.parent.mkdir(parents=True, exist_ok=True)
        # Requests use the cache from worker threads (never the UI loop), one call each.
        self.engine: Engine = create_engine(
            f"sqlite:///{path}", connect_args={"check_same_thread": False}
        )
        event.listen(self.engine, "connect", _pragmas)
        self._prepare()

    def _prepare(self) -> None:
        with self.engine.begin() as connection:
            version = connection.execute(text("PRAGMA user_version")).scalar_one()
            if version not in (0, SCHEMA_VERSION):
                # It is only a cache: a file from another version is dropped, not migrated.
                _metadata.drop_all(connection)
            _metadata.create_all(connection)
            connection.execute(text(f"PRAGMA user_version = {SCHEMA_VERSION}"))

    def get(self, scope: str, op: str, key: str) -> tuple[dict[str, Any], float] | None:
        with self.engine.begin() as connection:
            row = connection.execute(
                select(_answers.c.body, _answers.c.fetched_at).where(
                    _answers.c.scope == scope, _answers.c.op == op, _answers.c.key == key
                )
            ).first()
            if row is None:
                return None
            connection.execute(
                _answers.update()
                .where(_answers.c.scope == scope, _answers.c.op == op, _answers.c.key == key)
                .values(used_at=time.time())
            )
        body: dict[str, Any] = json.loads(row.body)
        return body, float(row.fetched_at)

    def put(self, scope: str, op: str, key: str, result: dict[str, Any], fetched_at: float) -> None:
        body = json.dumps(result, ensure_ascii=False)
        statement = insert(_answers).values(
            scope=scope, op=op, key=key, body=body, fetched_at=fetched_at, used_at=fetched_at
        )
        statement = statement.on_conflict_do_update(
            index_elements=["scope", "op", "key"],
            set_={"body": body, "fetched_at": fetched_at, "used_at": fetched_at},
        )
        with self.engine.begin() as connection:
            connection.execute(statement)
            count = connection.execute(select(func.count()).select_from(_answers)).scalar_one()
            if count > self.max_entries:
                # Least recently used go first.
                oldest = (
                    select(_answers.c.used_at)
                    .order_by(_answers.c.used_at)
                    .offset(count - self.max_entries)
                    .limit(1)
                    .scalar_subquery()
                )
                connection.execute(delete(_answers).where(_answers.c.used_at < oldest))

    def __len__(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(_answers)).scalar_one())

    def close(self) -> None:
        self.engine.dispose()


def _pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: a reader never waits for a writer; NORMAL: a cache may lose its last write on
    # power loss, which costs nothing but a cache miss.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class RequestSender(Protocol):
    url: str
    token: str

    async def request(
        self, op: str, args: dict[str, Any] | None = None, timeout: float = 10.0
    ) -> dict[str, Any]: ...


class CachedRequests:
    """Requests through a client, answered from the cache when the hub is away."""

    def __init__(
        self,
        client: RequestSender,
        cache: AnswerCache,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.cache = cache
        self.clock = clock
        self.scope = scope_for(client.url, client.token)

    async def request(
        self, op: str, args: dict[str, Any] | None = None, timeout: float = 10.0
    ) -> Answer:
        """Ask the hub; if it is away and this was asked before, the older answer.

        Raises :class:`RequestFailed` as the client does when there is nothing cached, or
        when the hub itself refused.
        """
        args = args or {}
        key = cache_key(op, args)
        if key is None:
            return Answer(await self.client.request(op, args, timeout), False, self.clock())
        try:
            result = await self.client.request(op, args, timeout)
        except RequestFailed as exc:
            if exc.code not in AWAY_CODES:
                raise
            try:
                found = await asyncio.to_thread(self.cache.get, self.scope, op, key)
            except SQLAlchemyError:
                log.exception("answer cache unreadable")
                found = None
            if found is None:
                raise
            body, fetched_at = found
            return Answer(body, True, fetched_at)
        fetched_at = self.clock()
        try:
            await asyncio.to_thread(self.cache.put, self.scope, op, key, result, fetched_at)
        except SQLAlchemyError:
            # Disk full or a locked file: the fresh answer still goes to the user.
            log.warning("answer cache not written", exc_info=True)
        return Answer(result, False, fetched_at)
