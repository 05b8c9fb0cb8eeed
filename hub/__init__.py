"""The feed hub: ingest -> store (SQLAlchemy) -> sequenced event log -> stream.

Imports no Qt. Shares the protocol core with clients (``backend_client.protocol``).
"""
