"""How the JT/T 808 gateway treats one connection's stream: pipelined messages answered
in order (each after its commit), a half-close after the last reports, and a terminal
that never reads its answers. Real hub, real TCP on loopback, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest

from tests.hub.jt808.client import PLATFORM_ANSWER, TerminalClient
from tests.hub.jt808.terminal import Fix as TerminalFix
from tests.hub.jt808.terminal import batch_body, location_body
from tests.hub.test_jt808_gateway import CAMERA, IMEI, _count, _gateway_hub, _health, _rows
from tests.support.hubs import LiveHub


@pytest.fixture
def gw(db_url: str) -> Iterator[LiveHub]:
    live = _gateway_hub(db_url)
    yield live
    live.stop()


def test_pipelined_reports_are_answered_in_order_after_their_commit(gw: LiveHub) -> None:
    """A terminal uploading its buffer without waiting between messages (30 live reports
    and a 20-fix blind-area batch in one write) gets 31 answers, in the order sent, all 0,
    and by the last answer every fix is a stored row."""
    t0 = int(time.time()) - 3600

    async def scenario() -> None:
        device = await TerminalClient(CAMERA.device).connect(gw.jt808_port)
        await device.login()
        frames = []
        serials = []
        for k in range(30):
            fix = TerminalFix(ts=t0 + k, lat=29.08 + k * 1e-4, lon=119.64)
            frames.append(device.terminal.frame(0x0200, location_body(fix)))
            serials.append(device.terminal.serial)
        backlog = [TerminalFix(ts=t0 - 100 + k, lat=29.07, lon=119.6 + k * 1e-4) for k in range(20)]
        frames.append(
            device.terminal.frame(0x0704, batch_body([location_body(f) for f in backlog]))
        )
        serials.append(device.terminal.serial)
        await device.send_raw(b"".join(frames))  # over 512 bytes: the gateway's bulk lane
        answers = []
        for k in range(len(frames)):
            answers.append(await device.answer())
            # Acknowledged means stored: by each answer, every fix it answers is a row.
            assert _count(gw) >= (k + 1 if k < 30 else 50), (k, _count(gw))
        assert [a.reply_serial for a in answers] == serials
        assert all(a.msg_id == PLATFORM_ANSWER and a.result == 0 for a in answers), answers
        assert _count(gw) == 50
        await device.close()

    asyncio.run(scenario())
    assert [ts for ts, *_ in _rows(gw, CAMERA.id)] == sorted(
        [float(t0 - 100 + k) for k in range(20)] + [float(t0 + k) for k in range(30)]
    )


def test_reports_sent_before_a_half_close_are_answered_and_stored(gw: LiveHub) -> None:
    """A terminal that sends its last reports and shuts its side at once still gets
    every answer before the gateway closes, and every report is stored."""
    t0 = int(time.time()) - 1800

    async def scenario() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.jt808_port)
        device = TerminalClient(CAMERA.device)
        device._reader, device._writer = reader, writer
        await device.login()
        frames = b"".join(
            device.terminal.frame(0x0200, location_body(TerminalFix(t0 + k, 29.1, 119.6)))
            for k in range(10)
        )
        writer.write(frames)
        writer.write_eof()
        answers = [await device.answer() for _ in range(10)]
        assert [a.result for a in answers] == [0] * 10
        assert await reader.read() == b""  # then the gateway closes
        writer.close()

    asyncio.run(scenario())
    assert len(_rows(gw, CAMERA.id)) == 10
    assert _health(gw)["jt808"]["counts"]["closed.eof"] >= 1


def test_a_terminal_that_never_reads_is_closed_and_the_others_go_on(gw: LiveHub) -> None:
    """Answers pile up for a terminal that sends and never reads: the gateway stops
    reading it, and closes it once its answers have waited ``write_seconds``; another
    terminal's reports are answered all along."""
    assert gw.embedded is not None and gw.embedded.runtime.jt808 is not None
    gateway = gw.embedded.runtime.jt808
    gateway.write_seconds = 0.5
    t0 = int(time.time()) - 900

    async def scenario() -> None:
        device = await TerminalClient(IMEI.device, version=2019).connect(gw.jt808_port)
        await device.login()
        # A small receive buffer so that the kernel cannot absorb the answers for it.
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", gw.jt808_port))
        _, writer = await asyncio.open_connection(sock=sock)
        deaf = TerminalClient(CAMERA.device)
        heartbeats = b"".join(deaf.terminal.frame(0x0002) for _ in range(20_000))
        deadline = time.monotonic() + 30
        k = 0
        while _health(gw)["jt808"]["counts"].get("closed.not_reading", 0) == 0:
            assert time.monotonic() < deadline, _health(gw)["jt808"]
            if writer.transport.get_write_buffer_size() < 4 << 20:
                writer.write(heartbeats)
            fix = TerminalFix(ts=t0 + k, lat=29.08, lon=119.64 + k * 1e-5)
            started = time.perf_counter()
            assert await device.location(fix) == 0
            assert time.perf_counter() - started < 2.0
            k += 1
        writer.transport.abort()
        assert await device.heartbeat() == 0
        await device.close()
        assert k > 0

    asyncio.run(scenario())
    counts = _health(gw)["jt808"]["counts"]
    assert counts["closed.not_reading"] == 1
    assert len(_rows(gw, IMEI.id)) >= 1
