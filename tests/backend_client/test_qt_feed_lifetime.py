"""A QtFeed must be freed by reference counting alone: a cycle through its FeedClient would
leave it to the garbage collector, which may run on another thread and delete the QObject
there (a crash seen in the suite)."""

from __future__ import annotations

import gc
import weakref

from PySide6.QtWidgets import QApplication

from backend_client.qt import QtFeed


def test_a_dropped_feed_is_freed_without_the_garbage_collector(qapp: QApplication) -> None:
    gc.disable()
    try:
        feed = QtFeed("ws://127.0.0.1:9/stream", "token-not-used")
        ref = weakref.ref(feed)
        del feed
        assert ref() is None
    finally:
        gc.enable()
