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

from desktop.gcguard import collect_due  # noqa: E402
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


_GC_THRESHOLD = gc.get_threshold()


@pytest.fixture(scope="session", autouse=True)
def _gc_off_the_automatic_collector() -> Iterator[None]:
    """The suite collects as the wall, desk and demo do (desktop/gcguard.py): never
    automatically, on whatever thread allocates, only on the GUI thread. Tests that drive
    panels beside a LiveHub's threads or ``asyncio.to_thread`` calls segfaulted inside
    processEvents when a collection ran on another thread (QObjects of a cycle freed off
    their thread; a timer then fired on a freed object, in QTimerInfoList::activateTimers).
    """
    gc.collect()
    gc.freeze()  # the imports: never garbage, and full collections need not scan them
    gc.disable()
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def gc_on_gui_thread() -> Iterator[None]:
    """After each test, on this (the GUI) thread, the collection the automatic collector
    would have run by then; tests that care name this fixture to say so."""
    yield
    collect_due(_GC_THRESHOLD)


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
