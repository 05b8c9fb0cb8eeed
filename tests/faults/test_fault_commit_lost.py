"""A commit whose answer is lost: it committed, but the hub was told it failed.

That is what a database server that goes away during ``COMMIT`` can do. The fault is
injected at the edge, in SQLAlchemy: once armed, the next commit of the hub's writer
goes through and then raises ``OperationalError``, as a cut connection would. The report
is answered ``503`` (it may or may not be stored, and a retry is safe); the hub must
neither reuse that commit's ``seq`` numbers (every later write would fail on the key)
nor leave its events out of what the clients see.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tests.faults.streams import Watcher, open_stream
from tests.support.hubs import LiveHub, report

pytestmark = pytest.mark.timeout(60)


class LoseNextCommitAnswer:
    def __init__(self, hub: LiveHub) -> None:
        self.engine = hub.hub.engine
        self.armed = False
        event.listen(Session, "after_commit", self._after_commit)

    def _after_commit(self, session: Session) -> None:
        if self.armed and session.get_bind() is self.engine:
            self.armed = False
            raise OperationalError("COMMIT", {}, ConnectionError("server closed the connection"))

    def remove(self) -> None:
        event.remove(Session, "after_commit", self._after_commit)


def test_a_commit_whose_answer_was_lost_is_published_and_its_seq_never_reused(
    db_url: str,
) -> None:
    hub = LiveHub(db_url, heartbeat_seconds=0.2).start()
    fault = LoseNextCommitAnswer(hub)
    answers: dict[str, tuple[int, dict[str, Any]]] = {}
    try:
        asyncio.run(_scenario(hub, fault, answers))
    finally:
        fault.remove()
        hub.stop()
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT external_id, id FROM incidents")).all()
            stored: dict[str, str] = {str(e): str(i) for e, i in rows}
            seqs = [s for (s,) in connection.execute(text("SELECT seq FROM events ORDER BY seq"))]
    finally:
        engine.dispose()
    assert stored == {
        "lost-1": answers["lost-1 retry"][1]["id"],
        "after-1": answers["after-1"][1]["id"],
    }
    assert seqs == list(range(1, len(seqs) + 1)), "the event log has a hole or a double"


async def _scenario(
    hub: LiveHub, fault: LoseNextCommitAnswer, answers: dict[str, tuple[int, dict[str, Any]]]
) -> None:
    wall = Watcher(await open_stream(hub))
    try:
        fault.armed = True
        status, body = await asyncio.to_thread(hub.post, "/api/v1/reports", report("lost-1"))
        assert (status, body["error"]) == (503, "store_unavailable"), (status, body)
        assert not fault.armed, "the fault never fired"

        # The next write continues after the lost commit's events, and publishes them.
        status, body = await asyncio.to_thread(hub.post, "/api/v1/reports", report("after-1"))
        assert status == 201, body
        answers["after-1"] = (status, body)
        await wall.until_seq(body["seq"] + 1)
        wall.assert_in_order()
        assert body["seq"] - 2 in wall.seqs, "the lost commit's events never reached the wall"

        # The client that was told 503 retries: the case is there, with its id.
        status, body = await asyncio.to_thread(hub.post, "/api/v1/reports", report("lost-1"))
        assert status == 200, body
        answers["lost-1 retry"] = (status, body)
        assert body["id"] in hub.hub.state.incidents
    finally:
        await wall.close()
