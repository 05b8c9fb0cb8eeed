"""Cluster mode: the hub's event log on NATS JetStream (docs/cluster.md).

Imported only when a hub is given ``--nats``: the embedded default (one process on
SQLite) needs neither nats-py nor a server.
"""


class NotDurable(Exception):
    """The event log did not acknowledge the events in time: nothing may be answered as
    stored (the store has them; the stream will, once it has a quorum again). Here, not
    beside the log, so that the ingest can catch it without importing nats-py."""


class NoWriter(Exception):
    """A cluster's standby node asked the writer node and none answered in time (a
    takeover is under way, or NATS has no quorum): what was asked may not be done."""
