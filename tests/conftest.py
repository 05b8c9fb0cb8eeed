"""Test-wide Qt set-up: offscreen platform, QtWebEngine flags, no leaked pages."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from widgets.qtenv import prepare_qt_environment

prepare_qt_environment()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
