"""Python's cyclic garbage collector, run only on the GUI thread.

CPython runs a collection on whichever thread happens to allocate past the threshold. In a
wall that is often the embedded hub's writer thread, the asyncio stream thread or a
``to_thread`` worker; a collection there frees Qt objects caught in reference cycles off
their own thread, and Qt later delivers a timer or an event to the freed object: a
segfault in ``QTimerInfoList::activateTimers`` (seen in the suite, and the reason the
QtFeed was made free of cycles). qutebrowser met the same and answers it the same way:
automatic collection off, and a timer on the GUI thread that collects each generation
when its count passed the threshold the automatic collector would have used.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

#: Often enough that garbage never piles up (a wall allocates little between ticks), rare
#: enough to cost nothing: a young-generation collection takes well under a millisecond.
INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """Owns collection for the process while it lives; parent it to the QApplication."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self.collections = 0
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(interval_ms)
        self.destroyed.connect(_enable)

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds, youngest first."""
        if collect_due(self.threshold) is not None:
            self.collections += 1


def collect_due(threshold: tuple[int, int, int]) -> int | None:
    """Run the collection the automatic collector would have run by now, here and now:
    the oldest generation whose count passed its threshold (None when none is due)."""
    counts = gc.get_count()
    if counts[0] <= threshold[0]:
        return None
    generation = 0
    if counts[1] > threshold[1]:
        generation = 2 if counts[2] > threshold[2] else 1
    gc.collect(generation)
    return generation


def _enable() -> None:
    gc.enable()


def install(app: QObject) -> GuiThreadCollector:
    """Run collections on the GUI thread for as long as ``app`` lives (idempotent)."""
    found = app.findChild(GuiThreadCollector)
    if isinstance(found, GuiThreadCollector):
        return found
    return GuiThreadCollector(app)
