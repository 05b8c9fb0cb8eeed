"""Masking of citizens' personal data (reporters of cases) for roles that may not see it.

Pure functions shared by the hub, which masks before anything leaves it, and the panels.
"""

from __future__ import annotations

from typing import Any

#: Roles that may see who reported a case (to call them back, or for the case file).
SEES_REPORTER = frozenset({"supervisor", "admin"})


def mask_phone(phone: str) -> str:
    """``13800000000`` -> ``138****0000``: enough to tell two callers apart, not to call."""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "****" + digits[-4:]


def mask_name(name: str) -> str:
    """``张女士`` -> ``张**``: the family name only, one star per hidden character."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


def reporter_for(role: str, reporter: dict[str, Any] | None) -> dict[str, str] | None:
    """The reporter as ``role`` may see it: whole for supervisors, masked for others."""
    if not reporter:
        return None
    name = str(reporter.get("name") or "")
    phone = str(reporter.get("phone") or "")
    if role in SEES_REPORTER:
        return {"name": name, "phone": phone}
    return {"name": mask_name(name), "phone": mask_phone(phone)}
