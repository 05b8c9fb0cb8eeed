"""Serve the app's pages and assets on ``watchfloor://app/...`` (nothing from the network).

Static assets come from whitelisted folders of ``resources/``; generated pages (one per
map view) are registered in memory. Qt's own ``qwebchannel.js`` is re-served from its
resource file so a page never needs ``qrc:`` access either.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Final

from PySide6.QtCore import QBuffer, QByteArray, QFile, QIODevice, QObject
from PySide6.QtWebEngineCore import (
    QWebEngineProfile,
    QWebEngineUrlRequestJob,
    QWebEngineUrlScheme,
    QWebEngineUrlSchemeHandler,
)

from widgets.map.tiles import MbTilesReader
from widgets.qtenv import APP_SCHEME

RESOURCES_DIR: Final = Path(__file__).resolve().parents[2] / "resources"
HOST: Final = "app"
BASE_URL: Final = f"{APP_SCHEME.decode()}://{HOST}/"

# Only these folders are reachable: the scheme must never become a way to read any file.
_STATIC_ROOTS: Final = ("leaflet", "map")
_QWEBCHANNEL_QRC: Final = ":/qtwebchannel/qwebchannel.js"

_MIME_OVERRIDES: Final = {
    ".js": b"application/javascript",
    ".css": b"text/css",
    ".html": b"text/html;charset=utf-8",
    ".json": b"application/json",
    ".geojson": b"application/geo+json",
    ".png": b"image/png",
    ".svg": b"image/svg+xml",
}


def _mime_for(path: str) -> bytes:
    suffix = Path(path).suffix.lower()
    if suffix in _MIME_OVERRIDES:
        return _MIME_OVERRIDES[suffix]
    guessed, _ = mimetypes.guess_type(path)
    return (guessed or "application/octet-stream").encode()


class AppSchemeHandler(QWebEngineUrlSchemeHandler):
    """Answers every ``watchfloor://app/`` request of the profile it is installed on."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._documents: dict[str, tuple[bytes, bytes]] = {}
        self._tilesets: dict[str, MbTilesReader] = {}
        #: Paths served (or refused) in order; lets tests prove what a page loaded.
        self.served: list[str] = []

    def add_document(self, path: str, data: bytes, mime: bytes | None = None) -> str:
        """Serve ``data`` at ``watchfloor://app/<path>``; returns the full URL."""
        path = path.lstrip("/")
        self._documents[path] = (data, mime or _mime_for(path))
        return BASE_URL + path

    def remove_document(self, path: str) -> None:
        self._documents.pop(path.lstrip("/"), None)

    def add_mbtiles(self, key: str, reader: MbTilesReader) -> str:
        """Serve ``reader``'s tiles; returns the Leaflet URL template for them."""
        if not key.isalnum():
            raise ValueError(f"tile set key must be alphanumeric, got {key!r}")
        old = self._tilesets.pop(key, None)
        if old is not None and old is not reader:
            old.close()
        self._tilesets[key] = reader
        return f"{BASE_URL}tiles/{key}/{{z}}/{{x}}/{{y}}"

    def remove_mbtiles(self, key: str) -> None:
        reader = self._tilesets.pop(key, None)
        if reader is not None:
            reader.close()

    def _tile(self, rest: str) -> tuple[bytes, bytes] | None:
        parts = rest.split("/")
        if len(parts) != 4:
            return None
        key, z, x, y = parts
        reader = self._tilesets.get(key)
        y = y.split(".", 1)[0]  # a template may end in ".png"
        if reader is None or not (z.isdigit() and x.isdigit() and y.isdigit()):
            return None
        data = reader.tile(int(z), int(x), int(y))
        return None if data is None else (data, reader.mime)

    def resolve(self, path: str) -> tuple[bytes, bytes] | None:
        """The body and MIME type for ``path``, or ``None`` when nothing is there."""
        path = path.lstrip("/")
        if path in self._documents:
            return self._documents[path]
        if path == "qt/qwebchannel.js":
            f = QFile(_QWEBCHANNEL_QRC)
            if not f.open(QIODevice.OpenModeFlag.ReadOnly):
                return None
            data = bytes(f.readAll().data())
            f.close()
            return data, _MIME_OVERRIDES[".js"]
        root, _, rest = path.partition("/")
        if root == "tiles":
            return self._tile(rest)
        if root not in _STATIC_ROOTS or not rest:
            return None
        base = (RESOURCES_DIR / root).resolve()
        target = (base / rest).resolve()
        if not target.is_relative_to(base) or not target.is_file():
            return None
        return target.read_bytes(), _mime_for(target.name)

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
        url = job.requestUrl()
        path = url.path()
        self.served.append(path)
        if url.host() != HOST:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        found = self.resolve(path)
        if found is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        data, mime = found
        # The job reads the device after this returns; parenting the buffer to the job
        # keeps it alive exactly as long as the request.
        buf = QBuffer(parent=job)
        buf.setData(QByteArray(data))
        buf.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(mime, buf)


def app_scheme_handler(profile: QWebEngineProfile) -> AppSchemeHandler:
    """The profile's ``watchfloor://`` handler, installing one on first use."""
    if QWebEngineUrlScheme.schemeByName(APP_SCHEME).name() != APP_SCHEME:
        raise RuntimeError(
            "the watchfloor:// URL scheme is not registered; call "
            "widgets.qtenv.prepare_qt_environment() before creating the QApplication"
        )
    existing = profile.urlSchemeHandler(APP_SCHEME)
    if isinstance(existing, AppSchemeHandler):
        return existing
    if existing is not None:
        raise RuntimeError("another handler already owns the watchfloor:// scheme")
    handler = AppSchemeHandler(profile)
    profile.installUrlSchemeHandler(APP_SCHEME, handler)
    return handler
