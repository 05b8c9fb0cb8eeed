"""A case's figure columns and the kept day figures behind ``stats.query``, on SQLite and
PostgreSQL: revision 0009 fills the columns of cases stored before it from their JSON;
the hub keeps them equal to the JSON as cases change (a report, a step, a miss recorded
by the 1-3-15 sweep, a close); and the figures kept for a past day are read again once a
case of that day changes, so an answer never shows a case as it was.
"""

from __future__ import annotations

import json
import math
import random
import statistics
import time
from typing import Any

import msgspec
import numpy as np
import pytest
from alembic import command
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from backend_client.protocol.ops import StatsAnswer, StatsArgs
from hub.domain.classes import shipped_catalogue
from hub.requests.stats import stats
from hub.store.db import _alembic_config, make_engine, upgrade_schema
from hub.store.models import CaseDayFigures, Incident
from tests.hub.test_stats import _move_case
from tests.support.hubs import LiveHub, report

DAY = 86400.0
LOCAL = 8 * 3600.0
FIGURES = (
    "accept_by",
    "move_by",
    "handle_by",
    "accepted_at",
    "moving_at",
    "handled_at",
    "missed_accept",
    "missed_move",
    "missed_handle",
    "first_unit",
)

# Cases as a hub before revision 0009 stored them, and the columns 0009 must give them
# (written out by hand from the JSON).
OLD_CASES: list[tuple[str, dict[str, Any] | None, list[str], tuple[Any, ...]]] = [
    (
        "old-done",
        {
            "accept_by": 1060.0,
            "move_by": 1180.0,
            "handle_by": 1900.0,
            "accepted_at": 1030.5,
            "moving_at": 1200.0,
            "handled_at": 1700.0,
            "missed": ["move"],
        },
        ["U003", "U000"],
        (1060.0, 1180.0, 1900.0, 1030.5, 1200.0, 1700.0, False, True, False, "U003"),
    ),
    (
        "old-untouched",
        {
            "accept_by": 2060.0,
            "move_by": 2180.0,
            "handle_by": 2900.0,
            "missed": ["accept", "move", "handle"],
        },
        [],
        (2060.0, 2180.0, 2900.0, None, None, None, True, True, True, None),
    ),
    (
        "old-open",
        {"accept_by": 3060.0, "move_by": 3180.0, "handle_by": 3900.0, "accepted_at": 3010.0},
        [],
        (3060.0, 3180.0, 3900.0, 3010.0, None, None, False, False, False, None),
    ),
    # Stored without marks (not on the clock).
    ("old-nomarks", None, [], (None,) * 6 + (False, False, False, None)),
]


def _columns(engine: Any, case_id: str) -> tuple[Any, ...]:
    with Session(engine) as session:
        row = session.get(Incident, case_id)
        assert row is not None
        return tuple(
            bool(getattr(row, n)) if n.startswith("missed_") else getattr(row, n) for n in FIGURES
        )


def test_revision_0009_fills_the_columns_from_the_json_of_stored_cases(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "0008")
            for case_id, sla, units, _ in OLD_CASES:
                connection.execute(
                    text(
                        "INSERT INTO incidents (id, source, external_id, category, text, "
                        "address, priority, status, units, reported_at, sla) VALUES "
                        "(:id, 'hotline', :id, '占道经营', '', '', 3, 'reported', :units, "
                        "1000, :sla)"
                    ),
                    # What the JSON column held: JSON text ('null' for no marks).
                    {"id": case_id, "units": json.dumps(units), "sla": json.dumps(sla)},
                )
        upgrade_schema(engine)
        for case_id, _sla, _units, expected in OLD_CASES:
            assert _columns(engine, case_id) == expected, case_id
        # And back: 0008's table again, the cases kept.
        with engine.begin() as connection:
            command.downgrade(_alembic_config(connection), "0008")
        with engine.connect() as connection:
            names = {c["name"] for c in _inspect_columns(connection)}
            assert not names & set(FIGURES)
            assert connection.execute(text("SELECT count(*) FROM incidents")).scalar_one() == 4
    finally:
        engine.dispose()


def _inspect_columns(connection: Any) -> list[Any]:
    from sqlalchemy import inspect

    return list(inspect(connection).get_columns("incidents"))


def _stored_json(engine: Any, case_id: str) -> tuple[Any, ...]:
    """The columns as the stored JSON says, worked out here from the marks."""
    with Session(engine) as session:
        row = session.get(Incident, case_id)
        assert row is not None and row.sla is not None
        sla, units = dict(row.sla), list(row.units)
    times = tuple(sla.get(n) for n in FIGURES[:6])
    missed = tuple(stage in sla.get("missed", []) for stage in ("accept", "move", "handle"))
    return (*times, *missed, units[0] if units else None)


