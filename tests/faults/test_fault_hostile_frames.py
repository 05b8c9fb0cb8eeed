"""Hostile frames against a real hub on loopback: each costs only its own connection.

A 10 MB frame, invalid UTF-8, 100k levels of nesting and a flood of garbage; meanwhile a
well-behaved wall on the same hub keeps receiving every event, in ``seq`` order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from tests.faults.streams import Watcher, open_stream
from tests.support.hubs import LiveHub, report

DEEP = 100_000


async def _closed_with(ws: ClientConnection, timeout: float = 10.0) -> int | None:
    """Read until the hub closes the socket; return the close code it sent."""
    with contextlib.suppress(ConnectionClosed):
        async with asyncio.timeout(timeout):
            async for _frame in ws:
                pass
    return ws.close_code


async def _events_flow(hub: LiveHub, watcher: Watcher, step: int, name: str) -> None:
    await asyncio.to_thread(hub.move, step)
    status, _body = await asyncio.to_thread(hub.post, "/api/v1/reports", report(name))
    assert status == 201
    await watcher.until_seq(hub.hub.published_seq)
    watcher.assert_in_order()


def test_a_10_mb_frame_closes_only_that_connection_with_1009(hub: LiveHub) -> None:
    async def scenario() -> None:
        watcher = Watcher(await open_stream(hub))
        big = await open_stream(hub, compression=None, max_size=None)
        padding = "x" * (10 * 1024 * 1024)
        frame = json.dumps({"type": "req", "id": 1, "op": "case.history", "args": {"p": padding}})
        with contextlib.suppress(ConnectionClosed):
            await big.send(frame)
        assert await _closed_with(big) == 1009  # "message too big"
        await _events_flow(hub, watcher, 1, "8890-big")
        await watcher.close()

    asyncio.run(scenario())


def test_invalid_utf8_in_a_text_frame_closes_with_1007(hub: LiveHub) -> None:
    async def scenario() -> None:
        watcher = Watcher(await open_stream(hub))
        bad = await open_stream(hub)
        with contextlib.suppress(ConnectionClosed):
            await bad.send(b'{"type": "req", "id": 1, "op": "\xff\xfe"}', text=True)
        assert await _closed_with(bad) == 1007  # "invalid frame payload data"
        await _events_flow(hub, watcher, 1, "8890-utf8")
        await watcher.close()

    asyncio.run(scenario())


def test_deeply_nested_json_is_an_error_frame_and_the_socket_stays_open(hub: LiveHub) -> None:
    async def scenario() -> None:
        watcher = Watcher(await open_stream(hub))
        ws = await open_stream(hub)
        nested = "[" * DEEP + "]" * DEEP
        frames = [
            "[" * DEEP,
            nested,
            '{"type": "req", "id": 1, "op": "case.history", "args": {"a": ' + nested + "}}",
            '{"type": "req", "id": 2, "op": "case.history", "args": {"a": ' + "[" * DEEP,
        ]
        for frame in frames:
            await ws.send(frame)
            answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert answer["type"] == "error", answer
            assert answer["code"] in ("malformed", "invalid"), answer
        # The same socket still answers a proper request.
        await ws.send(json.dumps({"type": "req", "id": 3, "op": "case.history", "args": {}}))
        answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert answer["id"] == 3 and answer["type"] == "error" and answer["field"] == "case_id"
        await _events_flow(hub, watcher, 1, "8890-deep")
        await ws.close()
        await watcher.close()

    asyncio.run(scenario())


def test_a_flooding_client_is_cut_off_while_a_good_one_keeps_its_order(hub: LiveHub) -> None:
    async def scenario() -> None:
        watcher = Watcher(await open_stream(hub))
        flooder = await open_stream(hub)

        async def flood() -> None:
            with contextlib.suppress(ConnectionClosed):
                for i in range(200):
                    await flooder.send(f"garbage {i}")
                    await asyncio.sleep(0.001)

        async def traffic() -> None:
            for step in range(20):
                await asyncio.to_thread(hub.move, step)
                await asyncio.to_thread(hub.change, step)

        await asyncio.gather(flood(), traffic())
        assert await _closed_with(flooder) == 1008
        assert flooder.close_reason == "too many bad frames"
        await _events_flow(hub, watcher, 99, "8890-flood")
        # 20 status changes, the report and its ticker; and every move's positions.
        assert len(watcher.seqs) >= 22 and len(watcher.positions) >= 20
        await watcher.close()

    asyncio.run(scenario())
