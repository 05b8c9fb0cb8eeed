"""Errors the shared core and the I/O shell both speak of (no I/O here)."""

from __future__ import annotations


class RequestFailed(Exception):
    """A request answered with an error, timed out, or sent while offline."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.field = code, message, field
