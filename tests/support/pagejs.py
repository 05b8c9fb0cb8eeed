"""Blocking helpers to wait on Qt and read a QtWebEngine page's JS state in widget tests."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWebEngineWidgets import QWebEngineView


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        QCoreApplication.processEvents()
        time.sleep(0.002)


def js(view: QWebEngineView, expression: str, timeout: float = 5.0) -> Any:
    # PySide6 6.11 hands JS arrays and objects back as '', so results travel as JSON.
    box: list[Any] = []
    view.page().runJavaScript(f"JSON.stringify({expression})", 0, box.append)
    wait_until(lambda: bool(box), timeout)
    return json.loads(box[0]) if box[0] else None
