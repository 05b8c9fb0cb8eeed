"""0x0200 location report and 0x0704 batch bodies.

0x0200: alarm u32, status u32, lat u32, lon u32 (1e-6 degree, sign from status bits 2
and 3), altitude u16 (m), speed u16 (0.1 km/h), direction u16, time BCD[6] (GMT+8), then
extra items ``id u8, length u8, value``. 0x0704: count u16, type u8, then per item a u16
length and a 0x0200 body.
"""

from __future__ import annotations

import struct

from hub.jt808.messages import BatchItemError, Location, LocationBatch
from hub.jt808.wire import bcd_time

FIXED = struct.Struct(">IIIIHHH6s")
FIXED_SIZE = FIXED.size  # 28

STATUS_SOUTH = 1 << 2
STATUS_WEST = 1 << 3

ITEM_MILEAGE = 0x01
ITEM_SIGNAL = 0x30
ITEM_SATELLITES = 0x31


class BadBody(ValueError):
    """A body too short or inconsistent for its message id."""


def decode_location(body: bytes) -> Location:
    """Decode a 0x0200 body. Raises :class:`BadBody` if the 28 fixed bytes are not there."""
    if len(body) < FIXED_SIZE:
        raise BadBody(f"location body of {len(body)} bytes, needs {FIXED_SIZE}")
    alarm, status, lat_raw, lon_raw, altitude, speed, direction, when = FIXED.unpack_from(body)
    lat = lat_raw / 1e6
    lon = lon_raw / 1e6
    if status & STATUS_SOUTH:
        lat = -lat
    if status & STATUS_WEST:
        lon = -lon
    items, complete = _items(body, FIXED_SIZE)
    mileage: float | None = None
    signal: int | None = None
    satellites: int | None = None
    # A known id with a length the standard does not give it is kept raw, not guessed at.
    for item_id, value in items:
        if item_id == ITEM_MILEAGE and len(value) == 4:
            mileage = int.from_bytes(value, "big") / 10
        elif item_id == ITEM_SIGNAL and len(value) == 1:
            signal = value[0]
        elif item_id == ITEM_SATELLITES and len(value) == 1:
            satellites = value[0]
    return Location(
        alarm=alarm,
        status=status,
        lat=lat,
        lon=lon,
        altitude_m=altitude,
        speed_kmh=speed / 10,
        direction=direction,
        ts=bcd_time(when),
        mileage_km=mileage,
        signal=signal,
        satellites=satellites,
        items=tuple(items),
        items_complete=complete,
    )


def _items(body: bytes, start: int) -> tuple[list[tuple[int, bytes]], bool]:
    items: list[tuple[int, bytes]] = []
    pos = start
    end = len(body)
    while pos < end:
        if pos + 2 > end:
            return items, False
        item_id, length = body[pos], body[pos + 1]
        if pos + 2 + length > end:
            return items, False
        items.append((item_id, body[pos + 2 : pos + 2 + length]))
        pos += 2 + length
    return items, True


def decode_batch(body: bytes) -> LocationBatch:
    """Decode a 0x0704 body. Every item is tried; each one that fails, and a count that
    does not match the items found, is reported in ``errors`` instead of being dropped."""
    if len(body) < 3:
        raise BadBody(f"batch body of {len(body)} bytes, needs at least 3")
    count = int.from_bytes(body[0:2], "big")
    kind = body[2]
    locations: list[Location] = []
    errors: list[BatchItemError] = []
    pos = 3
    index = 0
    while pos < len(body):
        if pos + 2 > len(body):
            errors.append(BatchItemError(index, "item length cut off", body[pos:]))
            break
        length = int.from_bytes(body[pos : pos + 2], "big")
        item = body[pos + 2 : pos + 2 + length]
        if len(item) < length:
            # The length runs past the body: what is left may still be a report, but its
            # end is unknown, so it is reported rather than guessed at.
            errors.append(
                BatchItemError(index, f"item of {length} bytes, only {len(item)} left", item)
            )
            break
        try:
            locations.append(decode_location(item))
        except BadBody as exc:
            errors.append(BatchItemError(index, str(exc), item))
        pos += 2 + length
        index += 1
    found = len(locations) + len(errors)
    if found != count:
        errors.append(BatchItemError(found, f"count says {count}, body holds {found}"))
    return LocationBatch(count=count, kind=kind, locations=tuple(locations), errors=tuple(errors))
