"""The desk queue's team and "only mine" filters on a real hub, with the hidden count
right: a case is its dispatched officers' team's, else the team patrolling its place;
"mine" is what this desk's user accepted or dispatched, and survives a restart."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import qasync

from backend_client.qt import QtFeed
from desktop.desk import DeskWindow
from tests.desktop.test_desk_shift import at_1080p, settings
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import OFFICERS, LiveHub, report


def shown(desk: DeskWindow) -> set[str]:
    return set(desk.model.incident_ids())


def choose_team(desk: DeskWindow, team: str) -> None:
    combo = desk.filters.team
    index = combo.findData(team)
    assert index >= 0, f"team {team!r} not offered"
    combo.setCurrentIndex(index)


def test_team_and_only_mine_filters_count_what_they_hide(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    feed = QtFeed(hub.stream_url, hub.token["operator"])
    desk = DeskWindow(feed, settings=settings(tmp_path), with_map=False)
    qtbot.addWidget(desk)
    at_1080p(desk)

    async def post(tag: str, lat: float, lon: float) -> str:
        body = report(f"8890-filter-{tag}", lat=lat, lon=lon)
        status, answer = await asyncio.to_thread(hub.post, "/api/v1/reports", body)
        assert status == 201
        return str(answer["id"])

    async def scenario() -> None:
        feed.start()
        await until(feed.is_live)
        await asyncio.to_thread(hub.move, 1)  # officer i at lat 29.08 + i * 0.001
        await until(lambda: all(u.lat is not None for u in feed.state.units.values()))
        # At officer 0: the five nearest are officers 0-4, three of them 城东 (T-CD).
        east = await post("east", 29.0800, 119.6005)
        # To be dispatched to officer 1 (市场监管, T-SJ): a dispatched case is its officers'.
        sent = await post("sent", 29.0801, 119.6005)
        other = await post("other", 29.0802, 119.6005)
        cases = {east, sent, other}
        await until(lambda: cases <= shown(desk))
        assert {desk.filters.team.itemData(i) for i in range(1, desk.filters.team.count())} == {
            "T-CD",
            "T-SJ",
        }
        answer = await feed.client.request(
            "dispatch", {"incident_id": sent, "unit_ids": [OFFICERS[1].id]}
        )
        assert answer is not None
        await until(lambda: feed.state.incidents[sent].units == [OFFICERS[1].id])

        choose_team(desk, "T-SJ")
        await until(lambda: shown(desk) == {sent})
        assert desk.model.hidden == 2 and "2" in desk.filters.hidden.text()
        choose_team(desk, "T-CD")
        await until(lambda: shown(desk) == {east, other})
        assert desk.model.hidden == 1 and "1" in desk.filters.hidden.text()
        desk.filters.team.setCurrentIndex(0)
        await until(lambda: shown(desk) == cases)
        assert desk.model.hidden == 0 and desk.filters.hidden.text() == ""

        # Only mine: nothing yet; the case this desk accepts joins at once.
        desk.filters.set_only_mine(True)
        await until(lambda: shown(desk) == set())
        assert desk.model.hidden == 3
        desk.filters.set_only_mine(False)
        desk.select_incident(other)
        assert desk.accept_selected()
        await until(lambda: feed.state.incidents[other].status == "accepted")
        desk.filters.set_only_mine(True)
        await until(lambda: shown(desk) == {other})
        assert desk.model.hidden == 2 and "2" in desk.filters.hidden.text()
        # With a team too: both must hold.
        choose_team(desk, "T-SJ")
        await until(lambda: shown(desk) == set())
        assert desk.model.hidden == 3
        await desk.stop()
        await feed.stop()

    loop.run_until_complete(scenario())
    desk.close()

    # The next shift on this desk, same user: still "mine".
    feed2 = QtFeed(hub.stream_url, hub.token["operator"])
    again = DeskWindow(feed2, settings=settings(tmp_path), with_map=False)
    qtbot.addWidget(again)

    async def restarted() -> None:
        feed2.start()
        await until(feed2.is_live)
        await until(lambda: len(shown(again)) == 3)
        again.filters.set_only_mine(True)
        await until(lambda: len(shown(again)) == 1)
        assert again.model.hidden == 2
        (mine,) = shown(again)
        assert feed2.state.incidents[mine].status == "accepted"
        await again.stop()
        await feed2.stop()

    loop.run_until_complete(restarted())
