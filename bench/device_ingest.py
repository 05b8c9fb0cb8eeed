"""Device ingest: JT/T 808 terminals on TCP and OsmAnd phones, every fix answered after
its commit.

A hub with its JT/T 808 gateway runs in a child process on a fresh SQLite file (or
``--hub-db URL``), its roster holding one officer per terminal and per phone. The steady
terminals and the phones run in this one process (the fd limit raised to its hard
limit: 10,000 sockets), the storm terminals in a second one: 1,000 reconnects and
logins at once held this process's loop for up to 260 ms (p99 of a 10 ms timer's
lateness inside storms), and that was in every answer time measured here:

- **steady**: N terminals (10,000; 500 with ``--quick``) connect, register and
  authenticate, then each reports a 0x0200 location every 5 s (starts spread over the
  first 5 s), waiting for each answer as a terminal does: N / 5 fixes/s;
- **reconnect storm**, while they report: M more terminals (1,000; 100 with ``--quick``)
  drop their connections and all come back at once, authenticate with the code they
  were given before (no new registration) and upload a 50-fix blind-area backlog. A
  0x0704 body is at most 1,023 bytes (ten bits of length), 34 plain reports, so the 50
  fixes go as two 0x0704 of 25, as terminals send them. Rounds: 3 (1 with ``--quick``);
- **OsmAnd**: P phones (8; 4 with ``--quick``) over HTTP, each posting its buffered fixes
  one after another as fast as the hub answers (Traccar Client's offline buffer), a 200
  counted as stored.

A report answered anything but 0 (or a non-200) is sent again, as a device keeps what
the platform did not take. Figures:

- ``committed_per_s``: position rows stored per second over the whole run (the offered
  load: N / 5 s, the storms and the phones; not a ceiling);
- ``jt808_storm_fixes_per_s``: fixes answered 0 over JT/T 808 (live and backlog) per
  second inside the storm windows (from the first reconnect to the last backlog
  answered, slowest round): the rate a burst is committed at, the budget's ">= 10,000";
- ``live_ack_p50_ms`` / ``p99`` (a 0x0200 sent to its 0x8001 read, whole run),
  ``live_ack_storm_p99_ms`` (those sent inside a storm window), ``batch_ack_p50_ms`` /
  ``p99`` (a 25-fix 0x0704 to its answer);
- ``client_loop_lag_p99_ms`` / ``client_loop_lag_storm_p99_ms``: how late a 10 ms timer
  fires in this process (whole run, inside storm windows): the share of the answer
  times above that is this process's, not the hub's;
- ``storm_seconds`` (the slowest round: all M reconnected and their 50 fixes answered);
- ``osmand_per_s`` (200s per second, all phones), ``osmand_ack_p50_ms`` / ``p99``;
- ``hub_kib_per_connection`` / ``client_kib_per_connection``: resident memory with the N
  connections open minus before, per connection (hub process, this process);
- ``hub_live_store_p50_ms`` / ``p99`` and ``hub_batch_store_p50_ms`` / ``p99``: inside
  the hub, a single report's (a 0x0200's, an OsmAnd fix's) and a backlog's
  ``submit_fixes`` from its call until committed: the pipeline's share
  of the answer latency, without the client's and the gateway's scheduling delays;
- ``hub_loop_lag_p99_ms`` / ``hub_loop_lag_storm_p99_ms``: the same probe on the hub's
  loop: how long a callback (a read, a commit's answer) waited for the loop;
- ``hub_cpu_share`` (hub CPU seconds per second of the run, 1.0 = one core) and
  ``hub_cpu_us_per_fix`` (its CPU time per fix sent): steadier than latencies when the
  machine is shared;
- ``not_ok_answers`` and ``lost`` = fixes sent - rows stored (must be 0).

``--compare REV`` runs the same load first against the position pipeline and the gateway
of git revision REV (``hub/positions.py`` and ``hub/jt808/gateway.py`` as they were
there, loaded into the hub child in place of the current ones) and then against the
work tree, and prints both.

Run: ``python bench/run.py device_ingest [--quick]`` or
``.venv/bin/python bench/device_ingest.py [--quick] [--compare HEAD]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import functools
import gc
import multiprocessing as mp
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._procstat import cpu_seconds, rss_kb

ROOT = Path(__file__).resolve().parents[1]
REPORT_EVERY = 5.0
BACKLOG = 50
PER_BATCH = 25
BEIJING = dt.timezone(dt.timedelta(hours=8))
FIRST_NUMBER = 13_900_000_000
SOURCE_TOKEN = "bench-device-ingest-source"


def raise_fd_limit() -> int:
    """Raise this process's open-file limit to its hard limit; returns the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _use_pipeline_from(rev: str) -> None:
    """Make the hub build its position pipeline and its JT/T 808 gateway from
    ``hub/positions.py`` and ``hub/jt808/gateway.py`` as they were at ``rev``."""
    import types

    import hub.positions
    import hub.runtime
    import hub.service

    def load(path: str) -> types.ModuleType:
        source = subprocess.check_output(["git", "show", f"{rev}:{path}"], cwd=ROOT)
        module = types.ModuleType(f"hub._baseline_{Path(path).stem}")
        module.__file__ = f"<{rev}:{path}>"
        sys.modules[module.__name__] = module  # dataclasses look their module up there
        exec(compile(source, module.__file__, "exec"), module.__dict__)
        return module

    positions = load("hub/positions.py")
    # The gateway and the ingest catch the current module's exception class.
    positions.FixesNotStored = hub.positions.FixesNotStored  # type: ignore[attr-defined]
    hub.service.PositionPipeline = positions.PositionPipeline  # type: ignore[attr-defined,misc]
    gateway = load("hub/jt808/gateway.py")
    hub.runtime.Jt808Gateway = gateway.Jt808Gateway  # type: ignore[attr-defined,misc]