def test_the_columns_follow_the_case_through_a_miss_recorded_by_the_sweep_and_a_close(
    db_url: str,
) -> None:
    hub = LiveHub(db_url).start()
    try:
        status, answer = hub.post("/api/v1/reports", report("figures-1"))
        assert status == 201
        case_id = str(answer["id"])
        engine = hub.hub.engine
        reported = hub.hub.state.incidents[case_id].reported_at
        columns = _columns(engine, case_id)
        assert columns == _stored_json(engine, case_id)
        assert columns[6:] == (False, False, False, None)

        # Nobody accepts it: the sweep records the acceptance missed.
        missed = hub.run(hub.hub.sweep_sla(reported + 100))
        assert missed == [(case_id, ("accept",))]
        assert _columns(engine, case_id)[6:] == (True, False, False, None)
        assert _columns(engine, case_id) == _stored_json(engine, case_id)

        for action, after, units in (
            ("dispatch", 120, ("U003", "U000")),
            ("moving", 150, ("U003",)),
            ("arrive", 400, ("U003",)),
            ("handle", 700, ()),
            ("check", 800, ()),  # issue 18: no close without a passed 核查
            ("close", 900, ()),
        ):
            result = "passed" if action == "check" else ""
            hub.run(
                hub.hub.apply_case_action(
                    case_id, action, "调度员", reported + after, units, result=result
                )
            )
            assert _columns(engine, case_id) == _stored_json(engine, case_id), action
        columns = _columns(engine, case_id)
        assert columns[3:6] == (
            pytest.approx(reported + 120),  # dispatching a reported case accepts it
            pytest.approx(reported + 150),
            pytest.approx(reported + 700),
        )
        assert columns[6:] == (True, False, False, "U003")
        with Session(engine) as session:
            row = session.get(Incident, case_id)
            assert row is not None and row.status == "closed"
    finally:
        hub.stop()


def _local_midnight(days_ago: int) -> float:
    today = math.floor((time.time() + LOCAL) / DAY)
    return (today - days_ago) * DAY - LOCAL


def _ask(hub: LiveHub, start: float, end: float, group: str) -> StatsAnswer:
    with Session(hub.hub.engine) as session:
        return stats(session, StatsArgs(start=start, end=end, group=group), time.time())  # type: ignore[arg-type]


def test_a_kept_day_is_read_again_when_one_of_its_cases_changes(db_url: str) -> None:
    hub = LiveHub(db_url).start()
    try:
        d0 = _local_midnight(5)
        start, end = d0 - 2 * DAY, d0 + 3 * DAY
        ids = []
        for n, (source, at) in enumerate((("hotline", 10.0), ("snap", 12.0), ("grid", 30.0))):
            status, answer = hub.post("/api/v1/reports", report(f"kept-{n}", source=source))
            assert status == 201
            case_id = str(answer["id"])
            reported = hub.hub.state.incidents[case_id].reported_at
            hub.run(hub.hub.apply_case_action(case_id, "accept", "调度员", reported + 20))
            hub.run(hub.hub.writer.submit(_move_case(case_id, d0 + at * 3600 - reported)))
            ids.append(case_id)

        first = _ask(hub, start, end, "source")
        # Days 0 and 1 of the cases are past and settled: kept, for every grouping.
        with Session(hub.hub.engine) as session:
            kept = session.execute(select(CaseDayFigures.day, CaseDayFigures.grp)).all()
        day0 = math.floor((d0 + LOCAL) / DAY)
        assert {(day0, g) for g in ("source", "category", "team", "day", "stage")} <= set(kept)
        assert [(r.key, r.received, r.due, r.closed) for r in first.rows] == [
            ("grid", 1, 1, 0),
            ("hotline", 1, 1, 0),
            ("snap", 1, 1, 0),
        ]
        # The same answer from the kept figures.
        again = _ask(hub, start, end, "source")
        assert again.rows == first.rows and again.total == first.total

        # The hotline case of day 0 is handled and closed (late): its day is read again.
        reported = d0 + 10 * 3600
        hub.run(hub.hub.apply_case_action(ids[0], "dispatch", "调度员", reported + 30, ("U000",)))
        hub.run(hub.hub.apply_case_action(ids[0], "moving", "调度员", reported + 100, ("U000",)))
        hub.run(hub.hub.apply_case_action(ids[0], "arrive", "调度员", reported + 300, ("U000",)))
        hub.run(hub.hub.apply_case_action(ids[0], "handle", "调度员", reported + 1200))
        hub.run(
            hub.hub.apply_case_action(ids[0], "check", "警员", reported + 1250, result="passed")
        )
        hub.run(hub.hub.apply_case_action(ids[0], "close", "调度员", reported + 1300))
        after = _ask(hub, start, end, "source")
        hotline = next(r for r in after.rows if r.key == "hotline")
        assert (hotline.received, hotline.due, hotline.closed, hotline.closed_on_time) == (
            1,
            1,
            1,
            0,
        )
        handle = next(s for s in hotline.stages if s.stage == "handle")
        assert (handle.met, handle.missed) == (0, 1)
        assert handle.median_s == pytest.approx(1200.0)
        by_team = _ask(hub, start, end, "team")
        assert {r.key: r.received for r in by_team.rows} == {"": 2, "T-CD": 1}
        # The kept figures and the cases agree: a fresh read (nothing kept) answers the same.
        with Session(hub.hub.engine) as session:
            session.execute(delete(CaseDayFigures))
            session.commit()
        fresh = _ask(hub, start, end, "source")
        assert msgspec.to_builtins(fresh.rows) == msgspec.to_builtins(after.rows)
    finally:
        hub.stop()


