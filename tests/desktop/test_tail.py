"""``watchfloor tail`` as a real process against a real hub on loopback.

Its output across a hub restart is the proof that nothing is lost or doubled: every
line's ``seq`` follows the previous one; a ``snapshot`` line resets the expectation to
its own ``seq``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from tests.support.hubs import OFFICERS, LiveHub, report

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[LiveHub]:
    live = LiveHub(tmp_path / "hub.db").start()
    yield live
    live.stop()


def _as_from_a_terminal() -> None:
    # Ctrl-C as an operator's shell delivers it. A suite started in the background by a
    # non-interactive shell (`... &`) runs with SIGINT ignored, and children inherit
    # that: tail would then rightly ignore the test's SIGINT too.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Tail:
    """``python -m desktop.cli tail`` with its stdout and stderr read as they come."""

    def __init__(self, hub: LiveHub, token: str, *extra: str) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        hub_url = f"ws://127.0.0.1:{hub.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "desktop.cli",
                "tail",
                "--hub",
                hub_url,
                "--token",
                token,
                *extra,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=_as_from_a_terminal,
        )
        self.lines: list[dict[str, Any]] = []
        self.errors: list[str] = []
        assert self.process.stdout is not None and self.process.stderr is not None
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, True), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, False), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: IO[bytes], is_stdout: bool) -> None:
        for raw in stream:
            if is_stdout:
                self.lines.append(json.loads(raw))
            else:
                self.errors.append(raw.decode().rstrip())

    @property
    def last_seq(self) -> int | None:
        # Live positions lines carry no seq: the log's position is the last line with one.
        for line in reversed(self.lines):
            if "seq" in line:
                return int(line["seq"])
        return None

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if self.process.poll() is not None:
                raise AssertionError(f"tail exited {self.process.returncode}: {self.errors}")
            if time.monotonic() > deadline:
                raise AssertionError(f"tail at seq {self.last_seq}; stderr: {self.errors[-5:]}")
            time.sleep(0.02)

    def finish(self, timeout: float = 10.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout)
        for reader in self._readers:
            reader.join(5)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return code


class Traffic:
    """Officers moving (one positions event each step) and reports arriving, on a thread."""

    def __init__(self, hub: LiveHub) -> None:
        self.hub = hub
        self.lock = threading.Lock()  # held while the hub is down
        self.running = True
        self.steps = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while self.running:
            with self.lock:
                self.steps += 1
                self.hub.move(self.steps)
                if self.steps % 3 == 0:
                    self.hub.change(self.steps)  # positions are live: log something
                if self.steps % 10 == 0:
                    self.hub.post("/api/v1/reports", report(f"8890-tail-{self.steps}"))
            time.sleep(0.01)

    def __enter__(self) -> Traffic:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.running = False
        self.thread.join(10)


def assert_contiguous(lines: list[dict[str, Any]]) -> None:
    assert lines, "tail printed nothing"
    assert lines[0]["type"] == "snapshot"
    expected = lines[0]["seq"] + 1
    seen: set[int] = set()
    for line in lines[1:]:
        if line["type"] == "unit.positions":
            assert "seq" not in line, "live positions are not numbered"
            continue
        if line["type"] == "snapshot":
            assert line["seq"] >= expected - 1, f"snapshot went back to {line['seq']}"
        else:
            assert line["seq"] == expected, f"seq {line['seq']} where {expected} was due"
            assert line["seq"] not in seen, f"seq {line['seq']} printed twice"
            seen.add(line["seq"])
        expected = line["seq"] + 1


def test_tail_across_a_hub_restart_prints_every_seq_once(hub: LiveHub) -> None:
    tail = Tail(hub, hub.token["wall"])
    try:
        tail.wait_for(lambda: len(tail.lines) >= 1)
        with Traffic(hub) as traffic:
            tail.wait_for(lambda: len(tail.lines) >= 30)
            with traffic.lock:
                hub.stop()
                tail.wait_for(lambda: any("link offline" in e for e in tail.errors))
                time.sleep(0.3)  # a few refused reconnects
                hub.start(seed=False)
            restarted_at = len(tail.lines)
            tail.wait_for(lambda: len(tail.lines) >= restarted_at + 30)
        tail.wait_for(lambda: tail.last_seq == hub.hub.published_seq)
    finally:
        code = tail.finish()
    assert code == 130  # interrupted, as an operator's Ctrl-C
    assert_contiguous(tail.lines)
    assert [line["type"] for line in tail.lines].count("snapshot") == 1  # resumed, not reloaded
    assert tail.last_seq == hub.hub.published_seq
    kinds = {line["type"] for line in tail.lines}
    assert {"unit.positions", "incident.new"} <= kinds
    links = [e for e in tail.errors if e.startswith("tail: link")]
    states = [link.split()[2] for link in links]
    # live, offline while the hub was down, live again; (offline again at Ctrl-C).
    assert states[:3] == ["live", "offline", "live"], links
    assert links[1].startswith("tail: link offline (last seq ")


def test_tail_since_resumes_after_that_seq(hub: LiveHub) -> None:
    for step in range(6):
        hub.move(step)
        hub.change(step)
    since = hub.hub.published_seq - 4
    tail = Tail(hub, hub.token["wall"], "--since", str(since), "--count", "5")
    assert tail.process.wait(20) == 0
    tail.finish()
    # The four events after since, then the newest position of the units it knows (a
    # tail from a seq holds no snapshot: the one officer those events named), once.
    assert [line.get("seq") for line in tail.lines] == [*range(since + 1, since + 5), None]
    assert [line["type"] for line in tail.lines] == ["unit.status"] * 4 + ["unit.positions"]
    assert [(f["id"], f["lon"]) for f in tail.lines[-1]["fixes"]] == [
        (OFFICERS[1].id, pytest.approx(119.60 + 5 * 0.0005))
    ]


@pytest.mark.parametrize(("role", "said"), [(None, "unknown token"), ("source", "may not read")])
def test_tail_exits_2_with_a_clear_message_on_a_refused_token(
    hub: LiveHub, role: str | None, said: str
) -> None:
    token = "not-a-token" if role is None else hub.token[role]
    tail = Tail(hub, token)
    code = tail.process.wait(20)
    tail.finish()
    assert code == 2
    assert tail.lines == []
    message = tail.errors[-1]
    assert message.startswith(
        f"tail: the hub at ws://127.0.0.1:{hub.port}/stream refused the token"
    )
    assert said in message and "--token" in message