def hub_child(db_url: str, terminals: int, phones: int, pipeline_rev: str, pipe: Any) -> None:
    """The hub; sends ("ready", (jt808 port, api port)), then answers "count" with the
    rows stored."""
    raise_fd_limit()
    if pipeline_rev:
        _use_pipeline_from(pipeline_rev)
    profile = os.environ.get("WF_BENCH_PROFILE")  # a path: cProfile the hub's loop into it
    if profile:
        import cProfile

        cProfile.runctx(
            "asyncio.run(_hub_main(db_url, terminals, phones, pipe))",
            globals(),
            {"db_url": db_url, "terminals": terminals, "phones": phones, "pipe": pipe},
            profile,
        )
        return
    asyncio.run(_hub_main(db_url, terminals, phones, pipe))


async def _hub_main(db_url: str, terminals: int, phones: int, pipe: Any) -> None:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from hub.auth import Principal, TokenRegistry
    from hub.roster import OfficerRecord, TeamRecord
    from hub.runtime import HubRuntime
    from hub.service import HubConfig
    from hub.store.models import Position

    tokens = TokenRegistry({SOURCE_TOKEN: Principal("bench-source", "source")})
    # manage_gc: the process is the hub's own, as under ``watchfloor hub``.
    config = HubConfig(
        db_url=db_url,
        port=0,
        api_port=0,
        jt808_port=0,
        supervision_seconds=3600.0,
        manage_gc=os.environ.get("WF_BENCH_HUB_GC", "1") == "1",
    )
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
        ]
        + [
            OfficerRecord(f"P{i:03d}", f"P{i:03d}", f"P{i:03d}", team.id, f"osm-{i:03d}")
            for i in range(phones)
        ],
    )
    loop = asyncio.get_running_loop()
    # Inside the hub: a submission until its commit (queued, committed, answered), for live
    # submissions (one report: a 0x0200, an OsmAnd fix) and backlogs. This leaves out the
    # client's and the gateway's own scheduling delays on a loaded machine.
    waits: dict[str, list[float]] = {"live": [], "bulk": []}
    pipeline = hub.positions

    def timed(started: float, lane: str, done: asyncio.Future[None]) -> None:
        waits[lane].append((loop.time() - started) * 1000)

    if hasattr(pipeline, "submit"):  # a future per submission, no coroutine around it
        submit = pipeline.submit

        def timed_submit(fixes: Any, unfixed: Any = ()) -> asyncio.Future[None]:
            future = submit(fixes, unfixed)
            lane = "live" if len(fixes) + len(unfixed) <= 1 else "bulk"
            future.add_done_callback(functools.partial(timed, loop.time(), lane))
            return future

        pipeline.submit = timed_submit  # type: ignore[method-assign]
    else:  # a baseline from before ``submit``
        store = pipeline.store

        async def timed_store(fixes: Any, unfixed: Any = ()) -> None:
            started = loop.time()
            try:
                await store(fixes, unfixed)
            finally:
                lane = "live" if len(fixes) + len(unfixed) <= 1 else "bulk"
                waits[lane].append((loop.time() - started) * 1000)

        pipeline.store = timed_store  # type: ignore[method-assign]
    lags: list[tuple[float, float]] = []
    gc_pauses: list[tuple[int, float]] = []  # (generation, ms) of each collection
    gc_started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            gc_pauses.append((info["generation"], (time.perf_counter() - gc_started[0]) * 1000))

    gc.callbacks.append(on_gc)

    async def probe() -> None:
        # How late a 10 ms timer fires on the hub's loop: the wait every callback had.
        while True:
            before = loop.time()
            await asyncio.sleep(0.01)
            lags.append((time.perf_counter(), (loop.time() - before - 0.01) * 1000))

    lag_probe = asyncio.create_task(probe())
    pipe.send(("ready", (runtime.jt808.port, runtime.config.api_port)))

    def count() -> int:
        with Session(hub.engine) as session:
            return int(session.scalar(select(func.count()).select_from(Position)) or 0)

    while True:
        kind = await loop.run_in_executor(None, pipe.recv)
        if kind == "count":
            await hub.flush_positions()
            stats = {
                "hub_live_store_p50_ms": round(pct(waits["live"], 50), 2),
                "hub_live_store_p99_ms": round(pct(waits["live"], 99), 2),
                "hub_batch_store_p50_ms": round(pct(waits["bulk"], 50), 2),
                "hub_batch_store_p99_ms": round(pct(waits["bulk"], 99), 2),
                "lags": lags,
                "hub_gc_collections": float(len(gc_pauses)),
                "hub_gc_tracked_objects": float(len(gc.get_objects())),
                "hub_gc_max_ms": round(max((ms for _, ms in gc_pauses), default=0.0), 2),
                "hub_gc_gen2_total_ms": round(sum(ms for g, ms in gc_pauses if g == 2), 1),
            }
            pipe.send((await loop.run_in_executor(None, count), stats))
        else:
            break
    lag_probe.cancel()
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
        # (sent at, milliseconds to the answer) per 0x0200 / 0x0704 / OsmAnd request.
        self.location_ms: list[tuple[float, float]] = []
        self.batch_ms: list[float] = []
        self.osmand_ms: list[float] = []
        # (answered at, fixes) for every JT/T 808 answer 0: what was committed when.
        self.stored_at: list[tuple[float, int]] = []
        self.not_ok = 0

    async def location(self, terminal: Terminal, ts: float, k: int) -> None:
        self.sent.add((terminal.phone, ts))
        while True:
            started = time.perf_counter()
            result, _ = await terminal.ask(0x0200, _location(ts, k))
            answered = time.perf_counter()
            self.location_ms.append((started, (answered - started) * 1000))
            if result == 0:
                self.stored_at.append((answered, 1))
                return
            self.not_ok += 1

    async def batch(self, terminal: Terminal, stamps: list[float], body: bytes) -> None:
        """Upload one 0x0704 (``body``, made by :func:`batch_body` from ``stamps``)."""
        self.sent.update((terminal.phone, ts) for ts in stamps)
        while True:
            started = time.perf_counter()
            result, _ = await terminal.ask(0x0704, body)
            answered = time.perf_counter()
            self.batch_ms.append((answered - started) * 1000)
            if result == 0:
                self.stored_at.append((answered, len(stamps)))
                return
            self.not_ok += 1


