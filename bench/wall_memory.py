"""Wall memory: a one-screen wall with its map, Chromium included, against issue 17's 500 MB.

``python bench/run.py wall_memory`` (or ``python -m bench.wall_memory [--minutes N]
[--officers N] [--layout FILE] [--flags "..."]``) starts, on 127.0.0.1, a hub with the
Wucheng simulator (300 officers reporting each second, 600 cases an hour: a district's
day shift) on a fresh SQLite file, then the real ``watchfloor wall --windowed`` on the
offscreen platform at 1920x1080 with its default layout (map, queue, KPI, ticker), and
samples every 10 s, per process of the wall's tree (the Python process and each
QtWebEngine helper: renderer, GPU, utility, zygote):

- **RSS**, what ``top`` shows; summed over processes it counts every shared page (Qt's
  and Chromium's libraries, mapped by each helper) once per process, so the sum is more
  than the machine gives the wall;
- **PSS** (``/proc/PID/smaps_rollup``): each shared page divided among the processes that
  map it. The sum of PSS is the memory the wall's processes take together: the figure the
  budget is about, and the one printed as ``wall_tree_pss_mb``.

It prints the samples, a per-process table at the end (peak and last), and
``wall_tree_pss_mb`` / ``wall_tree_rss_mb`` peaks after the warm-up (the first minute:
the map page loads, the first snapshot is drawn). The hub is not counted (on a real wall
it runs on another machine; the demo's embedded hub is reported by ``watchfloor demo``).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._procstat import descendants, pss_kb, rss_kb  # noqa: E402
from bench.soak import HUB_START_TIMEOUT, Children, _tail_of, _watchfloor, _write_auth  # noqa: E402

BUDGET_MB = 500.0
SAMPLE_SECONDS = 10.0
WARM_SECONDS = 60.0
SCREEN = {"name": "0-wall", "x": 0, "y": 0, "width": 1920, "height": 1080,
          "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}  # fmt: skip


def _kind(pid: int) -> str:
    """What a process of the wall's tree is: ``wall`` or Chromium's ``--type=``."""
    try:
        argv = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return "gone"
    parent = _parent_type(pid)
    if parent == "zygote":
        # Chromium's zygote forks the renderers, which keep the zygote's command line.
        return "renderer"
    for arg in argv:
        if arg.startswith(b"--type="):
            kind = arg[len(b"--type=") :].decode()
            for sub in argv:
                if sub.startswith(b"--utility-sub-type="):
                    return f"{kind}:{sub.split(b'=', 1)[1].decode().rsplit('.', 1)[-1]}"
            return kind
    name = Path(argv[0].decode(errors="replace")).name if argv and argv[0] else "?"
    return "browser" if "QtWebEngineProcess" in name else "wall"


def _parent_type(pid: int) -> str | None:
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
        ppid = stat[stat.rindex(")") + 2 :].split()[1]
        argv = (Path("/proc") / ppid / "cmdline").read_bytes().split(b"\0")
    except (OSError, IndexError, ValueError):
        return None
    for arg in argv:
        if arg.startswith(b"--type="):
            return arg[len(b"--type=") :].decode()
    return None


def sample(wall_pid: int) -> dict[str, tuple[int, int]]:
    """``{"kind pid": (rss_kb, pss_kb)}`` for the wall and every descendant."""
    found: dict[str, tuple[int, int]] = {}
    for pid in [wall_pid, *descendants(wall_pid)]:
        rss, pss = rss_kb(pid), pss_kb(pid)
        if rss is None or pss is None:
            continue
        found[f"{_kind(pid)} {pid}"] = (rss, pss)
    return found


def run(quick: bool, args: argparse.Namespace | None = None) -> dict[str, float]:
    """``bench/run.py``'s entry: 1.5 minutes with ``--quick``, else ``--minutes`` (3)."""
    minutes = getattr(args, "minutes", None) or 3.0
    return measure(1.5 if quick else minutes, 300, None, None)


def measure(
    minutes: float,
    officers: int,
    layout: Path | None,
    flags: str | None,
    screen: tuple[int, int] = (1920, 1080),
) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="wf-wallmem-") as name:
        tmp = Path(name)
        children = Children()
        try:
            return _measure(minutes, officers, layout, flags, screen, tmp, children)
        finally:
            children.stop_all()


