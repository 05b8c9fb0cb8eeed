"""A wall PC whose clock is five minutes off still shows the hub's 1-3-15 time left.

The wall's local clock is injected (QtFeed's ``clock``), skewed by ±300 s against the
real hub on loopback, whose clock is this machine's: the hub's time is ``time.time()``.
Each test also computes what an uncorrected wall would show, so it proves something:
without the correction the same case reads ~300 s off (missed, or 6 minutes to go).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import qasync

from backend_client.link import Link
from backend_client.protocol import Heartbeat, Welcome, encode
from backend_client.qt import QtFeed
from backend_client.transport import FeedClient
from tests.support.hubs import LiveHub, report
from widgets.clock import ClockPanel
from widgets.queue import IncidentQueueModel, IncidentQueueView
from widgets.situation import SituationPanel
from widgets.sla import standing

pytestmark = pytest.mark.timeout(60)

ACCEPT_WITHIN = 60.0  # the "1" of 1-3-15, in seconds


async def until(check: Callable[[], Any], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("skew", [300.0, -300.0], ids=["wall-ahead", "wall-behind"])
def test_a_skewed_wall_shows_the_hubs_time_left_and_is_not_stale(
    skew: float,
    tmp_path: Path,
    loop: qasync.QEventLoop,
    qtbot: Any,
    gc_on_gui_thread: None,
) -> None:
    hub = LiveHub(tmp_path / "hub.db", heartbeat_seconds=0.2).start()
    try:
        feed = QtFeed(hub.stream_url, hub.token["wall"], clock=lambda: time.time() + skew)
        model = IncidentQueueModel(feed)
        queue = IncidentQueueView(model)
        model.setParent(queue)
        situation = SituationPanel(feed)
        clock = ClockPanel(clock=feed.now)
        for widget in (queue, situation, clock):
            qtbot.addWidget(widget)
        loop.run_until_complete(_scenario(hub, feed, model, situation, clock, skew))
    finally:
        hub.stop()


async def _scenario(
    hub: LiveHub,
    feed: QtFeed,
    model: IncidentQueueModel,
    situation: SituationPanel,
    clock: ClockPanel,
    skew: float,
) -> None:
    feed.start()
    try:
        await until(feed.is_live)
        await asyncio.sleep(0.5)  # a few heartbeats refine the estimate
        assert abs(feed.client.clock_skew + skew) < 0.5, feed.client.clock_skew
        assert abs(feed.now() - time.time()) < 0.5, "now() is not the hub's time"

        status, body = await asyncio.to_thread(hub.post, "/api/v1/reports", report("skew-1"))
        assert status == 201, body
        case = body["id"]
        await until(lambda: model.row_of(case) >= 0)
        model.refresh()
        situation.refresh()
        incident = feed.state.incidents[case]

        # What the wall shows: about a minute to accept the fresh case.
        where = model.standing_of(case)
        assert where is not None
        assert (where.stage, where.state) == ("accept", "pending"), where
        assert ACCEPT_WITHIN - 3 <= where.left <= ACCEPT_WITHIN, where.left
        left_text = model.index(model.row_of(case), 0).data()
        assert left_text in ("00:57", "00:58", "00:59", "01:00"), left_text
        assert "受理剩余" in situation.body.text(), situation.body.text()

        # What an uncorrected wall would show: off by the skew (so this test can fail).
        naive = standing(incident, feed.client.clock())
        assert abs(naive.left - (ACCEPT_WITHIN - skew)) < 3, naive.left
        assert naive.state == ("missed" if skew > 0 else "pending")

        # Not stale: staleness compares local receive times with the local clock.
        await asyncio.sleep(0.6)
        assert feed.status.link is Link.LIVE
        age = feed.age_of_data()
        assert age is not None and 0 <= age < 1.0, age

        # The big clock shows the hub's time, not the wall PC's.
        clock.tick()
        shown = clock.time_label.text()
        now = time.time()
        expected = {time.strftime("%H:%M:%S", time.localtime(now + d)) for d in (-1, 0)}
        assert shown in expected, (shown, expected)
        assert shown != time.strftime("%H:%M:%S", time.localtime(feed.client.clock()))
    finally:
        await feed.stop()


def test_one_delayed_frame_does_not_move_the_skew_estimate() -> None:
    """Each sample is the true offset minus the frame's delay; the estimate keeps the
    least delayed of the recent ones, so a frame stuck 2 s in a queue changes nothing."""
    local = [1_000.0]
    client = FeedClient("ws://127.0.0.1:9/stream", "unused", clock=lambda: local[0])
    offset = 300.0  # the hub is 5 minutes ahead of this PC

    # _receive is the transport's entry point for every frame read from the socket.
    stamped = local[0] + offset - 0.01
    client._receive(encode(Welcome(role="wall", server_time=stamped, seq=0, ts=stamped)))
    for delay in (0.02, 2.0, 0.01):
        local[0] += 5.0
        sent = local[0] + offset - delay  # stamped `delay` before it arrives now
        client._receive(encode(Heartbeat(seq=0, ts=sent)))
        assert abs(client.clock_skew - offset) < 0.05, client.clock_skew
    assert abs(client.hub_now() - (local[0] + offset)) < 0.05