def batch_body(stamps: list[float]) -> bytes:
    body = struct.pack(">HB", len(stamps), 1)
    for k, ts in enumerate(stamps):
        item = _location(ts, k)
        body += struct.pack(">H", len(item)) + item
    return body


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


async def _storm(
    terminals: list[Terminal], port: int, tally: Tally, round_no: int
) -> tuple[float, float]:
    """Drop every connection, then all reconnect at once and upload their backlog;
    returns the window (perf_counter) from the reconnect to the last answer."""
    for terminal in terminals:
        await terminal.close()
    base = float(int(time.time()) - 3 * 3600 + round_no * 600)
    stamps = [base + k * 10 for k in range(BACKLOG)]
    # A terminal holds its backlog before it reconnects: the bodies are made before the
    # window opens, so that this process's own work in it is the sending and reading.
    slices = [stamps[at : at + PER_BATCH] for at in range(0, BACKLOG, PER_BATCH)]
    backlog = [(part, batch_body(part)) for part in slices]

    async def come_back(terminal: Terminal) -> None:
        await terminal.connect(port)
        assert (await terminal.ask(0x0102, terminal.code.encode("gbk")))[0] == 0
        for part, body in backlog:
            await tally.batch(terminal, part, body)

    started = time.perf_counter()
    await asyncio.gather(*(come_back(t) for t in terminals))
    return started, time.perf_counter()


