"""Merchant and officer drill-downs against a real hub; the track replay model on its own."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import QSettings

from backend_client import vocabulary
from backend_client.cache import AnswerCache, CachedRequests
from backend_client.qt import QtFeed
from backend_client.stories.replay import TrackReplay, parse_points
from desktop.desk import DeskWindow
from desktop.i18n import catalogue
from hub.roster import MerchantRecord
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import LiveHub, report
from widgets.drilldown import (
    KIND_TEXT,
    MERCHANT_TEXT,
    OFFICER_TEXT,
    RESULT_TEXT,
    RISK_TEXT,
    TEXT,
    Fetched,
    MerchantDrilldown,
    OfficerDrilldown,
)

pytestmark = pytest.mark.usefixtures("gc_on_gui_thread")


class FakeClock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def fetch_of(feed: QtFeed) -> Any:
    async def fetch(op: str, args: dict[str, Any]) -> Fetched:
        return await feed.client.request(op, args), False, None

    return fetch


MERCHANT = MerchantRecord(
    "M-001", "婺城小吃店", "91330702MA2E000001", "城中街道八一北街12号", "餐饮", 3, 29.085, 119.652
)
OTHER = MerchantRecord(
    "M-002", "城东五金店", "91330702MA2E000002", "城东街道", "五金", 1, 29.09, 119.66
)


# ---- pure: the replay model ---------------------------------------------------------------


POINTS = [[10.0, 29.0, 119.0, 5.0, 90.0], [20.0, 29.1, 119.2, 5.0, 90.0], [40.0, 29.1, 119.6]]


def test_position_is_interpolated_and_held_at_the_ends() -> None:
    replay = TrackReplay(POINTS, 0.0, 60.0)
    assert replay.position_at(10.0) == (29.0, 119.0)
    lat, lon = replay.position_at(15.0) or (0.0, 0.0)
    assert lat == pytest.approx(29.05) and lon == pytest.approx(119.1)
    lat, lon = replay.position_at(35.0) or (0.0, 0.0)
    assert lat == pytest.approx(29.1) and lon == pytest.approx(119.5)
    assert replay.position_at(0.0) == (29.0, 119.0)  # before the first fix: held
    assert replay.position_at(59.0) == (29.1, 119.6)  # after the last: held
    assert TrackReplay([], 0.0, 10.0).position_at(5.0) is None
    # Unsorted and malformed rows: sorted, skipped.
    points = parse_points([[20.0, 1.0, 2.0], [10.0, None, 2.0], [5.0, 0.0, 0.0, None, None]])
    assert [p.ts for p in points] == [5.0, 20.0]
    with pytest.raises(ValueError):
        TrackReplay(POINTS, 10.0, 0.0)


def test_play_pause_and_speed_on_an_injected_clock() -> None:
    clock = FakeClock()
    replay = TrackReplay(POINTS, 0.0, 60.0, clock=clock)
    assert not replay.playing and replay.cursor() == 0.0
    replay.play()
    clock.now += 5.0
    assert replay.cursor() == pytest.approx(5.0)  # x1: five seconds of track
    replay.set_speed(10)
    assert replay.cursor() == pytest.approx(5.0)  # a speed change does not jump
    clock.now += 1.0
    assert replay.cursor() == pytest.approx(15.0)
    replay.pause()
    clock.now += 100.0
    assert replay.cursor() == pytest.approx(15.0)  # paused: time stands still
    lat, lon = replay.position() or (0.0, 0.0)
    assert lat == pytest.approx(29.05) and lon == pytest.approx(119.1)
    replay.set_speed(60)
    replay.play()
    clock.now += 10.0  # 600 s of track, but the window ends at 60
    assert replay.cursor() == 60.0 and not replay.playing
    replay.play()  # after the end: from the start again
    assert replay.cursor() == 0.0
    assert replay.seek(-5.0) == 0.0 and replay.seek(99.0) == 60.0
    for bad in (0.5, 61):
        with pytest.raises(ValueError):
            replay.set_speed(bad)


def test_the_window_cases_of_the_officer_are_marked() -> None:
    cases = [
        {"id": "C-in", "units": ["U001"], "reported_at": 15.0, "category": "占道经营"},
        {"id": "C-other-unit", "units": ["U002"], "reported_at": 15.0, "category": "x"},
        {"id": "C-before", "units": ["U001"], "reported_at": -1.0, "category": "x"},
        {"id": "C-after", "units": ["U001"], "reported_at": 61.0, "category": "x"},
        {"id": "C-first", "units": ["U002", "U001"], "reported_at": 0.0, "category": "噪音"},
    ]
    replay = TrackReplay(POINTS, 0.0, 60.0, unit_id="U001", cases=cases)
    assert [m.case_id for m in replay.cases] == ["C-first", "C-in"]
    mark = replay.cases[1]
    assert mark.lat == pytest.approx(29.05) and mark.lon == pytest.approx(119.1)


def test_a_vehicle_panel_is_titled_and_known_by_its_plate(qtbot: Any) -> None:
    async def never(op: str, args: dict[str, Any]) -> Fetched:
        raise AssertionError("not loaded in this test")

    profile = {"name": "城中片区01号执法车", "team": "城中片区", "kind": "vehicle"}
    panel = OfficerDrilldown(
        "V001", never, start=0.0, end=60.0, profile={**profile, "plate": "浙G·A1234"}
    )
    qtbot.addWidget(panel)
    assert panel.is_vehicle
    assert panel.title.text() == "车辆详情 · 浙G·A1234"
    assert panel.fields["plate"].text() == "浙G·A1234"
    assert panel.fields["name"].text() == "城中片区01号执法车"
    # The replay asks for the vehicle's own track, like an officer's.
    assert panel._request() == ("unit.track", {"unit_id": "V001", "start": 0.0, "end": 60.0})
    officer = OfficerDrilldown("U001", never, start=0.0, end=60.0, profile={"name": "张三"})
    qtbot.addWidget(officer)
    assert officer.title.text() == "警员详情 · U001" and "plate" not in officer.fields


def test_officer_panel_slider_play_and_speed(qtbot: Any) -> None:
    clock = FakeClock()

    async def never(op: str, args: dict[str, Any]) -> Fetched:
        raise AssertionError("not loaded in this test")

    panel = OfficerDrilldown(
        "U001",
        never,
        start=0.0,
        end=60.0,
        cases=[{"id": "C-in", "units": ["U001"], "reported_at": 15.0, "category": "占道经营"}],
        profile={"name": "警员001", "team": "城东中队"},
        clock=clock,
    )
    qtbot.addWidget(panel)
    seen: list[tuple[float, float, float]] = []
    panel.positionChanged.connect(lambda lat, lon, ts: seen.append((lat, lon, ts)))
    panel.show_answer({"unit_id": "U001", "points": POINTS})
    assert seen[-1] == (29.0, 119.0, 10.0)  # loading shows the first fix
    assert panel.slider.value() == 10
    assert [r[1:] for r in panel.case_rows()] == [("C-in", "占道经营")]
    assert panel.fields["name"].text() == "警员001"

    panel.slider.setValue(15)
    assert seen[-1][2] == 15.0 and seen[-1][0] == pytest.approx(29.05)

    panel.set_speed(30)
    panel.toggle()
    assert panel.replay.playing and panel.play_button.text() == "暂停"
    clock.now += 0.5  # x30: fifteen seconds of track
    panel.tick()
    assert seen[-1][2] == pytest.approx(30.0) and panel.slider.value() == 30
    assert seen[-1][1] == pytest.approx(119.4)
    panel.toggle()
    assert not panel.replay.playing and panel.play_button.text() == "播放"
    with pytest.raises(ValueError):
        panel.set_speed(7)


def test_new_texts_have_english_entries() -> None:
    # The drill-downs' tables in their own context; sources, stages and statuses are
    # the one vocabulary's words.
    tables = {
        "drilldown": (
            TEXT,
            KIND_TEXT,
            MERCHANT_TEXT,
            OFFICER_TEXT,
            RESULT_TEXT,
            RISK_TEXT,
        ),
        vocabulary.CONTEXT: (vocabulary.SOURCES, vocabulary.STAGES, vocabulary.STATUSES),
    }
    for context, context_tables in tables.items():
        english = catalogue(context)
        for table in context_tables:
            assert [v for v in table.values() if v not in english] == [], context


# ---- against a real hub -------------------------------------------------------------------


def test_merchant_profile_counts_and_newest_first(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    hub.run(hub.hub.seed([], [], [MERCHANT, OTHER]))
    supervisor = QtFeed(hub.stream_url, hub.token["supervisor"])
    cache = AnswerCache(tmp_path / "answers.db")
    requests = CachedRequests(supervisor.client, cache)

    async def scenario() -> None:
        supervisor.start()
        await until(supervisor.is_live)
        posted: list[str] = []
        for n, (merchant, category) in enumerate(
            [
                ("M-001", "占道经营"),
                ("M-001", "店外经营"),
                ("M-002", "占道经营"),
                ("M-001", "占道经营"),
            ]
        ):
            status, body = await asyncio.to_thread(
                hub.post,
                "/api/v1/reports",
                report(f"8890-m{n}", merchant_id=merchant, category=category),
            )
            assert status == 201
            if merchant == "M-001":
                posted.append(body["id"])
            await asyncio.sleep(0.01)  # distinct reported_at

        panel = MerchantDrilldown("M-001", requests)
        qtbot.addWidget(panel)
        await panel.load()
        assert panel.fields["name"].text() == "婺城小吃店"
        assert panel.fields["credit_code"].text() == "91330702MA2E000001"
        assert panel.fields["address"].text() == "城中街道八一北街12号"
        assert panel.fields["category"].text() == "餐饮"
        assert panel.fields["risk"].text() == "高风险"
        assert panel.count_rows() == [("占道经营", "2"), ("店外经营", "1")]
        rows = panel.case_rows()
        assert [r[1] for r in rows] == posted[::-1]
        assert [r[2] for r in rows] == ["占道经营", "店外经营", "占道经营"]
        assert all(r[3] == "待受理" for r in rows)
        assert panel.banner_text() == ""

        # Unknown merchant: the hub refuses, the panel says so.
        failures: list[str] = []
        unknown = MerchantDrilldown("M-none", requests)
        qtbot.addWidget(unknown)
        unknown.failed.connect(failures.append)
        await unknown.load()
        assert failures == ["not_found"]

        # The hub away: the merchant opened before is read from the cache, marked.
        await asyncio.to_thread(hub.stop)
        await until(lambda: not supervisor.is_live())
        cached = MerchantDrilldown("M-001", requests)
        qtbot.addWidget(cached)
        await cached.load()
        assert cached.cached and cached.banner_text().startswith("缓存数据")
        assert cached.case_rows() == rows
        await supervisor.stop()

    loop.run_until_complete(scenario())
    cache.close()


def test_officer_replay_positions_from_the_hub_track(
    hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    supervisor = QtFeed(hub.stream_url, hub.token["supervisor"])
    operator = QtFeed(hub.stream_url, hub.token["operator"])

    async def scenario() -> None:
        supervisor.start()
        operator.start()
        await until(lambda: supervisor.is_live() and operator.is_live())
        start = time.time() - 1.0
        for step in range(1, 6):
            await asyncio.to_thread(hub.move, step)
            await asyncio.sleep(0.05)
        _, body = await asyncio.to_thread(hub.post, "/api/v1/reports", report("8890-trk"))
        case_id = body["id"]
        await operator.client.request("dispatch", {"incident_id": case_id, "unit_ids": ["U001"]})
        _, other = await asyncio.to_thread(hub.post, "/api/v1/reports", report("8890-trk2"))
        await until(lambda: case_id in supervisor.state.incidents)
        await until(lambda: supervisor.state.incidents[case_id].units == ["U001"])
        end = time.time() + 1.0
        cases = [
            {"id": i.id, "units": i.units, "reported_at": i.reported_at, "category": i.category}
            for i in supervisor.state.incidents.values()
        ]

        panel = OfficerDrilldown("U001", fetch_of(supervisor), start=start, end=end, cases=cases)
        qtbot.addWidget(panel)
        seen: list[tuple[float, float, float]] = []
        panel.positionChanged.connect(lambda lat, lon, ts: seen.append((lat, lon, ts)))
        await panel.load()
        points = panel.replay.points
        assert len(points) == 5
        # U001 is officer index 1: lat 29.081; each step 0.0005 east of 119.60.
        assert [p.lon for p in points] == pytest.approx([119.6 + s * 0.0005 for s in range(1, 6)])
        assert all(p.lat == pytest.approx(29.081) for p in points)
        assert seen[-1] == (points[0].lat, points[0].lon, points[0].ts)
        # At each fix the recorded place; halfway between two fixes, halfway between.
        for p in points:
            assert panel.replay.position_at(p.ts) == (p.lat, p.lon)
        middle = (points[1].ts + points[2].ts) / 2
        lat, lon = panel.replay.position_at(middle) or (0.0, 0.0)
        assert lon == pytest.approx((points[1].lon + points[2].lon) / 2)
        assert lat == pytest.approx(29.081)
        # After the last fix the officer stays where last seen.
        assert panel.replay.position_at(end) == (points[-1].lat, points[-1].lon)
        # Only the case the officer was sent to is marked.
        assert [r[1] for r in panel.case_rows()] == [case_id]
        assert other["id"] not in [m.case_id for m in panel.replay.cases]
        # On the mini-map: the five fixes as the track, west to east; the dot on the
        # first; the case where the officer was when it came in (the last fix).
        minimap = panel.minimap
        track = minimap.track_points()
        assert track == [minimap.project(p.lat, p.lon) for p in points]
        assert [q.x() for q in track] == sorted(q.x() for q in track)
        assert minimap.cursor_point() == track[0]
        assert minimap.marker_points() == {case_id: track[-1]}
        panel.seek(middle)
        lat, lon = panel.replay.position_at(middle) or (0.0, 0.0)
        assert minimap.cursor_point() == minimap.project(lat, lon)
        await supervisor.stop()
        await operator.stop()

    loop.run_until_complete(scenario())


def test_desk_opens_the_officer_panel_on_a_map_click(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    hub.run(hub.hub.seed([], [], [MERCHANT]))
    feed = QtFeed(hub.stream_url, hub.token["supervisor"])
    cache = AnswerCache(tmp_path / "desk-cache.sqlite")
    desk = DeskWindow(
        feed,
        settings=QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat),
        requests=CachedRequests(feed.client, cache),
    )
    qtbot.addWidget(desk)
    desk.show()

    async def scenario() -> None:
        feed.start()
        await until(feed.is_live)
        for step in (1, 2):
            await asyncio.to_thread(hub.move, step)
            await asyncio.sleep(0.05)
        await until(lambda: feed.state.units["U001"].lat is not None)

        map_view = desk.map_panel.map  # type: ignore[attr-defined]
        map_view.entityClicked.emit("incident", "WC-x")  # cases open from the queue
        assert desk.entity is None
        map_view.entityClicked.emit("unit", "U001")
        panel = desk.entity
        assert isinstance(panel, OfficerDrilldown) and panel.unit_id == "U001"
        assert panel.parent() is desk.reading.holder
        assert panel.fields["name"].text() == "警员001"
        assert panel.fields["team"].text() == "市场监管"  # U001 is in the second team
        await until(lambda: panel.answer is not None)
        assert len(panel.replay.points) == 2
        assert panel.replay.end - panel.replay.start == 3600.0

        map_view.entityClicked.emit("merchant", "M-001")
        merchant = desk.entity
        assert isinstance(merchant, MerchantDrilldown)
        await until(lambda: merchant.answer is not None)
        assert merchant.fields["name"].text() == "婺城小吃店"
        assert desk.reading.holder.layout().count() == 1
        await feed.stop()

    loop.run_until_complete(scenario())
    cache.close()
