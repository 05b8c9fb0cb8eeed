"""The AI patrol: each alert raised once while its condition lasts, cleared when it ends."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend_client.protocol.messages import Alert, IncidentStatusName, UnitStatusName
from hub.domain.geo import distance_m
from hub.domain.sla import SlaClock
from hub.domain.supervision import (
    DAY,
    AlertChanges,
    AlertKind,
    CaseWatch,
    OfficerWatch,
    Position,
    Stillness,
    SupervisionConfig,
    alert_key,
    evaluate,
    update_stillness,
)

T0 = 1_700_000_000.0
LAT, LON = 29.08, 119.65
ZONE = [(LON, LAT), (LON + 0.01, LAT), (LON + 0.01, LAT + 0.01), (LON, LAT + 0.01)]
ZONES = {"t-jiangnan": ZONE}
MID = (LAT + 0.005, LON + 0.005)
CONFIG = SupervisionConfig()
# Metres per degree of latitude here, to place officers at a given distance south of the zone.
M_PER_DEG = distance_m(LAT, LON, LAT + 1, LON)


def officer(
    status: UnitStatusName = "available",
    fix_at: float | None = T0,
    where: tuple[float, float] = MID,
    still_since: float | None = None,
) -> OfficerWatch:
    fix = None if fix_at is None else Position(fix_at, *where)
    still = None if still_since is None else Stillness(still_since, *where)
    return OfficerWatch("o-7", "t-jiangnan", status, fix, still, name="张伟")


def south_of_zone(metres: float) -> tuple[float, float]:
    return (LAT - metres / M_PER_DEG, LON + 0.005)


def changes(
    now: float,
    officers: Iterable[OfficerWatch] = (),
    cases: Iterable[CaseWatch] = (),
    active: Iterable[str] = (),
) -> AlertChanges:
    return evaluate(now, list(officers), ZONES, list(cases), list(active), CONFIG)


def kinds(result: AlertChanges) -> list[AlertKind]:
    return [a.kind for a in result.raised]


def test_thresholds_are_validated_by_name() -> None:
    with pytest.raises(ValueError, match="idle_after_s"):
        SupervisionConfig(idle_after_s=0)
    with pytest.raises(ValueError, match="zone_margin_m"):
        SupervisionConfig(zone_margin_m=-1)
    with pytest.raises(ValueError, match="repeat_complaints"):
        SupervisionConfig(repeat_complaints=1)


def test_stillness_holds_within_the_radius_and_restarts_beyond_it() -> None:
    start = update_stillness(None, Position(T0, *MID), 50)
    nudge = Position(T0 + 60, MID[0] + 30 / M_PER_DEG, MID[1])
    away = Position(T0 + 120, MID[0] + 80 / M_PER_DEG, MID[1])
    assert start == Stillness(T0, *MID)
    assert update_stillness(start, nudge, 50) is start
    assert update_stillness(start, away, 50) == Stillness(T0 + 120, away.lat, away.lon)


def test_an_officer_standing_still_past_the_limit_is_idle_until_they_move() -> None:
    now = T0 + CONFIG.idle_after_s
    assert changes(now - 1, [officer(fix_at=now - 1, still_since=T0)]).raised == ()
    raised = changes(now, [officer(fix_at=now, still_since=T0)]).raised
    (alert,) = raised
    assert (alert.kind, alert.subject, alert.since) == (AlertKind.OFFICER_IDLE, "o-7", now)
    assert alert.id == f"officer_idle:o-7@{now:.0f}"
    assert "张伟" in alert.text
    moved = changes(now + 60, [officer(fix_at=now + 60, still_since=now + 30)], active=[alert.id])
    assert moved == AlertChanges(raised=(), cleared=(alert.id,))


def test_a_parked_vehicle_is_never_idle_but_its_silence_and_its_zone_count() -> None:
    now = T0 + 2 * CONFIG.idle_after_s
    still = OfficerWatch(
        "v-1", "t-jiangnan", "available", Position(now, *MID), Stillness(T0, *MID),
        name="浙G·A1234", kind="vehicle",
    )  # fmt: skip
    assert changes(now, [still]).raised == ()
    away = south_of_zone(500)
    outside = OfficerWatch(
        "v-1", "t-jiangnan", "available", Position(now, *away), Stillness(T0, *away),
        name="浙G·A1234", kind="vehicle",
    )  # fmt: skip
    (alert,) = changes(now, [outside]).raised
    assert alert.kind == AlertKind.OUTSIDE_ZONE and "浙G·A1234" in alert.text
    silent = OfficerWatch("v-1", "t-jiangnan", "available", None, name="浙G·A1234", kind="vehicle")
    assert kinds(changes(now, [silent])) == [AlertKind.DEVICE_SILENT]


def test_an_officer_on_scene_may_stand_still() -> None:
    now = T0 + 2 * CONFIG.idle_after_s
    assert changes(now, [officer("on_scene", fix_at=now, still_since=T0)]).raised == ()


def test_a_silent_device_raises_one_alert_not_three() -> None:
    since = T0 + CONFIG.silent_after_s
    # Long still, outside the zone, and silent: silence is the one thing known.
    gone = officer(fix_at=T0, where=south_of_zone(500), still_since=T0 - 7200)
    assert kinds(changes(since - 1, [gone])) == [AlertKind.OFFICER_IDLE, AlertKind.OUTSIDE_ZONE]
    (alert,) = changes(since + 1, [gone]).raised
    assert (alert.kind, alert.since) == (AlertKind.DEVICE_SILENT, since)
    never = changes(T0, [officer(fix_at=None)])
    assert kinds(never) == [AlertKind.DEVICE_SILENT]


def test_nobody_watches_an_officer_off_duty() -> None:
    gone = officer("off_duty", fix_at=None)
    far = officer("off_duty", fix_at=T0, where=south_of_zone(5000), still_since=T0 - 9999)
    assert changes(T0 + 99_999, [gone]).raised == ()
    assert changes(T0, [far]).raised == ()


def test_leaving_the_zone_counts_beyond_the_margin_and_lasts_until_back_inside() -> None:
    just_out = officer(where=south_of_zone(CONFIG.zone_margin_m / 2))
    well_out = officer(where=south_of_zone(CONFIG.zone_margin_m * 2))
    back_in = officer(where=MID)
    assert changes(T0, [just_out]).raised == ()
    (alert,) = changes(T0, [well_out]).raised
    assert (alert.kind, alert.subject) == (AlertKind.OUTSIDE_ZONE, "o-7")
    # Drifting back towards the edge, still outside: no flapping.
    assert changes(T0 + 5, [just_out], active=[alert.id]) == AlertChanges((), ())
    assert changes(T0 + 10, [back_in], active=[alert.id]).cleared == (alert.id,)


def test_a_dispatched_officer_may_cross_zones() -> None:
    assert changes(T0, [officer("en_route", where=south_of_zone(2000))]).raised == ()


def test_a_team_without_a_zone_is_not_checked() -> None:
    lost = OfficerWatch("o-8", "t-special", "available", Position(T0, 0.0, 0.0))
    assert changes(T0, [lost]).raised == ()


def test_an_unaccepted_case_raises_a_miss_that_clears_once_accepted() -> None:
    waiting = CaseWatch("c-1", "reported", SlaClock(T0))
    assert changes(T0 + 60, cases=[waiting]).raised == ()
    (alert,) = changes(T0 + 61, cases=[waiting]).raised
    assert alert.id == f"sla_missed:c-1:accept@{T0 + 60:.0f}"
    assert (alert.subject, alert.severity, alert.detail) == ("c-1", 3, {"stage": "accept"})
    accepted = CaseWatch("c-1", "accepted", SlaClock(T0, accepted_at=T0 + 70))
    assert changes(T0 + 75, cases=[accepted], active=[alert.id]).cleared == (alert.id,)


def test_each_missed_stage_is_its_own_alert() -> None:
    stuck = CaseWatch("c-2", "accepted", SlaClock(T0, accepted_at=T0 + 10))
    raised = changes(T0 + 1000, cases=[stuck]).raised
    assert sorted(a.key for a in raised) == ["sla_missed:c-2:handle", "sla_missed:c-2:move"]


def test_an_overdue_rectification_clears_when_the_followup_starts() -> None:
    done = SlaClock(T0, T0 + 10, T0 + 20, T0 + 300)
    rectifying = CaseWatch("c-3", "rectifying", done, rectify_by=T0 + DAY)
    assert changes(T0 + DAY, cases=[rectifying]).raised == ()
    (alert,) = changes(T0 + DAY + 1, cases=[rectifying]).raised
    assert alert.kind is AlertKind.RECTIFICATION_OVERDUE
    inspecting = CaseWatch("c-3", "followup", done, rectify_by=T0 + DAY)
    assert changes(T0 + DAY + 2, cases=[inspecting], active=[alert.id]).cleared == (alert.id,)


def _complaint(n: int, at: float, merchant: str = "m-9") -> CaseWatch:
    clock = SlaClock(at, at + 1, at + 2, at + 3)
    return CaseWatch(f"c-{n}", "closed", clock, merchant_id=merchant)


def test_repeated_complaints_about_one_merchant_within_the_window() -> None:
    now = T0 + 40 * DAY
    old = _complaint(0, now - 31 * DAY)
    recent = [_complaint(i, now - i * DAY) for i in (1, 2)]
    other = _complaint(9, now - DAY, merchant="m-1")
    assert changes(now, cases=[old, *recent, other]).raised == ()
    third = _complaint(3, now - 3 * DAY)
    (alert,) = changes(now, cases=[old, *recent, third, other]).raised
    assert (alert.kind, alert.subject, alert.detail) == (
        AlertKind.REPEAT_COMPLAINTS,
        "m-9",
        {"count": 3},
    )
    # Four weeks on, only one of them is still inside the 30-day window.
    later = changes(now + 28 * DAY, cases=[old, *recent, third], active=[alert.id])
    assert later.cleared == (alert.id,)


def test_a_condition_that_returns_is_a_new_episode_with_a_new_id() -> None:
    first = changes(T0 + 1200, [officer(fix_at=T0 + 1200, still_since=T0)]).raised[0]
    again = changes(T0 + 9000, [officer(fix_at=T0 + 9000, still_since=T0 + 7000)]).raised[0]
    assert first.key == again.key == alert_key(first.id) == alert_key(again.id)
    assert first.id != again.id


def test_alerts_go_on_the_wire_as_protocol_alerts() -> None:
    (alert,) = changes(T0 + 61, cases=[CaseWatch("c-1", "reported", SlaClock(T0))]).raised
    assert alert.to_wire() == Alert(
        id=alert.id,
        kind="sla_missed",
        subject="c-1",
        ts=T0 + 60,
        text="案件 c-1 超时未受理",
        severity=3,
        # The same line as a code and args, for walls in other languages.
        code="alert.sla_missed",
        args={"case_id": "c-1", "stage": "受理"},
    )


# ---- properties -----------------------------------------------------------------------

statuses: st.SearchStrategy[UnitStatusName] = st.sampled_from(
    ["available", "busy", "en_route", "on_scene", "off_duty", "offline"]
)
case_statuses: st.SearchStrategy[IncidentStatusName] = st.sampled_from(
    ["reported", "dispatched", "rectifying", "closed"]
)
ages = st.one_of(st.none(), st.floats(0, 4 * 3600))


@st.composite
def officers(draw: st.DrawFn, n: int) -> OfficerWatch:
    fix_age, still_age = draw(ages), draw(ages)
    where = (LAT + draw(st.floats(-0.01, 0.02)), LON + draw(st.floats(-0.01, 0.02)))
    now = T0 + 10 * DAY
    fix = None if fix_age is None else Position(now - fix_age, *where)
    still = None if still_age is None else Stillness(now - still_age, *where)
    return OfficerWatch(f"o-{n}", "t-jiangnan", draw(statuses), fix, still)


@st.composite
def cases(draw: st.DrawFn, n: int) -> CaseWatch:
    now = T0 + 10 * DAY
    reported = now - draw(st.floats(0, 20 * DAY))
    done = [draw(st.one_of(st.none(), st.floats(0, 2000))) for _ in range(3)]
    accepted, moving, handled = (None if d is None else reported + d for d in done)
    clock = SlaClock(reported, accepted, moving, handled)
    status = draw(case_statuses)
    rectify_by = draw(st.one_of(st.none(), st.floats(reported, now + DAY)))
    merchant = draw(st.sampled_from([None, "m-1", "m-2"]))
    return CaseWatch(f"c-{n}", status, clock, rectify_by, merchant)


world = st.tuples(
    st.lists(st.integers(0, 1000).flatmap(officers), max_size=8, unique_by=lambda o: o.id),
    st.lists(st.integers(0, 1000).flatmap(cases), max_size=12, unique_by=lambda c: c.id),
)


@settings(max_examples=200)
@given(world, world)
def test_applying_the_changes_converges_and_raises_nothing_twice(
    first: tuple[list[OfficerWatch], list[CaseWatch]],
    second: tuple[list[OfficerWatch], list[CaseWatch]],
) -> None:
    now = T0 + 10 * DAY
    active: set[str] = set()
    for officers_now, cases_now in (first, second):
        result = evaluate(now, officers_now, ZONES, cases_now, sorted(active), CONFIG)
        keys = [a.key for a in result.raised]
        assert len(keys) == len(set(keys))
        assert not {alert_key(i) for i in active} & set(keys)
        assert set(result.cleared) <= active
        active = (active - set(result.cleared)) | {a.id for a in result.raised}
        # Applied, the same world at the same moment asks for nothing more.
        again = evaluate(now, officers_now, ZONES, cases_now, sorted(active), CONFIG)
        assert again == AlertChanges((), ())
