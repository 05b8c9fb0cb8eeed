"""Drill-downs already opened stay readable while the hub is away, marked cached with age."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend_client.cache import SCHEMA_VERSION, AnswerCache, CachedRequests
from backend_client.transport import FeedClient, RequestFailed
from tests.support.hubs import LiveHub, report


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[LiveHub]:
    live = LiveHub(tmp_path / "hub.db").start()
    yield live
    live.stop()


def test_a_case_opened_before_is_served_cached_when_the_hub_is_away(
    hub: LiveHub, tmp_path: Path
) -> None:
    _, opened = hub.post("/api/v1/reports", report("8890-cache-1"))
    _, never = hub.post("/api/v1/reports", report("8890-cache-2"))
    cache = AnswerCache(tmp_path / "cache" / "answers.db")

    async def scenario() -> None:
        client = FeedClient(
            hub.stream_url, hub.token["supervisor"], backoff_initial=0.05, backoff_max=0.2
        )
        task = asyncio.create_task(client.run())
        await client.wait_synced()
        requests = CachedRequests(client, cache)
        fresh = await requests.request("case.history", {"case_id": opened["id"]})
        assert not fresh.cached and fresh.age() < 5
        assert [e["kind"] for e in fresh.result["events"]] == ["reported"]

        await asyncio.to_thread(hub.stop)
        while client.status.link.value != "offline":
            await asyncio.sleep(0.02)
        cached = await requests.request("case.history", {"case_id": opened["id"]})
        assert cached.cached and cached.result == fresh.result
        assert cached.fetched_at == fresh.fetched_at
        assert cached.age(fresh.fetched_at + 90) == 90
        with pytest.raises(RequestFailed) as caught:  # never opened: nothing to show
            await requests.request("case.history", {"case_id": never["id"]})
        assert caught.value.code == "offline"

        # Another token on the same machine does not see this one's drill-downs.
        other = CachedRequests(FeedClient(hub.stream_url, hub.token["wall"]), cache)
        with pytest.raises(RequestFailed):
            await other.request("case.history", {"case_id": opened["id"]})

        await asyncio.to_thread(hub.start, False)
        await client.wait_synced()
        while client.status.link.value != "live" or client._ws is None:
            await asyncio.sleep(0.02)
        again = await requests.request("case.history", {"case_id": opened["id"]})
        assert not again.cached and again.fetched_at > fresh.fetched_at
        await client.stop()
        await task

    asyncio.run(scenario())
    cache.close()


class EdgeClient:
    """The hub's side of a request, scripted: an answer or a failure."""

    url = "ws://hub.test/stream"
    token = "t"

    def __init__(self) -> None:
        self.outcome: dict[str, Any] | RequestFailed = {}
        self.calls = 0

    async def request(
        self, op: str, args: dict[str, Any] | None = None, timeout: float = 10.0
    ) -> dict[str, Any]:
        self.calls += 1
        if isinstance(self.outcome, RequestFailed):
            raise self.outcome
        return self.outcome


def test_a_timeout_is_served_from_cache_but_a_refusal_is_not(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path / "answers.db")
    edge = EdgeClient()
    requests = CachedRequests(edge, cache, clock=lambda: 1000.0)

    async def scenario() -> None:
        edge.outcome = {"merchant": {"name": "金华小吃店"}, "cases": []}
        await requests.request("merchant.profile", {"merchant_id": "M1"})
        edge.outcome = RequestFailed("timeout", "merchant.profile not answered in 10 s")
        answer = await requests.request("merchant.profile", {"merchant_id": "M1"})
        assert answer.cached and answer.result["merchant"]["name"] == "金华小吃店"
        assert answer.fetched_at == 1000.0
        for code in ("forbidden", "not_found"):
            edge.outcome = RequestFailed(code, "no")
            with pytest.raises(RequestFailed) as caught:
                await requests.request("merchant.profile", {"merchant_id": "M1"})
            assert caught.value.code == code
        # Ops that are not drill-downs pass straight through and are never stored.
        edge.outcome = {"ok": True}
        assert not (await requests.request("dispatch", {"incident_id": "C1"})).cached
        edge.outcome = RequestFailed("offline", "not connected")
        with pytest.raises(RequestFailed):
            await requests.request("dispatch", {"incident_id": "C1"})

    asyncio.run(scenario())
    assert len(cache) == 1
    cache.close()


def test_the_cache_is_bounded_least_recently_used_first(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path / "answers.db", max_entries=3)
    for i in range(3):
        cache.put("s", "case.history", f"C{i}", {"i": i}, fetched_at=float(i))
    assert cache.get("s", "case.history", "C0") is not None  # C0 read again: now recent
    cache.put("s", "case.history", "C3", {"i": 3}, fetched_at=3.0)
    assert len(cache) == 3
    assert cache.get("s", "case.history", "C1") is None
    assert cache.get("s", "case.history", "C0") == ({"i": 0}, 0.0)
    cache.close()


def test_a_cache_file_of_another_version_is_started_afresh(tmp_path: Path) -> None:
    path = tmp_path / "answers.db"
    cache = AnswerCache(path)
    cache.put("s", "case.history", "C1", {"i": 1}, fetched_at=1.0)
    cache.close()
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    reopened = AnswerCache(path)
    assert len(reopened) == 0
    reopened.close()


def test_pages_are_cached_apart_and_a_track_by_its_officer(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path / "answers.db")
    edge = EdgeClient()
    requests = CachedRequests(edge, cache, clock=lambda: 1000.0)

    async def scenario() -> None:
        first = {"events": [{"kind": "reported"}], "next_offset": 1}
        second = {"events": [{"kind": "accepted"}], "next_offset": None}
        edge.outcome = first
        await requests.request("case.history", {"case_id": "C1", "offset": 0, "limit": 1})
        edge.outcome = second
        await requests.request("case.history", {"case_id": "C1", "offset": 1, "limit": 1})
        edge.outcome = {"unit_id": "U1", "points": [[1.0, 29.0, 119.6, 0.0, 0.0]]}
        await requests.request("unit.track", {"unit_id": "U1", "start": 0.0, "end": 100.0})
        edge.outcome = {"case_id": "C1", "nearby": [{"id": "C2"}]}
        await requests.request("case.related", {"case_id": "C1"})

        edge.outcome = RequestFailed("offline", "not connected")
        page0 = await requests.request("case.history", {"case_id": "C1", "offset": 0, "limit": 1})
        page1 = await requests.request("case.history", {"case_id": "C1", "offset": 1, "limit": 1})
        assert page0.cached and page0.result == first
        assert page1.cached and page1.result == second
        with pytest.raises(RequestFailed):  # a page never fetched is not made up
            await requests.request("case.history", {"case_id": "C1", "offset": 2, "limit": 1})
        # The track window moved on with the clock; the last one fetched is shown, cached.
        track = await requests.request("unit.track", {"unit_id": "U1", "start": 60.0, "end": 160.0})
        assert track.cached and track.result["points"][0][0] == 1.0
        related = await requests.request("case.related", {"case_id": "C1"})
        assert related.cached and related.result["nearby"] == [{"id": "C2"}]

    asyncio.run(scenario())
    assert len(cache) == 4
    cache.close()
