"""A device never heard from is silent only after the silence limit, counted from when the
hub began watching it; a restarted hub must not call every device silent at once."""

from __future__ import annotations

import time

from tests.support.hubs import OFFICERS, LiveHub


def _silent(hub: LiveHub) -> set[str]:
    return {a.subject for a in hub.hub.state.alerts.values() if a.kind == "device_silent"}


def test_unheard_devices_become_silent_only_after_the_limit(hub: LiveHub) -> None:
    limit = hub.hub.config.supervision.silent_after_s
    start = time.time()
    hub.run(hub.hub.supervise(start))
    assert _silent(hub) == set()
    hub.run(hub.hub.supervise(start + limit - 1))
    assert _silent(hub) == set()


def test_a_device_that_never_reports_is_called_silent_in_time(hub: LiveHub) -> None:
    limit = hub.hub.config.supervision.silent_after_s
    start = time.time()
    hub.run(hub.hub.supervise(start))
    hub.run(hub.hub.supervise(start + limit + 1))
    assert _silent(hub) == {o.id for o in OFFICERS}
