"""What a JT/T 808 terminal sends, decoded: the header and the bodies a position gateway needs.

Plain frozen values, no I/O. Units are converted once here (degrees, km/h, km, seconds
since the epoch in UTC) so that nothing above has to know the wire's scales or time zone.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal

Edition = Literal[2011, 2013, 2019]


class MsgId(enum.IntEnum):
    """Message ids this package decodes or encodes."""

    TERMINAL_ANSWER = 0x0001
    HEARTBEAT = 0x0002
    LOGOUT = 0x0003
    REGISTER = 0x0100
    AUTHENTICATE = 0x0102
    LOCATION = 0x0200
    LOCATION_BATCH = 0x0704
    PLATFORM_ANSWER = 0x8001
    REGISTER_ANSWER = 0x8100


class RegisterResult(enum.IntEnum):
    """Result of a 0x8100 register answer."""

    OK = 0
    VEHICLE_ALREADY_REGISTERED = 1
    NO_SUCH_VEHICLE = 2
    TERMINAL_ALREADY_REGISTERED = 3
    NO_SUCH_TERMINAL = 4


class AnswerResult(enum.IntEnum):
    """Result of a 0x8001 platform (or 0x0001 terminal) general answer."""

    OK = 0
    FAILURE = 1
    BAD_MESSAGE = 2
    NOT_SUPPORTED = 3
    ALARM_CONFIRMED = 4


@dataclass(frozen=True, slots=True)
class Header:
    """The message header, 2013 or 2019 layout.

    ``phone`` is the terminal's BCD number as its digits, exactly as sent (12 digits in
    2013, 20 in 2019); :attr:`terminal` is the same number without leading zeros, so that a
    terminal keeps one identity across the two layouts.
    """

    msg_id: int
    version: Literal[2013, 2019]
    phone: str
    serial: int
    body_length: int
    # 2019 only: the protocol-version byte (1 for the first 2019 edition).
    protocol_version: int | None = None
    # Body properties bits 10-12; 0 means plain, bit 10 RSA.
    encryption: int = 0
    # Sub-package fields (body properties bit 13): total packages and this one's index.
    package_total: int | None = None
    package_index: int | None = None
    # Set when the terminal raised the 2019 flag (bit 14) but laid the header out as 2013:
    # a known firmware fault, decoded as 2013 and answered as 2013.
    version_flag_ignored: bool = False

    @property
    def terminal(self) -> str:
        """The phone number without leading zeros (``"0"`` if it is all zeros)."""
        return self.phone.lstrip("0") or "0"

    @property
    def is_package(self) -> bool:
        return self.package_total is not None


@dataclass(frozen=True, slots=True)
class Register:
    """0x0100 terminal registration. ``edition`` says which field widths the body used."""

    province: int
    city: int
    maker: str
    model: str
    terminal_id: str
    plate_colour: int
    plate: str
    edition: Edition


@dataclass(frozen=True, slots=True)
class Authenticate:
    """0x0102 authentication; IMEI and software version only in 2019."""

    code: str
    imei: str | None = None
    software_version: str | None = None


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """0x0002, empty body."""


@dataclass(frozen=True, slots=True)
class Logout:
    """0x0003, empty body."""


@dataclass(frozen=True, slots=True)
class TerminalAnswer:
    """0x0001 terminal general answer to a platform message."""

    reply_serial: int
    reply_id: int
    result: int


@dataclass(frozen=True, slots=True)
class Location:
    """A 0x0200 location report (also each item of a 0x0704 batch).

    ``alarm`` and ``status`` keep the raw flag words; the properties name the bits a
    command centre acts on. ``lat``/``lon`` are WGS-84 degrees, already signed by the
    south/west status bits. ``ts`` is ``None`` when the terminal sent no valid time.
    ``items`` keeps every extra item (id, raw value) in order; mileage, signal and
    satellites are also decoded. ``items_complete`` is false when the item list ended
    inside an item (the fixed part is still good).
    """

    alarm: int
    status: int
    lat: float
    lon: float
    altitude_m: int
    speed_kmh: float
    direction: int
    ts: float | None
    mileage_km: float | None = None
    signal: int | None = None
    satellites: int | None = None
    items: tuple[tuple[int, bytes], ...] = ()
    items_complete: bool = True

    @property
    def positioned(self) -> bool:
        """Status bit 1: the coordinates are a fix (0: last known or zeros)."""
        return bool(self.status & 0b10)

    @property
    def sos(self) -> bool:
        """Alarm bit 0: emergency (the SOS button)."""
        return bool(self.alarm & 0b1)

    @property
    def overspeed(self) -> bool:
        """Alarm bit 1."""
        return bool(self.alarm & 0b10)

    @property
    def is_fix(self) -> bool:
        """Worth a place in a track: positioned, with a time, coordinates in range."""
        return (
            self.positioned
            and self.ts is not None
            and -90.0 <= self.lat <= 90.0
            and -180.0 <= self.lon <= 180.0
        )


@dataclass(frozen=True, slots=True)
class BatchItemError:
    """One 0x0704 item that could not be decoded; ``raw`` is what it held."""

    index: int
    reason: str
    raw: bytes = b""


@dataclass(frozen=True, slots=True)
class LocationBatch:
    """0x0704 batch: ``kind`` 0 is a normal batch, 1 a blind-area supplement (the backlog
    of a terminal that was out of coverage). Every decodable item is in ``locations``;
    every other one (and a count that disagrees with the items) is in ``errors``."""

    count: int
    kind: int
    locations: tuple[Location, ...]
    errors: tuple[BatchItemError, ...] = ()

    @property
    def blind_area(self) -> bool:
        return self.kind == 1


@dataclass(frozen=True, slots=True)
class Undecoded:
    """A well-formed frame whose body this package does not decode (unknown id, encrypted,
    or one package of a split message): the server still answers it."""

    reason: Literal["unknown_id", "encrypted", "sub_package"]


Body = (
    Register
    | Authenticate
    | Heartbeat
    | Logout
    | TerminalAnswer
    | Location
    | LocationBatch
    | Undecoded
)


@dataclass(frozen=True, slots=True)
class Message:
    """A decoded frame: the header, the decoded body and the body's raw bytes."""

    header: Header
    body: Body
    raw_body: bytes = field(repr=False)
