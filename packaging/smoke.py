"""Smoke-test the built bundle the way a wall PC runs it: no venv, no network.

    python3 packaging/smoke.py [--bundle dist/watchfloor] [--out DIR] [--after 10]
                               [--skip-demo] [--no-netns] [--keep-system-fonts]

Needs only the Python standard library, so any ``python3`` runs it and nothing of the
project's virtual environment leaks into what is tested. Unless ``--no-netns`` is given
it re-runs itself under ``unshare --net --mount``: a network namespace with only
loopback (proving nothing is fetched from outside) and, as root, a mount namespace in
which the system's font folders are hidden (proving the bundle's own CJK font works).
Every bundle command runs with a minimal environment (PATH=/usr/bin:/bin, a fresh HOME)
from a folder outside the checkout.

Steps: ``--version``; ``check`` on two named offscreen screens; ``check`` on a broken
layout (must fail with exit 2); ``hub`` on loopback with ``tail`` and ``check --hub``
against it; ``demo --screenshot`` whose PNG must show a real map (many colours, not a
blank page). Prints each step's time; exits 0 only if all pass.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSIDE = "--inside-namespace"
HIDDEN_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
HIDDEN_SPEECH_DIRS = ("/usr/lib/x86_64-linux-gnu/espeak-ng-data", "/usr/share/espeak-ng-data")

TWO_SCREENS: dict[str, list[dict[str, object]]] = {
    "screens": [
        {"name": "0-left", "x": 0, "y": 0, "width": 1920, "height": 1080},
        {"name": "1-right", "x": 1920, "y": 0, "width": 1920, "height": 1080},
    ]
}
ONE_SCREEN: dict[str, list[dict[str, object]]] = {
    "screens": [{"name": "WALL-1", "x": 0, "y": 0, "width": 1920, "height": 1080}]
}


class SmokeError(Exception):
    pass


# --- PNG decoding (stdlib only) ---------------------------------------------------------


@dataclass
class Image:
    width: int
    height: int
    channels: int
    rows: list[bytes]

    def pixel(self, x: int, y: int) -> tuple[int, ...]:
        start = x * self.channels
        return tuple(self.rows[y][start : start + self.channels])


_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


def decode_png(data: bytes) -> Image:
    """8-bit greyscale/RGB(A) PNGs, non-interlaced: what QImage.save() writes."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SmokeError("not a PNG file")
    pos, idat, header = 8, bytearray(), None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if header is None:
        raise SmokeError("PNG without IHDR")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in _CHANNELS or interlace:
        raise SmokeError(f"unsupported PNG: depth {depth}, colour type {colour}")
    channels = _CHANNELS[colour]
    raw = zlib.decompress(bytes(idat))
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        offset = y * (stride + 1)
        kind_byte = raw[offset]
        line = bytearray(raw[offset + 1 : offset + 1 + stride])
        _unfilter(kind_byte, line, previous, channels)
        rows.append(bytes(line))
        previous = line
    return Image(width, height, channels, rows)


def _unfilter(kind: int, line: bytearray, prev: bytearray, bpp: int) -> None:
    if kind == 0:
        return
    for i in range(len(line)):
        left = line[i - bpp] if i >= bpp else 0
        up = prev[i]
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
        elif kind == 4:
            corner = prev[i - bpp] if i >= bpp else 0
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
            line[i] = (line[i] + pred) & 0xFF
        else:
            raise SmokeError(f"bad PNG filter {kind}")


@dataclass
class MapVerdict:
    colours: int
    busy: float
    ok: bool

    def describe(self) -> str:
        return f"{self.colours} colours, {self.busy:.0%} non-background in the map area"


def judge_map(image: Image, min_colours: int = 24, min_busy: float = 0.03) -> MapVerdict:
    """Whether the middle of a wall screenshot shows a drawn map, not a blank page.

    The map fills the middle of a wall window (title bar above, ticker below); a page
    that failed to load (no QtWebEngineProcess, no Leaflet, network blocked) leaves it
    one flat colour. Boundaries, rivers, labels and unit markers give many colours and
    a good share of pixels that differ from the dominant (background) one.
    """
    x0, x1 = image.width // 5, image.width * 4 // 5
    y0, y1 = image.height // 5, image.height * 4 // 5
    counts: Counter[tuple[int, ...]] = Counter()
    for y in range(y0, y1, 2):
        for x in range(x0, x1, 2):
            counts[image.pixel(x, y)[:3]] += 1
    total = sum(counts.values())
    if total == 0:
        return MapVerdict(0, 0.0, False)
    background = counts.most_common(1)[0][1]
    busy = 1 - background / total
    return MapVerdict(len(counts), busy, len(counts) >= min_colours and busy >= min_busy)


