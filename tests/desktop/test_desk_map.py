"""The desk map during a dispatch, on a real hub: the case in hand is ringed, a line runs
from each recommended officer to it labelled with the distance and ETA the case panel
shows, the chosen officer's line is marked, and the lines follow the selection and go
once the case is dispatched."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtWidgets import QTableWidget

from backend_client.cache import AnswerCache, CachedRequests
from backend_client.qt import QtFeed
from desktop.desk import DeskWindow
from tests.desktop.test_desk_shift import (
    at_1080p,
    page_js,
    post_cases,
    quiesce,
    settings,
    settled,
    themed,
)
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import LiveHub


async def plan_on_page(desk: DeskWindow) -> dict[str, Any] | None:
    answer: dict[str, Any] | None = await page_js(desk, "watchfloor.dispatchState()")
    return answer


def cell_text(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    assert item is not None
    return item.text()


def test_the_map_draws_lines_from_the_recommended_officers_to_the_case(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    feed = QtFeed(hub.stream_url, hub.token["operator"])
    cache = AnswerCache(tmp_path / "desk-cache.sqlite")
    desk = themed(
        DeskWindow(feed, settings=settings(tmp_path), requests=CachedRequests(feed.client, cache))
    )
    qtbot.addWidget(desk)
    at_1080p(desk)
    assert desk.live_map is not None
    live = desk.live_map.map
    qtbot.waitUntil(lambda: live.is_ready, timeout=15000)

    def lines_start_at_officers(state: dict[str, Any]) -> bool:
        for line in state["lines"]:
            unit = feed.state.units[line["unit"]]
            assert unit.lat is not None and unit.lon is not None
            at = live._to_map(unit.lat, unit.lon, unit.datum)
            if abs(line["from"][0] - at[0]) > 1e-5 or abs(line["from"][1] - at[1]) > 1e-5:
                return False
        return True

    async def scenario() -> None:
        feed.start()
        await until(feed.is_live)
        await asyncio.to_thread(hub.move, 1)
        first, second = await post_cases(hub, 2, "lines")
        await until(lambda: all(desk.model.row_of(c) >= 0 for c in (first, second)))
        await until(lambda: all(u.lat is not None for u in feed.state.units.values()))
        assert await plan_on_page(desk) is None  # nothing in hand, nothing drawn

        desk.select_incident(first)
        recs = desk.recommendations
        assert 1 <= len(recs) <= 5

        async def drawn_for(case: str) -> bool:
            state = await plan_on_page(desk)
            return state is not None and state["incident"] == case and state["drawn"]

        await until(lambda: drawn_for(first))
        state = await plan_on_page(desk)
        assert state is not None
        # Ringed where the case is, in the map's datum.
        incident = feed.state.incidents[first]
        assert incident.lat is not None and incident.lon is not None
        want = live._to_map(incident.lat, incident.lon, incident.datum)
        assert abs(state["lat"] - want[0]) < 1e-9 and abs(state["lon"] - want[1]) < 1e-9
        # One line per recommended officer, nearest-ranked first, from where they stand
        # (to a metre: the page keeps officers' positions as float32 offsets).
        assert [line["unit"] for line in state["lines"]] == [r.unit.id for r in recs]
        assert lines_start_at_officers(state)
        # Each label is shown on the map and says what the case panel's row says.
        table = desk.details.table
        assert len(state["labels"]) == len(recs)
        for row, label in enumerate(state["labels"]):
            assert label["shown"], label
            name, distance, eta = (cell_text(table, row, c) for c in (0, 2, 3))
            assert label["text"] == f"{name} · {distance} · {eta}"
        # No label covers another (officers standing close have theirs stacked).
        boxes = [label["box"] for label in state["labels"]]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
        # The officer Ctrl+D would send is the marked line; choosing another moves the mark.
        assert [line["chosen"] for line in state["lines"]] == [True] + [False] * (len(recs) - 1)
        if len(recs) > 1:
            table.selectRow(1)

            async def second_chosen() -> bool:
                s = await plan_on_page(desk)
                return s is not None and [x["chosen"] for x in s["lines"]][:2] == [False, True]

            await until(second_chosen)
            table.selectRow(0)

        # The officers walk on: the lines start where they now are.
        before = state["lines"][0]["from"]
        await asyncio.to_thread(hub.move, 2)

        async def followed() -> bool:
            now = await plan_on_page(desk)
            return (
                now is not None
                and lines_start_at_officers(now)
                and now["lines"][0]["from"] != before
            )

        await until(followed)

        # Another case: the lines follow the selection.
        desk.select_incident(second)
        await until(lambda: drawn_for(second))

        # Dispatched: the desk moves on, and the dispatched case keeps no lines.
        desk.select_incident(first)
        await until(lambda: drawn_for(first))
        assert desk.dispatch_selected()
        await until(lambda: feed.state.incidents[first].status == "dispatched")
        await until(lambda: desk.selected == second)
        await until(lambda: drawn_for(second))
        desk.select_incident(first)

        async def no_lines(case: str) -> bool:
            state = await plan_on_page(desk)
            return state is not None and state["incident"] == case and state["lines"] == []

        await until(lambda: no_lines(first))
        await settled(desk)
        await desk.stop()
        await quiesce(desk)
        await feed.stop()

    loop.run_until_complete(scenario())
    cache.close()
