"""Duplicate reports (重复上报): when an earlier case may be the same matter as a new one.

No official thresholds exist (CASEWORK-NOTES, "Duplicates and recurrence"), so these are
defaults a centre may change (:class:`DuplicateRules`, ``HubConfig.duplicates``): the same
class (the case's category), and within ``radius_m`` or the same merchant or the same
address; the earlier case still open, or closed at most ``window_hours`` before the new
one was reported. The hub only *suggests*: a dispatcher merges (``case.merge``); nothing
is ever merged by itself.

Pure rules, no store: :func:`reasons` says why two cases match, :func:`in_window` whether
the earlier one is still in time. hub/requests/duplicates.py reads the cases.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend_client.geo import distance_m

#: Statuses of an earlier case that never counts: a void report (作废) is no matter.
NEVER_CANDIDATE = frozenset({"voided"})
#: Timeline kinds a merge writes (case.merge, and the demo's history): on the child, and
#: on the parent.
MERGED_KIND = "merged"
MERGED_CHILD_KIND = "merged_child"


@dataclass(frozen=True, slots=True, kw_only=True)
class DuplicateRules:
    """The thresholds of duplicate candidates, with their defaults."""

    radius_m: float = 50.0
    """Two located cases at most this far apart (inclusive) match."""
    window_hours: float = 72.0
    """An earlier case closed at most this long before the new report still counts."""
    same_merchant: bool = True
    """Two cases naming the same merchant match, wherever they were located."""
    same_address: bool = True
    """Two cases with the same address (spaces ignored) match."""

    def __post_init__(self) -> None:
        if not self.radius_m >= 0 or not self.window_hours >= 0:
            raise ValueError("radius_m and window_hours must be zero or more")


@dataclass(frozen=True, slots=True)
class Place:
    """What of a case the rules compare."""

    lat: float | None
    lon: float | None
    merchant_id: str | None
    address: str


def same_address(a: str, b: str) -> bool:
    """Addresses compare without their spaces (full-width ones too); empty never matches."""
    left, right = _squeeze(a), _squeeze(b)
    return bool(left) and left == right


def _squeeze(address: str) -> str:
    return "".join(address.split())


def distance(a: Place, b: Place) -> float | None:
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return None
    return distance_m(a.lat, a.lon, b.lat, b.lon)


def reasons(rules: DuplicateRules, new: Place, earlier: Place) -> list[str]:
    """Why ``earlier`` may be the same matter as ``new``, in a fixed order; empty: it is not."""
    found: list[str] = []
    metres = distance(new, earlier)
    if metres is not None and metres <= rules.radius_m:
        found.append("distance")
    if rules.same_merchant and new.merchant_id and new.merchant_id == earlier.merchant_id:
        found.append("merchant")
    if rules.same_address and same_address(new.address, earlier.address):
        found.append("address")
    return found


def in_window(
    rules: DuplicateRules, status: str, closed_at: float | None, reported_at: float
) -> bool:
    """Whether an earlier case in ``status`` (closed at ``closed_at``, if closed) counts for
    a case reported at ``reported_at``: open, or closed within the window before it."""
    if status in NEVER_CANDIDATE:
        return False
    if status != "closed":
        return True
    if closed_at is None:  # closed with no closing step stored: its time is unknown
        return False
    return closed_at >= reported_at - rules.window_hours * 3600.0
