"""A 3-node NATS cluster per module (starting one takes a second or two)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.natscluster import NatsCluster, nats_server_binary

HERE = Path(__file__).parent

# nats-py leaks a socket when a reconnect times out in CONNECT (a node killed mid-
# handshake): Client._attempt_reconnect catches the TimeoutError and the next attempt
# replaces self._transport without closing the old one, whose StreamWriter is then
# collected unclosed (nats/aio/client.py, 2.x). The socket is freed with it; the warning
# would fail whichever test's step the collection lands in. Ignored here only, for that
# writer only: the hub's own sockets are protocol transports (hub/jt808), whose leaks
# warn as "unclosed transport" and still fail.
NATS_RECONNECT_LEAK = (
    "ignore:Exception ignored in. <function StreamWriter.__del__"
    ":pytest.PytestUnraisableExceptionWarning"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings(NATS_RECONNECT_LEAK))


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