# --- running the bundle -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Runner:
    def __init__(self, bundle: Path, work: Path) -> None:
        self.exe = bundle / ("watchfloor.exe" if os.name == "nt" else "watchfloor")
        if not self.exe.exists():
            raise SmokeError(f"{self.exe} missing: run python packaging/build.py first")
        self.work = work
        home = work / "home"
        home.mkdir(parents=True, exist_ok=True)
        # Nothing from the caller's environment: no venv, no PYTHONPATH, a fresh HOME
        # (so data, logs and caches are created from scratch as on a new wall PC).
        self.env = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "QTWEBENGINE_CHROMIUM_FLAGS": "--no-sandbox" if os.geteuid() == 0 else "",
        }
        self.timings: list[tuple[str, float]] = []

    def screens(self, name: str, config: dict[str, list[dict[str, object]]]) -> str:
        path = self.work / f"{name}.json"
        for screen in config["screens"]:
            screen.update({"logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1})
        path.write_text(json.dumps(config), encoding="utf-8")
        return f"offscreen:configfile={path}"

    def run(
        self, label: str, *args: str, platform: str = "offscreen", timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        result = subprocess.run(
            [str(self.exe), *args],
            cwd=self.work,
            env={**self.env, "QT_QPA_PLATFORM": platform},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        self.timings.append((label, time.monotonic() - started))
        return result

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [str(self.exe), *args],
            cwd=self.work,
            env={**self.env, "QT_QPA_PLATFORM": "offscreen"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def expect(result: subprocess.CompletedProcess[str], code: int, what: str) -> None:
    if result.returncode != code:
        raise SmokeError(
            f"{what}: exit {result.returncode}, expected {code}\n"
            f"--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"
        )


def step_version(runner: Runner) -> str:
    result = runner.run("--version", "--version", timeout=30)
    expect(result, 0, "--version")
    if not re.match(r"watchfloor \d", result.stdout):
        raise SmokeError(f"--version printed {result.stdout!r}")
    return result.stdout.strip()


def step_check(runner: Runner, expect_bundled_font: bool) -> str:
    platform = runner.screens("two-screens", TWO_SCREENS)
    result = runner.run("check", "check", "--json", platform=platform)
    expect(result, 0, "check")
    findings = {f["name"]: f for f in json.loads(result.stdout)["findings"]}
    screens = findings["screens"]["detail"]
    if "0-left" not in screens or "1-right" not in screens:
        raise SmokeError(f"check did not name the screens: {screens}")
    font = findings["CJK font"]
    if font["status"] != "ok" or (expect_bundled_font and "bundled" not in font["detail"]):
        raise SmokeError(f"check: CJK font not from the bundle: {font}")
    if findings["web engine"]["status"] != "ok":
        raise SmokeError(f"check: {findings['web engine']}")
    bad = runner.work / "bad-layout.toml"
    bad.write_text('[screen.0]\npanels = ["map"\n', encoding="utf-8")
    broken = runner.run("check bad layout", "check", "--no-web", "--layout", str(bad))
    expect(broken, 2, "check --layout (broken)")
    return f"screens {screens}; font {font['detail']}"


def step_speak(runner: Runner, expect_bundled: bool) -> str:
    """``speak --out``: the bundle's own espeak-ng and its data render Mandarin that is
    not silence (with the system's espeak-ng-data hidden when run as root)."""
    import array
    import math
    import wave

    out = runner.work / "speak.wav"
    result = runner.run("speak", "speak", "随手拍上报，城东街道飘萍路，渣土撒漏", "--out", str(out))
    expect(result, 0, "speak --out")
    with wave.open(str(out), "rb") as w:
        samples = array.array("h", w.readframes(w.getnframes()))
        seconds = w.getnframes() / w.getframerate()
    rms = math.sqrt(sum(v * v for v in samples) / max(1, len(samples)))
    if seconds < 2.0 or rms < 500:
        raise SmokeError(f"speak: {seconds:.2f} s at RMS {rms:.0f}: silence, not speech")
    checked = runner.run("check speech", "check", "--no-web", "--json")
    findings = {f["name"]: f for f in json.loads(checked.stdout)["findings"]}
    engine = findings["speech engine"]["detail"]
    if expect_bundled and str(runner.exe.parent) not in engine:
        raise SmokeError(f"check: espeak-ng data not from the bundle: {engine}")
    return f"speak: {seconds:.2f} s, RMS {rms:.0f}; {engine}"


def step_hub(runner: Runner) -> str:
    port, api = free_port(), free_port()
    db = runner.work / "hub.db"
    hub = runner.start(
        "hub", "--db", f"sqlite:///{db}", "--port", str(port), "--api-port", str(api)
    )
    try:
        started = time.monotonic()
        tokens = _read_tokens(hub)
        _wait_health(api, hub)
        runner.timings.append(("hub up", time.monotonic() - started))
        url = f"ws://127.0.0.1:{port}"
        checked = runner.run(
            "check --hub", "check", "--no-web", "--hub", url, "--token", tokens["wall"]
        )
        expect(checked, 0, "check --hub")
        tail = runner.run("tail", "tail", "--hub", url, "--token", tokens["wall"], "--count", "1")
        expect(tail, 0, "tail")
        first = json.loads(tail.stdout.splitlines()[0])
        if first.get("type") != "snapshot":
            raise SmokeError(f"tail: first line is not a snapshot: {tail.stdout[:200]}")
        sheet = _export_xlsx(runner, url, tokens)
    finally:
        hub.send_signal(signal.SIGINT)
        try:
            hub.wait(15)
        except subprocess.TimeoutExpired:
            hub.kill()
            hub.wait()
    gone = runner.run("check hub gone", "check", "--no-web", "--hub", url, "--timeout", "2")
    expect(gone, 3, "check --hub after the hub stopped")
    return f"hub on {url}: check, tail, export ({sheet}) ok; stopped hub -> check exit 3"


def _export_xlsx(runner: Runner, url: str, tokens: dict[str, str]) -> str:
    """``watchfloor export --format xlsx`` of a day without cases: the workbook writer
    (a compiled extension that reads its own package metadata on import) works in the
    bundle, and the file is a workbook holding the register's header."""
    if "supervisor" not in tokens:
        raise SmokeError(f"hub printed no supervisor token (got {sorted(tokens)})")
    out = runner.work / "cases.xlsx"
    exported = runner.run(
        "export xlsx",
        "export", "--hub", url, "--token", tokens["supervisor"], "--from", "2020-01-01",
        "--to", "2020-01-01", "--format", "xlsx", "--out", str(out), "--quiet",
    )  # fmt: skip
    expect(exported, 0, "export --format xlsx")
    try:
        with zipfile.ZipFile(out) as book:
            sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise SmokeError(f"export: {out} is not a workbook: {exc}") from None
    if "案件编号" not in sheet:
        raise SmokeError(f"export: the sheet has no header: {sheet[:200]}")
    return f"{out.stat().st_size:,} B workbook"


def _read_tokens(hub: subprocess.Popen[str]) -> dict[str, str]:
    assert hub.stderr is not None
    tokens: dict[str, str] = {}
    deadline = time.monotonic() + 30
    while len(tokens) < 5 and time.monotonic() < deadline:
        line = hub.stderr.readline()
        if not line:
            break
        match = re.match(r"token (\w+): (\S+)", line)
        if match:
            tokens[match.group(1)] = match.group(2)
    if "wall" not in tokens:
        raise SmokeError(f"hub printed no wall token (exit {hub.poll()})")
    return tokens


def _wait_health(port: int, hub: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if hub.poll() is not None:
            raise SmokeError(f"hub exited {hub.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SmokeError("hub health endpoint never answered")


def step_demo(runner: Runner, out: Path, after: float) -> str:
    platform = runner.screens("one-screen", ONE_SCREEN)
    db = runner.work / "demo.db"
    args = ["demo", "--db", f"sqlite:///{db}", "--screenshot", str(out), "--after", f"{after:g}"]
    result = runner.run("demo to screenshot", *args, platform=platform, timeout=after + 120)
    expect(result, 0, "demo --screenshot")
    if not out.is_file():
        raise SmokeError(f"demo wrote no {out}")
    verdict = judge_map(decode_png(out.read_bytes()))
    if not verdict.ok:
        raise SmokeError(f"{out} does not show a map: {verdict.describe()}")
    return f"{out}: {verdict.describe()}"


# --- isolation -------------------------------------------------------------------------


def network_is_isolated() -> bool:
    """True when no route leaves the machine (connecting outside fails at once)."""
    for address in (("192.0.2.1", 9), ("1.1.1.1", 53)):
        with socket.socket() as sock:
            sock.settimeout(2)
            try:
                sock.connect(address)
            except OSError as exc:
                if "unreachable" not in str(exc).lower() and exc.errno not in (101, 113):
                    return False
            else:
                return False
    return True


def enter_namespace(argv: list[str]) -> int:
    unshare = shutil.which("unshare")
    if unshare is None:
        raise SmokeError("unshare (util-linux) is missing; use --no-netns to run without it")
    command = [unshare, "--net", "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        command.append("--map-root-user")
    command += ["--", sys.executable, str(Path(__file__).resolve()), INSIDE, *argv]
    return subprocess.run(command, check=False).returncode


def inside_namespace(hide_fonts: bool, work: Path) -> list[str]:
    notes = []
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    if not network_is_isolated():
        raise SmokeError("the namespace still reaches the network")
    notes.append("network: loopback only")
    if hide_fonts:
        empty = work / "no-fonts"
        empty.mkdir(exist_ok=True)
        for folder in HIDDEN_FONT_DIRS:
            if Path(folder).is_dir():
                subprocess.run(["mount", "--bind", str(empty), folder], check=True)
        notes.append("system fonts: hidden")
        # The same for espeak-ng's data: the bundle must speak with its own.
        for folder in HIDDEN_SPEECH_DIRS:
            if Path(folder).is_dir():
                subprocess.run(["mount", "--bind", str(empty), folder], check=True)
        notes.append("system espeak-ng data: hidden")
    return notes


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    inside = INSIDE in argv
    if inside:
        argv.remove(INSIDE)
    parser = argparse.ArgumentParser(description="smoke-test dist/watchfloor offline")
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "watchfloor")
    parser.add_argument("--out", type=Path, help="folder for the screenshot and logs")
    parser.add_argument("--after", type=float, default=10.0, help="demo seconds before shot")
    parser.add_argument("--skip-demo", action="store_true", help="no demo step")
    parser.add_argument("--no-netns", action="store_true", help="do not isolate the network")
    parser.add_argument(
        "--keep-system-fonts", action="store_true", help="do not hide the system's fonts"
    )
    args = parser.parse_args(argv)
    try:
        if not inside and not args.no_netns and sys.platform.startswith("linux"):
            return enter_namespace(argv)
        out = (args.out or Path(tempfile.mkdtemp(prefix="watchfloor-smoke-"))).resolve()
        out.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="watchfloor-smoke-run-"))
        hide = inside and not args.keep_system_fonts and os.geteuid() == 0
        notes = inside_namespace(hide, work) if inside else ["network: NOT isolated"]
        runner = Runner(args.bundle.resolve(), work)
        notes.append(step_version(runner))
        notes.append(step_check(runner, expect_bundled_font=hide))
        notes.append(step_speak(runner, expect_bundled=hide))
        notes.append(step_hub(runner))
        if not args.skip_demo:
            notes.append(step_demo(runner, out / "demo-wall.png", args.after))
    except (SmokeError, subprocess.SubprocessError, OSError) as exc:
        print(f"smoke: FAIL: {exc}", file=sys.stderr)
        return 1
    for note in notes:
        print(f"smoke: {note}")
    for label, seconds in runner.timings:
        print(f"smoke: {label:<22} {seconds:6.2f} s")
    print("smoke: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