async def _phone(api: str, phone: int, tally: Tally, until: float) -> None:
    """One OsmAnd phone emptying its offline buffer: one fix after another, each sent
    again until it is answered 200."""
    import aiohttp

    loop = asyncio.get_running_loop()
    t0 = int(time.time()) - 6 * 3600
    headers = {"Authorization": f"Bearer {SOURCE_TOKEN}"}
    device = f"osm-{phone:03d}"
    async with aiohttp.ClientSession(headers=headers) as session:
        k = 0
        while loop.time() < until:
            ts = t0 + k
            params = {
                "id": device,
                "lat": f"{29.08 + (k % 300) * 1e-5:.6f}",
                "lon": "119.65",
                "timestamp": str(ts),
                "speed": "3.0",
                "bearing": str(k % 360),
            }
            tally.sent.add((device, float(ts)))
            while True:
                started = time.perf_counter()
                async with session.post(f"{api}/osmand", params=params) as response:
                    status = response.status
                    await response.read()
                tally.osmand_ms.append((time.perf_counter() - started) * 1000)
                if status == 200:
                    break
                tally.not_ok += 1
            k += 1


def storm_child(port: int, first: int, count: int, pipe: Any) -> None:
    """The storm terminals, in a process of their own: logs them in, says "ready", then
    runs a storm round per ("storm", round) and answers its window; on "done" sends what
    it sent and how it was answered. Its own loop's work (1,000 reconnects and logins at
    once) then does not delay the answers the steady terminals measure."""
    raise_fd_limit()
    asyncio.run(_storm_main(port, first, count, pipe))


async def _storm_main(port: int, first: int, count: int, pipe: Any) -> None:
    loop = asyncio.get_running_loop()
    tally = Tally()
    stormers = [Terminal(first + i) for i in range(count)]
    for at in range(0, count, 200):
        await asyncio.gather(*(t.login(port) for t in stormers[at : at + 200]))
    pipe.send("ready")
    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        if command[0] == "storm":
            pipe.send(await _storm(stormers, port, tally, command[1]))
            continue
        for terminal in stormers:
            await terminal.close()
        pipe.send((sorted(tally.sent), tally.batch_ms, tally.stored_at, tally.not_ok))
        return


