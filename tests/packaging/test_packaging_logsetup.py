"""Rotating log file and per-OS config lookup (desktop/logsetup.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop import logsetup


@pytest.fixture
def clean_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_log_file_per_command_keeps_info(tmp_path: Path, clean_root_logger: None) -> None:
    path = logsetup.setup_logging("WARNING", "wall", directory=tmp_path)
    assert path == tmp_path / "watchfloor-wall.log"
    logging.getLogger("test.packaging").info("wall started on %s", "WALL-1")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert "wall started on WALL-1" in path.read_text(encoding="utf-8")


def test_log_file_rotates(tmp_path: Path, clean_root_logger: None) -> None:
    logsetup.setup_logging("INFO", "hub", directory=tmp_path)
    handler = next(
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.handlers.RotatingFileHandler)
    )
    assert (handler.maxBytes, handler.backupCount) == (logsetup.LOG_BYTES, logsetup.LOG_BACKUPS)
    handler.maxBytes = 2000  # rotate quickly for the test
    for i in range(100):
        logging.getLogger("test.packaging").info("line %03d %s", i, "x" * 40)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "watchfloor-hub.log.1" in names
    assert len(names) <= 1 + logsetup.LOG_BACKUPS


def test_second_setup_replaces_handlers(tmp_path: Path, clean_root_logger: None) -> None:
    before = len(logging.getLogger().handlers)
    logsetup.setup_logging("INFO", "tail", directory=tmp_path)
    logsetup.setup_logging("DEBUG", "tail", directory=tmp_path)
    assert len(logging.getLogger().handlers) == before + 2  # console + file, once


def test_unwritable_log_dir_still_starts(tmp_path: Path, clean_root_logger: None) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert logsetup.setup_logging("INFO", "wall", directory=blocker / "logs") is None


def test_env_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHFLOOR_LOG_DIR", str(tmp_path / "l"))
    monkeypatch.setenv("WATCHFLOOR_CONFIG_DIR", str(tmp_path / "c"))
    assert logsetup.log_dir() == tmp_path / "l"
    assert logsetup.config_dirs() == [tmp_path / "c"]


def test_default_places_are_per_user_then_system(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WATCHFLOOR_CONFIG_DIR", raising=False)
    dirs = logsetup.config_dirs()
    assert len(dirs) >= 2
    assert all(d.name == "watchfloor" for d in dirs)


def test_config_lookup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHFLOOR_CONFIG_DIR", str(tmp_path))
    assert logsetup.find_config() is None
    (tmp_path / "watchfloor.toml").write_text("", encoding="utf-8")
    assert logsetup.find_config() == tmp_path / "watchfloor.toml"
    explicit = tmp_path / "other.toml"
    assert logsetup.find_config(explicit) == explicit  # --config wins, even if missing


def test_layout_lookup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHFLOOR_CONFIG_DIR", str(tmp_path))
    assert logsetup.find_layout() is None
    layouts = tmp_path / "layouts"
    layouts.mkdir()
    (layouts / "default.toml").write_text("", encoding="utf-8")
    (layouts / "lobby.toml").write_text("", encoding="utf-8")
    assert logsetup.find_layout() == layouts / "default.toml"
    assert logsetup.find_layout(Path("lobby")) == layouts / "lobby.toml"
    assert logsetup.find_layout(Path("lobby.toml")) == layouts / "lobby.toml"
    given = tmp_path / "sub" / "x.toml"
    assert logsetup.find_layout(given) == given  # a path is taken as given
    assert logsetup.find_layout(Path("nope")) == Path("nope")
