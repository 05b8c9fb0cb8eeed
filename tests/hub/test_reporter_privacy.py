"""Citizens' names and phones leave the hub only as each role may see them."""

from __future__ import annotations

import asyncio

from backend_client.transport import FeedClient
from tests.support.hubs import LiveHub, report


def test_case_history_masks_the_reporter_by_role(hub: LiveHub) -> None:
    status, body = hub.post("/api/v1/reports", report("8890-privacy"))
    assert status == 201

    async def reporter_as(role: str) -> object:
        client = FeedClient(hub.stream_url, hub.token[role])
        task = asyncio.create_task(client.run())
        await client.wait_synced()
        answer = await client.request("case.history", {"case_id": body["id"]})
        await client.stop()
        await task
        return answer["case"]["reporter"]

    async def scenario() -> None:
        assert await reporter_as("supervisor") == {"name": "张女士", "phone": "13800000000"}
        assert await reporter_as("operator") == {"name": "张**", "phone": "138****0000"}
        assert await reporter_as("wall") == {"name": "张**", "phone": "138****0000"}

    asyncio.run(scenario())
