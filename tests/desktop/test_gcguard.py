"""Cyclic garbage is collected on the GUI thread only (desktop/gcguard.py)."""

from __future__ import annotations

import gc
import threading
from typing import Any, ClassVar

from PySide6.QtWidgets import QApplication

from desktop.gcguard import GuiThreadCollector, install


class _Cycle:
    """A reference cycle that records the thread its collection ran on."""

    freed_on: ClassVar[list[int]] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Cycle.freed_on.append(threading.get_ident())


def test_cycles_made_on_a_worker_are_collected_on_the_gui_thread(
    qapp: QApplication, qtbot: Any
) -> None:
    gc.enable()  # as a process starts: the automatic collector on
    collector = GuiThreadCollector(qapp, interval_ms=20)
    try:
        assert not gc.isenabled()
        _Cycle.freed_on.clear()

        def worker() -> None:
            # Far past the young generation's threshold: without the guard the automatic
            # collector would run right here, on this thread.
            for _ in range(20 * collector.threshold[0]):
                _Cycle()

        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert _Cycle.freed_on == [], "a collection ran on the worker thread"
        qtbot.waitUntil(lambda: len(_Cycle.freed_on) > 0, timeout=5000)
        assert set(_Cycle.freed_on) == {threading.get_ident()}
        assert collector.collections >= 1
    finally:
        collector.deleteLater()
        qtbot.waitUntil(lambda: gc.isenabled(), timeout=2000)
    gc.disable()  # back to the suite's own policy (tests/conftest.py)


def test_install_is_idempotent_and_the_wall_app_has_it(qapp: QApplication) -> None:
    from desktop.gui import make_application

    app = make_application("zh_CN", offscreen=True)
    first = install(app)
    assert install(app) is first
    assert app.findChildren(GuiThreadCollector) == [first]
    assert not gc.isenabled()
