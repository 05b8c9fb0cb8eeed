"""Alembic migrations of the hub store (``hub.store.db.upgrade_schema`` runs them)."""
