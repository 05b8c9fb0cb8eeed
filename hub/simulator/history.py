"""Months of past cases, so that a demo's analytics have a history from its first minute.

The reports are the simulator's own (:meth:`Reporting._report`: the same sources,
categories, places, reporters and words as live ones), over a district of a few hundred
cases a day; each case's timeline is taken step by step through the domain's lifecycle
(:mod:`hub.domain.lifecycle`) and judged by the 1-3-15 clock (:class:`SlaClock`), with the
same delays the live simulator draws for its operators and officers. What comes out are
the rows the hub would have stored had it seen those cases live (:func:`case_rows`): the
incident, its timeline and its ``sla_missed`` notes. Not stored here: no I/O, as the rest
of the simulator.

Every past case is closed by the end of the period, but for the few of its last days
waiting for a shop's rectification (a real centre's cases in hand): history never floods
a wall's live picture of open cases, and leaves nothing on the 1-3-15 clock.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import msgspec
import numpy as np

from backend_client.geo import gcj02_to_wgs84
from backend_client.protocol.messages import SlaMarks
from hub.domain import lifecycle
from hub.domain.duplicates import MERGED_CHILD_KIND, MERGED_KIND
from hub.domain.lifecycle import Case, CaseEvent, Person
from hub.domain.sla import ONE_THREE_FIFTEEN, STAGES, SlaClock, SlaLimits
from hub.simulator import catalogue, geo
from hub.simulator.reports import BEIJING
from hub.simulator.sim import Simulator
from hub.simulator.world import WuchengWorld
from hub.store.models import case_figures

DAY = 86400.0
#: A district of 26 townships: a few hundred cases on an ordinary weekday.
CASES_PER_DAY = 300.0
#: Weekends are quieter (Monday is 0); citizens report less, grid workers rest.
WEEKDAY_FACTOR = (1.05, 1.05, 1.0, 1.0, 1.05, 0.85, 0.8)
#: The slowest case takes about an hour from report to close; history stops this long
#: before the end of its period so that every case it writes is closed by then.
SETTLE_S = 3600.0
#: The share of the simulator's shop-linked reports that history keeps linked: about
#: 0.6 linked cases per shop a month, so a few shops (not all) reach the 3 in 30 days of
#: a repeat-complaint alert.
MERCHANT_LINK_SHARE = 0.08
#: 回访: the share of closed cases a desk calls back, and how the calls end (a centre
#: publishes 满意率 in the 90s; 未联系上 is no rating and is called again once).
VISIT_SHARE = 0.6
VISIT_RESULTS = ("satisfied", "basic", "dissatisfied", "unreached")
VISIT_ODDS = (0.84, 0.08, 0.02, 0.06)
VISIT_CHANNELS = ("phone", "sms")
#: The share of reports a second citizen sends again about the same matter within half
#: an hour (the desk merges it into the first: 重复派单率 of a few per cent).
DUPLICATE_SHARE = 0.03

# The actors the hub records for the simulator's steps (hub/simdriver.py: the simulated
# terminal for desk and field steps, the hub itself for "moving", read off a status).
SIM_NAME = "模拟终端"
DESK = Person(SIM_NAME, "operator")
FIELD = Person(SIM_NAME, "officer")
SLA_MISSED_KIND = "sla_missed"  # hub/cases.py's name of the clock's notes


@dataclass(frozen=True, slots=True)
class PastCase:
    """One case of the past: the report as the simulator sends it, and its timeline."""

    id: str
    report: dict[str, Any]
    reported_at: float
    case: Case
    events: tuple[CaseEvent, ...]
    #: A duplicate merged by the desk (case.merge): the case it went into, and when.
    parent: str | None = None
    merged_at: float | None = None
    #: The duplicates merged into this case: (child id, when).
    children: tuple[tuple[str, float], ...] = ()


# The delays of each step, as the live simulator draws them (sim.py ``on_incident``,
# handling.py ``_assign``), a little quicker: a district's published 1-3-15 figures are
# around nine cases in ten on time per stage, and its 按期结案率 around 80 %.


def accept_delay(r: np.random.Generator) -> float:
    u = r.random()
    return float(
        r.uniform(5, 50) if u < 0.93 else r.uniform(60, 150) if u < 0.985 else r.uniform(150, 400)
    )


def dispatch_delay(r: np.random.Generator) -> float:
    return float(r.uniform(3, 30))


def turnout(r: np.random.Generator) -> float:
    u = r.random()
    return float(
        r.uniform(10, 90) if u < 0.9 else r.uniform(90, 240) if u < 0.97 else r.uniform(240, 480)
    )


def travel(r: np.random.Generator) -> float:
    """Most scenes are a few minutes away by e-bike, some across the district."""
    return float(np.clip(r.lognormal(math.log(200.0), 0.5), 30.0, 1500.0))


def on_scene(r: np.random.Generator) -> float:
    u = r.random()
    return max(float(r.uniform(90, 300) if u < 0.88 else r.uniform(300, 900)), 60.0)


def close_delay(r: np.random.Generator) -> float:
    return float(r.uniform(60, 600))


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """A step still to take on a stored case: ``action`` is the hub's wire name
    (hub/cases.py ``ACTION_NAMES``), ``units`` what the action needs of them."""

    action: str
    actor: Person
    ts: float
    units: tuple[str, ...] = ()
    #: A 核查's verdict (the simulator's officers find the work done: ``passed``).
    result: str = ""


def rest_of_case(
    case: Case, moving_done: bool, officers: Sequence[str], r: np.random.Generator
) -> list[PlannedStep]:
    """The steps that would finish ``case`` from where its timeline stops, with the
    simulator's delays from its last step: accept, dispatch (``officers``: one of them,
    drawn, when the case has nobody yet), moving, arrive, handle, the 核查 on site
    (passed, halfway to the close) and close.
    Empty for a case that is not on the officers' way to a close (closed, or waiting for
    a rectification)."""
    order = ("reported", "accepted", "dispatched", "arrived", "handled", "checked")
    if case.status not in order:
        return []
    at = order.index(case.status)
    t = case.last_step_at
    units = case.units
    steps: list[PlannedStep] = []
    if at < 1:
        t += accept_delay(r)
        steps.append(PlannedStep("accept", DESK, t))
    if at < 2:
        if not units:
            if not officers:
                return []
            units = (officers[int(r.integers(0, len(officers)))],)
        t += dispatch_delay(r)
        steps.append(PlannedStep("dispatch", DESK, t, units))
    if at < 3:
        if not moving_done:
            t += turnout(r)
            steps.append(PlannedStep("moving", lifecycle.HUB, t, units[:1]))
        t += travel(r)
        steps.append(PlannedStep("arrive", FIELD, t, units[:1]))
    if at < 4:
        t += on_scene(r)
        steps.append(PlannedStep("handle", FIELD, t))
    handled = t
    t += close_delay(r)
    if at < 5:
        # No close without a passed 核查 (hub/domain/lifecycle.py); no extra draw, so the
        # seeded delays stay what they were.
        steps.append(PlannedStep("check", FIELD, (handled + t) / 2, units[:1], "passed"))
    steps.append(PlannedStep("close", DESK, t))
    return steps


class History:
    """Past cases of ``world``, drawn from their own streams (``seed``): a live simulator
    of the same world is not shifted by them."""

    def __init__(
        self,
        world: WuchengWorld,
        seed: int,
        cases_per_day: float = CASES_PER_DAY,
        limits: SlaLimits = ONE_THREE_FIFTEEN,
    ) -> None:
        self.world = world
        self.per_day = cases_per_day
        self.limits = limits
        # The reports come from a simulator of their own, never stepped: its officers
        # stand where they start (a patrol report is filed by one of them).
        # WGS-84 photo reports: the hub stores WGS-84, so a GCJ-02 place would only be
        # converted there and back again.
        self._sim = Simulator(
            world, seed=seed ^ 0x4157, incident_rate_per_hour=0.0, snap_datum="wgs84"
        )
        self._rng = np.random.default_rng(np.random.SeedSequence([seed, 0x415]))
        # 回访 and duplicates draw from a stream of their own: the cases' own draws (and
        # so the cases a seed gives) are what they were before these existed.
        self._after = np.random.default_rng(np.random.SeedSequence([seed, 0x416]))
        persons = np.array([o.kind != "vehicle" for o in world.officers], dtype=np.bool_)
        self._team_persons = [
            np.flatnonzero(persons & (world.officer_team == t)) for t in range(len(world.teams))
        ]
        self._ids = [o.id for o in world.officers]
        self._used: set[str] = set()
        self._team_of_cell: dict[tuple[int, int], int] = {}

    def cases(self, start: float, end: float) -> Iterator[PastCase]:
        """The cases reported in ``[start, end - SETTLE_S)``, in report order, each closed
        before ``end`` or (a few) rectifying with a follow-up after it; some closed ones
        called back (回访). A duplicate report, merged by the desk into the case it
        repeats, comes right after that case (its own report is minutes later)."""
        stop = end - SETTLE_S
        hour = 3600.0
        t = math.floor(start / hour) * hour
        while t < stop:
            t0, t1 = max(t, start), min(t + hour, stop)
            t += hour
            if t1 <= t0:
                continue
            day = datetime.datetime.fromtimestamp(t0, BEIJING)
            # A slow swing over the months and the day of the week, so trends show.
            swing = 1.0 + 0.08 * math.sin(2 * math.pi * t0 / (29 * DAY))
            self._sim.rate = self.per_day / 24.0 * WEEKDAY_FACTOR[day.weekday()] * swing
            for report in self._sim._reports(t0, t1):
                if report.get("merchant_id") and self._rng.random() >= MERCHANT_LINK_SHARE:
                    # Most reports at a shop are not matched to its registry entry; the
                    # simulator links about half, which over months gave each of its
                    # 600 shops ~8 cases a month and put a repeat-complaint alert on
                    # nearly every one (545 on a fresh demo): a centre sees a handful.
                    report = {k: v for k, v in report.items() if k != "merchant_id"}
                past = self._case(report, end)
                if self._after.random() < DUPLICATE_SHARE:
                    child = self._duplicate(past)
                    past = replace(past, children=((child.id, float(child.merged_at or 0)),))
                    yield past
                    yield child
                else:
                    yield past

    # ---------------------------------------------------------------- one case

    def _case(self, report: dict[str, Any], end: float) -> PastCase:
        r = self._rng
        ts = float(report["reported_at"])
        case_id = self._case_id(ts)
        step = lifecycle.open_case(case_id, ts, FIELD, {"source": report["source"]})
        events = list(step.events)
        case = step.case

        def take(next_step: lifecycle.Step) -> None:
            nonlocal case
            events.extend(next_step.events)
            case = next_step.case

        t = ts + accept_delay(r)
        take(lifecycle.accept(case, DESK, t))
        t += dispatch_delay(r)
        units = self._officers(report)
        take(lifecycle.dispatch(case, DESK, t, units))
        t += turnout(r)
        take(lifecycle.report_moving(case, lifecycle.HUB, t, units[0]))
        t += travel(r)
        take(lifecycle.arrive(case, FIELD, t, units[0]))
        t += on_scene(r)
        take(lifecycle.handle(case, FIELD, t))
        handled = t
        t += close_delay(r)
        # A shop told to put things right: a deadline of days, then a follow-up visit
        # and the close. One whose visit is still to come stays open, rectifying: the
        # few cases of the last days a centre always has in hand (nothing of the 1-3-15
        # clock is left to run on them, and the simulator's officers leave them be).
        if report.get("merchant_id") and r.random() < 0.06 and t < end:
            deadline = t + float(r.integers(1, 6)) * DAY
            followup = deadline + r.uniform(600, 4 * 3600)
            take(lifecycle.order_rectification(case, FIELD, t, deadline, "责令限期整改"))
            if followup + 3600 >= end:
                return PastCase(case_id, report, ts, case, tuple(events))
            take(lifecycle.start_followup(case, FIELD, followup, units[0]))
            t = followup + r.uniform(600, 3600)
        else:
            # The 核查 on site, halfway between the handling and the close: no close
            # without one that passed.
            check_at = (handled + min(t, end)) / 2
            take(lifecycle.check(case, FIELD, check_at, "passed", unit=units[0]))
        take(lifecycle.close(case, DESK, min(t, end)))
        # 回访: a call back a few hours to a day and a half after the close. Unreached is
        # called once more; a dissatisfied citizen sends the case back to the officer
        # (返工), who handles it again and has it checked before the desk closes it again.
        # Only what is over before the end: history leaves no case reopened.
        a = self._after
        at = case.last_step_at + float(a.uniform(2 * 3600, 36 * 3600))
        if case.status == "closed" and a.random() < VISIT_SHARE and at < end - SETTLE_S:
            for attempt in range(2):
                result = str(a.choice(VISIT_RESULTS, p=VISIT_ODDS))
                if attempt == 1 and result == "unreached":
                    result = "satisfied"
                redo = at + turnout(a) + travel(a) + on_scene(a) + close_delay(a)
                if result == "dissatisfied" and redo >= end - SETTLE_S:
                    result = "basic"
                channel = str(a.choice(VISIT_CHANNELS))
                take(lifecycle.visit(case, DESK, at, channel, result))
                if result == "dissatisfied":
                    t = at + turnout(a) + travel(a)
                    take(lifecycle.arrive(case, FIELD, t, units[0]))
                    t += on_scene(a)
                    take(lifecycle.handle(case, FIELD, t))
                    check_at = t + close_delay(a) / 2
                    take(lifecycle.check(case, FIELD, check_at, "passed", unit=units[0]))
                    take(lifecycle.close(case, DESK, check_at + close_delay(a) / 2))
                if result != "unreached":
                    break
                at += float(a.uniform(3600, 6 * 3600))
                if at >= end - SETTLE_S:
                    break
        return PastCase(case_id, report, ts, case, tuple(events))

    def _duplicate(self, parent: PastCase) -> PastCase:
        """A second citizen's report of ``parent``'s matter, a few minutes later and a few
        metres away, from another channel; the desk merges it into ``parent`` as it
        triages it (hub/requests/duplicates.py: a ``merged`` row on the child, which then
        stays as reported, no separate work)."""
        a = self._after
        report = dict(parent.report)
        ts = parent.reported_at + float(a.uniform(120, 1800))
        others = [s for s in ("hotline", "snap", "grid") if s != report["source"]]
        report["source"] = others[int(a.integers(0, len(others)))]
        report["external_id"] = f"{report['external_id']}-dup"
        report["reported_at"] = ts
        # Within ~20 m: well inside the 50 m a duplicate is looked for.
        report["lat"] = float(report["lat"]) + float(a.uniform(-1.5e-4, 1.5e-4))
        report["lon"] = float(report["lon"]) + float(a.uniform(-1.5e-4, 1.5e-4))
        report.pop("merchant_id", None)
        case_id = self._case_id(ts)
        step = lifecycle.open_case(case_id, ts, FIELD, {"source": report["source"]})
        merged_at = ts + accept_delay(a)
        return PastCase(case_id, report, ts, step.case, tuple(step.events), parent.id, merged_at)

    def _officers(self, report: dict[str, Any]) -> tuple[str, ...]:
        """The township team's officer, and for a joint inspection a specialist too."""
        r = self._rng
        x, y = geo.to_xy(
            np.array([report["lon"]], dtype=np.float64), np.array([report["lat"]], dtype=np.float64)
        )
        # The township team of the place, by 500 m cell: history needs it for every
        # case, and the exact test against every zone was a third of its time.
        cell = (round(float(x[0]) / 500.0), round(float(y[0]) / 500.0))
        team = self._team_of_cell.get(cell)
        if team is None:
            team = self._sim._township_team_at(cell[0] * 500.0, cell[1] * 500.0)
            self._team_of_cell[cell] = team
        chosen = [self._pick(team)]
        cat = catalogue.CATEGORY_BY_NAME.get(report["category"])
        if cat is not None and cat.specialist and r.random() < 0.5:
            second = self._pick(self.world.team_index(cat.specialist))
            if second != chosen[0]:
                chosen.append(second)
        return tuple(chosen)

    def _pick(self, team: int) -> str:
        pool = self._team_persons[team]
        if len(pool) == 0:  # a tiny roster: anyone of the district
            pool = np.flatnonzero(np.ones(len(self._ids), dtype=np.bool_))
        return self._ids[int(pool[int(self._rng.integers(0, len(pool)))])]

    def _case_id(self, ts: float) -> str:
        """``WC<yymmdd>-9<second of day><n>``: the hub's shape (``WC<date>-<7 digits>``),
        in a range its live numbering (the event seq) does not reach."""
        local = datetime.datetime.fromtimestamp(ts, BEIJING)
        second = local.hour * 3600 + local.minute * 60 + local.second
        for n in range(10):
            case_id = f"WC{local:%y%m%d}-9{second:05d}{n}"
            if case_id not in self._used:
                self._used.add(case_id)
                return case_id
        raise RuntimeError(f"more than ten past cases in one second at {ts}")  # pragma: no cover


