"""Hub ingest: officer positions per second ingested, committed and streamed.

A hub runs in a child process on a fresh SQLite file (or ``--hub-db URL``) with N officers
(20,000; 5,000 with ``--quick``). A producer inside it offers fixes at up to 80,000/s,
more than the hub takes on two cores, so the figures are its ceiling; it goes through the
hub's own API (``offer_fixes``, what the simulator uses), round-robin over the officers,
and holds back while the hub has one fix per officer waiting (a device waits for its
answer before it sends the next fix, so a real hub never holds more). The hub stores
every fix (batches committed back to back, each holding what arrived while the previous
one committed) and streams the newest fix per officer at most every 50 ms. One stream
client in this process counts the fixes it receives. ``offered_per_s`` is what the
producer offered in the measured window.

Figures: ``committed_per_s`` (Position rows stored per second), ``streamed_per_s`` (fixes
delivered to the client per second), ``positions_per_s`` (the lower of the two: the
budget is >= 20,000/s), ``osmand_http_per_s``: single fixes over HTTP (the OsmAnd
protocol, 16 concurrent connections, each request answered once its fix is committed),
and ``osmand_ack_p50_ms`` / ``osmand_ack_p99_ms``: one phone sending its buffered fixes
one after another on an otherwise idle hub, the time from request to answer.

Run: ``python bench/run.py hub_ingest`` or ``.venv/bin/python bench/hub_ingest.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_PER_S = 80_000


class _FixLite(msgspec.Struct):
    ts: float


class _Frame(msgspec.Struct):
    type: str
    seq: int = 0
    ts: float = 0.0
    fixes: list[_FixLite] = msgspec.field(default_factory=list)


_decode = msgspec.json.Decoder(_Frame).decode


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def hub_child(
    db_url: str,
    port: int,
    api_port: int,
    token: str,
    officers: int,
    rate: float,
    warmup: float,
    duration: float,
    pipe: Any,
) -> None:
    """The hub plus a producer; sends ("ready", None) then ("done", committed rows)."""
    asyncio.run(_hub_main(db_url, port, api_port, token, officers, rate, warmup, duration, pipe))


async def _hub_main(
    db_url: str,
    port: int,
    api_port: int,
    token: str,
    officers: int,
    rate: float,
    warmup: float,
    duration: float,
    pipe: Any,
) -> None:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from backend_client.protocol.messages import Fix
    from hub.auth import Principal, TokenRegistry
    from hub.roster import OfficerRecord, TeamRecord
    from hub.runtime import HubRuntime
    from hub.service import HubConfig
    from hub.store.models import Position

    tokens = TokenRegistry(
        {
            token: Principal("bench-wall", "wall"),
            token + "-src": Principal("bench-source", "source"),
        }
    )
    # The benchmark is about positions: keep the patrol's alerts out of the stream.
    config = HubConfig(db_url=db_url, port=port, api_port=api_port, supervision_seconds=3600.0)
    runtime = HubRuntime(config, tokens)
    await runtime.start()
    hub = runtime.hub
    assert hub is not None
    team = TeamRecord("T-B", "基准中队", "township", "#888888")
    ids = [f"B{i:05d}" for i in range(officers)]
    await hub.seed(
        [team],
        [OfficerRecord(i, i, i, team.id, f"dev-{i}") for i in ids],
    )
    loop = asyncio.get_running_loop()
    pipe.send(("ready", None))
    # Wait off the loop: the clients' handshakes need it running.
    await loop.run_in_executor(None, pipe.recv)

    def count() -> int:
        with Session(hub.engine) as session:
            return int(session.scalar(select(func.count()).select_from(Position)) or 0)

    tick = 0.01
    per_tick = max(1, int(rate * tick))
    cursor = 0
    started = loop.time()
    measured_from: tuple[float, int] | None = None
    end = started + warmup + duration
    next_at = started
    # A device waits for the answer to one fix before it sends the next, so the fixes
    # waiting in a hub are never more than one per device. The producer keeps to that:
    # it holds back while the hub has as many waiting as there are officers (an older
    # hub, without that figure, coalesced the surplus per officer instead).
    positions = getattr(hub, "positions", None)
    offered = 0
    while loop.time() < end:
        if positions is not None and positions.pending + per_tick > officers:
            next_at += tick
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            continue
        now = time.time()
        batch = []
        for _ in range(per_tick):
            i = cursor % officers
            cursor += 1
            batch.append(
                Fix(id=ids[i], lat=29.08 + i * 1e-6, lon=119.65 + (cursor % 97) * 1e-5, ts=now)
            )
        hub.offer_fixes(batch)
        if measured_from is not None:
            offered += len(batch)
        if measured_from is None and loop.time() >= started + warmup:
            measured_from = (loop.time(), await loop.run_in_executor(None, count))
            pipe.send(("measure", None))
        next_at += tick
        await asyncio.sleep(max(0.0, next_at - loop.time()))
    await hub.flush_positions()
    assert measured_from is not None
    rows = await loop.run_in_executor(None, count) - measured_from[1]
    elapsed = loop.time() - measured_from[0]
    pipe.send(("done", (rows, elapsed, offered)))
    await loop.run_in_executor(None, pipe.recv)
    await runtime.stop()


class StreamCounter:
    """One raw stream client: counts fixes and records delivery latencies."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.fixes = 0
        self.counting = False
        self.event_ms: list[float] = []
        self.fix_ms: list[float] = []
        self.connected = asyncio.Event()

    async def run(self, until: asyncio.Event) -> None:
        import json

        from websockets.asyncio.client import connect

        async with connect(self.url, max_size=None) as ws:
            await ws.send(json.dumps({"type": "hello", "token": self.token}))
            self.connected.set()
            while not until.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), 0.5)
                except TimeoutError:
                    continue
                now = time.time()
                frame = _decode(raw)
                if frame.type != "unit.positions" or not self.counting:
                    continue
                self.fixes += len(frame.fixes)
                self.event_ms.append((now - frame.ts) * 1000)
                if frame.fixes:
                    self.fix_ms.append((now - min(f.ts for f in frame.fixes)) * 1000)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def run_hub_load(
    *,
    officers: int,
    rate: float,
    clients: int,
    duration: float,
    db_url: str | None,
    extra: Callable[[str, str], Any] | None = None,
) -> tuple[dict[str, float], list[StreamCounter], Any]:
    """Start the hub child, connect ``clients`` counters, run, return figures."""
    token = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="wf-bench-") as tmp:
        url = db_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        port, api_port = free_port(), free_port()
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        process = ctx.Process(
            target=hub_child,
            args=(url, port, api_port, token, officers, rate, 1.0, duration, child),
            daemon=True,
        )
        process.start()
        try:
            kind, _ = parent.recv()
            assert kind == "ready"
            counters = [
                StreamCounter(f"ws://127.0.0.1:{port}/stream", token) for _ in range(clients)
            ]
            extra_result = asyncio.run(_drive(counters, parent, api_port, token, extra))
        finally:
            process.join(60)
            if process.is_alive():
                process.kill()
    return extra_result[0], counters, extra_result[1]


