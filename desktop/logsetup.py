"""Per-OS places for logs, data and configuration, and the rotating log file.

Locations come from platformdirs (the same answers as QStandardPaths for an application
named "watchfloor" with no organisation, and usable before any QApplication exists,
which the hub and ``tail`` never create):

=========  ===================================  ==========================================
what       Linux                                Windows
=========  ===================================  ==========================================
config     ~/.config/watchfloor, then           %LOCALAPPDATA%\\watchfloor, then
           /etc/xdg/watchfloor                  %PROGRAMDATA%\\watchfloor
data       ~/.local/share/watchfloor            %LOCALAPPDATA%\\watchfloor
logs       ~/.local/state/watchfloor/log        %LOCALAPPDATA%\\watchfloor\\Logs
=========  ===================================  ==========================================

``WATCHFLOOR_CONFIG_DIR`` / ``WATCHFLOOR_LOG_DIR`` override them (kiosk accounts with a
read-only home, tests). ``--config FILE`` always wins over the lookup.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from platformdirs import site_config_dir, user_config_dir, user_data_dir, user_log_dir

APP = "watchfloor"
CONFIG_NAME = "watchfloor.toml"
LAYOUT_FOLDER = "layouts"
DEFAULT_LAYOUT = "default.toml"
LOG_BYTES = 5 * 1024 * 1024
LOG_BACKUPS = 5
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

#: Marks the handlers this module installed, so a second call replaces them.
_OWN = "_watchfloor_handler"


def log_dir() -> Path:
    override = os.environ.get("WATCHFLOOR_LOG_DIR")
    return Path(override) if override else Path(user_log_dir(APP, appauthor=False))


def data_dir() -> Path:
    return Path(user_data_dir(APP, appauthor=False))


def config_dirs() -> list[Path]:
    """Folders searched for configuration and layouts, the first hit wins."""
    override = os.environ.get("WATCHFLOOR_CONFIG_DIR")
    if override:
        return [Path(override)]
    dirs = [Path(user_config_dir(APP, appauthor=False))]
    # multipath: XDG_CONFIG_DIRS may name several system folders.
    dirs += [
        Path(p) for p in site_config_dir(APP, appauthor=False, multipath=True).split(os.pathsep)
    ]
    return dirs


def find_config(explicit: Path | None = None) -> Path | None:
    """``--config FILE`` if given (even if missing: the caller reports it), else the
    first ``watchfloor.toml`` in :func:`config_dirs`, else None."""
    if explicit is not None:
        return explicit
    for folder in config_dirs():
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def find_layout(value: Path | None = None) -> Path | None:
    """A layout file: a path as given if it exists; a bare name (``lobby`` or
    ``lobby.toml``) looked up in ``layouts/`` of :func:`config_dirs`; with no value,
    ``layouts/default.toml``. Returns the given path unchanged when nothing matches, so
    the caller's error names what the user typed."""
    if value is not None and (value.exists() or len(value.parts) > 1):
        return value
    name = DEFAULT_LAYOUT if value is None else str(value)
    if not name.endswith(".toml"):
        name += ".toml"
    for folder in config_dirs():
        candidate = folder / LAYOUT_FOLDER / name
        if candidate.is_file():
            return candidate
    return value


def setup_logging(level: str, command: str, directory: Path | None = None) -> Path | None:
    """Console at ``level``; a rotating file (``watchfloor-COMMAND.log``) at INFO or finer.

    One file per command so a hub and a wall on the same PC never rotate each other's
    file (Windows cannot rename a file another process holds open). The file keeps INFO
    even when the console shows only warnings: it is what an installer sends back after
    an incident. Returns the file's path, or None when it cannot be opened -- a wall
    must start even with a read-only log folder.
    """
    console_level = getattr(logging, str(level).upper(), logging.WARNING)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OWN, False)]:
        root.removeHandler(handler)
        handler.close()
    formatter = logging.Formatter(LOG_FORMAT)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(console_level)
    console.setFormatter(formatter)
    setattr(console, _OWN, True)
    root.addHandler(console)
    root.setLevel(min(console_level, logging.INFO))

    folder = directory or log_dir()
    path = folder / f"{APP}-{command}.log"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8", delay=False
        )
    except OSError as exc:
        logging.getLogger(__name__).warning("no log file in %s: %s", folder, exc)
        return None
    file_handler.setLevel(min(console_level, logging.INFO))
    file_handler.setFormatter(formatter)
    setattr(file_handler, _OWN, True)
    root.addHandler(file_handler)
    return path
