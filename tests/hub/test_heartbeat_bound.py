"""A client that stops reading on a quiet hub must not gain a heartbeat every 5 s forever."""

from __future__ import annotations

from tests.support.hubs import LiveHub


def test_heartbeats_do_not_pile_up_for_a_client_that_stopped_reading(hub: LiveHub) -> None:
    async def beat_a_day() -> int:
        subscriber = hub.hub.subscribe()
        try:
            for _ in range(24 * 3600 // 5):
                hub.hub.send_heartbeat()
            return subscriber.queue.qsize()
        finally:
            hub.hub.unsubscribe(subscriber)

    assert hub.run(beat_a_day()) == 1
