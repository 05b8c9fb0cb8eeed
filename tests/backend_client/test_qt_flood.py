"""A burst of ~20,000 frames/s through QtFeed on qasync: the process must survive.

PySide6 6.12.0 on Python 3.11 drops a reference to ``None`` on every void C++ call and
to ``True`` on every ``Signal.emit()`` (shared/QT-NOTES.md); under qasync a wall died
within seconds of such a burst with ``none_dealloc``. The check runs in a child process
(``bench/client_apply.py``'s child) so that a crash fails this test instead of aborting
the whole run, and it measures the leak directly as well.
"""

from __future__ import annotations

from bench.client_apply import PositionsFeeder, run_child

SECONDS = 4.0


def test_a_flood_of_frames_through_qtfeed_on_qasync_is_survived() -> None:
    with PositionsFeeder(officers=500, batch=1, frames_per_s=20_000, seconds=SECONDS) as hub:
        code, figures, stderr = run_child(hub.url, SECONDS, timeout=60)
    assert code == 0, f"the Qt client died (exit {code}): {stderr[-3000:]}"
    # The burst really was a burst (the feeder and the client share two cores).
    assert figures["frames_applied"] >= 5_000 * SECONDS, figures
    assert figures["positions_flushed_per_s"] > 0
    # The refcounts of None and True did not collapse under the burst...
    assert figures["refcount_none_after"] > 0.5 * figures["refcount_none_before"], figures
    assert figures["refcount_true_after"] > 0.5 * figures["refcount_true_before"], figures
    # ...and a void call or an emit leaks nothing at all (the 6.12 bug loses one each).
    assert abs(figures["none_lost_per_call"]) < 0.01, figures
    assert abs(figures["true_lost_per_emit"]) < 0.01, figures
