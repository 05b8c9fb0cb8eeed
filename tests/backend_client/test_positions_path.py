"""The positions fast path: hub store rows, QtFeed's per-frame array batch, the map table.

Officers' fixes go hub -> stream -> QtFeed -> one ``PositionBatch`` per frame -> MapView's
unit table. What a wall relies on: every field of a fix is stored, the map gets each
officer's latest fix (in WGS-84) soon after it arrives but never more than once a frame,
and a roster change does not cost a full rebuild of 20,000 officers.
"""

from __future__ import annotations

import asyncio
import gc
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import qasync
from PySide6.QtCore import QTimer
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend_client.geo import gcj02_to_wgs84, wgs84_to_gcj02
from backend_client.protocol.messages import Fix, UnitPositions
from backend_client.qt import FRAME_MS, PositionBatch, QtFeed
from hub.store.models import Position
from tests.support.hubs import OFFICERS, LiveHub
from widgets.map.units import UnitInfo, UnitTable


@pytest.fixture(autouse=True)
def _collect_on_the_gui_thread() -> Iterator[None]:
    """After each test (and after pytest-qt closed its widgets), collect its garbage here.

    A feed that ran leaves cycles (its cancelled tasks' tracebacks hold it); collected by
    chance later on a hub's thread in another test, its QObjects were deleted off their
    thread and the suite crashed in processEvents.
    """
    yield
    gc.collect()


# ---- hub: the Position rows of a batch -----------------------------------------------


def test_position_rows_keep_every_field_of_the_fixes(tmp_path: Path) -> None:
    # SQLite here; the PostgreSQL form of the same insert (named parameters) is exercised
    # by tests/hub/test_hub_stream.py's [postgres] positions tests.
    live = LiveHub(tmp_path / "hub.db").start()
    try:
        fixes = [
            Fix(id="U001", lat=29.081, lon=119.641, ts=1000.5, speed=1.5, heading=270.0),
            Fix(id="U002", lat=29.082, lon=119.642, ts=1000.75),
            Fix(id="U003", lat=-0.0, lon=0.0, ts=1001.0, speed=0.0, heading=0.0),
        ]

        async def store() -> None:
            live.hub.offer_fixes(fixes)
            await live.hub.flush_positions()

        live.run(store())
        with Session(live.hub.engine) as session:
            rows = session.execute(
                select(
                    Position.officer_id,
                    Position.ts,
                    Position.lat,
                    Position.lon,
                    Position.speed,
                    Position.heading,
                ).order_by(Position.officer_id)
            ).all()
        assert [tuple(r) for r in rows] == [
            (f.id, f.ts, f.lat, f.lon, f.speed, f.heading) for f in fixes
        ]
        # The same batch reached the hub's own state (what a new client's snapshot holds).
        unit = live.hub.state.units["U002"]
        assert (unit.lat, unit.lon, unit.speed, unit.heading) == (29.082, 119.642, None, None)
    finally:
        live.stop()


# ---- QtFeed: one array batch per frame -------------------------------------------------


def test_a_batch_is_columns_with_unknowns_as_nan_and_gcj02_in_wgs84() -> None:
    g_lat, g_lon = wgs84_to_gcj02(29.09, 119.65)
    batch = PositionBatch.of_fixes(
        [
            Fix(id="a", lat=29.08, lon=119.64, ts=1.0, speed=2.0, heading=90.0),
            Fix(id="b", lat=g_lat, lon=g_lon, ts=1.0, datum="gcj02"),
            Fix(id="c", lat=29.07, lon=119.63, ts=1.0, heading=45.0),
        ]
    )
    assert batch.ids == ["a", "b", "c"]
    assert batch.lat[0] == 29.08 and batch.lon[0] == 119.64
    # The GCJ-02 fix is shown where the officer is (the map draws WGS-84 positions).
    assert (batch.lat[1], batch.lon[1]) == pytest.approx(gcj02_to_wgs84(g_lat, g_lon), abs=1e-9)
    assert (batch.lat[1], batch.lon[1]) == pytest.approx((29.09, 119.65), abs=1e-7)
    assert (batch.lat[2], batch.lon[2]) == (29.07, 119.63)
    assert batch.speed[0] == 2.0 and math.isnan(batch.speed[1]) and math.isnan(batch.speed[2])
    assert batch.heading[0] == 90.0 and math.isnan(batch.heading[1])
    assert batch.heading[2] == 45.0


def _positions(number: int, *fixes: tuple[str, float]) -> UnitPositions:
    """The ``number``-th live frame (fix time ``number``: each newer than the last)."""
    return UnitPositions(
        ts=float(number),
        fixes=[Fix(id=uid, lat=lat, lon=119.6, ts=float(number)) for uid, lat in fixes],
    )


