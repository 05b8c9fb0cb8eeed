"""Soak: a hub, a wall and two tails for N minutes; memory, stalls, lost and doubled events.

``python bench/run.py soak --minutes N`` (default 3; 0.5 with ``--quick``) runs, all on
127.0.0.1 and each in its own process (its own session, so a Ctrl-C reaches only this
one, which then stops them all; they also die with it, through ``PR_SET_PDEATHSIG``):

- the hub (``python -m bench.soak hub-child``: what ``watchfloor hub --simulate --auth``
  runs, plus a lag probe on its event loop) on a fresh SQLite file, with the Wucheng
  simulator at 5,000 officers reporting at 1 Hz and 600 incidents an hour, flat (no
  diurnal shape, so the load is the same all run long and memory growth is not a change
  of load). 600/h is one case per officer per 8-hour shift, each with its updates;
  tokens come from an auth file written to the run's temporary folder;
- one wall: the real ``watchfloor wall --windowed`` on the offscreen platform
  (``python -m bench.soak wall-child STATS -- wall ...`` runs ``desktop.cli.main`` with a
  20 ms QTimer on the GUI thread recording how late it fires: the wall's stalls);
- two ``watchfloor tail`` clients, each writing its JSON lines to a file.

Every 10 s it samples ``VmRSS`` of the hub and the wall (the wall's process alone and with
its QtWebEngine helpers), the hub's ``seq`` (``/api/v1/health``) and reads the tails'
new lines. At the end it waits until both tails have the hub's last ``seq`` and prints:

- RSS over time; per process the first sample, the sample at the end of warm-up
  (the larger of 20 % of the run and 2 minutes, at most half the run), min, max, the last
  sample, growth from warm-up to the end in %, and the least-squares slope after warm-up;
- events produced (hub ``seq`` from the tails' first snapshot to the end) and, per tail,
  events expected (from its own first snapshot) and delivered, ``lost`` (gaps in its
  ``seq`` sequence; a snapshot line resets the sequence, and the events a snapshot stands
  in for are counted apart as ``snapshot_skipped``), ``doubled`` (a ``seq`` at or below
  one already had), ``behind``;
- event-loop stalls of the wall and of the hub after warm-up: the longest, the p99 and
  how many were >= 100 ms.

The tails' files and the hub's database live in a temporary folder, removed at the end
unless ``WATCHFLOOR_SOAK_KEEP=1`` (45 minutes of tails is a few GB).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import msgspec

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._procstat import cpu_seconds, rss_kb, tree_rss_kb  # noqa: E402

OFFICERS = 5_000
INCIDENTS_PER_HOUR = 600.0
SAMPLE_SECONDS = 10.0
PRINT_EVERY_SECONDS = 60.0
PROBE_SECONDS = 0.020
STALL_MS = 100
HUB_START_TIMEOUT = 180.0
CATCH_UP_TIMEOUT = 60.0


# ---- lag probe (runs in the hub and in the wall) ---------------------------------------


class LagStats:
    """How late a periodic tick fires; a JSON line of histogram per window to ``path``."""

    def __init__(self, path: Path, period: float, window: float = SAMPLE_SECONDS) -> None:
        self.path, self.period, self.window = path, period, window
        self.last = self.window_start = time.perf_counter()
        self.hist: Counter[int] = Counter()
        self.max_s = 0.0

    def tick(self) -> None:
        now = time.perf_counter()
        lag = max(0.0, now - self.last - self.period)
        self.last = now
        self.hist[int(lag * 1000)] += 1
        self.max_s = max(self.max_s, lag)
        if now - self.window_start >= self.window:
            self.flush(now)

    def flush(self, now: float) -> None:
        line = {
            "t": time.time(),
            "max_ms": round(self.max_s * 1000, 1),
            "hist": {str(k): v for k, v in self.hist.items()},
        }
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")
        self.hist.clear()
        self.max_s = 0.0
        self.window_start = now


# ---- the hub child ---------------------------------------------------------------------


def hub_child(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench.soak hub-child")
    parser.add_argument("--auth", type=Path, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--ready", type=Path, required=True)
    parser.add_argument("--stats", type=Path, required=True)
    parser.add_argument("--officers", type=int, default=OFFICERS)
    parser.add_argument("--rate", type=float, default=INCIDENTS_PER_HOUR)
    ns = parser.parse_args(argv)
    from desktop.logsetup import setup_logging

    setup_logging("WARNING", "hub")
    asyncio.run(_hub_main(ns))
    return 0


async def _hub_main(ns: argparse.Namespace) -> None:
    from hub.auth import TokenRegistry
    from hub.runtime import HubRuntime
    from hub.service import HubConfig
    from hub.simdriver import simulator_extra

    config = HubConfig(db_url=ns.db, host="127.0.0.1", port=0, api_port=0, auth_file=ns.auth)
    extra = simulator_extra(officers=ns.officers, incident_rate_per_hour=ns.rate, diurnal=False)
    runtime = HubRuntime(config, TokenRegistry.load(ns.auth), [extra])
    await runtime.start()
    stats = LagStats(ns.stats, PROBE_SECONDS)

    async def probe() -> None:
        while True:
            await asyncio.sleep(PROBE_SECONDS)
            stats.tick()

    prober = asyncio.create_task(probe(), name="soak-lag-probe")
    partial = ns.ready.with_suffix(".part")
    partial.write_text(json.dumps({"port": config.port, "api_port": config.api_port}))
    partial.replace(ns.ready)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    prober.cancel()
    await runtime.stop()


# ---- the wall child: the real `watchfloor wall`, with a probe on its GUI thread ---------

_keep: list[object] = []


def wall_child(stats_path: Path, cli_args: list[str]) -> int:
    import desktop.gui as gui
    from desktop.cli import main

    original = gui.make_application

    def make_application(lang: str, *, offscreen: bool | None = None) -> Any:
        app = original(lang, offscreen=offscreen)
        from PySide6.QtCore import Qt, QTimer

        stats = LagStats(stats_path, PROBE_SECONDS)
        timer = QTimer(app)
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.setInterval(int(PROBE_SECONDS * 1000))
        timer.timeout.connect(stats.tick)
        timer.start()
        _keep.extend([stats, timer])
        return app

    gui.make_application = make_application  # type: ignore[assignment]
    return main(cli_args)


# ---- reading the tails' files ----------------------------------------------------------


class _Line(msgspec.Struct):
    type: str
    seq: int = 0


_decode_line = msgspec.json.Decoder(_Line).decode
LIVE_TYPES = frozenset({"unit.positions"})


@dataclass
class TailLog:
    """Follows one tail's output file; counts events, gaps and repeats as it goes."""

    path: Path
    offset: int = 0
    rest: bytes = b""
    first: int | None = None  # seq of the first snapshot: what this tail started from
    last: int | None = None
    events: int = 0
    lost: int = 0
    doubled: int = 0
    snapshots: int = 0  # after the first
    snapshot_skipped: int = 0
    bad_lines: int = 0
    types: Counter[str] = field(default_factory=Counter)

    def poll(self) -> None:
        try:
            with self.path.open("rb") as source:
                source.seek(self.offset)
                data = source.read()
        except FileNotFoundError:
            return
        self.offset += len(data)
        data = self.rest + data
        cut = data.rfind(b"\n")
        if cut < 0:
            self.rest = data
            return
        self.rest = data[cut + 1 :]
        for raw in data[:cut].split(b"\n"):
            if raw:
                self._line(raw)

    def _line(self, raw: bytes) -> None:
        try:
            line = _decode_line(raw)
        except msgspec.MsgspecError:
            self.bad_lines += 1
            return
        if line.type == "snapshot":
            if self.last is None:
                self.first = line.seq
            else:
                self.snapshots += 1
                self.snapshot_skipped += max(0, line.seq - self.last)
            self.last = line.seq
            return
        self.types[line.type] += 1
        if line.type in LIVE_TYPES:
            return  # live positions carry no seq: not part of the log's count
        self.events += 1
        if self.last is None:
            self.first, self.last = line.seq - 1, line.seq
        elif line.seq <= self.last:
            self.doubled += 1
        else:
            self.lost += line.seq - self.last - 1
            self.last = line.seq