async def _drive(
    counters: list[StreamCounter],
    pipe: Any,
    api_port: int,
    token: str,
    extra: Callable[[str, str], Any] | None,
) -> tuple[dict[str, float], Any]:
    until = asyncio.Event()
    tasks = [asyncio.create_task(c.run(until)) for c in counters]
    for c in counters:
        await c.connected.wait()
    await asyncio.sleep(0.3)  # hello answered, snapshots sent
    pipe.send(("go", None))
    loop = asyncio.get_running_loop()
    kind, _ = await loop.run_in_executor(None, pipe.recv)
    assert kind == "measure"
    started = time.perf_counter()
    for c in counters:
        c.counting = True
    kind, (rows, elapsed, offered) = await loop.run_in_executor(None, pipe.recv)
    assert kind == "done"
    await asyncio.sleep(0.3)  # the last batch reaches the clients
    streamed_s = time.perf_counter() - started
    extra_result = None
    if extra is not None:
        extra_result = await extra(f"http://127.0.0.1:{api_port}", token + "-src")
    until.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    pipe.send(("stop", None))
    figures = {
        "committed_per_s": rows / elapsed,
        "offered_per_s": offered / elapsed,
        "streamed_s": streamed_s,
    }
    return figures, extra_result


async def _osmand(api: str, token: str) -> tuple[float, list[float]]:
    return await _osmand_rate(api, token), await _osmand_sequential(api, token)


async def _osmand_sequential(api: str, token: str, fixes: int = 200) -> list[float]:
    """Milliseconds from request to answer, one fix after another from one device."""
    import aiohttp

    ms: list[float] = []
    t0 = int(time.time()) - 3600
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        for k in range(fixes):
            params = {"id": "dev-B00007", "lat": "29.08", "lon": "119.65", "timestamp": str(t0 + k)}
            started = time.perf_counter()
            async with session.post(f"{api}/osmand", params=params) as response:
                assert response.status == 200, await response.text()
            ms.append((time.perf_counter() - started) * 1000)
    return ms


async def _osmand_rate(api: str, token: str, seconds: float = 2.0) -> float:
    import aiohttp

    done = 0
    end = time.perf_counter() + seconds

    async def worker(session: aiohttp.ClientSession, n: int) -> None:
        nonlocal done
        i = 0
        while time.perf_counter() < end:
            params = {"id": f"dev-B{(n * 1000 + i) % 5000:05d}", "lat": "29.08", "lon": "119.65"}
            async with session.get(f"{api}/osmand", params=params) as response:
                assert response.status == 200, await response.text()
            done += 1
            i += 1

    headers = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    async with aiohttp.ClientSession(headers=headers) as session:
        await asyncio.gather(*(worker(session, n) for n in range(16)))
    return done / (time.perf_counter() - started)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hub-db", default=None, help="database URL (default: a temp SQLite)")


def run(quick: bool, args: argparse.Namespace | None = None) -> dict[str, float]:
    officers = 5_000 if quick else 20_000
    duration = 3.0 if quick else 10.0
    db_url = getattr(args, "hub_db", None) if args is not None else None
    figures, counters, osmand = run_hub_load(
        officers=officers,
        rate=TARGET_PER_S,
        clients=1,
        duration=duration,
        db_url=db_url,
        extra=_osmand,
    )
    osmand_rate, osmand_ms = osmand
    streamed = counters[0].fixes / figures["streamed_s"]
    return {
        "officers": float(officers),
        "offered_per_s": round(figures["offered_per_s"], 1),
        "committed_per_s": round(figures["committed_per_s"], 1),
        "streamed_per_s": round(streamed, 1),
        "positions_per_s": round(min(figures["committed_per_s"], streamed), 1),
        "batch_latency_p50_ms": round(pct(counters[0].event_ms, 50), 2),
        "batch_latency_p99_ms": round(pct(counters[0].event_ms, 99), 2),
        "osmand_http_per_s": round(float(osmand_rate), 1),
        "osmand_ack_p50_ms": round(pct(osmand_ms, 50), 2),
        "osmand_ack_p99_ms": round(pct(osmand_ms, 99), 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    add_arguments(parser)
    ns = parser.parse_args()
    for key, value in run(ns.quick, ns).items():
        print(f"{key:>24}  {value:,.2f}")