def test_a_period_median_from_binned_days_is_the_exact_median() -> None:
    # A year's medians are found from the durations' bins (hub/requests/stats.py); they
    # must be statistics.median's, whatever the bins: middle ranks in one bin or in two,
    # durations on a bin's edge, negative (a device's clock), huge, or not done (NaN).
    from hub.requests.stats import EDGES, _binned_medians, _bins

    rng = random.Random(17)
    edges = [float(e) for e in EDGES[1:]]
    for trial in range(200):
        keys = rng.randint(1, 6)
        owner, seconds = [], []
        for _ in range(rng.randint(0, 60)):
            owner.append(rng.randrange(keys))
            pick = rng.random()
            if pick < 0.1:
                seconds.append(math.nan)
            elif pick < 0.3:
                seconds.append(rng.choice(edges))
            elif pick < 0.35:
                seconds.append(rng.uniform(-30, 0))
            elif pick < 0.4:
                seconds.append(rng.uniform(1e7, 1e8))
            else:
                # Ties (the two middle ranks equal), the first few bins, spread wide.
                tie = rng.choice([30.0, 40.0, 35.5])
                low = rng.uniform(-1, 2)
                seconds.append((tie, low, rng.expovariate(0.01))[trial % 3])
        values = np.array(seconds, dtype=np.float64)
        who = np.array(owner, dtype=np.int32)
        found = _binned_medians(values, _bins(values), who, keys)
        for key in range(keys):
            done = [
                s for s, k in zip(seconds, owner, strict=True) if k == key and not math.isnan(s)
            ]
            if done:
                assert found[key] == statistics.median(done), (trial, key)
            else:
                assert math.isnan(found[key])
        overall = [s for s in seconds if not math.isnan(s)]
        alone = _binned_medians(values, _bins(values), None, 1)[0]
        if overall:
            assert alone == statistics.median(overall), trial
        else:
            assert math.isnan(alone)


def _builtins(answer: StatsAnswer) -> Any:
    return msgspec.to_builtins(answer)