# ---- child processes -------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1
try:
    _libc: Any = ctypes.CDLL(None, use_errno=True)
except OSError:  # not Linux: children then outlive a killed parent
    _libc = None


def _die_with_parent() -> None:
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Children:
    """Child processes, each in its own session; stopped group by group, last first."""

    def __init__(self) -> None:
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self._files: list[IO[bytes]] = []

    def start(
        self, name: str, argv: list[str], env: dict[str, str], stdout: Path, stderr: Path
    ) -> subprocess.Popen[bytes]:
        out, err = stdout.open("wb"), stderr.open("wb")
        self._files += [out, err]
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # no threads here, so safe
        )
        self.procs[name] = proc
        return proc

    def stop(self, name: str, grace: float) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(grace)
        # Also whatever the child left in its session (QtWebEngine helpers).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):
            self.stop(name, grace=30.0 if name == "hub" else 5.0)
        for handle in self._files:
            handle.close()
        self._files.clear()


def _tail_of(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def _health_seq(api_port: int) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"http://127.0.0.1:{api_port}/api/v1/health", timeout=10) as answer:
        return int(json.loads(answer.read())["seq"])


# ---- figures ---------------------------------------------------------------------------


@dataclass
class Sample:
    t: float
    hub_kb: int
    wall_kb: int
    wall_tree_kb: int
    hub_cpu: float
    wall_cpu: float
    seq: int
    tails: tuple[int, ...]


