"""Push to wall: a desk sends what it is reading to a named wall's situation slot."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMenu

from backend_client.cache import AnswerCache, CachedRequests
from backend_client.qt import QtFeed
from backend_client.transport import RequestFailed
from desktop.desk import DeskWindow
from desktop.layout import PanelSpec, PanelView, ScreenSpec
from desktop.wall import WallWindow
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import LiveHub, report
from widgets.drilldown import CaseDrilldown, MerchantDrilldown
from widgets.situation import SituationPanel

pytestmark = pytest.mark.usefixtures("gc_on_gui_thread")


def _situation_only() -> ScreenSpec:
    view = PanelView("situation", {"title": "态势研判"})
    return ScreenSpec(0, 1, 1, (PanelSpec(0, 0, 1, 1, (view,)),))


def _desk(tmp_path: Path, feed: QtFeed, cache: AnswerCache) -> DeskWindow:
    settings = QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat)
    return DeskWindow(
        feed, settings=settings, with_map=False, requests=CachedRequests(feed.client, cache)
    )


def test_a_case_pushed_from_the_desk_opens_on_the_named_wall_only(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    wall_feed = QtFeed(hub.stream_url, hub.token["wall"])
    desk_feed = QtFeed(hub.stream_url, hub.token["operator"])
    boss_feed = QtFeed(hub.stream_url, hub.token["supervisor"])
    wall_cache = AnswerCache(tmp_path / "wall-cache.sqlite")
    desk_cache = AnswerCache(tmp_path / "desk-cache.sqlite")
    wall = WallWindow(
        wall_feed,
        "wall",
        spec=_situation_only(),
        requests=CachedRequests(wall_feed.client, wall_cache),
    )
    desk = _desk(tmp_path, desk_feed, desk_cache)
    qtbot.addWidget(wall)
    qtbot.addWidget(desk)
    wall.show()
    desk.show()
    slot = wall.grid.findChildren(SituationPanel)[0]

    async def scenario() -> None:
        for feed in (wall_feed, desk_feed, boss_feed):
            feed.start()
        await until(lambda: wall_feed.is_live() and desk_feed.is_live() and boss_feed.is_live())
        # The wall is addressed by its token's name, which the hub told it in welcome.
        assert wall_feed.client.name == "demo-wall"
        assert await desk.refresh_walls() == ["demo-wall"]

        status, body = await asyncio.to_thread(hub.post, "/api/v1/reports", report("push-1"))
        assert status == 201
        case = body["id"]
        await until(lambda: desk.model.row_of(case) >= 0)
        desk.select_incident(case)

        # Addressed to another wall: this one keeps following the most urgent case.
        task = desk.push_to_wall("lobby")
        assert task is not None
        await task
        await until(lambda: slot.last_push is not None or "已推送" in desk.details.status.text())
        await asyncio.sleep(0.3)
        assert slot.drilldown is None

        task = desk.push_to_wall("demo-wall")
        assert task is not None
        await task
        await until(lambda: isinstance(slot.drilldown, CaseDrilldown))
        panel = slot.drilldown
        assert isinstance(panel, CaseDrilldown) and panel.case_id == case
        await until(lambda: panel.answer is not None)
        assert panel.timeline_rows()[0][1] == "上报"
        assert "demo-operator" in slot.heading.text() and case in slot.heading.text()
        # A wall may not see the citizen: the pushed panel shows the masked reporter.
        assert panel.show_reporter is False
        assert "已推送到 demo-wall" in desk.details.status.text()

        # Who put what on which wall is in the audit log.
        entries = (await boss_feed.client.request("audit.query", {"actor": "demo-operator"}))[
            "entries"
        ]
        pushes = [e for e in entries if e["action"] == "wall.push"]
        assert pushes and pushes[0]["subject"] == case
        assert pushes[0]["detail"] == {"wall": "demo-wall", "kind": "incident"}

        # "Clear" hands the slot back to the wall's own choice.
        task = desk.push_to_wall("", "clear")
        assert task is not None
        await task
        await until(lambda: slot.drilldown is None)
        await until(lambda: slot.body.isVisible())

        # The drill-down's own button offers the walls; choosing one pushes that panel.
        await until(lambda: desk.history is not None and desk.history.answer is not None)
        assert desk.history is not None
        desk.history.push_button.click()
        menus = [m for m in desk.findChildren(QMenu) if m.isVisible()]
        assert menus, "the push button opens the wall menu"
        choice = {a.text(): a for a in menus[-1].actions()}
        assert set(choice) == {"所有大屏", "demo-wall"}
        choice["demo-wall"].trigger()
        await until(lambda: isinstance(slot.drilldown, CaseDrilldown))
        # On the wall nobody clicks: the pushed panel has no push button of its own.
        assert slot.drilldown is not None and slot.drilldown.push_button.isHidden()

        for feed in (wall_feed, desk_feed, boss_feed):
            await feed.stop()

    loop.run_until_complete(scenario())
    wall_cache.close()
    desk_cache.close()


def test_a_merchant_push_shows_the_merchant_and_bad_pushes_are_refused(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    wall_feed = QtFeed(hub.stream_url, hub.token["wall"])
    desk_feed = QtFeed(hub.stream_url, hub.token["operator"])
    wall_cache = AnswerCache(tmp_path / "wall-cache.sqlite")
    wall = WallWindow(
        wall_feed,
        "wall",
        spec=_situation_only(),
        requests=CachedRequests(wall_feed.client, wall_cache),
    )
    qtbot.addWidget(wall)
    slot = wall.grid.findChildren(SituationPanel)[0]

    async def scenario() -> None:
        wall_feed.start()
        desk_feed.start()
        await until(lambda: wall_feed.is_live() and desk_feed.is_live())
        merchant = await _any_merchant(hub)
        await desk_feed.client.request(
            "wall.push", {"wall": "", "kind": "merchant", "id": merchant}
        )
        await until(lambda: isinstance(slot.drilldown, MerchantDrilldown))
        assert isinstance(slot.drilldown, MerchantDrilldown)
        assert slot.drilldown.merchant_id == merchant

        refusals = [
            ({"kind": "merchant", "id": "no-such-merchant"}, "not_found", "id"),
            ({"kind": "poster", "id": "x"}, "invalid", "kind"),
            ({"kind": "view", "lat": 95.0, "lon": 119.6}, "invalid", "lat"),
            ({"kind": "incident"}, "invalid", "id"),
        ]
        for args, code, field in refusals:
            with pytest.raises(RequestFailed) as caught:
                await desk_feed.client.request("wall.push", args)
            assert (caught.value.code, caught.value.field) == (code, field), args
        # A wall token may read but not push.
        with pytest.raises(RequestFailed) as caught:
            await wall_feed.client.request("wall.push", {"kind": "clear"})
        assert caught.value.code == "forbidden"
        # The refused pushes changed nothing on the wall.
        await asyncio.sleep(0.3)
        assert isinstance(slot.drilldown, MerchantDrilldown)
        await wall_feed.stop()
        await desk_feed.stop()

    loop.run_until_complete(scenario())
    wall_cache.close()


async def _any_merchant(hub: LiveHub) -> str:
    """A merchant in the hub's store (the test hub seeds officers, not merchants)."""
    from sqlalchemy.orm import Session

    from hub.store.models import Merchant

    def add() -> str:
        with Session(hub.hub.engine) as session, session.begin():
            session.add(
                Merchant(
                    id="M-push",
                    name="婺城老街面馆",
                    credit_code="91330702MA2D3XYZ1K",
                    address="婺城区城北街道人民西路 12 号",
                    category="餐饮",
                    risk=2,
                    lat=29.085,
                    lon=119.647,
                )
            )
        return "M-push"

    return await asyncio.to_thread(add)
