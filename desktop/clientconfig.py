"""The client configuration file, ``watchfloor.toml``: its ``[wall]`` and ``[desk]`` tables.

Declared once as Structs (type, default, a description per field) and read through the
shared loader (``backend_client.config``), so a mistake names file, line and field.
Other tables (``[hub]`` …) belong to the programs that own them and are not judged here.
Pure Python: ``watchfloor check`` runs this very loader.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Final, Literal

import msgspec
from msgspec import Meta

from backend_client.config import ConfigError, read_toml

CLIENT_LANGS: Final = ("zh_CN", "en")
SECTIONS: Final = ("wall", "desk")
Lang = Literal["zh_CN", "en"]


class DeskSection(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """``[desk]``: an operator's or supervisor's workstation."""

    hub: Annotated[str | None, Meta(description="ws://HOST:PORT (or wss://) of the hub")] = None
    token: Annotated[str | None, Meta(description="this client's token (prefer token_file)")] = None
    token_file: Annotated[
        str | None,
        Meta(description="file holding the token, relative to this file; keeps it private"),
    ] = None
    lang: Annotated[Lang | None, Meta(description="UI language: zh_CN or en")] = None


class WallSection(DeskSection, forbid_unknown_fields=True, frozen=True):
    """``[wall]``: a wall PC; also what ``watchfloor demo`` takes its layout from."""

    layout: Annotated[
        str | None, Meta(description="a layout file, or NAME in layouts/ (as --layout)")
    ] = None
    windowed: Annotated[bool | None, Meta(description="windows instead of fullscreen")] = None


@dataclass(frozen=True)
class ClientConfig:
    """One table (``[wall]`` or ``[desk]``) of ``watchfloor.toml``; None: not set there."""

    path: Path | None = None
    hub: str | None = None
    token: str | None = None
    layout: Path | None = None
    lang: str | None = None
    windowed: bool | None = None


def load_client_config(path: Path | None, section: str) -> ClientConfig:
    """Read ``[section]`` of a configuration file; raises :class:`ConfigError` (file,
    line, field) for anything wrong.

    ``token_file`` (relative to the config file) keeps the token out of the command line
    and out of a world-readable file; ``layout`` is resolved as ``--layout`` is, a
    relative path against the config file's folder."""
    if path is None:
        return ClientConfig()
    file = read_toml(path)
    raw = file.data.get(section, {})
    if not isinstance(raw, dict):
        raise file.error([section], f"expected a table [{section}]")
    table = file.convert(raw, WallSection if section == "wall" else DeskSection, [section])
    if table.hub is not None and not table.hub.strip():
        raise file.error([section, "hub"], "must not be empty (ws://HOST:PORT)")
    token = table.token
    if token is not None and table.token_file is not None:
        raise file.error([section, "token_file"], "give token or token_file, not both")
    if table.token_file is not None:
        secret = path.parent / Path(table.token_file).expanduser()
        try:
            token = secret.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise file.error(
                [section, "token_file"], f"cannot read {secret}: {exc.strerror or exc}"
            ) from None
        if not token:
            raise file.error([section, "token_file"], f"{secret} is empty")
    layout: Path | None = None
    windowed: bool | None = None
    if isinstance(table, WallSection):
        windowed = table.windowed
        if table.layout is not None:
            layout = _layout(path, table.layout)
            if layout is None or not layout.is_file():
                # Point at the config line: that is where the installer has to look.
                raise file.error(
                    [section, "layout"],
                    f"no layout {table.layout!r} (a file, or NAME in layouts/)",
                )
    return ClientConfig(path, table.hub, token, layout, table.lang, windowed)


def check_client_config(path: Path) -> list[str]:
    """Every client table of ``path`` loaded as the programs load it (``watchfloor check``);
    raises :class:`ConfigError` at the first mistake, returns the tables present."""
    present: list[str] = [s for s in SECTIONS if s in read_toml(path).data]
    for section in SECTIONS:
        load_client_config(path, section)
    return present


def _layout(config: Path, raw: str) -> Path | None:
    from desktop.layout import resolve_layout

    given = Path(raw).expanduser()
    if len(given.parts) > 1 and not given.is_absolute():
        given = config.parent / given
    return resolve_layout(given)


__all__ = ["CLIENT_LANGS", "ClientConfig", "ConfigError", "load_client_config"]
