"""A tiny Qt-free signal: a list of callbacks a model calls when it changes.

The models in this package must load and be tested without Qt (napari's way: pure
models that emit, Qt views that observe), so they cannot use ``QtCore.Signal``. A view
connects a callback; the model calls every callback, in connection order, synchronously.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Emitter(Generic[T]):
    """Callbacks taking one value; :meth:`emit` calls each of them with it."""

    __slots__ = ("_callbacks",)

    def __init__(self) -> None:
        self._callbacks: list[Callable[[T], None]] = []

    def connect(self, callback: Callable[[T], None]) -> Callable[[T], None]:
        """Call ``callback`` on every :meth:`emit`; returns it (usable as a decorator)."""
        self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable[[T], None] | None = None) -> None:
        """Forget ``callback`` (every callback when None); an unknown one is ignored."""
        if callback is None:
            self._callbacks.clear()
        elif callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, value: T) -> None:
        # A copy: a callback may disconnect itself (a view closing) while being called.
        for callback in list(self._callbacks):
            callback(value)

    def __len__(self) -> int:
        return len(self._callbacks)
