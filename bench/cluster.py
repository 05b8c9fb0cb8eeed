"""Reports and fixes through a cluster of two hub nodes beside the single-process hub,
and a wall's fail-over gap, same run.

Every hub is the real command (``watchfloor hub``) in a child process on a fresh
PostgreSQL database of the machine's local service; cluster nodes are given ``--nats``
and a 3-node NATS cluster (nats-server from the ``cluster`` extra, own ports, ``sync_interval:
always``) started here. Modes: ``single`` (one process), ``cluster`` (the writer node
alone), ``cluster2`` (writer + standby, sources spread over both):

- ``reports_per_s``: 16 sources posting reports back to back for the window; a report
  counts once answered ``201`` (single: committed; cluster: committed and in the
  replicated log; via the standby: forwarded to the writer over NATS first).
- ``fixes_per_s``: 16 phones posting OsmAnd fixes back to back (each answered once its
  row is committed; a standby stores its own).
- ``report_to_wall_p50_ms`` / ``_p99_ms``: one report at a time, 20 a second, from the
  POST to a wall on the stream receiving its ``incident.new`` (cluster2: posted to the
  standby, wall on the standby: the forward and the tail of the stream included).
- ``report_ack_p50_ms`` / ``_p99_ms``: the same reports, from the POST to the answer.
- ``failover_*``: a wall on the writer node (``--hub`` listing both), reports every 50 ms
  to the standby; the writer is ``kill -9``ed. ``failover_reconnect_s``: kill to the wall
  on the other node; ``failover_gap_s``: the wall's longest time with no event around
  the kill (the standby's takeover included).

Run: ``python bench/run.py cluster [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SOURCES = 16


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _database() -> Iterator[str]:
    import psycopg

    name = f"watchfloor_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _hub(folder: Path, db: str, nats: list[str]) -> Iterator[dict[str, Any]]:
    tokens = {role: secrets.token_hex(12) for role in ("wall", "source")}
    auth = folder / f"auth-{uuid.uuid4().hex[:6]}.toml"
    auth.write_text(
        "".join(
            f'[[token]]\nvalue = "{value}"\nrole = "{role}"\nname = "bench-{role}"\n\n'
            for role, value in tokens.items()
        )
    )
    port, api = _free_port(), _free_port()
    command = [sys.executable, "-m", "desktop.cli", "hub", "--db", db, "--auth", str(auth)]
    command += ["--port", str(port), "--api-port", str(api)]
    if nats:
        command += ["--nats", ",".join(nats), "--node", f"bench-{port}"]
    log = (folder / f"hub-{port}.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{api}/api/v1/health", timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"hub did not start: {command}") from None
                time.sleep(0.2)
        yield {
            "api": f"http://127.0.0.1:{api}",
            "stream": f"ws://127.0.0.1:{port}/stream",
            "tokens": tokens,
        }
    finally:
        process.terminate()
        process.wait(20)
        log.close()


def _report(external_id: str) -> bytes:
    from tests.support.hubs import report  # the tests' hotline report: one body for both

    return json.dumps(report(external_id), ensure_ascii=False).encode()


async def _throughput(hubs: list[dict[str, Any]], seconds: float) -> float:
    import aiohttp

    done = 0
    stop = time.perf_counter() + seconds
    run = uuid.uuid4().hex[:6]

    async def source(session: aiohttp.ClientSession, number: int) -> None:
        nonlocal done
        hub = hubs[number % len(hubs)]
        headers = {
            "Authorization": f"Bearer {hub['tokens']['source']}",
            "Content-Type": "application/json",
        }
        i = 0
        while time.perf_counter() < stop:
            i += 1
            url = hub["api"] + "/api/v1/reports"
            async with session.post(url, data=_report(f"{run}-{number}-{i}"), headers=headers) as r:
                if r.status == 201:
                    done += 1

    started = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(source(session, n) for n in range(SOURCES)))
    return done / (time.perf_counter() - started)


async def _latency(hub: dict[str, Any], wall: dict[str, Any], count: int) -> dict[str, float]:
    import aiohttp
    from websockets.asyncio.client import connect

    seen: dict[str, float] = {}
    headers = {
        "Authorization": f"Bearer {hub['tokens']['source']}",
        "Content-Type": "application/json",
    }
    async with connect(wall["stream"], max_size=None) as ws:
        await ws.send(json.dumps({"type": "hello", "token": wall["tokens"]["wall"]}))

        async def read() -> None:
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") == "incident.new":
                    seen[frame["incident"]["id"]] = time.perf_counter()

        reader = asyncio.create_task(read())
        walls: list[float] = []
        acks: list[float] = []
        run = uuid.uuid4().hex[:6]
        async with aiohttp.ClientSession() as session:
            for i in range(count):
                sent = time.perf_counter()
                url = hub["api"] + "/api/v1/reports"
                async with session.post(url, data=_report(f"{run}-l{i}"), headers=headers) as r:
                    body = await r.json()
                acks.append((time.perf_counter() - sent) * 1000)
                while body["id"] not in seen:
                    await asyncio.sleep(0.0005)
                walls.append((seen[body["id"]] - sent) * 1000)
                await asyncio.sleep(max(0.0, 0.05 - (time.perf_counter() - sent)))
        reader.cancel()

    def p(values: list[float], q: int) -> float:
        return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]

    return {
        "report_to_wall_p50_ms": p(walls, 50),
        "report_to_wall_p99_ms": p(walls, 99),
        "report_ack_p50_ms": p(acks, 50),
        "report_ack_p99_ms": p(acks, 99),
    }


async def _fixes(hubs: list[dict[str, Any]], seconds: float) -> float:
    import aiohttp

    from tests.support.hubs import OFFICERS

    done = 0
    stop = time.perf_counter() + seconds

    async def phone(session: aiohttp.ClientSession, number: int) -> None:
        nonlocal done
        hub = hubs[number % len(hubs)]
        device = OFFICERS[number % len(OFFICERS)].device
        step = 0
        while time.perf_counter() < stop:
            step += 1
            query = {
                "id": device,
                "lat": f"{29.08 + step * 1e-6:.7f}",
                "lon": "119.6500000",
                "timestamp": f"{time.time():.3f}",
                "token": hub["tokens"]["source"],
            }
            async with session.post(hub["api"] + "/osmand", params=query) as r:
                if r.status == 200:
                    done += 1

    started = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(phone(session, n) for n in range(SOURCES)))
    return done / (time.perf_counter() - started)


def _seed(db: str) -> None:
    from tests.support.hubs import LiveHub

    LiveHub(db).start().stop()  # the tests' roster: devices for the phones


async def _failover(folder: Path, db: str, nats: list[str]) -> dict[str, float]:
    from backend_client.link import LinkStatus
    from backend_client.protocol.messages import IncidentNew
    from backend_client.transport import FeedClient
    from tests.support.hubprocs import TOKENS, HubProcess

    a = HubProcess(db, folder / "fo", nats=tuple(nats), node="fo-a").start()
    b = HubProcess(db, folder / "fo", nats=tuple(nats), node="fo-b").start()
    events: list[float] = []
    moved: list[float] = []

    class Wall:
        def on_snapshot(self, state: object) -> None:
            pass

        def on_event(self, event: object) -> None:
            if isinstance(event, IncidentNew):
                events.append(time.monotonic())

        def on_link(self, status: LinkStatus) -> None:
            if status.node == "fo-b" and not moved:
                moved.append(time.monotonic())

    client = FeedClient(f"{a.stream_url},{b.stream_url}", TOKENS["wall"], Wall())
    task = asyncio.create_task(client.run())
    try:
        await client.wait_synced()
        killed = 0.0
        for i in range(120):
            if i == 40:
                killed = time.monotonic()
                await asyncio.to_thread(a.kill9)
            sent = time.monotonic()
            while (
                await asyncio.to_thread(b.post, "/api/v1/reports", json.loads(_report(f"fo-{i}")))
            )[0] not in (200, 201):
                await asyncio.sleep(0.05)
            await asyncio.sleep(max(0.0, 0.05 - (time.monotonic() - sent)))
        await asyncio.sleep(1.0)
    finally:
        await client.stop()
        await task
        a.stop()
        b.stop()
    around = [t for t in events if killed - 5 < t < killed + 30]
    gaps = [later - earlier for earlier, later in itertools.pairwise(around)]
    return {
        "failover_reconnect_s": (moved[0] - killed) if moved else float("nan"),
        "failover_gap_s": max(gaps) if gaps else float("nan"),
    }


def run(quick: bool, args: argparse.Namespace | None = None) -> dict[str, float]:
    from tests.support.natscluster import NatsCluster, nats_server_binary

    binary = nats_server_binary()
    if binary is None:
        raise SystemExit("no nats-server: install the lock (./scripts/bootstrap)")
    seconds = 4.0 if quick else 15.0
    count = 100 if quick else 400
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="wf-bench-cluster-") as tmp:
        folder = Path(tmp)

        @contextmanager
        def store(nats: bool) -> Iterator[tuple[str, list[str]]]:
            # A fresh database and, in a cluster, a fresh log: a stream holding another
            # store's history is refused at start (LogDiverged), as it should be.
            with _database() as db:
                _seed(db)
                if not nats:
                    yield db, []
                    return
                cluster = NatsCluster(folder / f"nats-{uuid.uuid4().hex[:6]}", binary).start()
                try:
                    yield db, cluster.urls
                finally:
                    cluster.stop()

        for mode in ("single", "cluster"):
            with store(mode == "cluster") as (db, urls), _hub(folder, db, urls) as hub:
                figures[f"{mode}_reports_per_s"] = asyncio.run(_throughput([hub], seconds))
                figures[f"{mode}_fixes_per_s"] = asyncio.run(_fixes([hub], seconds))
                for key, value in asyncio.run(_latency(hub, hub, count)).items():
                    figures[f"{mode}_{key}"] = value
        # Started in turn: the first takes the writer lock, the second stands by.
        with (
            store(True) as (db, urls),
            _hub(folder, db, urls) as writer,
            _hub(folder, db, urls) as standby,
        ):
            two = [writer, standby]
            figures["cluster2_reports_per_s"] = asyncio.run(_throughput(two, seconds))
            figures["cluster2_fixes_per_s"] = asyncio.run(_fixes(two, seconds))
            for key, value in asyncio.run(_latency(standby, standby, count)).items():
                figures[f"cluster2_{key}"] = value
        with store(True) as (db, urls):
            figures.update(asyncio.run(_failover(folder, db, urls)))
    for mode in ("cluster", "cluster2"):
        for what in ("reports", "fixes"):
            figures[f"{mode}_vs_single_{what}"] = (
                figures[f"{mode}_{what}_per_s"] / figures[f"single_{what}_per_s"]
            )
    figures["load_average_1m"] = os.getloadavg()[0]
    return {k: round(v, 3) for k, v in figures.items()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    for key, value in run(parser.parse_args().quick).items():
        print(f"{key:34} {value:,.3f}")