async def _drive(
    ports: tuple[int, int],
    pid: int,
    sizes: tuple[int, int, int, int],
    duration: float,
) -> tuple[dict[str, float], list[tuple[float, float]]]:
    """The load, then its figures and the storm windows (perf_counter, as the hub's)."""
    port, api_port = ports
    steady_n, storm_n, phones, rounds = sizes
    tally = Tally()
    steady = [Terminal(FIRST_NUMBER + i) for i in range(steady_n)]
    rss_before = rss_kb(pid) or 0
    client_before = rss_kb(os.getpid()) or 0
    # Log in a few hundred at a time: a fleet's connections come over minutes, not at once.
    for at in range(0, steady_n, 200):
        await asyncio.gather(*(t.login(port) for t in steady[at : at + 200]))
    await asyncio.sleep(0.5)
    rss_open = rss_kb(pid) or 0
    client_open = rss_kb(os.getpid()) or 0
    loop = asyncio.get_running_loop()
    ctx = mp.get_context("spawn")
    storm_pipe, storm_end = ctx.Pipe()
    storm_process = ctx.Process(
        target=storm_child, args=(port, FIRST_NUMBER + steady_n, storm_n, storm_end), daemon=True
    )
    storm_process.start()
    storm_end.close()
    assert await loop.run_in_executor(None, storm_pipe.recv) == "ready"
    started = time.perf_counter()
    hub_cpu_before = cpu_seconds(pid) or 0.0
    until = loop.time() + duration
    lags: list[tuple[float, float]] = []  # (when, ms late): this process's own loop

    async def probe() -> None:
        # A 10 ms sleep that wakes late measures how long this process's loop (10,000
        # terminals in one Python thread) was busy: that delay is in every answer time
        # measured here, though the hub had answered already.
        while loop.time() < until:
            before = loop.time()
            await asyncio.sleep(0.01)
            lags.append((time.perf_counter(), (loop.time() - before - 0.01) * 1000))

    lag_probe = asyncio.create_task(probe())
    tasks = [
        asyncio.create_task(_steady(t, tally, REPORT_EVERY * i / steady_n, until))
        for i, t in enumerate(steady)
    ]
    api = f"http://127.0.0.1:{api_port}"
    tasks += [asyncio.create_task(_phone(api, i, tally, until)) for i in range(phones)]
    storms: list[tuple[float, float]] = []
    for round_no in range(rounds):
        await asyncio.sleep(duration / (rounds + 1))
        storm_pipe.send(("storm", round_no))
        storms.append(await loop.run_in_executor(None, storm_pipe.recv))
    await asyncio.gather(*tasks)
    await lag_probe
    elapsed = time.perf_counter() - started
    hub_cpu = (cpu_seconds(pid) or 0.0) - hub_cpu_before
    for terminal in steady:
        await terminal.close()
    storm_pipe.send(("done",))
    sent, batch_ms, stored_at, not_ok = await loop.run_in_executor(None, storm_pipe.recv)
    storm_process.join(30)
    tally.sent.update(map(tuple, sent))
    tally.batch_ms += batch_ms
    tally.stored_at += stored_at
    tally.not_ok += not_ok

    def inside(at: float) -> bool:
        return any(a <= at <= b for a, b in storms)

    live = [ms for _, ms in tally.location_ms]
    storm_lags = [ms for at, ms in lags if inside(at)]
    live_storm = [ms for at, ms in tally.location_ms if inside(at)]
    storm_secs = [b - a for a, b in storms]
    # Committed over JT/T 808 inside each storm window (live and backlog), slowest round.
    storm_rates = [sum(n for at, n in tally.stored_at if a <= at <= b) / (b - a) for a, b in storms]
    return {
        "sent": float(len(tally.sent)),
        "elapsed": elapsed,
        # CPU time is steadier than latency on a shared machine: what the hub spends.
        "hub_cpu_share": round(hub_cpu / elapsed, 3),
        "hub_cpu_us_per_fix": round(hub_cpu / max(1, len(tally.sent)) * 1e6, 1),
        "jt808_storm_fixes_per_s": round(min(storm_rates), 1) if storm_rates else 0.0,
        "live_ack_p50_ms": round(pct(live, 50), 2),
        "live_ack_p99_ms": round(pct(live, 99), 2),
        "live_ack_storm_p99_ms": round(pct(live_storm, 99), 2),
        "live_ack_max_ms": round(max(live), 2) if live else 0.0,
        "client_loop_lag_p99_ms": round(pct([ms for _, ms in lags], 99), 2),
        "client_loop_lag_storm_p99_ms": round(pct(storm_lags, 99), 2),
        "batch_ack_p50_ms": round(pct(tally.batch_ms, 50), 2),
        "batch_ack_p99_ms": round(pct(tally.batch_ms, 99), 2),
        "storm_seconds": round(max(storm_secs), 3) if storm_secs else 0.0,
        "osmand_per_s": round(len(tally.osmand_ms) / elapsed, 1),
        "osmand_ack_p50_ms": round(pct(tally.osmand_ms, 50), 2),
        "osmand_ack_p99_ms": round(pct(tally.osmand_ms, 99), 2),
        "hub_kib_per_connection": round((rss_open - rss_before) / max(1, steady_n), 2),
        "client_kib_per_connection": round((client_open - client_before) / max(1, steady_n), 2),
        "not_ok_answers": float(tally.not_ok),
    }, storms


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hub-db", default=None, help="database URL (default: a temp SQLite)")
    parser.add_argument(
        "--compare",
        default="",
        metavar="REV",
        help="first run against hub/positions.py of git revision REV, then the work tree",
    )
    parser.add_argument("--terminals", type=int, default=None, help="steady terminals")


