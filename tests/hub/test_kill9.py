"""``kill -9`` of a hub process under concurrent reports loses no acknowledged report.

The hub runs as the real command (``watchfloor hub``) in a subprocess. Writers post
reports from several threads; the hub is SIGKILLed mid-stream and started again. Every
report answered 201 is in the store with the id it was given, retries of every report
(answered or not) never double a case, and the event log has no hole or duplicate.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend_client.protocol import decode_server
from backend_client.protocol.messages import IncidentNew
from hub.store.db import make_engine
from hub.store.models import Incident, StoredEventRow
from tests.support.hubprocs import HubProcess
from tests.support.hubs import report

WRITERS = 6


def _post(hub: HubProcess, external_id: str) -> tuple[int, str | None]:
    """A source's POST: the status and the case id it was given (0: refused, reset or cut
    off by the kill, not acknowledged)."""
    status, body = hub.post("/api/v1/reports", report(external_id), timeout=10)
    return status, (str(body["id"]) if status in (200, 201) else None)


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
            status, incident_id = _post(hub_process, external_id)
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
    hub_process.kill9()
    stop.set()
    for thread in threads:
        thread.join(15)
    assert len(acked) >= 60, "too few reports before the kill to prove anything"

    hub_process.start()
    # Every report again, as a client that never heard back would retry it.
    for external_id in tried:
        status, incident_id = _post(hub_process, external_id)
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
