"""Live layers beyond the officers: incidents (1-3-15 state), trails, labels, follow.

Everything is checked through the page's JS state (``watchfloor.*State()``), on one view
shared by the module.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from backend_client.protocol.messages import Incident, SlaMarks
from tests.support.pagejs import js, wait_until
from widgets.map import IncidentInfo, MapConfig, MapView, UnitInfo

pytestmark = pytest.mark.webengine


@pytest.fixture(scope="module")
def view(qapp: Any) -> Iterator[MapView]:
    v = MapView(config=MapConfig())
    v.resize(1200, 800)
    v.show()
    wait_until(lambda: v.is_ready)
    yield v
    v.close()
    v.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    QCoreApplication.processEvents()


def sync(view: MapView) -> None:
    view.flush_now()
    target = view.frames_sent
    wait_until(lambda: js(view, "watchfloor.stats().lastSeq") >= target)


def put_units(view: MapView, positions: dict[str, tuple[float, float]]) -> None:
    view.set_units([UnitInfo(u, f"队员{u}", "t", "#40c4ff", "available") for u in positions])
    view.update_units(
        list(positions),
        np.array([p[0] for p in positions.values()]),
        np.array([p[1] for p in positions.values()]),
    )
    sync(view)


def click(view: MapView, x: float, y: float) -> None:
    target = view.focusProxy()
    assert target is not None
    QTest.mouseClick(
        target,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        QPoint(round(x), round(y)),
    )


# ---- incidents ------------------------------------------------------------------------


def test_incidents_show_category_priority_and_clock_state(view: MapView) -> None:
    far = time.time() + 3600
    view.fit_wucheng()
    view.set_incidents(
        [
            IncidentInfo("i-run", 29.08, 119.64, "占道经营", 2, clock="running", deadline=far),
            IncidentInfo("i-miss", 29.06, 119.60, "油烟扰民", 1, clock="missed"),
            IncidentInfo("i-met", 29.04, 119.58, "违章停车", 4, clock="met"),
        ]
    )
    wait_until(lambda: len(js(view, "watchfloor.incidentState()")) == 3)
    state = js(view, "watchfloor.incidentState()")
    assert state["i-run"]["glyph"] == "占" and state["i-miss"]["glyph"] == "烟"
    assert "wf-inc-running" in state["i-run"]["className"]
    assert "wf-inc-p2" in state["i-run"]["className"]
    # Pending: the CSS pulse runs; missed: red and still.
    assert state["i-run"]["animation"] == "wf-pulse"
    assert "wf-inc-missed" in state["i-miss"]["className"]
    assert state["i-miss"]["animation"] == "none"
    assert state["i-met"]["state"] == "met"

    # set_incidents replaces: what is not in the new list goes.
    view.set_incidents([IncidentInfo("i-run", 29.08, 119.64, "占道经营", 2, clock="met")])
    wait_until(lambda: list(js(view, "watchfloor.incidentState()")) == ["i-run"])
    assert js(view, "watchfloor.incidentState()")["i-run"]["state"] == "met"
    view.remove_incident("i-run")
    wait_until(lambda: js(view, "watchfloor.incidentState()") == {})


def test_a_running_clock_turns_red_at_its_deadline_without_an_update(view: MapView) -> None:
    view.set_incidents(
        [
            IncidentInfo(
                "i-due", 29.07, 119.63, "噪声扰民", 3, clock="running", deadline=time.time() + 0.6
            ),
        ]
    )
    wait_until(lambda: js(view, "watchfloor.incidentState()['i-due']") is not None)
    assert js(view, "watchfloor.incidentState()['i-due'].state") == "running"
    wait_until(lambda: js(view, "watchfloor.incidentState()['i-due'].state") == "missed", 4.0)


def test_incident_from_the_protocol_shape() -> None:
    now = time.time()
    sla = SlaMarks(accept_by=now + 60, move_by=now + 180, handle_by=now + 900, accepted_at=now)
    inc = Incident(
        id="c1",
        source="hotline",
        category="露天烧烤",
        reported_at=now,
        lat=29.1,
        lon=119.6,
        sla=sla,
        priority=1,
        units=["u1"],
    )
    info = IncidentInfo.from_incident(inc)
    assert info is not None
    assert (info.clock, info.deadline, info.units) == ("running", now + 180, ("u1",))
    missed = Incident(
        id="c2",
        source="hotline",
        category="x",
        reported_at=now,
        lat=29.1,
        lon=119.6,
        sla=SlaMarks(accept_by=now, move_by=now, handle_by=now, missed=["accept"]),
    )
    assert IncidentInfo.from_incident(missed).clock == "missed"  # type: ignore[union-attr]
    assert (
        IncidentInfo.from_incident(Incident(id="c3", source="s", category="x", reported_at=now))
        is None
    )
    with pytest.raises(ValueError, match="priority"):
        IncidentInfo("bad", 29.0, 119.6, priority=9)


def test_clicking_an_incident_emits_its_id_not_the_officer_under_it(
    view: MapView, qtbot: QtBot
) -> None:
    put_units(view, {"under": (29.075, 119.645)})
    view.set_incidents([IncidentInfo("i-click", 29.075, 119.645, "违法建设", 1, clock="missed")])
    wait_until(lambda: js(view, "watchfloor.incidentContainerPoint('i-click')") is not None)
    pt = js(view, "watchfloor.incidentContainerPoint('i-click')")
    signals: list[tuple[str, str]] = []
    view.entityClicked.connect(lambda k, i: signals.append((k, i)))
    with qtbot.waitSignal(view.entityClicked, timeout=3000) as blocker:
        click(view, pt["x"], pt["y"])
    assert blocker.args == ["incident", "i-click"]
    QTest.qWait(100)
    assert signals == [("incident", "i-click")]
    view.set_incidents([])


def test_fit_incident_frames_the_incident_and_its_officers(view: MapView) -> None:
    put_units(view, {"a1": (29.10, 119.66), "a2": (29.05, 119.61)})
    view.set_incidents([IncidentInfo("i-fit", 29.08, 119.64, "食品安全", 2, units=("a1", "a2"))])
    view.set_view(28.8, 119.4, 13)
    wait_until(lambda: js(view, "watchfloor.incidentState()['i-fit']") is not None)
    view.fit_incident("i-fit")
    wait_until(lambda: js(view, "watchfloor.map.getBounds().contains([29.08, 119.64])"))
    for p in ([29.10, 119.66], [29.05, 119.61]):
        assert js(view, f"watchfloor.map.getBounds().contains({p})")
    with pytest.raises(KeyError):
        view.fit_incident("nope")
    view.set_incidents([])


# ---- follow ---------------------------------------------------------------------------


def assert_centred(view: MapView, unit_id: str) -> None:
    pt = js(view, f"watchfloor.unitContainerPoint('{unit_id}')")
    size = js(view, "watchfloor.map.getSize()")
    assert abs(pt["x"] - size["x"] / 2) <= 1 and abs(pt["y"] - size["y"] / 2) <= 1, pt


def test_follow_keeps_the_officer_centred_until_the_operator_drags(
    view: MapView, qtbot: QtBot
) -> None:
    put_units(view, {"f1": (29.08, 119.64), "f2": (29.0, 119.5)})
    with qtbot.waitSignal(view.followingChanged, timeout=3000) as blocker:
        view.follow_unit("f1", zoom=15)
    assert blocker.args == ["f1"] and view.following == "f1"
    assert_centred(view, "f1")
    view.update_units(["f1"], np.array([29.083]), np.array([119.645]))
    sync(view)
    assert_centred(view, "f1")  # Leaflet pans by whole pixels: within one
    assert js(view, "watchfloor.stats().following") == "f1"

    # A real mouse drag on the map.
    target = view.focusProxy()
    assert target is not None
    QTest.mousePress(
        target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(600, 400)
    )
    with qtbot.waitSignal(view.followingChanged, timeout=3000) as blocker:
        for step in range(1, 12):
            QTest.mouseMove(target, QPoint(600 + 10 * step, 400 + 5 * step))
            QTest.qWait(16)
    QTest.mouseRelease(
        target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(710, 455)
    )
    assert blocker.args == [""] and view.following is None
    view.update_units(["f1"], np.array([29.09]), np.array([119.65]))
    sync(view)
    # No longer following: the officer moved ~1 km, the view did not go with it (a few
    # pixels of drag inertia aside).
    centre = js(view, "[watchfloor.map.getCenter().lat, watchfloor.map.getCenter().lng]")
    assert abs(centre[0] - 29.09) > 0.003 and abs(centre[1] - 119.65) > 0.003
    with pytest.raises(KeyError):
        view.follow_unit("nobody")


# ---- redraw skipping, labels ----------------------------------------------------------


def test_moves_off_screen_do_not_repaint_and_labels_show_at_street_zoom(view: MapView) -> None:
    put_units(view, {"v1": (29.080, 119.640), "v2": (29.0805, 119.6405), "far": (28.8, 119.35)})
    view.set_view(29.080, 119.640, 16)
    wait_until(lambda: js(view, "watchfloor.unitState().labelled"))
    assert js(view, "watchfloor.unitState().visible") == 2

    stats = js(view, "watchfloor.stats()")
    view.update_units(["far"], np.array([28.81]), np.array([119.36]))
    sync(view)
    after = js(view, "watchfloor.stats()")
    assert after["skippedRedraws"] == stats["skippedRedraws"] + 1
    assert after["redraws"] == stats["redraws"]
    # A move on screen does repaint.
    view.update_units(["v1"], np.array([29.0801]), np.array([119.6401]))
    sync(view)
    wait_until(lambda: js(view, "watchfloor.stats().redraws") > after["redraws"])

    view.set_view(29.080, 119.640, 11)
    wait_until(lambda: not js(view, "watchfloor.unitState().labelled"))


# ---- trails ---------------------------------------------------------------------------


def test_trails_are_bounded_rings_that_fade_and_can_be_switched_off(view: MapView) -> None:
    put_units(view, {"t1": (29.08, 119.64), "t2": (29.07, 119.63)})
    view.set_view(29.08, 119.64, 14)
    # 4 samples over 0.6 s: one sample per 0.15 s at most.
    view.set_trails(True, minutes=0.01, points=4)
    wait_until(lambda: js(view, "watchfloor.trailState().enabled"))
    sent = []
    for k in range(1, 7):
        time.sleep(0.17)
        p = (29.08 + 0.0005 * k, 119.64 + 0.0005 * k)
        sent.append(p)
        view.update_units(["t1"], np.array([p[0]]), np.array([p[1]]))
        sync(view)
    trail = js(view, "watchfloor.trailOf('t1')")
    assert len(trail) == 4  # the ring holds its N points, no more
    assert np.allclose(trail, sent[-4:], atol=1e-6)  # the latest four, oldest first
    state = js(view, "watchfloor.trailState()")
    assert state["bytes"] == state["capacity"] * 4 * 12

    view.set_trails(True, minutes=5, points=8)
    wait_until(lambda: js(view, "watchfloor.trailState().drawn") >= 2)
    assert js(view, "watchfloor.trailState().points") == 8
    assert view.trails_enabled
    view.set_trails(False)
    wait_until(lambda: not js(view, "watchfloor.trailState().enabled"))
    assert js(view, "watchfloor.trailState().bytes") == 0
    with pytest.raises(ValueError):
        view.set_trails(True, minutes=0)
