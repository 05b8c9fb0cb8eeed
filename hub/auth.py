"""Tokens and roles (DESIGN.md, "Auth file").

``wall`` reads the stream; ``operator`` also dispatches, steps cases and acknowledges;
``supervisor`` also reads the audit log and who was where (``units.at``) and exports the
case register (``cases.export``); ``source`` only ingests; ``admin`` may do all.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from backend_client.config import ConfigError, read_toml

ROLES = ("wall", "operator", "supervisor", "source", "admin")
Role = Literal["wall", "operator", "supervisor", "source", "admin"]

# What each role may do. Stream reads are "stream"; requests are named by their op.
# Each role builds on the one below it, so a new read op is granted in one place.
_READ = frozenset(
    {
        "stream",
        "case.history",
        "case.related",
        "merchant.list",
        "merchant.profile",
        "unit.track",
        "stats.query",
        "stats.hotspots",
        "case.records",
        "discretion.suggest",
        # Duplicate candidates (a case view, audited) and the service figures (aggregates).
        "case.duplicates",
        "stats.service",
        # The working calendar deadlines count on (reference data): the desks word the
        # 处置时限 in working time with it.
        "calendar.get",
    }
)
_OPERATE = _READ | {"dispatch", "alert.ack", "case.step", "wall.push", "wall.list", "case.decide"}
# Merging a duplicate into a case (case.merge) is a dispatcher's decision, never automatic.
_OPERATE = _OPERATE | {"case.merge"}
# 回访 (follow-up visits) are made by the desks: operator and above.
_OPERATE = _OPERATE | {"case.visit"}
# units.at shows where every unit was: a supervisor's question, audited.
_SUPERVISE = _OPERATE | {"audit.query", "units.at"}
# cases.export takes the case register out in bulk, reporters included: supervisors.
_SUPERVISE = _SUPERVISE | {"cases.export"}
PERMISSIONS: dict[str, frozenset[str]] = {
    "wall": _READ,
    "operator": _OPERATE,
    "supervisor": _SUPERVISE,
    "source": frozenset({"ingest"}),
    "admin": _SUPERVISE | {"ingest"},
}


class AuthFileError(ConfigError, ValueError):
    """A bad auth file; the message names the file, the line and the field."""


# ---- the auth file, declared once --------------------------------------------------------


class TokenEntry(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """``[[token]]``: one client's or source's token."""

    value: Annotated[
        str, Meta(min_length=8, description="the secret, 8 or more characters; unique")
    ]
    role: Annotated[Role, Meta(description="wall, operator, supervisor, source or admin")]
    name: Annotated[str, Meta(min_length=1, description="who holds it (walls are addressed by it)")]


class AuthFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """The whole auth file (``--auth``)."""

    token: Annotated[list[TokenEntry], Meta(description="one [[token]] table per token")]


@dataclass(frozen=True)
class Principal:
    name: str
    role: str

    def may(self, action: str) -> bool:
        return action in PERMISSIONS.get(self.role, frozenset())


class TokenRegistry:
    """Looks tokens up in constant time per candidate, so timing does not leak them."""

    def __init__(self, tokens: dict[str, Principal]) -> None:
        self._tokens = dict(tokens)

    def __len__(self) -> int:
        return len(self._tokens)

    def authenticate(self, value: str | None) -> Principal | None:
        if not value:
            return None
        found: Principal | None = None
        for candidate, principal in self._tokens.items():
            if hmac.compare_digest(candidate.encode(), value.encode()):
                found = principal
        return found

    @classmethod
    def load(cls, path: Path) -> TokenRegistry:
        """Read an auth file; raises :class:`AuthFileError` naming file, line and field."""
        try:
            file = read_toml(path)
            declared = file.convert(file.data, AuthFile)
            if not declared.token:
                raise file.error(["token"], "expected one or more [[token]] tables")
            tokens: dict[str, Principal] = {}
            for index, entry in enumerate(declared.token):
                if entry.value in tokens:
                    raise file.error(["token", index, "value"], "duplicate token")
                tokens[entry.value] = Principal(name=entry.name, role=entry.role)
        except ConfigError as exc:
            raise AuthFileError(exc.path, exc.line, exc.field, exc.problem) from None
        return cls(tokens)

    @classmethod
    def generate(cls) -> tuple[TokenRegistry, dict[str, str]]:
        """Fresh random tokens, one per role (``watchfloor demo`` makes its own)."""
        # A token that starts with "-" reads as an option on a command line (--token -x...).
        values = {role: "wf_" + secrets.token_urlsafe(24) for role in ROLES}
        registry = cls(
            {value: Principal(name=f"demo-{role}", role=role) for role, value in values.items()}
        )
        return registry, values
