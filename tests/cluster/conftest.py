"""A 3-node NATS cluster per module (starting one takes a second or two)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.natscluster import NatsCluster, nats_server_binary


@pytest.fixture
def nats_cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    binary = nats_server_binary()
    # The lock installs it (the cluster extra): missing is a broken install, not a skip.
    assert binary is not None, "no nats-server: install the lock (./scripts/bootstrap)"
    cluster = NatsCluster(tmp_path / "nats", binary).start()
    try:
        yield cluster
    finally:
        cluster.stop()