def test_the_first_fixes_after_a_quiet_frame_go_out_at_once_then_once_a_frame(
    qtbot: Any, gc_on_gui_thread: None
) -> None:
    feed = QtFeed("ws://127.0.0.1:9/stream", "token-not-used")  # never started: no socket
    order: list[str] = []
    batches: list[PositionBatch] = []

    def on_batch(batch: PositionBatch) -> None:
        batches.append(batch)
        order.append("batch")
        if len(batches) == 1:
            # Fixes arriving right after a batch wait for the rest of the frame.
            feed.on_event(_positions(3, ("u2", 29.04)))
            QTimer.singleShot(FRAME_MS // 2, lambda: order.append("half a frame later"))

    feed.positionsChanged.connect(on_batch)

    # Two events in one loop pass (one socket read): one batch, each officer's latest fix.
    feed.on_event(_positions(1, ("u1", 29.01), ("u2", 29.02)))
    feed.on_event(_positions(2, ("u1", 29.03)))
    # Timers fire in order of their due times, however late a loaded machine runs them:
    # the first batch must be due before half a frame has passed.
    QTimer.singleShot(FRAME_MS // 2, lambda: order.append("half a frame"))
    qtbot.waitUntil(lambda: len(batches) == 2, timeout=2000)
    assert order == ["batch", "half a frame", "half a frame later", "batch"]
    assert batches[0].ids == ["u1", "u2"]
    assert list(batches[0].lat) == [29.03, 29.02]
    assert batches[1].ids == ["u2"] and list(batches[1].lat) == [29.04]
    # on_batch refers to the feed: without this the pair is a cycle that only a collection
    # frees, possibly on another thread (see gc_on_gui_thread).
    feed.positionsChanged.disconnect(on_batch)


@pytest.mark.usefixtures("gc_on_gui_thread")
def test_a_wall_feed_hands_the_map_every_officers_latest_fix(
    hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    feed = QtFeed(hub.stream_url, hub.token["wall"])
    latest: dict[str, tuple[float, float, float]] = {}

    def on_batch(batch: PositionBatch) -> None:
        for k, uid in enumerate(batch.ids):
            latest[uid] = (float(batch.lat[k]), float(batch.lon[k]), float(batch.speed[k]))

    feed.positionsChanged.connect(on_batch)

    async def scenario() -> None:
        feed.start()
        await feed.client.wait_synced(10)
        for step in (1, 2, 3):
            await asyncio.to_thread(hub.move, step)
        deadline = time.monotonic() + 10
        while len(latest) < len(OFFICERS) or any(
            lon != pytest.approx(119.60 + 3 * 0.0005) for _, lon, _ in latest.values()
        ):
            assert time.monotonic() < deadline, latest
            await asyncio.sleep(0.02)
        await feed.stop()

    loop.run_until_complete(scenario())
    for i, officer in enumerate(OFFICERS):
        lat, lon, speed = latest[officer.id]
        assert (lat, lon) == pytest.approx((29.08 + i * 0.001, 119.60 + 3 * 0.0005))
        assert math.isnan(speed)  # LiveHub.move reports no speed
        unit = feed.state.units[officer.id]
        assert (unit.lat, unit.lon) == pytest.approx((lat, lon))
    # After the feed is gone a full redraw still has everyone, from the state.
    everyone = feed.current_positions()
    assert sorted(everyone.ids) == sorted(o.id for o in OFFICERS)


# ---- the map's unit table: roster changes without a rebuild ----------------------------


def _table(n: int) -> UnitTable:
    table = UnitTable((29.0, 119.6))
    ids = [f"u{i}" for i in range(n)]
    table.set_units([UnitInfo(u, f"警员{u}", "T1", "#111111", "available") for u in ids])
    table.update(
        ids,
        np.linspace(29.01, 29.02, n),
        np.linspace(119.61, 119.62, n),
        np.full(n, 90.0),
        np.full(n, 3.0),
    )
    table.take_meta()
    table.take_frame()
    return table


def test_a_status_change_is_one_officer_in_the_next_frame_not_a_new_roster() -> None:
    table = _table(5)
    before = table.position("u3")
    table.upsert([UnitInfo("u3", "警员u3", "T1", "#111111", "busy")])
    assert table.take_meta() is None  # the page keeps its metadata (and positions)
    frame = table.take_frame()
    assert frame is not None and frame["n"] == 1
    assert "busy" in frame["statuses"]
    assert table.units[3].status == "busy"
    assert table.position("u3") == before


def test_a_renamed_officer_resends_metadata_from_its_slot_and_newcomers_are_appended() -> None:
    table = _table(5)
    table.upsert(
        [
            UnitInfo("u2", "王警官", "T2", "#222222", "available"),
            UnitInfo("n1", "新警员", "T1", "#111111", "en_route"),
        ]
    )
    meta = table.take_meta()
    assert meta is not None and not meta["reset"]
    assert meta["start"] == 2 and meta["count"] == 6
    assert meta["ids"] == ["u2", "u3", "u4", "n1"]
    assert meta["names"][0] == "王警官" and meta["colours"][0] == "#222222"
    assert table.slot("n1") == 5 and table.position("n1") is None
    assert table.position("u2") is not None  # positions stay


def test_a_new_roster_keeps_positions_heading_and_speed_of_officers_that_stay() -> None:
    table = _table(4)
    kept = {u: table.position(u) for u in ("u1", "u3")}
    table.set_units(
        [
            UnitInfo("u3", "u3", "T1", "#111111", "available"),
            UnitInfo("x", "x", "T1", "#111111", "available"),
            UnitInfo("u1", "u1", "T1", "#111111", "busy"),
        ]
    )
    assert table.position("u3") == kept["u3"] and table.position("u1") == kept["u1"]
    assert table.position("x") is None and table.slot("u0") is None
    table.take_meta()
    frame = table.take_frame()
    assert frame is not None and frame["n"] == 3
    # The moving officers keep their direction arrows; the newcomer has none.
    assert "hd" in frame
