"""Fault-suite fixtures: the hub fixtures of ``tests/hub`` (SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.hub.conftest import db_url, hub, postgres_database

__all__ = ["db_url", "hub", "postgres_database"]
