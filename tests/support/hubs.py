"""A real hub on loopback with a real database (a SQLite file or PostgreSQL), for tests."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from backend_client.protocol.messages import Fix
from backend_client.transport import FeedClient
from hub.auth import TokenRegistry
from hub.roster import OfficerRecord, TeamRecord
from hub.runtime import EmbeddedHub, HubRuntime
from hub.service import HubConfig

T = TypeVar("T")

TEAMS = [
    TeamRecord("T-CD", "城东中队", "township", "#e5484d"),
    TeamRecord("T-SJ", "市场监管", "specialist", "#3ddc84"),
]
OFFICERS = [
    OfficerRecord(f"U{i:03d}", f"警员{i:03d}", f"330702{i:04d}", TEAMS[i % 2].id, f"dev-{i:03d}")
    for i in range(12)
]


class LiveHub:
    """Start, stop and restart a hub on one database file; talk to it over loopback."""

    def __init__(self, db: Path | str, **config: Any) -> None:
        # A path is a SQLite file; a string is any SQLAlchemy URL (PostgreSQL).
        self.db_url = f"sqlite:///{db}" if isinstance(db, Path) else db
        self.tokens, self.token = TokenRegistry.generate()
        self.config_overrides = config
        self.embedded: EmbeddedHub | None = None
        self.port = 0
        self.api_port = 0

    def start(self, seed: bool = True) -> LiveHub:
        config = HubConfig(
            db_url=self.db_url, port=self.port, api_port=self.api_port, **self.config_overrides
        )
        runtime = HubRuntime(config, self.tokens)
        self.embedded = EmbeddedHub(runtime)
        self.embedded.start()
        # Keep the ports across restarts, as a real hub would.
        self.port, self.api_port = config.port, config.api_port
        if seed:
            self.embedded.call(self.hub.seed(TEAMS, OFFICERS))
        return self

    def stop(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None

    @property
    def hub(self) -> Any:
        assert self.embedded is not None and self.embedded.runtime.hub is not None
        return self.embedded.runtime.hub

    @property
    def jt808_port(self) -> int:
        """The JT/T 808 gateway's port (start the hub with ``jt808_port=0``)."""
        assert self.embedded is not None and self.embedded.runtime.jt808 is not None
        return int(self.embedded.runtime.jt808.port)

    @property
    def stream_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/stream"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def run(self, coro: Awaitable[T]) -> T:
        """Run a coroutine of the hub's own API on the hub's loop and return its result."""
        assert self.embedded is not None
        return self.embedded.call(coro)  # type: ignore[return-value]

    def move(self, step: int, *, flush: bool = True) -> None:
        """Every officer one step east; flushed into one positions batch, or with
        ``flush=False`` left for the hub's own positions loop (as OsmAnd fixes are)."""
        now = time.time()
        fixes = [
            Fix(id=o.id, lat=29.08 + i * 0.001, lon=119.60 + step * 0.0005, ts=now)
            for i, o in enumerate(OFFICERS)
        ]

        async def offer() -> None:
            self.hub.offer_fixes(fixes)
            if flush:
                await self.hub.flush_positions()

        assert self.embedded is not None
        self.embedded.call(offer())

    def change(self, step: int) -> int:
        """One stored event (positions are live, not logged): officer U001's duty status
        flips between busy and available; returns the event's seq."""
        status = "busy" if step % 2 == 0 else "available"
        assert self.embedded is not None
        seq = self.embedded.call(self.hub.set_unit_status(OFFICERS[1].id, status))
        assert isinstance(seq, int)
        return seq

    def post(
        self, path: str, body: Any, role: str = "source", raw: bytes | None = None
    ) -> tuple[int, dict[str, Any]]:
        data = raw if raw is not None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if role:
            headers["Authorization"] = f"Bearer {self.token[role]}"
        request = urllib.request.Request(
            self.api_url + path, data=data, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())


def report(external_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source": "hotline",
        "external_id": external_id,
        "category": "占道经营",
        "text": "八一北街有流动摊贩占道经营",
        "lat": 29.085,
        "lon": 119.652,
        "datum": "wgs84",
        "address": "城中街道八一北街",
        "reporter": {"name": "张女士", "phone": "13800000000"},
    }
    body.update(overrides)
    return body


def as_role(hub: LiveHub, role: str, body: Callable[[FeedClient], Coroutine[Any, Any, T]]) -> T:
    """Run ``body`` with a client of ``hub`` signed in as ``role`` (synced first, stopped
    after), on an event loop of its own; returns what ``body`` returns."""

    async def run() -> T:
        client = FeedClient(hub.stream_url, hub.token[role])
        task = asyncio.create_task(client.run())
        try:
            await client.wait_synced()
            return await body(client)
        finally:
            await client.stop()
            await task

    return asyncio.run(run())


def as_roles(
    hub: LiveHub,
    body: Callable[[dict[str, FeedClient]], Coroutine[Any, Any, None]],
    *roles: str,
) -> None:
    """Run ``body`` with one synced client of ``hub`` per role, by role."""

    async def run() -> None:
        clients = {role: FeedClient(hub.stream_url, hub.token[role]) for role in roles}
        tasks = [asyncio.create_task(c.run()) for c in clients.values()]
        try:
            for client in clients.values():
                await client.wait_synced()
            await body(clients)
        finally:
            for client in clients.values():
                await client.stop()
            await asyncio.gather(*tasks)

    asyncio.run(run())
