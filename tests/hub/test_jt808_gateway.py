"""The JT/T 808 gateway on a real hub over loopback, SQLite and PostgreSQL alike.

Terminals are :class:`tests.hub.jt808.client.TerminalClient` on real TCP connections;
walls and desks are real stream clients. A recorded-shape car track goes over JT/T 808
(live 0x0200 reports, then the backlog of a coverage gap as a 0x0704 blind-area batch)
and must come back whole from ``unit.track``; every answer must follow its commit.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend_client.transport import FeedClient
from hub.jt808.gateway import AuthCodes, terminal_key
from hub.jt808.wire import escape, unescape
from hub.roster import OfficerRecord
from hub.store.models import AlertRow, Position
from tests.hub.jt808.client import TerminalClient
from tests.hub.jt808.terminal import Fix as TerminalFix
from tests.hub.jt808.terminal import location_body
from tests.hub.test_positions_track import (
    Positions,
    TrackFix,
    _until,
    metres_between,
    recorded_track,
)
from tests.support.hubs import TEAMS, LiveHub

# Officers carrying JT/T 808 devices: a body camera known by its SIM's number (sent with
# a leading zero in the 2013 header's 12 digits) and one known by its IMEI (2019 header).
CAMERA = OfficerRecord("J001", "执法记录仪-甲", "3307029001", "T-CD", "13800138001")
IMEI = OfficerRecord("J002", "执法记录仪-乙", "3307029002", "T-SJ", "864712030000019")
SPARE = OfficerRecord("J003", "执法记录仪-丙", "3307029003", "T-CD", "013900139003")


def _gateway_hub(db_url: str) -> LiveHub:
    live = LiveHub(db_url, jt808_port=0).start()
    live.run(live.hub.seed(TEAMS, [CAMERA, IMEI, SPARE]))
    return live


@pytest.fixture
def gw(db_url: str) -> Iterator[LiveHub]:
    live = _gateway_hub(db_url)
    yield live
    live.stop()


def _rows(hub: LiveHub, officer: str) -> list[tuple[float, float, float, bool]]:
    with Session(hub.hub.engine) as session:
        rows = session.execute(
            select(Position.ts, Position.lat, Position.lon, Position.fixed)
            .where(Position.officer_id == officer)
            .order_by(Position.ts)
        ).all()
    return [(float(ts), float(lat), float(lon), bool(fixed)) for ts, lat, lon, fixed in rows]


def _count(hub: LiveHub) -> int:
    with Session(hub.hub.engine) as session:
        return int(session.scalar(select(func.count()).select_from(Position)) or 0)


def _health(hub: LiveHub) -> dict[str, Any]:
    with urllib.request.urlopen(f"{hub.api_url}/api/v1/health", timeout=5) as response:
        health: dict[str, Any] = json.loads(response.read())
    return health


def _fix(track: TrackFix, **overrides: Any) -> TerminalFix:
    values: dict[str, Any] = {
        "ts": float(track.ts),
        "lat": track.lat,
        "lon": track.lon,
        "speed_kmh": track.speed_kmh,
        "direction": round(track.heading) % 360,
    }
    values.update(overrides)
    return TerminalFix(**values)


def test_phone_numbers_and_device_ids_match_without_leading_zeros() -> None:
    assert terminal_key("013800138001") == terminal_key("13800138001") == "13800138001"
    assert terminal_key("00000000000000000000") == "0"
    assert terminal_key("dev-005") is None
    assert terminal_key("8613ab") is None
    assert terminal_key("１２３") is None  # full-width digits are not a number here
    codes = AuthCodes(b"k" * 32)
    assert codes.check("13800138001", codes.code_for("13800138001"))
    assert not codes.check("13800138002", codes.code_for("13800138001"))
    assert AuthCodes(b"j" * 32).code_for("1") != codes.code_for("1")


def test_a_track_over_jt808_with_a_blind_area_batch_comes_back_whole(gw: LiveHub) -> None:
    hub = gw
    officer = IMEI.id
    t0 = int(time.time()) - 3600
    track = recorded_track(t0)
    live_before, gap, live_after = track[:60], track[60:90], track[90:]

    async def scenario() -> None:
        positions = Positions()
        wall = FeedClient(hub.stream_url, hub.token["wall"], positions)
        wall_task = asyncio.create_task(wall.run())
        await wall.wait_synced()
        device = await TerminalClient(IMEI.device, version=2019).connect(hub.jt808_port)
        await device.login()
        for fix in live_before:
            assert await device.location(_fix(fix)) == 0
            # The answer follows the commit: the row is there when the answer is.
            assert _rows(hub, officer)[-1][0] == float(fix.ts)
        # Out of coverage for five minutes; back, it reports where it is now, then the
        # backlog as one blind-area batch.
        assert await device.location(_fix(live_after[0])) == 0
        await _until(lambda: wall.state.units[officer].ts == float(live_after[0].ts))
        assert await device.batch([_fix(f) for f in gap], kind=1) == 0
        stored = {row[0] for row in _rows(hub, officer)}
        assert {float(f.ts) for f in gap} <= stored  # answered after the whole batch
        for fix in live_after[1:]:
            assert await device.location(_fix(fix)) == 0
        last = track[-1]
        await _until(lambda: wall.state.units[officer].ts == float(last.ts))
        # The blind-area fixes never moved the officer back on the live map.
        streamed = [f.ts for f in positions.fixes_of(officer)]
        assert streamed == sorted(streamed)
        assert not {float(f.ts) for f in gap} & set(streamed)

        reply = await wall.request(
            "unit.track", {"unit_id": officer, "start": t0 - 1.0, "end": t0 + 2000.0}
        )
        points = reply["points"]
        assert [p[0] for p in points] == [float(f.ts) for f in track]
        for point, fix in zip(points, track, strict=True):
            assert metres_between((point[1], point[2]), (fix.lat, fix.lon)) < 1.0
            # 0.1 km/h and whole degrees on the wire.
            assert point[3] == pytest.approx(fix.speed_kmh / 3.6, abs=0.03)
            assert point[4] == round(fix.heading) % 360
        unit = wall.state.units[officer]
        assert metres_between((unit.lat, unit.lon), (last.lat, last.lon)) < 1.0
        await device.close()
        await wall.stop()
        await wall_task

    asyncio.run(scenario())
    assert len(_rows(hub, officer)) == 104


def test_the_same_fix_twice_is_stored_once_and_no_fix_is_kept_but_not_drawn(
    gw: LiveHub,
) -> None:
    hub = gw
    now = int(time.time())
    a = TerminalFix(ts=now - 30.0, lat=29.081, lon=119.641, speed_kmh=12.0)
    b = TerminalFix(ts=now - 20.0, lat=29.082, lon=119.642)
    # No fix: the terminal repeats its last known place with status bit 1 clear.
    lost = TerminalFix(ts=now - 10.0, lat=29.5, lon=119.9, positioned=False)

    async def scenario() -> None:
        wall = FeedClient(hub.stream_url, hub.token["wall"])
        wall_task = asyncio.create_task(wall.run())
        await wall.wait_synced()
        device = await TerminalClient("013800138001").connect(hub.jt808_port)
        await device.login()
        assert await device.location(a) == 0
        assert await device.location(a) == 0  # a retry after a lost answer
        assert await device.batch([a, b, b], kind=0) == 0
        assert await device.location(lost) == 0
        # The marker: a later fix of another officer; once the wall has it, it has had
        # every batch that could have carried the no-fix report.
        spare = await TerminalClient(SPARE.device).connect(hub.jt808_port)
        await spare.login()
        assert await spare.location(TerminalFix(ts=now - 5.0, lat=29.07, lon=119.63)) == 0
        await _until(lambda: wall.state.units[SPARE.id].ts == now - 5.0)
        unit = wall.state.units[CAMERA.id]
        assert (unit.ts, unit.lat, unit.lon) == (b.ts, b.lat, b.lon)
        assert hub.hub.state.units[CAMERA.id].ts == b.ts
        reply = await wall.request(
            "unit.track", {"unit_id": CAMERA.id, "start": now - 60.0, "end": float(now)}
        )
        # unit.track leaves the no-fix report out.
        assert [p[0] for p in reply["points"]] == [a.ts, b.ts]
        for client in (device, spare):
            await client.close()
        await wall.stop()
        await wall_task

    asyncio.run(scenario())
    assert _rows(hub, CAMERA.id) == [
        (a.ts, a.lat, a.lon, True),
        (b.ts, b.lat, b.lon, True),
        (lost.ts, lost.lat, lost.lon, False),
    ]
    # A restarted hub takes the newest fix, not the no-fix report, as the live position.
    hub.stop()
    hub.start(seed=False)
    unit = hub.hub.state.units[CAMERA.id]
    assert (unit.ts, unit.lat, unit.lon) == (b.ts, b.lat, b.lon)


def test_sos_reaches_the_wall_as_an_alert_and_an_operators_ack_clears_it(gw: LiveHub) -> None:
    hub = gw
    officer = CAMERA.id
    now = int(time.time())

    def sos_alerts(client: FeedClient) -> list[Any]:
        return [a for a in client.state.alerts.values() if a.kind == "sos" and a.subject == officer]

    async def scenario() -> None:
        wall = FeedClient(hub.stream_url, hub.token["wall"])
        desk = FeedClient(hub.stream_url, hub.token["operator"])
        tasks = [asyncio.create_task(c.run()) for c in (wall, desk)]
        await wall.wait_synced()
        await desk.wait_synced()
        device = await TerminalClient(CAMERA.device).connect(hub.jt808_port)
        await device.login()
        pressed = TerminalFix(ts=now - 20.0, lat=29.08, lon=119.64, alarm=0b1)
        assert await device.location(pressed) == 0
        await _until(lambda: len(sos_alerts(wall)) == 1, timeout=5)
        alert = sos_alerts(wall)[0]
        assert alert.severity == 3 and CAMERA.name in alert.text
        # The button still held: the next reports carry the bit; one alert, not many.
        held = TerminalFix(ts=now - 15.0, lat=29.08, lon=119.64, alarm=0b1)
        assert await device.location(held) == 0
        assert await device.batch([held, pressed], kind=1) == 0
        assert [a.id for a in sos_alerts(wall)] == [alert.id]
        assert [a.id for a in sos_alerts(desk)] == [alert.id]

        reply = await desk.request("alert.ack", {"alert_id": alert.id})
        assert reply["alert_id"] == alert.id
        await _until(lambda: not sos_alerts(wall), timeout=5)
        assert not sos_alerts(desk)

        # Pressed again later, in a blind-area batch: a new alert.
        again = TerminalFix(ts=now - 5.0, lat=29.08, lon=119.64, alarm=0b1)
        quiet = TerminalFix(ts=now - 6.0, lat=29.08, lon=119.64)
        assert await device.batch([quiet, again], kind=1) == 0
        await _until(lambda: len(sos_alerts(wall)) == 1, timeout=5)
        assert sos_alerts(wall)[0].id != alert.id
        await device.close()
        for client in (wall, desk):
            await client.stop()
        for task in tasks:
            await task

    asyncio.run(scenario())
    with Session(hub.hub.engine) as session:
        rows = session.scalars(select(AlertRow).where(AlertRow.kind == "sos")).all()
    assert len(rows) == 2
    acked = [r for r in rows if r.cleared_at is not None]
    assert len(acked) == 1 and acked[0].acked_by


def test_a_terminal_not_in_the_roster_and_one_not_authenticated_store_nothing(
    gw: LiveHub,
) -> None:
    hub = gw
    now = time.time()
    fix = TerminalFix(ts=now - 10, lat=29.08, lon=119.64)

    async def scenario() -> None:
        stranger = await TerminalClient("13700000000").connect(hub.jt808_port)
        answer = await stranger.register()
        assert (answer.result, answer.code) == (4, "")
        # A code guessed, or one issued to another terminal, is refused.
        issued = AuthCodes(b"x" * 32).code_for("13700000000")
        assert await stranger.authenticate(issued) == 1
        assert await stranger.location(fix) == 1
        assert await stranger.batch([fix]) == 1
        # "dev-005" is an officer's OsmAnd id: no terminal number can be it.
        odd = await TerminalClient("5").connect(hub.jt808_port)
        assert (await odd.register()).result == 4

        # A roster terminal sending positions before authenticating: refused, not stored.
        camera = await TerminalClient(CAMERA.device).connect(hub.jt808_port)
        assert await camera.location(fix) == 1
        registered = await camera.register()
        assert registered.result == 0 and registered.code
        assert await camera.location(fix) == 1  # registered is not authenticated
        assert await camera.authenticate(registered.code + "0") == 1
        assert await camera.location(fix) == 1
        assert await camera.heartbeat() == 0  # answered whatever the state
        # Another roster terminal's code does not open this one.
        spare = await TerminalClient(SPARE.device).connect(hub.jt808_port)
        spare_code = (await spare.register()).code
        assert spare_code != registered.code
        assert await camera.authenticate(spare_code) == 1
        assert await camera.location(fix) == 1
        assert _count(hub) == 0
        # Authenticated, the same report is stored; after a logout, no longer accepted.
        assert await camera.authenticate(registered.code) == 0
        assert await camera.location(fix) == 0
        assert (await camera.request(0x0003)).result == 0
        later = TerminalFix(ts=now - 5, lat=29.08, lon=119.64)
        assert await camera.location(later) == 1
        # A message id the gateway does not handle is answered "not supported".
        assert (await camera.request(0x0900, b"\x01abc")).result == 3
        for client in (stranger, odd, camera, spare):
            await client.close()

    asyncio.run(scenario())
    assert [row[0] for row in _rows(hub, CAMERA.id)] == [float(int(fix.ts))]
    assert _count(hub) == 1
    counts = _health(hub)["jt808"]["counts"]
    assert counts["register.unknown_terminal"] == 2
    assert counts["location.not_authenticated"] == 7


def test_an_auth_code_issued_before_a_restart_works_after_it(gw: LiveHub) -> None:
    hub = gw
    now = time.time()

    async def before() -> str:
        device = await TerminalClient(CAMERA.device).connect(hub.jt808_port)
        code = await device.login()
        assert await device.location(TerminalFix(ts=now - 20, lat=29.08, lon=119.64)) == 0
        await device.close()
        return code

    code = asyncio.run(before())
    hub.stop()
    hub.start(seed=False)

    async def after() -> None:
        device = await TerminalClient(CAMERA.device).connect(hub.jt808_port)
        assert await device.authenticate(code) == 0  # no new registration
        assert await device.location(TerminalFix(ts=now - 10, lat=29.09, lon=119.65)) == 0
        # Registering again hands out the same code.
        assert (await device.register()).code == code
        await device.close()

    asyncio.run(after())
    assert [row[0] for row in _rows(hub, CAMERA.id)] == [float(int(now - 20)), float(int(now - 10))]


def test_a_bad_checksum_is_survived_and_a_flood_closes_only_its_own_connection(
    gw: LiveHub,
) -> None:
    hub = gw
    t0 = int(time.time()) - 600

    async def scenario() -> None:
        device = await TerminalClient(CAMERA.device).connect(hub.jt808_port)
        await device.login()
        # A frame with a wrong checksum is dropped (no answer); the next one is answered.
        frame = device.terminal.frame(0x0200, location_body(TerminalFix(t0, 29, 119)))
        content = unescape(frame[1:-1])
        wrong = content[:-1] + bytes([content[-1] ^ 0x55])
        await device.send_raw(b"\x7e" + escape(wrong) + b"\x7e")
        assert await device.heartbeat() == 0  # its answer is the next to arrive
        assert _count(hub) == 0

        # Three hostile connections: garbage without a frame mark, a stream of frames
        # that are all bad, and one that sends half a frame and then nothing.
        garbage = await TerminalClient("1").connect(hub.jt808_port)
        bad_frames = await TerminalClient("2").connect(hub.jt808_port)
        stalled = await TerminalClient("3").connect(hub.jt808_port)
        await stalled.send_raw(b"\x7e\x02\x00\x00")
        # And one that sends valid heartbeats as fast as it can and never reads an answer.
        flooder = await TerminalClient("4").connect(hub.jt808_port)
        heartbeats = b"".join(flooder.terminal.frame(0x0002) for _ in range(20_000))

        async def flood() -> None:
            await garbage.send_raw(b"\x00GET / HTTP/1.1\r\n" * 200)
            await bad_frames.send_raw(b"\x7e\x01\x02\x03\x7e" * 200)
            flooder.write_nowait(heartbeats)

        async def keep_reporting() -> int:
            answered = 0
            slowest = 0.0
            for k in range(40):
                fix = TerminalFix(ts=t0 + k, lat=29.08 + k * 1e-4, lon=119.64)
                started = time.perf_counter()
                assert await device.location(fix) == 0
                slowest = max(slowest, time.perf_counter() - started)
                answered += 1
            assert slowest < 2.0, f"an answer took {slowest:.2f} s during the floods"
            return answered

        _, answered = await asyncio.gather(flood(), keep_reporting())
        assert answered == 40
        assert await garbage.closed_by_peer()
        assert await bad_frames.closed_by_peer()
        assert not await stalled.closed_by_peer(timeout=0.3)  # idle, not yet timed out
        assert await device.heartbeat() == 0
        flooder.abort()
        for client in (device, garbage, bad_frames, stalled):
            await client.close()

    asyncio.run(scenario())
    assert len(_rows(hub, CAMERA.id)) == 40
    counts = _health(hub)["jt808"]["counts"]
    assert counts["frame.bad_checksum"] >= 1
    assert counts["closed.no_frame_mark"] == 1
    assert counts["closed.too_many_bad_frames"] == 1


def test_a_silent_connection_is_closed_after_the_idle_limit(db_url: str) -> None:
    live = LiveHub(db_url, jt808_port=0).start()
    try:
        assert live.embedded is not None and live.embedded.runtime.jt808 is not None
        live.embedded.runtime.jt808.idle_seconds = 0.3

        async def scenario() -> None:
            silent = await TerminalClient("1").connect(live.jt808_port)
            assert await silent.closed_by_peer(timeout=5)
            await silent.close()

        asyncio.run(scenario())
        assert _health(live)["jt808"]["counts"]["closed.idle"] == 1
    finally:
        live.stop()


def test_watchfloor_hub_runs_the_gateway_only_when_asked(tmp_path: Path) -> None:
    import os
    import socket
    import subprocess
    import sys

    def free_port() -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])

    root = Path(__file__).resolve().parents[2]
    help_text = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "hub", "--help"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--jt808-port PORT" in help_text
    for jt808 in (free_port(), None):
        api_port = free_port()
        command = [sys.executable, "-m", "desktop.cli", "hub", "--db"]
        command += [f"sqlite:///{tmp_path / 'cli.db'}", "--port", str(free_port())]
        command += ["--api-port", str(api_port)]
        if jt808 is not None:
            command += ["--jt808-port", str(jt808)]
        log = tmp_path / "hub.log"
        with log.open("ab") as out:
            process = subprocess.Popen(command, cwd=root, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            health: dict[str, Any] | None = None
            while health is None:
                assert process.poll() is None, log.read_text("utf-8", "replace")
                assert time.monotonic() < deadline, log.read_text("utf-8", "replace")
                try:
                    url = f"http://127.0.0.1:{api_port}/api/v1/health"
                    with urllib.request.urlopen(url, timeout=1) as response:
                        health = json.loads(response.read())
                    # The gateway starts just after the HTTP server.
                    if jt808 is not None and "jt808" not in health:
                        health = None
                        time.sleep(0.05)
                except OSError:
                    time.sleep(0.05)
            if jt808 is None:
                assert "jt808" not in health
                continue
            assert health["jt808"]["port"] == jt808

            async def register(port: int) -> int:
                device = await TerminalClient("13800138001").connect(port)
                result = (await device.register()).result
                await device.close()
                return result

            assert asyncio.run(register(jt808)) == 4  # an empty roster: no such terminal
        finally:
            process.terminate()
            process.wait(15)
    assert os.path.exists(tmp_path / "cli.db")
