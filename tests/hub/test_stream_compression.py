"""The stream is deflated (walls may sit on a thin link), at the cheap level."""

from __future__ import annotations

import asyncio
from pathlib import Path

from websockets.asyncio.client import connect

from tests.support.hubs import LiveHub


def test_the_stream_negotiates_permessage_deflate(tmp_path: Path) -> None:
    hub = LiveHub(tmp_path / "hub.db").start()
    try:

        async def extensions() -> str:
            async with connect(hub.stream_url, open_timeout=5) as ws:
                assert ws.response is not None
                return str(ws.response.headers.get("Sec-WebSocket-Extensions", ""))

        negotiated = asyncio.run(extensions())
        assert negotiated.startswith("permessage-deflate")
        assert "server_max_window_bits=12" in negotiated
    finally:
        hub.stop()