def case_rows(
    past: PastCase, limits: SlaLimits = ONE_THREE_FIFTEEN
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ``incidents`` row and the ``case_events`` rows the hub would have stored.

    As hub/ingest_store.py stores a report (GCJ-02 converted to WGS-84, the deadlines
    fixed at the report) and hub/cases.py a step (status, units, the clock's marks and
    the figure columns derived from them: ``case_figures``) and a
    miss (an ``sla_missed`` note stamped with the deadline; the hub's sweep records it
    within a second of it, before the late step, so ``done_at`` is null).
    """
    report = past.report
    lat, lon = float(report["lat"]), float(report["lon"])
    if report.get("datum") == "gcj02":
        lat, lon = gcj02_to_wgs84(lat, lon)
    ts = past.reported_at
    clock = SlaClock.from_events(ts, past.events, limits)
    last = past.events[-1].ts
    marks: SlaMarks = clock.marks(last)
    # A merged duplicate is no separate work: its clock is judged no more (hub/cases.py).
    marks.missed = (
        [] if past.parent is not None else [str(s) for s in STAGES if str(s) in marks.missed]
    )
    incident = {
        "id": past.id,
        "source": report["source"],
        "external_id": report["external_id"],
        "category": report["category"],
        "text": report.get("text", ""),
        "address": report.get("address", ""),
        "lat": lat,
        "lon": lon,
        "reporter": report.get("reporter"),
        "photos": list(report.get("photos", [])),
        "priority": int(report.get("priority", 3)),
        "status": past.case.status,
        "units": list(past.case.units),
        "merchant_id": report.get("merchant_id"),
        "reported_at": ts,
        "sla": msgspec.to_builtins(marks),
        "parent_id": past.parent,
        "merged": len(past.children),
    }
    # The columns the hub keeps from the marks and units (revision 0009), as its ORM
    # listeners would fill them.
    incident.update(case_figures(incident["sla"], incident["units"]))
    events: list[dict[str, Any]] = [
        {
            "incident_id": past.id,
            "kind": str(e.kind),
            "ts": e.ts,
            "actor": e.actor,
            "detail": dict(e.detail) or None,
        }
        for e in past.events
    ]
    events.extend(
        {
            "incident_id": past.id,
            "kind": SLA_MISSED_KIND,
            "ts": clock.deadline(stage),
            "actor": "hub",
            "detail": {"stage": str(stage), "done_at": None},
        }
        for stage in STAGES
        if str(stage) in marks.missed
    )
    # The desk's merges, as case.merge writes them (hub/requests/duplicates.py).
    if past.parent is not None and past.merged_at is not None:
        events.append(
            {
                "incident_id": past.id,
                "kind": MERGED_KIND,
                "ts": past.merged_at,
                "actor": SIM_NAME,
                "detail": {"into": past.parent, "asked": past.parent},
            }
        )
    events.extend(
        {
            "incident_id": past.id,
            "kind": MERGED_CHILD_KIND,
            "ts": at,
            "actor": SIM_NAME,
            "detail": {"case_id": child, "moved": [], "count": n + 2},
        }
        for n, (child, at) in enumerate(past.children)
    )
    # In the order the hub would have written them (the timeline reads by ts, then id).
    events.sort(key=lambda e: e["ts"])
    return incident, events
