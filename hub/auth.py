"""Tokens and roles (DESIGN.md, "Auth file").

``wall`` reads the stream; ``operator`` also dispatches, steps cases and acknowledges;
``supervisor`` also reads the audit log; ``source`` only ingests; ``admin`` may do all.
"""

from __future__ import annotations

import hmac
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROLES = ("wall", "operator", "supervisor", "source", "admin")

# What each role may do. Stream reads are "stream"; requests are named by their op.
# Each role builds on the one below it, so a new read op is granted in one place.
_READ = frozenset(
    {"stream", "case.history", "case.related", "merchant.list", "merchant.profile", "unit.track"}
)
_OPERATE = _READ | {"dispatch", "alert.ack", "case.step", "wall.push", "wall.list"}
_SUPERVISE = _OPERATE | {"audit.query"}
PERMISSIONS: dict[str, frozenset[str]] = {
    "wall": _READ,
    "operator": _OPERATE,
    "supervisor": _SUPERVISE,
    "source": frozenset({"ingest"}),
    "admin": _SUPERVISE | {"ingest"},
}


class AuthFileError(ValueError):
    """A bad auth file; the message names the file and the field."""


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
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise AuthFileError(f"{path}: cannot read: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise AuthFileError(f"{path}: {exc}") from None
        entries = data.get("token")
        if not isinstance(entries, list) or not entries:
            raise AuthFileError(f"{path}: field 'token': expected one or more [[token]] tables")
        tokens: dict[str, Principal] = {}
        for index, entry in enumerate(entries):
            where = f"{path}: token[{index}]"
            value, role, name = entry.get("value"), entry.get("role"), entry.get("name")
            if not isinstance(value, str) or len(value) < 8:
                raise AuthFileError(f"{where}: field 'value': a string of 8 or more characters")
            if role not in ROLES:
                raise AuthFileError(f"{where}: field 'role': one of {', '.join(ROLES)}")
            if not isinstance(name, str) or not name:
                raise AuthFileError(f"{where}: field 'name': a non-empty string")
            if value in tokens:
                raise AuthFileError(f"{where}: field 'value': duplicate token")
            tokens[value] = Principal(name=name, role=role)
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
