"""The desk: recommend officers, dispatch with one action; the wall sees it via the hub."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import QSettings

from backend_client.cache import AnswerCache, CachedRequests
from backend_client.protocol.messages import Incident, Unit
from backend_client.qt import QtFeed
from backend_client.state import FeedState
from desktop.desk import DeskWindow, recommend
from desktop.layout import load_layout
from desktop.wall import WallWindow
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import LiveHub, report
from widgets.queue import IncidentQueueModel


def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat)


def test_recommend_nearest_available_local_team_first() -> None:
    state = FeedState()
    spots = {  # metres east of the incident, roughly (0.001 deg lon ~ 97 m here)
        "near-busy": ("A", "busy", 0.0005),
        "near-a": ("A", "available", 0.002),
        "mid-a": ("A", "available", 0.004),
        "closer-b": ("B", "available", 0.0036),
        "far-b": ("B", "available", 0.03),
    }
    for uid, (team, status, dlon) in spots.items():
        state.units[uid] = Unit(
            id=uid,
            name=uid,
            team=team,
            status=status,
            lat=29.08,
            lon=119.65 + dlon,  # type: ignore[arg-type]
        )
    incident = Incident(
        id="C1", source="hotline", category="x", lat=29.08, lon=119.65, reported_at=0
    )
    ranked = recommend(state, incident)
    # Busy officers are not offered; team A patrols here, so mid-a beats closer-b.
    assert [r.unit.id for r in ranked] == ["near-a", "mid-a", "closer-b", "far-b"]
    assert ranked[0].in_zone and not ranked[2].in_zone
    assert 150 < ranked[0].distance_m < 250
    assert ranked[0].eta_s == pytest.approx(ranked[0].distance_m * 1.3 / (20000 / 3600))


def test_dispatch_from_the_desk_shows_on_the_wall(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    wall_feed = QtFeed(hub.stream_url, hub.token["wall"])
    desk_feed = QtFeed(hub.stream_url, hub.token["operator"])
    wall = WallWindow(wall_feed, "wall", spec=_queue_only())
    cache = AnswerCache(tmp_path / "desk-cache.sqlite")
    desk = DeskWindow(
        desk_feed,
        settings=settings(tmp_path),
        with_map=False,
        requests=CachedRequests(desk_feed.client, cache),
    )
    qtbot.addWidget(wall)
    qtbot.addWidget(desk)
    wall.show()
    desk.show()
    wall_model = wall.grid.findChildren(IncidentQueueModel)[0]

    async def scenario() -> None:
        wall_feed.start()
        desk_feed.start()
        await until(lambda: wall_feed.is_live() and desk_feed.is_live())
        await asyncio.to_thread(hub.move, 1)
        status, body = await asyncio.to_thread(hub.post, "/api/v1/reports", report("8890-desk"))
        assert status == 201
        case = body["id"]
        await until(lambda: desk.model.row_of(case) >= 0 and wall_model.row_of(case) >= 0)
        await until(lambda: all(u.lat is not None for u in desk_feed.state.units.values()))
        desk.select_incident(case)
        assert desk.recommendations, "officers with positions are recommended"
        chosen = desk.chosen_units()
        assert chosen == [desk.recommendations[0].unit.id]
        assert desk.details.dispatch.isEnabled()
        desk.details.dispatch.click()  # the one action
        await until(lambda: wall_feed.state.incidents[case].status == "dispatched")
        assert wall_feed.state.incidents[case].units == chosen
        # The wall's queue shows it (its model follows the feed's change signal).
        await until(lambda: wall_model.index(wall_model.row_of(case), 5).data() == "已派遣")
        await until(lambda: "已派遣" in desk.details.status.text())
        # The case's timeline opened beside it and reloads when the case changes.
        assert desk.history is not None and desk.history.case_id == case
        await until(
            lambda: [r[1] for r in desk.history.timeline_rows()] == ["上报", "受理", "派遣"]
        )
        if desk.history is not None:
            await desk.history.stop()
        await desk_feed.stop()
        await wall_feed.stop()

    loop.run_until_complete(scenario())
    cache.close()


def test_a_wall_token_may_not_dispatch(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    feed = QtFeed(hub.stream_url, hub.token["wall"])
    desk = DeskWindow(feed, settings=settings(tmp_path), with_map=False)
    qtbot.addWidget(desk)

    async def scenario() -> None:
        feed.start()
        await until(feed.is_live)
        await asyncio.to_thread(hub.move, 1)
        _, body = await asyncio.to_thread(hub.post, "/api/v1/reports", report("8890-wall"))
        await until(lambda: desk.model.row_of(body["id"]) >= 0)
        await until(lambda: all(u.lat is not None for u in feed.state.units.values()))
        desk.select_incident(body["id"])
        desk.dispatch_selected()
        await until(lambda: "派遣失败" in desk.details.status.text())
        assert feed.state.incidents[body["id"]].status == "reported"
        await feed.stop()

    loop.run_until_complete(scenario())


def test_the_dock_arrangement_is_restored(tmp_path: Path, qtbot: Any) -> None:
    feed = QtFeed("ws://127.0.0.1:9/stream", "unused")
    first = DeskWindow(feed, settings=settings(tmp_path), with_map=False)
    qtbot.addWidget(first)
    first.show()
    first.docks["details"].setFloating(True)
    first.close()  # saves
    second = DeskWindow(feed, settings=settings(tmp_path), with_map=False)
    qtbot.addWidget(second)
    second.show()
    assert second.docks["details"].isFloating()


def _queue_only() -> Any:
    from desktop.layout import ScreenSpec

    layout = load_layout()
    spec = layout.screens[0]
    queue = next(p for p in spec.panels if p.rotates)
    return ScreenSpec(0, 1, 1, (type(queue)(0, 0, 1, 1, queue.views[:1]),))


def test_recommend_never_offers_a_vehicle_as_a_person() -> None:
    state = FeedState()
    state.units["car"] = Unit(
        id="car", name="城中片区01号执法车", team="A", kind="vehicle", plate="浙G·A1234",
        lat=29.08, lon=119.6501,
    )  # fmt: skip
    state.units["near-a"] = Unit(id="near-a", name="张三", team="A", lat=29.08, lon=119.652)
    incident = Incident(
        id="C1", source="hotline", category="x", lat=29.08, lon=119.65, reported_at=0
    )
    # The car is nearest and available, and still not on the list: a dispatch sends people.
    assert [r.unit.id for r in recommend(state, incident)] == ["near-a"]
