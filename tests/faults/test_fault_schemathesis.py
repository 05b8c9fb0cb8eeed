"""schemathesis against the hub's own ``/openapi.json``: what it documents is what it does.

For every documented operation schemathesis generates schema-valid requests and requests
that break the schema (``MAX_EXAMPLES`` each), sends them with a source token to a real
hub on loopback and checks every answer: never a 5xx, a documented status code and
content type, and a body matching the documented schema; schema-valid requests are not
refused and invalid ones not accepted. schemathesis runs in its own process
(``tests/faults/schemathesis_probe.py`` says why).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.hubs import LiveHub

pytestmark = pytest.mark.timeout(120)

ROOT = Path(__file__).resolve().parents[2]
MAX_EXAMPLES = 25
BUDGET_SECONDS = 90.0


def test_every_operation_answers_as_documented(db_url: str) -> None:
    hub = LiveHub(db_url).start()
    started = time.monotonic()
    try:
        command = [
            sys.executable,
            "-m",
            "tests.faults.schemathesis_probe",
            hub.api_url,
            hub.token["source"],
            str(MAX_EXAMPLES),
        ]
        done = subprocess.run(
            command,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=BUDGET_SECONDS,
            env=os.environ.copy(),
        )
    finally:
        hub.stop()
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.splitlines()[-1])
    # Every documented operation but /openapi.json itself, which schemathesis leaves out.
    assert len(result["operations"]) >= 5, result["operations"]
    assert not result["failures"], "\n\n".join(result["failures"])
    print(f"{len(result['operations'])} operations in {elapsed:.1f} s")
