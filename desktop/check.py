"""``watchfloor check``: what an installer needs to know on site, and whether a wall can run.

Prints one line per finding (``OK`` / ``WARN`` / ``FAIL`` / ``INFO``) and exits non-zero
when something would stop a wall:

- 1: no screen, QtWebEngine cannot render a page, no Chinese font, data or log folder
  not writable;
- 2: the configuration or layout file is missing or invalid, or the hub refused the token
  (DESIGN.md: 2 is "bad arguments or config");
- 3: ``--hub`` given and the hub unreachable (DESIGN.md: 3 is "hub unreachable").

With several failures the exit code is that of the first one printed. ``--json`` prints
the same as one JSON object for scripts.

Files are judged by the very loaders the programs use: the layout by the wall's
(``desktop.layout.load_layout``), the configuration file's ``[wall]`` and ``[desk]`` by
``desktop.clientconfig.load_client_config``; both raise errors naming file, line and field.
The hub is reached with the client walls use (``backend_client.transport.FeedClient``).
Screens a layout names that this PC does not have are reported as a warning: the wall then
moves their panels or waits (DESIGN.md, "Wall layout file").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from backend_client.config import ConfigError, read_toml
from desktop import __version__
from desktop.logsetup import config_dirs, data_dir, find_config, find_layout, log_dir

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

Status = Literal["ok", "warn", "fail", "info"]

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_CONFIG = 2
EXIT_HUB = 3

_LABELS: dict[Status, str] = {"ok": "OK  ", "warn": "WARN", "fail": "FAIL", "info": "INFO"}


@dataclass
class Finding:
    name: str
    status: Status
    detail: str
    exit_code: int = EXIT_OK

    @classmethod
    def failed(cls, name: str, detail: str, exit_code: int = EXIT_FAIL) -> Finding:
        return cls(name, "fail", detail, exit_code)


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hub", help="ws://HOST:PORT of the hub to reach (optional)")
    parser.add_argument(
        "--ca", type=Path, metavar="FILE", help="CA bundle (PEM) to trust for a wss:// hub"
    )
    parser.add_argument("--token", help="a wall token: also checks the hub accepts it")
    parser.add_argument("--layout", type=Path, help="wall layout file (TOML) to validate")
    parser.add_argument("--config", type=Path, help="configuration file (TOML) to validate")
    parser.add_argument(
        "--calendar",
        type=Path,
        metavar="FILE",
        help="the hub's working calendar (TOML) to validate (default: the shipped one)",
    )
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="seconds for the hub and page (default 5)"
    )
    parser.add_argument("--no-web", action="store_true", help="skip the QtWebEngine page test")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--log-level", default="WARNING")


# --- files and folders -----------------------------------------------------------------


def check_install() -> Finding:
    frozen = getattr(sys, "frozen", False)
    where = f"bundle {Path(sys.executable).parent}" if frozen else f"Python {sys.executable}"
    detail = f"watchfloor {__version__}, {where}"
    info = Path(sys.executable).parent / "BUILD-INFO.txt"
    if frozen and info.is_file():
        fields = dict(
            line.split(": ", 1) for line in info.read_text("utf-8").splitlines() if ": " in line
        )
        detail += f", commit {fields.get('commit', '?')}, built {fields.get('built', '?')}"
    return Finding("install", "info", detail)


def _writable(folder: Path) -> str | None:
    """None if a file can be created in ``folder`` (created if needed), else why not."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".check-", delete=True) as handle:
            handle.write(b"ok")
    except OSError as exc:
        return str(exc)
    return None


def check_dirs() -> list[Finding]:
    findings = []
    for name, folder in (("data dir", data_dir()), ("log dir", log_dir())):
        problem = _writable(folder)
        if problem is None:
            findings.append(Finding(name, "ok", f"{folder} (writable)"))
        else:
            findings.append(Finding.failed(name, f"{folder} not writable: {problem}"))
    searched = ", ".join(str(d) for d in config_dirs())
    findings.append(Finding("config dirs", "info", f"searched in order: {searched}"))
    return findings


