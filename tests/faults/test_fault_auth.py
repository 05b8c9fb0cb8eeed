"""No token, a wrong token, a token of the wrong role: on every op and every endpoint.

Each refusal is 401/403 (HTTP) or ``unauthorized``/``forbidden`` (stream) and stores
nothing. The hub will not listen beyond loopback without an auth file, and never writes a
token to its log, even at DEBUG.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from hub.auth import PERMISSIONS
from tests.support.hubs import LiveHub, report

ROOT = Path(__file__).resolve().parents[2]
STREAM_ROLES = ("wall", "operator", "supervisor", "admin")


def _op_args(incident_id: str) -> dict[str, dict[str, Any]]:
    """Valid arguments for every op, so that only the role can be the reason to refuse."""
    now = time.time()
    return {
        "case.history": {"case_id": incident_id},
        "merchant.profile": {"merchant_id": "M-none"},
        "unit.track": {"unit_id": "U001", "start": now - 60, "end": now},
        "dispatch": {"incident_id": incident_id, "unit_ids": ["U001"]},
        "case.step": {"case_id": incident_id, "action": "accept"},
        "case.visit": {"case_id": incident_id, "channel": "phone", "result": "satisfied"},
        "alert.ack": {"alert_id": "device_silent:U001@1"},
        "audit.query": {},
        "case.related": {"case_id": incident_id},
        "merchant.list": {},
        "wall.push": {"wall": "", "kind": "incident", "id": incident_id},
        "wall.list": {},
        "stats.query": {"start": now - 3600, "end": now, "group": "day"},
        "units.at": {"ts": now - 60},
        "cases.export": {"start": now - 3600, "end": now},
        "stats.hotspots": {"start": now - 3600, "end": now},
        "case.records": {"case_id": incident_id},
        "discretion.suggest": {"case_id": incident_id},
        "case.decide": {"case_id": incident_id, "tier": "none", "amount": 0, "reason": "r"},
        "case.duplicates": {"case_id": incident_id},
        "case.merge": {"case_id": incident_id, "into": incident_id},
        "stats.service": {"start": now - 3600, "end": now},
        "calendar.get": {},
    }


def _http(
    hub: LiveHub, method: str, path: str, token: str | None, body: bytes | None = None
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(hub.api_url + path, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _counts(hub: LiveHub) -> tuple[int, int]:
    return hub.hub.published_seq, len(hub.hub.state.incidents)


def test_the_stream_refuses_no_token_a_wrong_one_and_a_source(hub: LiveHub) -> None:
    async def hello(token: str) -> tuple[dict[str, Any], int | None]:
        async with connect(hub.stream_url, open_timeout=5) as ws:
            await ws.send(json.dumps({"type": "hello", "token": token}))
            answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
            with contextlib.suppress(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            return answer, ws.close_code

    async def scenario() -> None:
        for token, code in [
            ("", "unauthorized"),
            ("not-a-token-at-all", "unauthorized"),
            (hub.token["wall"] + "x", "unauthorized"),
            (hub.token["source"], "forbidden"),
        ]:
            answer, close_code = await hello(token)
            assert (answer["type"], answer["code"], close_code) == ("error", code, 1008)

    asyncio.run(scenario())


def test_every_op_is_refused_before_hello_and_for_roles_without_it(hub: LiveHub) -> None:
    status, body = hub.post("/api/v1/reports", report("8890-auth"))
    assert status == 201
    ops = _op_args(body["id"])
    assert set(ops) == set().union(*PERMISSIONS.values()) - {"stream", "ingest"}
    before = _counts(hub)

    async def scenario() -> None:
        for op, args in ops.items():
            # A request instead of hello: refused, socket closed, whatever the op.
            async with connect(hub.stream_url, open_timeout=5) as ws:
                await ws.send(json.dumps({"type": "req", "id": 1, "op": op, "args": args}))
                answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
                assert answer["code"] == "hello_expected", (op, answer)
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 5)
                assert ws.close_code == 1008
        for role in STREAM_ROLES:
            async with connect(hub.stream_url, open_timeout=5, max_size=None) as ws:
                await ws.send(json.dumps({"type": "hello", "token": hub.token[role]}))
                for n, (op, args) in enumerate(ops.items()):
                    if op in PERMISSIONS[role]:
                        continue
                    await ws.send(json.dumps({"type": "req", "id": n, "op": op, "args": args}))
                    while True:
                        answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
                        if answer.get("id") == n:
                            break
                    assert (answer["type"], answer["code"]) == ("error", "forbidden"), (role, op)

    asyncio.run(scenario())
    assert _counts(hub) == before  # nothing stored, nothing streamed


@pytest.mark.parametrize("who", ["none", "wrong", "wall", "operator", "supervisor"])
def test_every_http_endpoint_refuses_and_stores_nothing(hub: LiveHub, who: str) -> None:
    token = {"none": None, "wrong": "wrong-token-123456"}.get(who, hub.token.get(who))
    expected = 401 if who in ("none", "wrong") else 403
    before = _counts(hub)
    body = json.dumps(report(f"8890-{who}")).encode()
    query = urllib.parse.urlencode({"id": "dev-001", "lat": 29.1, "lon": 119.6})
    open311 = json.dumps(
        {"service_code": "占道经营", "lat": 29.1, "long": 119.6, "description": "x"}
    ).encode()
    for method, path, data in [
        ("POST", "/api/v1/reports", body),
        ("POST", "/open311/v2/requests.json", open311),
        ("GET", f"/osmand?{query}", None),
        ("POST", f"/osmand?{query}", b""),
        ("GET", f"/?{query}", None),
    ]:
        status, answer = _http(hub, method, path, token, data)
        assert status == expected, (method, path, status, answer)
        assert answer["error"] == ("unauthorized" if expected == 401 else "forbidden")
    # Open311 clients may put the key in the body: the same rules.
    keyed = json.loads(open311) | {"api_key": token or ""}
    status, answer = _http(
        hub, "POST", "/open311/v2/requests.json", None, json.dumps(keyed).encode()
    )
    assert status == expected, answer
    time.sleep(0.2)  # two positions batches: a fix let through would be stored by now
    assert _counts(hub) == before


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _hub_command(tmp_path: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "desktop.cli",
        "hub",
        "--db",
        f"sqlite:///{tmp_path / 'hub.db'}",
        *extra,
    ]


def test_the_hub_will_not_listen_beyond_loopback_without_auth(tmp_path: Path) -> None:
    command = _hub_command(tmp_path, "--host", "0.0.0.0", "--port", "0", "--api-port", "0")
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=30, env=os.environ.copy()
    )
    assert done.returncode == 2, done
    assert "--auth" in done.stderr
    assert not (tmp_path / "hub.db").exists()  # refused before touching the store


def test_tokens_never_reach_the_log_even_at_debug(tmp_path: Path) -> None:
    secrets = {role: f"secret-{role}-{os.urandom(8).hex()}" for role in ("wall", "source", "admin")}
    auth = tmp_path / "auth.toml"
    auth.write_text(
        "".join(
            f'[[token]]\nvalue = "{value}"\nrole = "{role}"\nname = "{role}-desk"\n'
            for role, value in secrets.items()
        ),
        "utf-8",
    )
    wrong = f"wrong-{os.urandom(8).hex()}"
    port, api_port = _free_port(), _free_port()
    command = _hub_command(
        tmp_path,
        "--port",
        str(port),
        "--api-port",
        str(api_port),
        "--auth",
        str(auth),
        "--log-level",
        "DEBUG",
    )
    log = tmp_path / "hub.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)
    try:
        api = f"http://127.0.0.1:{api_port}"
        deadline = time.monotonic() + 15
        while True:
            assert process.poll() is None, log.read_text("utf-8", "replace")
            try:
                urllib.request.urlopen(api + "/api/v1/health", timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text("utf-8", "replace")
                time.sleep(0.05)

        def post(token: str) -> int:
            request = urllib.request.Request(
                api + "/api/v1/reports",
                data=json.dumps(report(f"8890-{token[-6:]}")).encode(),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return int(response.status)
            except urllib.error.HTTPError as exc:
                return int(exc.code)

        assert post(secrets["source"]) == 201
        assert post(wrong) == 401
        assert post(secrets["wall"]) == 403

        async def streams() -> None:
            for token in (secrets["wall"], secrets["admin"], wrong, secrets["source"]):
                async with connect(f"ws://127.0.0.1:{port}/stream", open_timeout=5) as ws:
                    await ws.send(json.dumps({"type": "hello", "token": token}))
                    await asyncio.wait_for(ws.recv(), 5)

        asyncio.run(streams())
    finally:
        process.terminate()
        process.wait(15)
    text = log.read_text("utf-8", "replace")
    assert "DEBUG" in text or "INFO" in text, "the log level did not take: " + text[:500]
    for token in (*secrets.values(), wrong):
        assert token not in text
