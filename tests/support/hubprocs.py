"""A hub as the real command (``watchfloor hub``) in a subprocess: for ``kill -9``."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

#: Tokens of the auth file every HubProcess of a test shares (a cluster's nodes must).
TOKENS = {"source": "procs-source-token", "wall": "procs-wall-token", "operator": "procs-op"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_auth(folder: Path) -> Path:
    auth = folder / "auth.toml"
    auth.write_text(
        "".join(
            f'[[token]]\nvalue = "{value}"\nrole = "{role}"\nname = "{role}-1"\n\n'
            for role, value in TOKENS.items()
        ),
        "utf-8",
    )
    return auth


class HubProcess:
    def __init__(
        self,
        db_url: str,
        folder: Path,
        *,
        nats: tuple[str, ...] = (),
        node: str = "",
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.db_url = db_url
        self.auth = write_auth(folder)
        self.nats = nats
        self.node = node
        self.log = folder / f"hub-{node or 'single'}.log"
        self.port, self.api_port = free_port(), free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def stream_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/stream"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.api_port}{path}"

    def start(self, timeout: float = 60.0) -> HubProcess:
        command = [
            sys.executable,
            "-m",
            "desktop.cli",
            "hub",
            "--db",
            self.db_url,
            "--port",
            str(self.port),
            "--api-port",
            str(self.api_port),
            "--auth",
            str(self.auth),
        ]
        if self.nats:
            command += ["--nats", ",".join(self.nats), "--node", self.node]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy()
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text("utf-8", "replace")
            if self.health() is not None:
                return self
            time.sleep(0.1)
        raise AssertionError(f"hub did not start: {self.log.read_text('utf-8', 'replace')}")

    def health(self) -> dict[str, Any] | None:
        try:
            with urllib.request.urlopen(self.url("/api/v1/health"), timeout=2) as answer:
                health: dict[str, Any] = json.loads(answer.read())
                return health
        except (OSError, urllib.error.URLError):
            return None

    def kill9(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def post(self, path: str, body: Any, timeout: float = 15.0) -> tuple[int, dict[str, Any]]:
        """POST JSON as the source; a dead node is ``(0, {...})``, as a source sees it."""
        request = urllib.request.Request(
            self.url(path),
            data=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {TOKENS['source']}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")
        except (OSError, urllib.error.URLError) as exc:
            return 0, {"error": repr(exc)}

    def fix(self, device: str, lat: float, lon: float, ts: float) -> int:
        """An OsmAnd fix, as Traccar Client posts it; the status (0: node dead)."""
        query = f"id={device}&lat={lat:.7f}&lon={lon:.7f}&timestamp={ts}&token={TOKENS['source']}"
        request = urllib.request.Request(self.url(f"/osmand?{query}"), method="POST")
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                response.read()
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)
        except (OSError, urllib.error.URLError):
            return 0
