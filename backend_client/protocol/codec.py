"""Encode and decode protocol frames.

Decoding validates: a frame that is not JSON, not an object, of an unknown ``type`` or
with a wrong field type raises :class:`ProtocolError` naming the field. Unknown fields are
ignored so that an older client keeps working against a newer hub.
"""

from __future__ import annotations

import re
from typing import NoReturn, TypeVar

import msgspec

from backend_client.protocol.messages import ClientMessage, ServerMessage

MAX_FRAME_BYTES = 16 * 1024 * 1024

# Annotated, not inferred: mypy 1.x and 2.x infer different parameters for a Decoder of a
# union alias, and _decode below keeps the decoder's own message type either way.
_client_decoder: msgspec.json.Decoder[ClientMessage] = msgspec.json.Decoder(ClientMessage)
_server_decoder: msgspec.json.Decoder[ServerMessage] = msgspec.json.Decoder(ServerMessage)
_encoder = msgspec.json.Encoder()
_PATH = re.compile(r"at `\$(?P<path>[^`]*)`")
_MISSING = re.compile(r"missing required field `(?P<name>[^`]+)`")


class ProtocolError(ValueError):
    """A frame that cannot be accepted. ``code`` is the wire error code."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def field_of(message: str) -> str | None:
    """The path of the offending field in a msgspec validation message (``a.b[0].c``)."""
    match = _PATH.search(message)
    path = match.group("path").lstrip(".") if match else ""
    missing = _MISSING.search(message)
    if missing:
        path = f"{path}.{missing.group('name')}" if path else missing.group("name")
    return path or None


_M = TypeVar("_M")


def _decode(decoder: msgspec.json.Decoder[_M], data: bytes | str) -> _M:
    if len(data) > MAX_FRAME_BYTES:
        raise ProtocolError("too_large", f"frame of {len(data)} bytes exceeds {MAX_FRAME_BYTES}")
    try:
        return decoder.decode(data)
    except msgspec.ValidationError as exc:
        text = str(exc)
        if "Invalid value" in text and "type" in text and "`$.type`" in text:
            _unknown(text)
        _invalid(text)
    except msgspec.DecodeError as exc:
        raise ProtocolError("malformed", f"not a JSON object: {exc}") from None
    except RecursionError:
        # msgspec gives up on very deep nesting ([[[[...) with RecursionError, not a
        # DecodeError: bad input like any other, from a client or from a hostile hub.
        raise ProtocolError("malformed", "JSON nested too deeply") from None


def _unknown(text: str) -> NoReturn:
    raise ProtocolError("unknown_type", text, "type")


def _invalid(text: str) -> NoReturn:
    raise ProtocolError("invalid", text, field_of(text))


def decode_client(data: bytes | str) -> ClientMessage:
    """Decode a frame a client sent to the hub."""
    return _decode(_client_decoder, data)


def decode_server(data: bytes | str) -> ServerMessage:
    """Decode a frame the hub sent to a client."""
    return _decode(_server_decoder, data)


def encode(message: msgspec.Struct) -> bytes:
    """Encode any protocol message as one JSON frame."""
    return _encoder.encode(message)