def test_merged_settled_days_answer_as_the_cases_do_for_every_grouping(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The settled days of a period are merged once and kept in memory; what is read from
    # the cases now is added to them. Every grouping, 大类 with its 小类 included, must
    # answer exactly as merging every day again, before and after a case of a settled
    # day changes, and with windows so small that the middle of a union falls outside
    # them (then the whole period is merged).
    from hub.requests import stats as module

    module.forget_summaries()
    hub = LiveHub(db_url).start()
    try:
        d0 = _local_midnight(6)
        # A period starting mid-day: its first day is read from the cases every time.
        start, end = d0 - 0.5 * DAY, d0 + 5 * DAY
        plan = [
            ("hotline", "占道经营", 0, 9.0, 25.0),
            ("snap", "油烟扰民", 0, 11.0, 70.0),
            ("grid", "违规广告", 1, 10.0, 15.0),
            ("hotline", "露天烧烤", 1, 16.0, 40.0),
            ("patrol", "违章停车", 2, 8.0, 55.0),
            ("snap", "油烟扰民", 2, 20.0, 33.0),
            ("hotline", "占道经营", 3, 13.0, 90.0),
            ("grid", "露天烧烤", -0.2, 0.0, 12.0),  # in the partial first day
        ]
        ids = []
        for n, (source, category, day, hour, accept_after) in enumerate(plan):
            status, answer = hub.post(
                "/api/v1/reports", report(f"merged-{n}", source=source, category=category)
            )
            assert status == 201, answer
            case_id = str(answer["id"])
            reported = hub.hub.state.incidents[case_id].reported_at
            hub.run(hub.hub.apply_case_action(case_id, "accept", "调度员", reported + accept_after))
            at = d0 + day * DAY + hour * 3600
            hub.run(hub.hub.writer.submit(_move_case(case_id, at - reported)))
            ids.append(case_id)

        groups = ("source", "category", "team", "day", "stage", "class_group")

        def ask(group: str, now: float, cached: bool = True) -> StatsAnswer:
            with Session(hub.hub.engine) as session:
                args = StatsArgs(start=start, end=end, group=group)  # type: ignore[arg-type]
                return stats(session, args, now, cached=cached)

        def check() -> dict[str, StatsAnswer]:
            answers = {}
            now = time.time()
            for group in groups:
                first = ask(group, now)
                again = ask(group, now)  # from the merged days in memory
                whole = ask(group, now, cached=False)
                assert _builtins(again) == _builtins(first), group
                assert _builtins(first) == _builtins(whole), group
                answers[group] = first
            return answers

        before = check()
        assert module._summaries, "the settled days were merged and kept"
        classes = before["class_group"]
        assert [r.key for r in classes.rows] == ["06", "07", "09"]
        names = shipped_catalogue()
        assert {c.key: c.received for c in classes.rows[0].children} == {
            names.resolve("油烟扰民").name: 2,  # stored under the catalogue's name
            names.resolve("露天烧烤").name: 2,
        }
        hot = next(s for s in classes.rows[0].stages if s.stage == "accept")
        assert hot.median_s == pytest.approx(36.5)  # of 70, 40, 33, 12

        # A case of a settled day changes (the 油烟扰民 of day 2 is dispatched and its
        # officer moves late): its day is read again, and only the new figures answer.
        reported = d0 + 2 * DAY + 20 * 3600
        hub.run(hub.hub.apply_case_action(ids[5], "dispatch", "调度员", reported + 40, ("U000",)))
        hub.run(hub.hub.apply_case_action(ids[5], "moving", "调度员", reported + 400, ("U000",)))
        after = check()
        market = next(r for r in after["class_group"].rows if r.key == "06")
        move = next(s for s in market.stages if s.stage == "move")
        assert (move.met, move.missed) == (0, 4) and move.median_s == pytest.approx(400.0)
        assert {r.key: r.received for r in after["team"].rows}["T-CD"] == 1

        # Windows of the middle ranks alone: those of the union with the first day's case
        # fall outside them; the whole period is merged, and answers the same.
        monkeypatch.setattr(module, "WINDOW", 0)
        module.forget_summaries()
        merges: list[int] = []
        merge = module._merge

        def counted(parts: Any) -> Any:
            merges.append(1)
            return merge(parts)

        monkeypatch.setattr(module, "_merge", counted)
        ask("source", time.time())
        assert merges, "the whole period was merged"
        check()
        # Nothing kept anywhere: the cases alone give the same figures.
        with Session(hub.hub.engine) as session:
            session.execute(delete(CaseDayFigures))
            session.commit()
        module.forget_summaries()
        for group in groups:
            assert (
                _builtins(_ask(hub, start, end, group))["rows"] == _builtins(after[group])["rows"]
            ), group
    finally:
        hub.stop()
        module.forget_summaries()


def test_the_median_of_kept_and_new_durations_is_the_exact_median(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A summary keeps each key's sorted durations around their middle only; the median
    # of those with the ones read now must be statistics.median's of all of them, or
    # say that the window is too narrow (then the period is merged whole).
    from hub.requests import stats as module

    rng = random.Random(18)
    answered = refused = 0
    for trial in range(600):
        monkeypatch.setattr(module, "WINDOW", rng.choice([0, 1, 2, 5, 64]))
        kept = [
            rng.choice([rng.uniform(0, 900), float(rng.randint(0, 20))])
            for _ in range(rng.randint(0, 80))
        ]
        now = [rng.choice([rng.uniform(-5, 2000), 10.0]) for _ in range(rng.randint(0, 12))]
        summary = module._Sorted(np.array(kept)) if kept or trial % 2 else None
        try:
            found = module._union_median(summary, np.array(now))
        except module._NeedsAll:
            refused += 1
            assert len(now) > module.WINDOW // 2, trial  # only when the window is short
            continue
        answered += 1
        if kept or now:
            assert found == statistics.median(kept + now), trial
        else:
            assert math.isnan(found)
    assert answered > 200 and refused > 0
