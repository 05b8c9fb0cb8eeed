"""Test-wide Qt set-up: offscreen platform, QtWebEngine flags, no leaked pages."""

from __future__ import annotations

import asyncio
import gc
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from widgets.qtenv import prepare_qt_environment

prepare_qt_environment()

import qasync  # noqa: E402  (after the Qt environment is prepared)
from PySide6.QtWidgets import QApplication  # noqa: E402

from tests.support.hubs import LiveHub  # noqa: E402


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[LiveHub]:
    """A real hub on loopback with a SQLite file (tests/hub parametrises it over databases)."""
    live = LiveHub(tmp_path / "hub.db").start()
    yield live
    live.stop()


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    """A qasync loop on the test's QApplication, as the wall and desk run."""
    event_loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(event_loop)
    yield event_loop
    asyncio.set_event_loop(None)
    event_loop.close()


@pytest.fixture(autouse=True)
def gc_on_gui_thread() -> Iterator[None]:
    """Run the cyclic garbage collector only here, on the GUI thread, around every test,
    as the wall, desk and demo do for their whole life (desktop/gcguard.py).

    Tests that drive panels through ``asyncio.to_thread`` hub calls, or beside a LiveHub's
    threads, segfaulted inside processEvents when a collection ran meanwhile on another
    thread (QObjects of a cycle freed off their thread; a timer then fired on a freed
    object, seen in QTimerInfoList::activateTimers).
    """
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    yield
    if enabled:
        gc.enable()
    gc.collect()


@pytest.fixture
def loopback_port() -> int:
    return free_port()


@pytest.fixture(scope="session", autouse=True)
def _flush_deferred_deletes() -> Iterator[None]:
    yield
    # QtWebEngine pages deleted with deleteLater() must be processed before the
    # QApplication goes, or Chromium aborts the interpreter at exit.
    from PySide6.QtCore import QCoreApplication, QEvent

    app = QCoreApplication.instance()
    if app is not None:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        app.processEvents()
