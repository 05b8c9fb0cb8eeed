"""Optional TLS: the real ``watchfloor hub --tls-cert --tls-key`` serving wss:// and https://.

Certificates come from a throwaway CA (trustme). Clients trust it with ``--ca``; one that
does not must fail at once with a message that says so (not retry silently for ever),
and the hub keeps serving the others. Tokens are still required over TLS.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme
from websockets.asyncio.client import connect

from desktop.check import probe_hub
from tests.support.hubs import report

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class TlsHub:
    port: int
    api_port: int
    ca: Path  # the CA bundle a client trusts
    tokens: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def wss(self) -> str:
        return f"wss://127.0.0.1:{self.port}"

    @property
    def https(self) -> str:
        return f"https://127.0.0.1:{self.api_port}"

    def trusted(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))

    def post(self, token: str | None, external_id: str) -> tuple[int, dict[str, Any]]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            self.https + "/api/v1/reports",
            data=json.dumps(report(external_id)).encode(),
            headers=headers,
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10, context=self.trusted()) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def healthy(self) -> bool:
        with urllib.request.urlopen(
            self.https + "/api/v1/health", timeout=5, context=self.trusted()
        ) as response:
            return bool(json.loads(response.read())["status"] == "ok")


def _hub_command(tmp_path: Path, *extra: str) -> list[str]:
    db = f"sqlite:///{tmp_path / 'hub.db'}"
    return [sys.executable, "-m", "desktop.cli", "hub", "--db", db, *extra]


def _certificates(tmp_path: Path) -> tuple[Path, Path, Path]:
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1", "localhost")
    cert, key, bundle = tmp_path / "hub.pem", tmp_path / "hub.key", tmp_path / "ca.pem"
    cert.write_bytes(b"".join(blob.bytes() for blob in issued.cert_chain_pems))
    key.write_bytes(issued.private_key_pem.bytes())
    bundle.write_bytes(ca.cert_pem.bytes())
    return cert, key, bundle


@pytest.fixture
def tls_hub(tmp_path: Path) -> Iterator[TlsHub]:
    cert, key, bundle = _certificates(tmp_path)
    tokens = {role: f"{role}-{os.urandom(8).hex()}" for role in ("wall", "source")}
    auth = tmp_path / "auth.toml"
    auth.write_text(
        "".join(
            f'[[token]]\nvalue = "{value}"\nrole = "{role}"\nname = "{role}-1"\n'
            for role, value in tokens.items()
        ),
        "utf-8",
    )
    port, api_port = _free_port(), _free_port()
    command = _hub_command(
        tmp_path,
        *("--port", str(port), "--api-port", str(api_port), "--auth", str(auth)),
        *("--tls-cert", str(cert), "--tls-key", str(key)),
    )
    log = tmp_path / "hub.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)
    hub = TlsHub(port, api_port, bundle, tokens, process, log)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, log.read_text("utf-8", "replace")
            try:
                if hub.healthy():
                    break
            except OSError:
                assert time.monotonic() < deadline, log.read_text("utf-8", "replace")
                time.sleep(0.05)
        yield hub
    finally:
        process.terminate()
        process.wait(15)


def _tail(hub: TlsHub, *extra: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "desktop.cli", "tail", "--hub", hub.wss, *extra]
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=os.environ.copy()
    )


def test_tail_over_wss_gets_the_snapshot_and_events_and_https_reports_are_accepted(
    tls_hub: TlsHub,
) -> None:
    command = [
        sys.executable,
        "-m",
        "desktop.cli",
        "tail",
        "--hub",
        tls_hub.wss,
        "--token",
        tls_hub.tokens["wall"],
        "--ca",
        str(tls_hub.ca),
        "--count",
        "3",
    ]
    tail = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert tail.stdout is not None
        first = json.loads(tail.stdout.readline())  # the snapshot: tail is connected
        assert first["type"] == "snapshot", first
        status, body = tls_hub.post(tls_hub.tokens["source"], "tls-1")
        assert status == 201, body
        out, err = tail.communicate(timeout=20)
    finally:
        if tail.poll() is None:
            tail.kill()
    assert tail.returncode == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["type"] for e in events] == ["incident.new", "ticker"], events
    assert events[0]["seq"] == body["seq"] and events[0]["incident"]["id"] == body["id"]

    # Tokens are still required: over https and over wss.
    assert tls_hub.post(None, "tls-2")[0] == 401
    assert tls_hub.post(tls_hub.tokens["wall"], "tls-3")[0] == 403

    async def hello(token: str) -> dict[str, Any]:
        async with connect(tls_hub.wss + "/stream", ssl=tls_hub.trusted()) as ws:
            await ws.send(json.dumps({"type": "hello", "token": token}))
            answer: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 5))
            return answer

    assert asyncio.run(hello("not-a-token"))["code"] == "unauthorized"
    assert asyncio.run(hello(tls_hub.tokens["source"]))["code"] == "forbidden"
    assert asyncio.run(hello(tls_hub.tokens["wall"]))["type"] == "welcome"


def test_a_client_that_does_not_trust_the_ca_fails_clearly_and_the_hub_serves_on(
    tls_hub: TlsHub, tmp_path: Path
) -> None:
    started = time.monotonic()
    done = _tail(tls_hub, "--token", tls_hub.tokens["wall"])  # system trust only
    elapsed = time.monotonic() - started
    assert done.returncode == 2, done
    assert "not trusted" in done.stderr and "--ca" in done.stderr, done.stderr
    assert elapsed < 10, f"{elapsed:.1f} s to give up"

    # The installer's check says the same, and passes with the CA.
    url, token = tls_hub.wss, tls_hub.tokens["wall"]
    refused = asyncio.run(probe_hub(url, token, 5.0))
    assert refused.status == "fail" and "not trusted" in refused.detail, refused
    accepted = asyncio.run(probe_hub(url, token, 5.0, tls_hub.ca))
    assert accepted.status == "ok" and "role wall" in accepted.detail, accepted

    # A --ca that is not a CA bundle: exit 2 naming the file, before connecting.
    bogus = tmp_path / "not-a-ca.pem"
    bogus.write_text("hello\n", "utf-8")
    done = _tail(tls_hub, "--token", token, "--ca", str(bogus))
    assert done.returncode == 2 and str(bogus) in done.stderr, done

    assert tls_hub.healthy()
    assert tls_hub.post(tls_hub.tokens["source"], "after-refusals")[0] == 201


def test_plain_ws_and_http_to_the_tls_ports_are_refused_cleanly(tls_hub: TlsHub) -> None:
    async def plain() -> BaseException | None:
        try:
            async with connect(f"ws://127.0.0.1:{tls_hub.port}/stream", open_timeout=5):
                return None
        except Exception as exc:
            return exc

    started = time.monotonic()
    refused = asyncio.run(plain())
    assert refused is not None and not isinstance(refused, TimeoutError), refused
    assert time.monotonic() - started < 5

    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
        urllib.request.urlopen(f"http://127.0.0.1:{tls_hub.api_port}/api/v1/health", timeout=5)

    finding = asyncio.run(probe_hub(f"ws://127.0.0.1:{tls_hub.port}", None, 5.0))
    assert finding.status == "fail" and "wss://" in finding.detail, finding

    assert tls_hub.healthy()
    assert tls_hub.process.poll() is None


@pytest.mark.parametrize("broken", ["missing cert", "key is a cert", "only a cert"])
def test_an_unusable_certificate_or_key_exits_2_naming_the_file(
    tmp_path: Path, broken: str
) -> None:
    cert, key, _bundle = _certificates(tmp_path)
    if broken == "missing cert":
        options, named = ["--tls-cert", str(tmp_path / "nope.pem"), "--tls-key", str(key)], "nope"
    elif broken == "key is a cert":
        options, named = ["--tls-cert", str(cert), "--tls-key", str(cert)], str(cert)
    else:
        options, named = ["--tls-cert", str(cert)], "--tls-key"
    command = _hub_command(tmp_path, "--port", "0", "--api-port", "0", *options)
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=30, env=os.environ.copy()
    )
    assert done.returncode == 2, done
    assert named in done.stderr, done.stderr
    assert not (tmp_path / "hub.db").exists()  # refused before touching the store
