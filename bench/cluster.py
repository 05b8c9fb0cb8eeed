"""Reports through a cluster's writer node beside the single-process hub, same run.

Both hubs are the real command (``watchfloor hub``) in a child process on a fresh
PostgreSQL database of the machine's local service; the cluster one is given ``--nats``
and a 3-node NATS cluster (nats-server from the ``cluster`` extra, own ports, ``sync_interval:
always``) started here. For each mode:

- ``reports_per_s``: 16 sources posting reports back to back for the window; a report
  counts once answered ``201`` (single: committed; cluster: committed and in the
  replicated log).
- ``report_to_wall_p50_ms`` / ``_p99_ms``: one report at a time, 20 a second, from the
  POST to a wall on the stream receiving its ``incident.new``.
- ``report_ack_p50_ms`` / ``_p99_ms``: the same reports, from the POST to the answer.

Positions are not in the event log in either mode (live frames; the positions table is
their record), so the cluster changes nothing on their path: see ``device_ingest`` and
``hub_ingest`` for fixes per second. Only the writer node exists so far, so there is no
fail-over gap to measure yet (docs/cluster.md).

Run: ``python bench/run.py cluster [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
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
        command += ["--nats", ",".join(nats), "--node", "bench-writer"]
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


async def _throughput(hub: dict[str, Any], seconds: float) -> float:
    import aiohttp

    headers = {
        "Authorization": f"Bearer {hub['tokens']['source']}",
        "Content-Type": "application/json",
    }
    done = 0
    stop = time.perf_counter() + seconds
    run = uuid.uuid4().hex[:6]

    async def source(session: aiohttp.ClientSession, number: int) -> None:
        nonlocal done
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


async def _latency(hub: dict[str, Any], count: int) -> dict[str, float]:
    import aiohttp
    from websockets.asyncio.client import connect

    seen: dict[str, float] = {}
    headers = {
        "Authorization": f"Bearer {hub['tokens']['source']}",
        "Content-Type": "application/json",
    }
    async with connect(hub["stream"], max_size=None) as ws:
        await ws.send(json.dumps({"type": "hello", "token": hub["tokens"]["wall"]}))

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
        cluster = NatsCluster(folder / "nats", binary).start()
        try:
            for mode, nats in (("single", []), ("cluster", cluster.urls)):
                with _database() as db, _hub(folder, db, nats) as hub:
                    figures[f"{mode}_reports_per_s"] = asyncio.run(_throughput(hub, seconds))
                    for key, value in asyncio.run(_latency(hub, count)).items():
                        figures[f"{mode}_{key}"] = value
        finally:
            cluster.stop()
    figures["cluster_vs_single_reports"] = (
        figures["cluster_reports_per_s"] / figures["single_reports_per_s"]
    )
    figures["load_average_1m"] = os.getloadavg()[0]
    return {k: round(v, 3) for k, v in figures.items()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    for key, value in run(parser.parse_args().quick).items():
        print(f"{key:34} {value:,.3f}")
