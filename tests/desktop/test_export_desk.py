"""The desk's 导出… on a real hub: the file holds exactly the cases its filtered queue
shows (checked against the queue and the store), as XLSX or CSV; a desk whose role may
not export says so and writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import qasync
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend_client.qt import QtFeed
from desktop.desk import DeskWindow
from desktop.export import COLUMNS, rows_of
from hub.store.models import Incident
from tests.desktop.test_desk_shift import at_1080p, settings
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import LiveHub, report
from tests.support.workbooks import read_sheets


def _post(hub: LiveHub, tag: str, source: str) -> str:
    status, answer = hub.post("/api/v1/reports", report(f"desk-export-{tag}", source=source))
    assert status == 201, answer
    return str(answer["id"])


def _choose(combo: Any, value: str) -> None:
    index = combo.findData(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)


def test_the_desk_exports_only_what_its_filter_shows(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    snaps = [_post(hub, f"snap-{i}", "snap") for i in range(3)]
    others = [_post(hub, f"hot-{i}", "hotline") for i in range(2)]
    feed = QtFeed(hub.stream_url, hub.token["supervisor"])
    desk = DeskWindow(feed, settings=settings(tmp_path), with_map=False)
    qtbot.addWidget(desk)
    at_1080p(desk)
    assert desk.exporter.action in desk.exporter.menu.actions()
    xlsx, csv = tmp_path / "snap.xlsx", tmp_path / "snap.csv"

    async def scenario() -> None:
        feed.start()
        await until(feed.is_live)
        await until(lambda: set(snaps + others) <= set(desk.model.incident_ids()))
        _choose(desk.filters.source, "snap")
        await until(lambda: set(desk.model.incident_ids()) == set(snaps))
        shown = desk.model.incident_ids()
        task = desk.exporter.export_to(xlsx)
        assert task is not None and (await task) is not None
        assert "3" in desk.details.status.text()
        done = desk.exporter.export_to(csv)
        assert done is not None and (await done) is not None
        assert set(shown) == set(snaps)
        await desk.stop()
        await feed.stop()

    loop.run_until_complete(scenario())
    desk.close()

    with Session(hub.hub.engine) as session:
        stored = {c.id: c for c in session.scalars(select(Incident))}
    assert set(stored) == set(snaps + others)
    rows = next(iter(read_sheets(xlsx).values()))
    assert rows[0] == [zh for _key, zh, _en in COLUMNS]
    # Only the filtered cases, in report order, as the store holds them.
    expected = sorted(snaps, key=lambda i: (stored[i].reported_at, i))
    assert [r[0] for r in rows[1:]] == expected
    assert {r[1] for r in rows[1:]} == {"随手拍"}
    assert [r[16] for r in rows[1:]] == [stored[i].address for i in expected]
    assert [r[0] for r in rows_of(csv)] == expected


def test_an_operator_desk_is_told_it_may_not_export(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    case_id = _post(hub, "op", "snap")
    feed = QtFeed(hub.stream_url, hub.token["operator"])
    desk = DeskWindow(feed, settings=settings(tmp_path), with_map=False)
    qtbot.addWidget(desk)
    out = tmp_path / "cases.xlsx"

    async def scenario() -> None:
        feed.start()
        await until(feed.is_live)
        await until(lambda: case_id in desk.model.incident_ids())
        task = desk.exporter.export_to(out)
        assert task is not None and (await task) is None
        await desk.stop()
        await feed.stop()

    loop.run_until_complete(scenario())
    desk.close()
    assert "导出失败" in desk.details.status.text() and "supervisor" in desk.details.status.text()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("cases")) == []