def _slope_per_hour(points: list[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    n = len(points)
    mx = sum(t for t, _ in points) / n
    my = sum(v for _, v in points) / n
    var = sum((t - mx) ** 2 for t, _ in points)
    if var == 0:
        return 0.0
    return 3600.0 * sum((t - mx) * (v - my) for t, v in points) / var


def rss_figures(prefix: str, samples: list[Sample], attr: str, warm: float) -> dict[str, float]:
    values = [(s.t, getattr(s, attr) / 1024) for s in samples]
    after = [(t, v) for t, v in values if t >= warm] or values[-1:]
    at_warm = after[0][1]
    end = values[-1][1]
    return {
        f"{prefix}_mb_start": round(values[0][1], 1),
        f"{prefix}_mb_warm": round(at_warm, 1),
        f"{prefix}_mb_min": round(min(v for _, v in values), 1),
        f"{prefix}_mb_max": round(max(v for _, v in values), 1),
        f"{prefix}_mb_end": round(end, 1),
        f"{prefix}_growth_pct": round(100.0 * (end - at_warm) / at_warm, 2) if at_warm else 0.0,
        f"{prefix}_slope_mb_per_h": round(_slope_per_hour(after), 1),
    }


def stall_figures(prefix: str, path: Path, warm_wall_clock: float) -> dict[str, float]:
    """Longest, p99, and count >= STALL_MS of the probe's lags after warm-up."""
    hist: Counter[int] = Counter()
    overall_max = 0.0
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    for text in lines:
        try:
            window = json.loads(text)
        except ValueError:
            continue
        overall_max = max(overall_max, float(window["max_ms"]))
        if window["t"] - SAMPLE_SECONDS >= warm_wall_clock:
            hist.update({int(k): int(v) for k, v in window["hist"].items()})
    total = sum(hist.values())
    if not total:
        return {f"{prefix}_stall_measured": 0.0}
    cumulative, p99 = 0, 0
    for ms in sorted(hist):
        cumulative += hist[ms]
        if cumulative >= 0.99 * total:
            p99 = ms
            break
    return {
        f"{prefix}_stall_max_ms": float(max(hist)),
        f"{prefix}_stall_p99_ms": float(p99),
        f"{prefix}_stalls_over_{STALL_MS}ms": float(
            sum(v for k, v in hist.items() if k >= STALL_MS)
        ),
        f"{prefix}_stall_max_incl_warmup_ms": overall_max,
    }


# ---- the run ---------------------------------------------------------------------------


def _write_auth(path: Path, tokens: dict[str, str]) -> None:
    lines = []
    for name, value in tokens.items():
        lines += ["[[token]]", f'value = "{value}"', 'role = "wall"', f'name = "soak-{name}"', ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def _watchfloor() -> list[str]:
    script = Path(sys.executable).with_name("watchfloor")
    return [str(script)] if script.exists() else [sys.executable, "-m", "desktop.cli"]


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(quick: bool, args: argparse.Namespace | None = None) -> dict[str, float]:
    minutes = getattr(args, "minutes", None) or (0.5 if quick else 3.0)
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    tmp = Path(tempfile.mkdtemp(prefix="wf-soak-"))
    children = Children()
    try:
        return _soak(float(minutes), tmp, children)
    finally:
        children.stop_all()
        signal.signal(signal.SIGTERM, previous)
        if os.environ.get("WATCHFLOOR_SOAK_KEEP") == "1":
            print(f"kept {tmp}", flush=True)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _soak(minutes: float, tmp: Path, children: Children) -> dict[str, float]:
    duration = minutes * 60.0
    warm = min(max(0.2 * duration, 120.0), 0.5 * duration)
    tokens = {name: secrets.token_urlsafe(18) for name in ("wall", "tail1", "tail2")}
    auth = tmp / "auth.toml"
    _write_auth(auth, tokens)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "WATCHFLOOR_LOG_DIR": str(tmp / "logs"),
        "WATCHFLOOR_CONFIG_DIR": str(tmp / "config"),
        "XDG_DATA_HOME": str(tmp / "data"),
        "XDG_CACHE_HOME": str(tmp / "cache"),
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    print(
        f"soak: {minutes:g} min, {OFFICERS:,} officers at 1 Hz, {INCIDENTS_PER_HOUR:g} "
        f"incidents/h, warm-up {warm:.0f} s, files in {tmp}",
        flush=True,
    )

    ready, hub_stats, wall_stats = tmp / "hub.ready", tmp / "hub-lag.jsonl", tmp / "wall-lag.jsonl"
    hub = children.start(
        "hub",
        [
            sys.executable,
            "-m",
            "bench.soak",
            "hub-child",
            "--auth",
            str(auth),
            "--db",
            f"sqlite:///{tmp / 'hub.db'}",
            "--ready",
            str(ready),
            "--stats",
            str(hub_stats),
        ],
        env,
        tmp / "hub.out",
        tmp / "hub.err",
    )
    started = time.monotonic()
    while not ready.exists():
        if hub.poll() is not None:
            raise RuntimeError(f"hub exited {hub.returncode}: {_tail_of(tmp / 'hub.err')}")
        if time.monotonic() - started > HUB_START_TIMEOUT:
            raise RuntimeError(f"hub not ready in {HUB_START_TIMEOUT:.0f} s")
        time.sleep(0.2)
    ports = json.loads(ready.read_text())
    hub_url, api_port = f"ws://127.0.0.1:{ports['port']}", int(ports["api_port"])
    print(f"hub ready in {time.monotonic() - started:.1f} s: {hub_url}", flush=True)

    wall = children.start(
        "wall",
        [
            sys.executable,
            "-m",
            "bench.soak",
            "wall-child",
            str(wall_stats),
            "--",
            "wall",
            "--hub",
            hub_url,
            "--token",
            tokens["wall"],
            "--windowed",
        ],
        env,
        tmp / "wall.out",
        tmp / "wall.err",
    )
    tails = []
    for name in ("tail1", "tail2"):
        children.start(
            name,
            [*_watchfloor(), "tail", "--hub", hub_url, "--token", tokens[name]],
            env,
            tmp / f"{name}.jsonl",
            tmp / f"{name}.err",
        )
        tails.append(TailLog(tmp / f"{name}.jsonl"))
    while any(t.first is None for t in tails):
        for name, tail in zip(("tail1", "tail2"), tails, strict=True):
            tail.poll()
            proc = children.procs[name]
            if proc.poll() is not None:
                raise RuntimeError(
                    f"{name} exited {proc.returncode}: {_tail_of(tmp / f'{name}.err')}"
                )
        if time.monotonic() - started > HUB_START_TIMEOUT:
            raise RuntimeError("tails got no snapshot")
        time.sleep(0.2)

    t0 = time.monotonic()
    t0_wall_clock = time.time()
    samples: list[Sample] = []
    cpu0 = (cpu_seconds(hub.pid) or 0.0, cpu_seconds(wall.pid) or 0.0)
    interrupted = False
    next_sample, next_print = t0, t0
    print(
        f"{'min':>6} {'hub MB':>8} {'wall MB':>8} {'+helpers':>9} {'hub cpu':>8} "
        f"{'wall cpu':>9} {'seq':>8} {'tail1':>8} {'tail2':>8}",
        flush=True,
    )
    try:
        while True:
            now = time.monotonic()
            if now >= next_sample or now >= t0 + duration:
                for name in ("hub", "wall", "tail1", "tail2"):
                    proc = children.procs[name]
                    if proc.poll() is not None:
                        raise RuntimeError(
                            f"{name} exited {proc.returncode} after {now - t0:.0f} s: "
                            f"{_tail_of(tmp / f'{name}.err')}"
                        )
                for tail in tails:
                    tail.poll()
                t = now - t0
                sample = Sample(
                    t=t,
                    hub_kb=rss_kb(hub.pid) or 0,
                    wall_kb=rss_kb(wall.pid) or 0,
                    wall_tree_kb=tree_rss_kb(wall.pid) or 0,
                    hub_cpu=(cpu_seconds(hub.pid) or 0.0) - cpu0[0],
                    wall_cpu=(cpu_seconds(wall.pid) or 0.0) - cpu0[1],
                    seq=_health_seq(api_port),
                    tails=tuple(tail.last or 0 for tail in tails),
                )
                samples.append(sample)
                if now >= next_print or now >= t0 + duration:
                    _print_sample(sample, samples)
                    next_print += PRINT_EVERY_SECONDS
                next_sample += SAMPLE_SECONDS
            if now >= t0 + duration:
                break
            time.sleep(max(0.05, min(next_sample, t0 + duration) - time.monotonic()))
    except KeyboardInterrupt:
        interrupted = True
        print("interrupted: figures of the run so far", flush=True)
        if not samples:
            raise

    # The end: both tails must reach the hub's last seq (the hub keeps producing).
    produced_to = _health_seq(api_port)
    deadline = time.monotonic() + CATCH_UP_TIMEOUT
    while time.monotonic() < deadline:
        for tail in tails:
            tail.poll()
        if all((tail.last or 0) >= produced_to for tail in tails):
            break
        time.sleep(0.5)
    ran = samples[-1].t

    figures: dict[str, float] = {"minutes": round(ran / 60.0, 2)}
    if interrupted:
        figures["interrupted"] = 1.0
    figures.update(rss_figures("hub_rss", samples, "hub_kb", warm))
    figures.update(rss_figures("wall_rss", samples, "wall_kb", warm))
    figures.update(rss_figures("wall_tree_rss", samples, "wall_tree_kb", warm))
    figures["hub_cpu_pct"] = round(100.0 * samples[-1].hub_cpu / ran, 1) if ran else 0.0
    figures["wall_cpu_pct"] = round(100.0 * samples[-1].wall_cpu / ran, 1) if ran else 0.0
    base = min(tail.first or 0 for tail in tails)
    figures["events_produced"] = float(produced_to - base)
    figures["hub_seq_end"] = float(produced_to)
    for name, tail in zip(("tail1", "tail2"), tails, strict=True):
        figures[f"{name}_expected"] = float(produced_to - (tail.first or 0))
        figures[f"{name}_delivered"] = float(tail.events - tail.doubled)
        figures[f"{name}_lost"] = float(tail.lost)
        figures[f"{name}_doubled"] = float(tail.doubled)
        figures[f"{name}_resnapshots"] = float(tail.snapshots)
        figures[f"{name}_snapshot_skipped"] = float(tail.snapshot_skipped)
        figures[f"{name}_behind"] = float(max(0, produced_to - (tail.last or 0)))
        figures[f"{name}_bad_lines"] = float(tail.bad_lines)
    figures["positions_events"] = float(tails[0].types["unit.positions"])
    figures["incidents_new"] = float(tails[0].types["incident.new"])
    figures["incident_updates"] = float(tails[0].types["incident.update"])
    warm_clock = t0_wall_clock + warm
    figures.update(stall_figures("wall", wall_stats, warm_clock))
    figures.update(stall_figures("hub", hub_stats, warm_clock))
    _print_series(samples, warm)
    return figures


def _print_sample(sample: Sample, samples: list[Sample]) -> None:
    print(
        f"{sample.t / 60:6.1f} {sample.hub_kb / 1024:8.1f} {sample.wall_kb / 1024:8.1f} "
        f"{sample.wall_tree_kb / 1024:9.1f} {100 * sample.hub_cpu / max(sample.t, 1):7.0f}% "
        f"{100 * sample.wall_cpu / max(sample.t, 1):8.0f}% {sample.seq:8d} "
        + " ".join(f"{last:8d}" for last in sample.tails),
        flush=True,
    )


def _print_series(samples: list[Sample], warm: float) -> None:
    """RSS over time: about 15 evenly spaced samples, the warm-up point marked."""
    step = max(1, len(samples) // 15)
    chosen = samples[::step]
    if chosen[-1] is not samples[-1]:
        chosen.append(samples[-1])
    print("RSS over time (MB):  min   hub    wall  wall+helpers", flush=True)
    marked = False
    for sample in chosen:
        mark = ""
        if not marked and sample.t >= warm:
            mark, marked = "  <- warm-up over", True
        print(
            f"                   {sample.t / 60:5.1f} {sample.hub_kb / 1024:6.1f} "
            f"{sample.wall_kb / 1024:7.1f} {sample.wall_tree_kb / 1024:8.1f}{mark}",
            flush=True,
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "hub-child":
        sys.exit(hub_child(sys.argv[2:]))
    if len(sys.argv) > 3 and sys.argv[1] == "wall-child" and sys.argv[3] == "--":
        sys.exit(wall_child(Path(sys.argv[2]), sys.argv[4:]))
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--minutes", type=float, default=None)
    ns = parser.parse_args()
    for key, value in run(ns.quick, ns).items():
        print(f"{key:>36}  {value:,.2f}")