def _load_toml(path: Path, what: str) -> tuple[dict[str, object] | None, Finding | None]:
    if not path.is_file():
        return None, Finding.failed(what, f"{path}: no such file", EXIT_CONFIG)
    try:
        return read_toml(path).data, None  # the loader every config file goes through
    except ConfigError as exc:
        # A syntax error names its line: "FILE:LINE: field '(syntax)': ...".
        return None, Finding.failed(what, str(exc), EXIT_CONFIG)


def check_config(explicit: Path | None) -> Finding:
    """The configuration file as ``wall`` and ``desk`` will read it (the same loader)."""
    from desktop.clientconfig import check_client_config

    path = find_config(explicit)
    if path is None:
        return Finding("config", "info", "no configuration file (defaults apply)")
    data, problem = _load_toml(path, "config")
    if problem is not None:
        return problem
    try:
        tables = check_client_config(path)
    except ConfigError as exc:
        return Finding.failed("config", str(exc), EXIT_CONFIG)
    judged = f"[{'], ['.join(tables)}] valid" if tables else "no [wall] or [desk] table"
    return Finding("config", "ok", f"{path}: {judged}, {len(data or {})} top-level keys")


LayoutValidator = Callable[[dict[str, object], Path], list[str]]


def _layout_validator() -> LayoutValidator | None:
    """The wall's layout loader as a validator (a hook: tests put their own in)."""
    from desktop.layout import load_layout

    def validate(data: dict[str, object], path: Path) -> list[str]:
        try:
            load_layout(path)
        except ConfigError as exc:
            return [str(exc)]
        return []

    return validate


def layout_screen_names(path: Path) -> list[str]:
    """Screen names (not indices) a valid layout asks for; [] when unknown."""
    try:
        from desktop.layout import load_layout

        layout = load_layout(path)
    except ConfigError:  # already reported by check_layout
        return []
    return [spec.screen for spec in layout.screens if isinstance(spec.screen, str)]


def check_layout(value: Path | None, validator: LayoutValidator | None = None) -> Finding | None:
    """None when no layout was asked for and none is installed in the config folders."""
    path = find_layout(value)
    if path is None:
        return None
    data, problem = _load_toml(path, "layout")
    if problem is not None:
        return problem
    assert data is not None
    validator = validator or _layout_validator()
    if validator is None:
        return Finding("layout", "ok", f"{path}: valid TOML (panels not checked yet)")
    errors = validator(data, path)
    if errors:
        # The loader's errors begin "FILE:LINE: field ...": name the file only once.
        text = "; ".join(errors)
        detail = text if text.startswith(f"{path}:") else f"{path}: {text}"
        return Finding.failed("layout", detail, EXIT_CONFIG)
    return Finding("layout", "ok", f"{path}: valid")


# --- the hub -------------------------------------------------------------------------


async def probe_hub(hub: str, token: str | None, timeout: float, ca: Path | None = None) -> Finding:
    """Open the stream with the walls' own client; with a token, expect a welcome.

    TLS problems are named as such: an untrusted certificate, an unreadable ``--ca``, and
    a plain ``ws://`` URL to a hub that serves ``wss://`` (a handshake that never looks
    like HTTP).
    """
    import ssl

    from websockets.exceptions import InvalidMessage, WebSocketException

    from backend_client.protocol import ProtocolError
    from backend_client.transport import AuthRejected, FeedClient
    from desktop.cli import stream_url

    url = stream_url(hub)
    tls: ssl.SSLContext | None = None
    if url.startswith("wss:"):
        try:
            tls = ssl.create_default_context(cafile=str(ca) if ca else None)
        except (OSError, ssl.SSLError) as exc:
            detail = f"--ca {ca} cannot be used as a CA bundle: {exc}"
            return Finding.failed("hub", detail, EXIT_CONFIG)
    client = FeedClient(url, token or "", tls=tls)
    try:
        async with asyncio.timeout(timeout):
            role = await client.probe()
    except TimeoutError:
        return Finding.failed("hub", f"{url} unreachable: no answer in {timeout:g} s", EXIT_HUB)
    except AuthRejected as exc:
        if exc.code in ("tls", "bad_url"):  # the client's words already say what to do
            return Finding.failed("hub", f"{url}: {exc}", EXIT_HUB)
        return Finding.failed("hub", f"{url} refused the token: {exc.code}: {exc}", EXIT_CONFIG)
    except InvalidMessage as exc:
        hint = " (does the hub serve TLS? then use wss://)" if url.startswith("ws:") else ""
        return Finding.failed("hub", f"{url} unreachable: {exc}{hint}", EXIT_HUB)
    except (OSError, WebSocketException) as exc:
        return Finding.failed("hub", f"{url} unreachable: {exc}", EXIT_HUB)
    except ProtocolError as exc:
        return Finding.failed("hub", f"{url} is not a Watchfloor hub: {exc}", EXIT_HUB)
    if token is None:
        return Finding("hub", "ok", f"{url} reachable (give --token to test one)")
    if role is not None:
        return Finding("hub", "ok", f"{url} reachable, token accepted (role {role})")
    return Finding.failed("hub", f"{url} answered, but not with a welcome")