def _measure(
    minutes: float,
    officers: int,
    layout: Path | None,
    flags: str | None,
    screen: tuple[int, int],
    tmp: Path,
    children: Children,
) -> dict[str, float]:
    tokens = {"wall": secrets.token_urlsafe(18)}
    auth = tmp / "auth.toml"
    _write_auth(auth, tokens)
    screens = tmp / "screens.json"
    screens.write_text(
        json.dumps({"screens": [{**SCREEN, "width": screen[0], "height": screen[1]}]})
    )
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={screens}",
        "WATCHFLOOR_LOG_DIR": str(tmp / "logs"),
        "WATCHFLOOR_CONFIG_DIR": str(tmp / "config"),
        "XDG_DATA_HOME": str(tmp / "data"),
        "XDG_CACHE_HOME": str(tmp / "cache"),
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    if flags is not None:
        env["QTWEBENGINE_CHROMIUM_FLAGS"] = flags
    ready = tmp / "hub.ready"
    hub_argv = [sys.executable, "-m", "bench.soak", "hub-child", "--auth", str(auth),
                "--db", f"sqlite:///{tmp / 'hub.db'}", "--ready", str(ready),
                "--stats", str(tmp / "hub-lag.jsonl"), "--officers", str(officers)]  # fmt: skip
    hub = children.start("hub", hub_argv, env, tmp / "hub.out", tmp / "hub.err")
    started = time.monotonic()
    while not ready.exists():
        if hub.poll() is not None:
            raise RuntimeError(f"hub exited {hub.returncode}: {_tail_of(tmp / 'hub.err')}")
        if time.monotonic() - started > HUB_START_TIMEOUT:
            raise RuntimeError(f"hub not ready in {HUB_START_TIMEOUT:.0f} s")
        time.sleep(0.2)
    port = json.loads(ready.read_text())["port"]
    wall_argv = [*_watchfloor(), "wall", "--hub", f"ws://127.0.0.1:{port}",
                 "--token", tokens["wall"], "--windowed"]  # fmt: skip
    if layout is not None:
        wall_argv += ["--layout", str(layout)]
    wall = children.start("wall", wall_argv, env, tmp / "wall.out", tmp / "wall.err")
    print(
        f"wall_memory: {minutes:g} min, {officers} officers, screen {screen[0]}x{screen[1]}, "
        f"warm-up {WARM_SECONDS:.0f} s, "
        f"flags {env.get('QTWEBENGINE_CHROMIUM_FLAGS', '(default)')!r}",
        flush=True,
    )
    print(f"{'s':>5} {'procs':>5} {'RSS MB':>8} {'PSS MB':>8} {'wall PSS':>9}", flush=True)
    t0 = time.monotonic()
    peaks: dict[str, tuple[int, int]] = {}
    last: dict[str, tuple[int, int]] = {}
    after_warm: list[tuple[int, int]] = []
    while time.monotonic() - t0 < minutes * 60.0:
        if wall.poll() is not None:
            raise RuntimeError(f"wall exited {wall.returncode}: {_tail_of(tmp / 'wall.err')}")
        last = sample(wall.pid)
        for key, (rss, pss) in last.items():
            old = peaks.get(key, (0, 0))
            peaks[key] = (max(old[0], rss), max(old[1], pss))
        rss_sum = sum(r for r, _ in last.values())
        pss_sum = sum(p for _, p in last.values())
        elapsed = time.monotonic() - t0
        if elapsed >= WARM_SECONDS:
            after_warm.append((rss_sum, pss_sum))
        own = next((p for k, (_, p) in last.items() if k.startswith("wall ")), 0)
        print(
            f"{elapsed:5.0f} {len(last):5d} {rss_sum / 1024:8.1f} {pss_sum / 1024:8.1f} "
            f"{own / 1024:9.1f}",
            flush=True,
        )
        time.sleep(SAMPLE_SECONDS)
    print(f"\n{'process':<28} {'RSS last':>9} {'PSS last':>9} {'PSS peak':>9}")
    for key in sorted(last, key=lambda k: -last[k][1]):
        print(
            f"{key:<28} {last[key][0] / 1024:9.1f} {last[key][1] / 1024:9.1f} "
            f"{peaks[key][1] / 1024:9.1f}"
        )
    if not after_warm:
        raise RuntimeError("the run ended before its warm-up: give --minutes > 1")
    figures = {
        "wall_tree_pss_mb": round(max(p for _, p in after_warm) / 1024, 1),
        "wall_tree_pss_last_mb": round(after_warm[-1][1] / 1024, 1),
        "wall_tree_rss_mb": round(max(r for r, _ in after_warm) / 1024, 1),
        "wall_process_pss_mb": round(
            next((p for k, (_, p) in last.items() if k.startswith("wall ")), 0) / 1024, 1
        ),
        "budget_mb": BUDGET_MB,
    }
    figures["within_budget"] = float(figures["wall_tree_pss_mb"] <= BUDGET_MB)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--officers", type=int, default=300)
    parser.add_argument("--layout", type=Path)
    parser.add_argument("--flags", help="QTWEBENGINE_CHROMIUM_FLAGS to try instead")
    parser.add_argument("--screen", default="1920x1080", help="WxH (3840x2160 for 4K)")
    parser.add_argument("--quick", action="store_true", help="1.5 minutes")
    args = parser.parse_args(argv)
    minutes = 1.5 if args.quick else args.minutes
    width, height = (int(n) for n in args.screen.lower().split("x"))
    figures = measure(minutes, args.officers, args.layout, args.flags, (width, height))
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
