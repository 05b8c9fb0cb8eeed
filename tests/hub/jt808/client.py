"""A JT/T 808 terminal on a real TCP connection, for tests of the hub's gateway.

Built on :mod:`tests.hub.jt808.terminal` (the frames a device sends); the platform's
answers are read with the hub's own deframer (envelope only) and their bodies parsed
here from the standard's field tables.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from hub.jt808 import Deframer, Fatal, FrameError, Message
from tests.hub.jt808.terminal import (
    Fix,
    Terminal,
    auth_body,
    batch_body,
    location_body,
    register_body,
)

PLATFORM_ANSWER = 0x8001
REGISTER_ANSWER = 0x8100


@dataclass(frozen=True)
class Answer:
    """A platform answer: 0x8001 (``reply_id`` set) or 0x8100 (``code`` set on result 0)."""

    msg_id: int
    reply_serial: int
    result: int
    reply_id: int | None = None
    code: str = ""
    phone: str = ""


def parse_answer(message: Message) -> Answer:
    body = message.raw_body
    if message.header.msg_id == PLATFORM_ANSWER:
        serial, reply_id, result = struct.unpack(">HHB", body[:5])
        return Answer(PLATFORM_ANSWER, serial, result, reply_id, phone=message.header.phone)
    if message.header.msg_id == REGISTER_ANSWER:
        serial, result = struct.unpack(">HB", body[:3])
        code = body[3:].decode("gbk")
        return Answer(REGISTER_ANSWER, serial, result, code=code, phone=message.header.phone)
    raise AssertionError(f"unexpected platform message {message.header.msg_id:#06x}")


class TerminalClient:
    """One terminal's connection: send messages, read the platform's answers in order."""

    def __init__(self, phone: str, version: int = 2013) -> None:
        self.terminal = Terminal(phone, version)
        self._deframer = Deframer()
        self._answers: deque[Answer] = deque()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def connect(self, port: int, host: str = "127.0.0.1") -> TerminalClient:
        self._reader, self._writer = await asyncio.open_connection(host, port)
        return self

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self._writer.wait_closed()
            self._writer = None

    def abort(self) -> None:
        """Drop the connection at once, unsent bytes and all."""
        if self._writer is not None:
            self._writer.transport.abort()
            self._writer = None

    async def send_raw(self, data: bytes) -> None:
        assert self._writer is not None
        self._writer.write(data)
        await self._writer.drain()

    def write_nowait(self, data: bytes) -> None:
        """Queue bytes without waiting for the peer to take them (a terminal that never
        reads its answers)."""
        assert self._writer is not None
        self._writer.write(data)

    async def send(self, msg_id: int, body: bytes = b"") -> int:
        """Send one message; returns its serial."""
        await self.send_raw(self.terminal.frame(msg_id, body))
        return self.terminal.serial

    async def answer(self, timeout: float = 10.0) -> Answer:
        """The next answer from the platform."""
        assert self._reader is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._answers:
            left = deadline - loop.time()
            assert left > 0, "no answer from the platform in time"
            data = await asyncio.wait_for(self._reader.read(4096), left)
            assert data, "the platform closed the connection"
            for event in self._deframer.feed(data):
                assert not isinstance(event, (FrameError, Fatal)), event
                self._answers.append(parse_answer(event))
        return self._answers.popleft()

    async def request(self, msg_id: int, body: bytes = b"", timeout: float = 10.0) -> Answer:
        """Send and read the answer to it (its reply serial and, for 0x8001, id checked)."""
        serial = await self.send(msg_id, body)
        answer = await self.answer(timeout)
        assert answer.reply_serial == serial, (answer, serial)
        if answer.msg_id == PLATFORM_ANSWER:
            assert answer.reply_id == msg_id, answer
        return answer

    async def closed_by_peer(self, timeout: float = 5.0) -> bool:
        """True once the platform has closed the connection (reads reach the end)."""
        assert self._reader is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            try:
                data = await asyncio.wait_for(self._reader.read(65536), deadline - loop.time())
            except TimeoutError:
                return False
            except (ConnectionError, OSError):
                return True
            if not data:
                return True
        return False

    # ---- the messages a terminal sends --------------------------------------------

    async def register(self, terminal_id: str = "T000001") -> Answer:
        version = self.terminal.version
        answer = await self.request(0x0100, register_body(version, terminal_id=terminal_id))
        assert answer.msg_id == REGISTER_ANSWER, answer
        return answer

    async def authenticate(self, code: str) -> int:
        version = self.terminal.version
        body = auth_body(version, code, imei="860000000000001", software="1.0")
        return (await self.request(0x0102, body)).result

    async def login(self) -> str:
        """Register and authenticate; returns the auth code."""
        registered = await self.register()
        assert registered.result == 0, registered
        assert await self.authenticate(registered.code) == 0
        return registered.code

    async def heartbeat(self) -> int:
        return (await self.request(0x0002)).result

    async def location(self, fix: Fix) -> int:
        return (await self.request(0x0200, location_body(fix))).result

    async def batch(self, fixes: Sequence[Fix], kind: int = 1) -> int:
        body = batch_body([location_body(f) for f in fixes], kind=kind)
        return (await self.request(0x0704, body)).result
