"""JT/T 808 device ingest: terminals on TCP, every fix answered after its commit.

A hub with its JT/T 808 gateway runs in a child process on a fresh SQLite file (or
``--hub-db URL``), its roster holding one officer per terminal. From this one process:

- **steady**: N terminals (2,000; 200 with ``--quick``) connect, register and
  authenticate, then each reports a 0x0200 location every 5 s (starts spread over the
  first 5 s), waiting for each answer as a terminal does;
- **reconnect storm**, while they report: M more terminals (500; 50 with ``--quick``)
  drop their connections and all come back at once, authenticate with the code they
  were given before (no new registration) and upload a 50-fix blind-area backlog. A
  0x0704 body is at most 1,023 bytes (ten bits of length), 34 plain reports, so the 50
  fixes go as two 0x0704 of 25, as terminals send them. Rounds: 3 (1 with ``--quick``).

A report answered anything but 0 is sent again, as a terminal keeps what the platform
did not take. Figures: ``committed_per_s`` (position rows stored per second over the
whole run: the offered load, N / 5 s plus the storms, not a ceiling),
``location_ack_p50_ms`` / ``p99`` (0x0200 sent to its 0x8001 read), ``batch_ack_p50_ms``
/ ``p99`` (a 25-fix 0x0704 to its answer, during the storms), ``storm_seconds`` (the
slowest round: all M reconnected and their 50 fixes answered), ``storm_fixes_per_s``
(M x 50 fixes over that round: how fast a burst of backlogs is committed),
``kib_per_connection`` (the hub's resident memory with the N connections open, minus
before, per connection), ``not_ok_answers`` and ``lost`` = fixes sent - rows stored
(must be 0).

Run: ``python bench/run.py device_ingest [--quick]`` or
``.venv/bin/python bench/device_ingest.py [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import multiprocessing as mp
import struct
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._procstat import rss_kb

REPORT_EVERY = 5.0
BACKLOG = 50
PER_BATCH = 25
BEIJING = dt.timezone(dt.timedelta(hours=8))
FIRST_NUMBER = 13_900_000_000


def hub_child(db_url: str, terminals: int, pipe: Any) -> None:
    """The hub; sends ("ready", port), then answers "count" with the rows stored."""
    asyncio.run(_hub_main(db_url, terminals, pipe))


async def _hub_main(db_url: str, terminals: int, pipe: Any) -> None:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from hub.auth import TokenRegistry
    from hub.roster import OfficerRecord, TeamRecord
    from hub.runtime import HubRuntime
    from hub.service import HubConfig
    from hub.store.models import Position

    tokens, _ = TokenRegistry.generate()
    config = HubConfig(db_url=db_url, port=0, api_port=0, jt808_port=0, supervision_seconds=3600.0)
    runtime = HubRuntime(config, tokens)
    await runtime.start()
    hub = runtime.hub
    assert hub is not None and runtime.jt808 is not None
    team = TeamRecord("T-B", "基准中队", "township", "#888888")
    await hub.seed(
        [team],
        [
            OfficerRecord(f"D{i:05d}", f"D{i:05d}", f"D{i:05d}", team.id, str(FIRST_NUMBER + i))
            for i in range(terminals)
        ],
    )
    loop = asyncio.get_running_loop()
    pipe.send(("ready", runtime.jt808.port))

    def count() -> int:
        with Session(hub.engine) as session:
            return int(session.scalar(select(func.count()).select_from(Position)) or 0)

    while True:
        kind = await loop.run_in_executor(None, pipe.recv)
        if kind == "count":
            await hub.flush_positions()
            pipe.send(await loop.run_in_executor(None, count))
        else:
            break
    await runtime.stop()


# ---- a terminal, minimal: the frames it sends and the answers it reads -----------------


def _bcd_time(ts: float) -> bytes:
    return bytes.fromhex(dt.datetime.fromtimestamp(ts, BEIJING).strftime("%y%m%d%H%M%S"))


def _location(ts: float, k: int) -> bytes:
    lat, lon = round((29.08 + (k % 500) * 1e-5) * 1e6), round((119.65 + (k % 97) * 1e-5) * 1e6)
    return struct.pack(">IIIIHHH", 0, 0b10, lat, lon, 40, 300, k % 360) + _bcd_time(ts)


class Terminal:
    def __init__(self, number: int) -> None:
        self.phone = str(number)
        self.serial = 0
        self.code = ""
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.buffer = b""

    def frame(self, msg_id: int, body: bytes) -> bytes:
        from hub.jt808 import encode_frame

        self.serial = (self.serial + 1) & 0xFFFF
        return encode_frame(msg_id, body, phone=self.phone, serial=self.serial)

    async def connect(self, port: int) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
        self.buffer = b""

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
            self.writer = None

    async def ask(self, msg_id: int, body: bytes = b"") -> tuple[int, bytes]:
        """Send one message, read the answer: (result, the answer's body)."""
        from hub.jt808.wire import unescape

        assert self.reader is not None and self.writer is not None
        self.writer.write(self.frame(msg_id, body))
        await self.writer.drain()
        while True:
            start = self.buffer.find(b"\x7e")
            end = self.buffer.find(b"\x7e", start + 1) if start >= 0 else -1
            if end > start + 1:
                raw = unescape(self.buffer[start + 1 : end])
                self.buffer = self.buffer[end + 1 :]
                answer_id, props = struct.unpack_from(">HH", raw)
                body_out = raw[12 : 12 + (props & 0x3FF)]
                if answer_id == 0x8100:
                    return body_out[2], body_out[3:]
                return body_out[4], body_out
            if end == start + 1:
                self.buffer = self.buffer[end:]
                continue
            data = await self.reader.read(4096)
            if not data:
                raise ConnectionError("the hub closed the connection")
            self.buffer += data

    async def login(self, port: int) -> None:
        await self.connect(port)
        register = struct.pack(">HH", 33, 702) + b"WF808" + b"MODEL".ljust(20, b"\0")
        register += b"T000001" + b"\x01" + "浙G00000".encode("gbk")
        result, code = await self.ask(0x0100, register)
        assert result == 0, result
        self.code = code.decode("gbk")
        assert (await self.ask(0x0102, self.code.encode("gbk")))[0] == 0


class Tally:
    def __init__(self) -> None:
        self.sent: set[tuple[str, float]] = set()
        self.location_ms: list[float] = []
        self.batch_ms: list[float] = []
        self.not_ok = 0

    async def location(self, terminal: Terminal, ts: float, k: int) -> None:
        self.sent.add((terminal.phone, ts))
        while True:
            started = time.perf_counter()
            result, _ = await terminal.ask(0x0200, _location(ts, k))
            self.location_ms.append((time.perf_counter() - started) * 1000)
            if result == 0:
                return
            self.not_ok += 1

    async def batch(self, terminal: Terminal, stamps: list[float]) -> None:
        body = struct.pack(">HB", len(stamps), 1)
        for k, ts in enumerate(stamps):
            item = _location(ts, k)
            body += struct.pack(">H", len(item)) + item
            self.sent.add((terminal.phone, ts))
        while True:
            started = time.perf_counter()
            result, _ = await terminal.ask(0x0704, body)
            self.batch_ms.append((time.perf_counter() - started) * 1000)
            if result == 0:
                return
            self.not_ok += 1


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def _steady(terminal: Terminal, tally: Tally, start_in: float, until: float) -> None:
    loop = asyncio.get_running_loop()
    await asyncio.sleep(start_in)
    k = 0
    next_at = loop.time()
    while loop.time() < until:
        await tally.location(terminal, float(int(time.time())), k)
        k += 1
        next_at += REPORT_EVERY
        await asyncio.sleep(max(0.0, next_at - loop.time()))


async def _storm(terminals: list[Terminal], port: int, tally: Tally, round_no: int) -> float:
    """Drop every connection, then all reconnect at once and upload their backlog."""
    for terminal in terminals:
        await terminal.close()
    base = float(int(time.time()) - 3 * 3600 + round_no * 600)

    async def come_back(terminal: Terminal) -> None:
        await terminal.connect(port)
        assert (await terminal.ask(0x0102, terminal.code.encode("gbk")))[0] == 0
        stamps = [base + k * 10 for k in range(BACKLOG)]
        for at in range(0, BACKLOG, PER_BATCH):
            await tally.batch(terminal, stamps[at : at + PER_BATCH])

    started = time.perf_counter()
    await asyncio.gather(*(come_back(t) for t in terminals))
    return time.perf_counter() - started


async def _drive(
    port: int, pid: int, steady_n: int, storm_n: int, rounds: int, duration: float
) -> dict[str, float]:
    tally = Tally()
    steady = [Terminal(FIRST_NUMBER + i) for i in range(steady_n)]
    stormers = [Terminal(FIRST_NUMBER + steady_n + i) for i in range(storm_n)]
    rss_before = rss_kb(pid) or 0
    # Log in a few hundred at a time: a fleet's connections come over minutes, not at once.
    for at in range(0, steady_n, 200):
        await asyncio.gather(*(t.login(port) for t in steady[at : at + 200]))
    await asyncio.sleep(0.5)
    rss_open = rss_kb(pid) or 0
    for at in range(0, storm_n, 200):
        await asyncio.gather(*(t.login(port) for t in stormers[at : at + 200]))
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    until = loop.time() + duration
    tasks = [
        asyncio.create_task(_steady(t, tally, REPORT_EVERY * i / steady_n, until))
        for i, t in enumerate(steady)
    ]
    storms: list[float] = []
    for round_no in range(rounds):
        await asyncio.sleep(duration / (rounds + 1))
        storms.append(await _storm(stormers, port, tally, round_no))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    for terminal in steady + stormers:
        await terminal.close()
    return {
        "sent": float(len(tally.sent)),
        "elapsed": elapsed,
        "location_ack_p50_ms": round(pct(tally.location_ms, 50), 2),
        "location_ack_p99_ms": round(pct(tally.location_ms, 99), 2),
        "batch_ack_p50_ms": round(pct(tally.batch_ms, 50), 2),
        "batch_ack_p99_ms": round(pct(tally.batch_ms, 99), 2),
        "storm_seconds": round(max(storms), 3) if storms else 0.0,
        # The storm's fixes over the slowest round: the rate a burst of backlogs is taken at.
        "storm_fixes_per_s": round(storm_n * BACKLOG / max(storms), 1) if storms else 0.0,
        "kib_per_connection": round((rss_open - rss_before) / max(1, steady_n), 2),
        "not_ok_answers": float(tally.not_ok),
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hub-db", default=None, help="database URL (default: a temp SQLite)")


def run(quick: bool, args: argparse.Namespace | None = None) -> dict[str, float]:
    steady_n, storm_n, rounds, duration = (200, 50, 1, 12.0) if quick else (2000, 500, 3, 60.0)
    db_url = getattr(args, "hub_db", None) if args is not None else None
    with tempfile.TemporaryDirectory(prefix="wf-bench-") as tmp:
        url = db_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        process = ctx.Process(target=hub_child, args=(url, steady_n + storm_n, child), daemon=True)
        process.start()
        try:
            kind, port = parent.recv()
            assert kind == "ready"
            assert process.pid is not None
            figures = asyncio.run(_drive(port, process.pid, steady_n, storm_n, rounds, duration))
            parent.send("count")
            stored = int(parent.recv())
            parent.send("stop")
        finally:
            process.join(60)
            if process.is_alive():
                process.kill()
    sent = figures.pop("sent")
    elapsed = figures.pop("elapsed")
    return {
        "terminals": float(steady_n),
        "storm_terminals": float(storm_n),
        "fixes_sent": sent,
        "fixes_stored": float(stored),
        "committed_per_s": round(stored / elapsed, 1),
        **figures,
        "lost": sent - stored,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    add_arguments(parser)
    ns = parser.parse_args()
    for key, value in run(ns.quick, ns).items():
        print(f"{key:>24}  {value:,.2f}")
