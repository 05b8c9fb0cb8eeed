"""``kill -9`` of a hub process under concurrent reports loses no acknowledged report.

The hub runs as the real command (``watchfloor hub``) in a subprocess. Writers post
reports from several threads; the hub is SIGKILLed mid-stream and started again. Every
report answered 201 is in the store with the id it was given, retries of every report
(answered or not) never double a case, and the event log has no hole or duplicate.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend_client.protocol import decode_server
from backend_client.protocol.messages import IncidentNew
from hub.store.db import make_engine
from hub.store.models import Incident, StoredEventRow
from tests.support.hubs import report

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "kill9-source-token"
WRITERS = 6


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class HubProcess:
    def __init__(self, db_url: str, tmp: Path) -> None:
        self.db_url = db_url
        self.auth = tmp / "auth.toml"
        self.auth.write_text(
            f'[[token]]\nvalue = "{TOKEN}"\nrole = "source"\nname = "8890平台"\n', "utf-8"
        )
        self.log = tmp / "hub.log"
        self.port, self.api_port = _free_port(), _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
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
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy()
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text("utf-8", "replace")
            try:
                with urllib.request.urlopen(self.url("/api/v1/health"), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("hub did not start: " + self.log.read_text("utf-8", "replace"))

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.api_port}{path}"

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def post(self, external_id: str) -> tuple[int, str | None]:
        request = urllib.request.Request(
            self.url("/api/v1/reports"),
            data=json.dumps(report(external_id)).encode(),
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())["id"]
        except urllib.error.HTTPError as exc:
            return exc.code, None
        except OSError:
            return 0, None  # refused, reset or cut off by the kill: not acknowledged


@pytest.fixture
def hub_process(db_url: str, tmp_path: Path) -> Iterator[HubProcess]:
    process = HubProcess(db_url, tmp_path)
    yield process
    process.stop()


def test_kill_9_loses_no_acknowledged_report_and_doubles_none(hub_process: HubProcess) -> None:
    hub_process.start()
    acked: dict[str, str] = {}
    tried: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n: int) -> None:
        i = 0
        while not stop.is_set():
            external_id = f"8890-k{n}-{i}"
            i += 1
            with lock:
                tried.append(external_id)
            status, incident_id = hub_process.post(external_id)
            if status == 201 and incident_id:
                with lock:
                    acked[external_id] = incident_id
            elif status == 0:
                return

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 15
    while len(acked) < 60 and time.monotonic() < deadline:
        time.sleep(0.01)
    hub_process.kill()
    stop.set()
    for thread in threads:
        thread.join(15)
    assert len(acked) >= 60, "too few reports before the kill to prove anything"

    hub_process.start()
    # Every report again, as a client that never heard back would retry it.
    for external_id in tried:
        status, incident_id = hub_process.post(external_id)
        assert status in (200, 201)
        if external_id in acked:
            assert (status, incident_id) == (200, acked[external_id])
    hub_process.stop()

    engine = make_engine(hub_process.db_url)
    try:
        with Session(engine) as session:
            stored = dict(
                (str(k), str(v))
                for k, v in session.execute(select(Incident.external_id, Incident.id))
            )
            assert len(stored) == len(set(tried))
            assert {k: stored.get(k) for k in acked} == acked
            seqs = list(session.scalars(select(StoredEventRow.seq).order_by(StoredEventRow.seq)))
            assert seqs == list(range(1, len(seqs) + 1))  # no hole, no seq used twice
            frames = session.scalars(
                select(StoredEventRow.frame).where(StoredEventRow.type == "incident.new")
            ).all()
            announced = [decode_server(bytes(f)) for f in frames]
            ids = [e.incident.id for e in announced if isinstance(e, IncidentNew)]
            assert sorted(ids) == sorted(stored.values())  # each case announced once
            assert session.scalar(select(func.count()).select_from(Incident)) == len(stored)
    finally:
        engine.dispose()