def _one(quick: bool, args: argparse.Namespace | None, pipeline_rev: str) -> dict[str, float]:
    steady_n, storm_n, phones, rounds, duration = (
        (500, 100, 4, 1, 12.0) if quick else (10_000, 1_000, 8, 3, 60.0)
    )
    if args is not None and getattr(args, "terminals", None):
        steady_n = int(args.terminals)
    fds = raise_fd_limit()
    if fds < steady_n + storm_n + 256:
        raise SystemExit(f"open-file limit {fds} is too low for {steady_n + storm_n} sockets")
    db_url = getattr(args, "hub_db", None) if args is not None else None
    with tempfile.TemporaryDirectory(prefix="wf-bench-") as tmp:
        url = db_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        process = ctx.Process(
            target=hub_child,
            args=(url, steady_n + storm_n, phones, pipeline_rev, child),
            daemon=True,
        )
        process.start()
        child.close()  # so that a hub child that dies ends recv() with EOFError
        try:
            kind, ports = parent.recv()
            assert kind == "ready"
            assert process.pid is not None
            figures, storms = asyncio.run(
                _drive(ports, process.pid, (steady_n, storm_n, phones, rounds), duration)
            )
            parent.send("count")
            stored, hub_stats = parent.recv()
            parent.send("stop")
        finally:
            process.join(60)
            if process.is_alive():
                process.kill()
    sent = figures.pop("sent")
    elapsed = figures.pop("elapsed")
    hub_lags = hub_stats.pop("lags")
    storm_lags = [ms for at, ms in hub_lags if any(a <= at <= b for a, b in storms)]
    hub_stats["hub_loop_lag_p99_ms"] = round(pct([ms for _, ms in hub_lags], 99), 2)
    hub_stats["hub_loop_lag_storm_p99_ms"] = round(pct(storm_lags, 99), 2)
    return {
        "terminals": float(steady_n),
        "storm_terminals": float(storm_n),
        "phones": float(phones),
        "fixes_sent": sent,
        "fixes_stored": float(stored),
        "committed_per_s": round(stored / elapsed, 1),
        **figures,
        **hub_stats,
        "lost": sent - stored,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def run(quick: bool, args: argparse.Namespace | None = None) -> dict[str, float]:
    rev = getattr(args, "compare", "") if args is not None else ""
    if not rev:
        return _one(quick, args, "")
    before = _one(quick, args, rev)
    after = _one(quick, args, "")
    return {**{f"before.{k}": v for k, v in before.items()}, **after}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    add_arguments(parser)
    ns = parser.parse_args()
    for key, value in run(ns.quick, ns).items():
        print(f"{key:>32}  {value:,.2f}")
