"""Durable store of the hub (SQLAlchemy 2.x; SQLite by default, PostgreSQL supported)."""
