"""一户一码: the code a merchant's QR carries, and reading it back (a desk's scanner gun
types it into the search box as keys). Pure: the shared core."""

from __future__ import annotations

import re
from typing import Final

#: ``watchfloor:merchant/<id>``: a URI of our own, so a phone's camera app shows it as
#: text rather than opening a browser, and nothing outside the centre resolves it.
MERCHANT_PREFIX: Final = "watchfloor:merchant/"
_MERCHANT = re.compile(r"^\s*watchfloor:merchant/([A-Za-z0-9_.\-]{1,64})\s*$", re.IGNORECASE)


def merchant_code(merchant_id: str) -> str:
    """What a merchant's QR code says."""
    return MERCHANT_PREFIX + merchant_id


def merchant_of(text: str) -> str | None:
    """The merchant a scanned code names, or None when ``text`` is not one."""
    match = _MERCHANT.match(text)
    return match.group(1) if match else None
