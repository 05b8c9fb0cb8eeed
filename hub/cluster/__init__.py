"""Cluster mode: the hub's event log on NATS JetStream (docs/cluster.md).

Imported only when a hub is given ``--nats``: the embedded default (one process on
SQLite) needs neither nats-py nor a server.
"""