# --- Qt: screens, rendering, fonts, QtWebEngine (desktop/checkqt.py) ---------------------


def _screens(app: QApplication, wanted: Sequence[str] = ()) -> list[Finding]:
    from desktop.checkqt import screen_findings

    return screen_findings(app, wanted)


# --- putting it together ---------------------------------------------------------------


def exit_code(findings: Sequence[Finding]) -> int:
    for finding in findings:
        if finding.status == "fail":
            return finding.exit_code or EXIT_FAIL
    return EXIT_OK


def check_calendar(path: Path | None, now: float | None = None) -> Finding:
    """The working calendar the hub counts 处置时限 deadlines on: readable, and holding
    this year's holidays (else a warning: deadlines would count holidays as work)."""
    import time

    from backend_client.config import ConfigError as FileError
    from hub.deadlines import coverage_warnings
    from hub.domain.calendar import load_calendar, shipped_calendar

    try:
        calendar = shipped_calendar() if path is None else load_calendar(path)
    except (FileError, OSError) as exc:
        return Finding.failed("calendar", str(exc), EXIT_CONFIG)
    warnings = coverage_warnings(calendar, time.time() if now is None else now)
    years = ", ".join(str(y) for y in sorted(calendar.years))
    if warnings:
        return Finding("calendar", "warn", "; ".join(warnings) + f" (holds {years})")
    return Finding("calendar", "ok", f"{path or 'shipped'}: holds {years}")


def collect(args: argparse.Namespace) -> list[Finding]:
    findings = [check_install(), *check_dirs(), check_config(args.config)]
    findings.append(check_calendar(getattr(args, "calendar", None)))
    layout = check_layout(args.layout)
    wanted: list[str] = []
    if layout is not None:
        findings.append(layout)
        path = find_layout(args.layout)
        if layout.status == "ok" and path is not None:
            wanted = layout_screen_names(path)
    if args.hub:
        # Before Qt: a plain asyncio loop, no Qt event loop integration needed.
        from backend_client.transport import hub_urls
        from desktop.cli import stream_url

        # Every node of a cluster: a wall fails over only to nodes that would take it.
        for node in hub_urls(stream_url(args.hub)):
            findings.append(asyncio.run(probe_hub(node, args.token, args.timeout, args.ca)))
    from desktop.checkqt import check_qt  # Qt only now: the checks above run without it

    findings += check_qt(args.timeout, web=not args.no_web, wanted_screens=wanted)
    # Spoken announcements: warnings only, a wall without sound still runs (desktop/speech).
    from desktop.speech.check import speech_findings

    findings += speech_findings()
    return findings


def report(findings: Sequence[Finding], as_json: bool) -> str:
    code = exit_code(findings)
    if as_json:
        body = {"ok": code == EXIT_OK, "exit": code, "findings": [asdict(f) for f in findings]}
        return json.dumps(body, ensure_ascii=False, indent=2)
    width = max(len(f.name) for f in findings)
    lines = [f"{_LABELS[f.status]}  {f.name:<{width}}  {f.detail}" for f in findings]
    if code == EXIT_OK:
        lines.append("result: 通过 OK — nothing here stops a wall")
    else:
        lines.append(f"result: 失败 FAIL — a wall would not run here (exit {code})")
    return "\n".join(lines)


def run_check(args: argparse.Namespace) -> int:
    findings = collect(args)
    print(report(findings, args.json), flush=True)
    return exit_code(findings)
