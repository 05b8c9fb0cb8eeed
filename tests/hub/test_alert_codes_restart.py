"""An alert still open when the hub restarts keeps its event code and args (Alembic 0007):
the snapshot a wall gets from the restarted hub words it in the wall's language, not only
in the Chinese ``text``. An SOS over JT/T 808 and an AI-patrol alert, SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from backend_client.events import compose
from backend_client.link import LinkStatus
from backend_client.protocol.messages import Alert
from backend_client.state import FeedState
from backend_client.transport import FeedClient
from tests.hub.jt808.client import TerminalClient
from tests.hub.jt808.terminal import Fix as TerminalFix
from tests.hub.test_jt808_gateway import CAMERA
from tests.hub.test_positions_track import _until
from tests.support.hubs import OFFICERS, TEAMS, LiveHub

# The patrol's own timer must not run between the test's rounds and the restart: after
# one, the restarted patrol re-counts silence from its start and would clear the alerts.
NO_TIMER = 3600.0


class Snapshots:
    """A wall's listener that keeps the alerts of every snapshot it is sent."""

    def __init__(self) -> None:
        self.alerts: list[dict[str, Alert]] = []

    def on_snapshot(self, state: FeedState) -> None:
        self.alerts.append(dict(state.alerts))

    def on_event(self, event: object) -> None:
        # Any event type: only the snapshot matters here.
        pass

    def on_link(self, status: LinkStatus) -> None:
        pass


def _snapshot_alerts(hub: LiveHub) -> dict[str, Alert]:
    """The alerts in the snapshot a newly connected wall gets."""
    snapshots = Snapshots()

    async def connect() -> None:
        wall = FeedClient(hub.stream_url, hub.token["wall"], snapshots)
        task = asyncio.create_task(wall.run())
        await wall.wait_synced()
        await wall.stop()
        await task

    asyncio.run(connect())
    assert snapshots.alerts, "the wall was sent no snapshot"
    return snapshots.alerts[0]


def _assert_worded(alert: Alert) -> None:
    assert alert.code, f"{alert.id} has no code"
    # The args came back with their types (an int minutes stays "10", not "10.0").
    assert compose(alert.code, alert.args) == alert.text


@pytest.fixture
def gw(db_url: str) -> Iterator[LiveHub]:
    live = LiveHub(db_url, jt808_port=0, supervision_seconds=NO_TIMER).start()
    live.run(live.hub.seed(TEAMS, [CAMERA]))
    yield live
    live.stop()


def test_an_sos_raised_before_a_restart_keeps_its_code_and_args(gw: LiveHub) -> None:
    hub = gw

    def sos(alerts: dict[str, Alert]) -> list[Alert]:
        return [a for a in alerts.values() if a.kind == "sos" and a.subject == CAMERA.id]

    async def press() -> Alert:
        wall = FeedClient(hub.stream_url, hub.token["wall"])
        task = asyncio.create_task(wall.run())
        await wall.wait_synced()
        device = await TerminalClient(CAMERA.device).connect(hub.jt808_port)
        await device.login()
        pressed = TerminalFix(ts=time.time() - 5.0, lat=29.08, lon=119.64, alarm=0b1)
        assert await device.location(pressed) == 0
        await _until(lambda: len(sos(wall.state.alerts)) == 1, timeout=5)
        await device.close()
        await wall.stop()
        await task
        return sos(wall.state.alerts)[0]

    live = asyncio.run(press())
    assert live.code == "alert.sos_terminal"
    assert live.args == {"officer": CAMERA.name, "terminal": CAMERA.device}
    _assert_worded(live)

    hub.stop()
    hub.start(seed=False)
    [loaded] = sos(_snapshot_alerts(hub))
    assert loaded == live
    _assert_worded(loaded)


def test_patrol_alerts_raised_before_a_restart_keep_their_code_and_args(
    db_url: str,
) -> None:
    hub = LiveHub(db_url, supervision_seconds=NO_TIMER).start()
    try:
        limit = hub.hub.config.supervision.silent_after_s
        start = time.time()
        hub.run(hub.hub.supervise(start))
        hub.run(hub.hub.supervise(start + limit + 1))
        live = {a.id: a for a in hub.hub.state.alerts.values() if a.kind == "device_silent"}
        assert {a.subject for a in live.values()} == {o.id for o in OFFICERS}
        for alert in live.values():
            assert alert.code == "alert.device_silent"
            assert isinstance(alert.args["minutes"], int)
            _assert_worded(alert)

        hub.stop()
        hub.start(seed=False)
        loaded = {i: a for i, a in _snapshot_alerts(hub).items() if a.kind == "device_silent"}
        assert loaded == live
        for alert in loaded.values():
            assert isinstance(alert.args["minutes"], int)
            _assert_worded(alert)
    finally:
        hub.stop()


def test_a_reloaded_alert_has_its_kinds_severity(tmp_path: object) -> None:
    """Severity is not stored: a restarted hub gives each alert its kind's, as when it
    was raised (an idle officer a notice, a missed clock urgent), not one for all."""
    from pathlib import Path

    from sqlalchemy.orm import Session

    from hub.domain.supervision import SEVERITY, AlertKind
    from hub.snapshot_load import load_state
    from hub.sos import SOS_SEVERITY
    from hub.store.db import make_engine, upgrade_schema
    from hub.store.models import AlertRow

    assert isinstance(tmp_path, Path)
    engine = make_engine(f"sqlite:///{tmp_path / 'alerts.db'}")
    try:
        upgrade_schema(engine)
        kinds = [*(kind.value for kind in AlertKind), "sos", "from_a_newer_hub"]
        with Session(engine) as session:
            for i, kind in enumerate(kinds):
                session.add(
                    AlertRow(id=f"{kind}:U001@{i}", kind=kind, subject="U001", text=kind, ts=1.0)
                )
            session.commit()
            state = load_state(session, 0)
    finally:
        engine.dispose()
    severities = {alert.kind: alert.severity for alert in state.alerts.values()}
    assert severities == {
        **{kind.value: SEVERITY[kind] for kind in AlertKind},
        "sos": SOS_SEVERITY,
        "from_a_newer_hub": 2,
    }
    assert severities["officer_idle"] == 1 and severities["sla_missed"] == 3
