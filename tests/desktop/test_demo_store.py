"""``watchfloor demo``'s store and seed: fresh unless ``--keep``, a user's ``--db`` never
moved, and a new day of reports each run unless ``--seed``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select

from desktop.cli import build_parser
from desktop.demo import default_demo_db, prepare_demo_store, run_seed
from hub.simdriver import load_world
from hub.simulator import Simulator
from hub.store.models import Incident

NOW = 1_796_000_000.0


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # platformdirs puts the user data folder under XDG_DATA_HOME on Linux.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data"


def _args(*argv: str) -> argparse.Namespace:
    # A small roster keeps the world quick to build; the store logic is the same.
    return build_parser().parse_args(["demo", "--officers", "20", *argv])


def _ids(url: str) -> set[tuple[str, float]]:
    """The cases of a store, by id and report time (ids alone may repeat across runs)."""
    engine = create_engine(url)
    with engine.connect() as db:
        ids = {(str(i), float(t)) for i, t in db.execute(select(Incident.id, Incident.reported_at))}
    engine.dispose()
    return ids


def test_the_demo_flags_parse() -> None:
    plain = build_parser().parse_args(["demo"])
    assert plain.keep is False and plain.seed is None
    kept = build_parser().parse_args(["demo", "--keep", "--seed", "7"])
    assert kept.keep is True and kept.seed == 7


def test_each_start_is_fresh_unless_keep(data_home: Path) -> None:
    first = prepare_demo_store(_args(), history_days=3)
    assert first.db_url == default_demo_db()
    assert str(data_home) in first.db_url
    past = _ids(first.db_url)
    assert first.prep.history_cases == len(past) > 3 * 150

    kept = prepare_demo_store(_args("--keep"), history_days=3)
    # The same store, nothing written twice: its history reaches up to its last step, so
    # only a quiet stretch after that (often none; a few reports at night) is new.
    assert kept.db_url == first.db_url
    added = _ids(kept.db_url) - past
    assert _ids(kept.db_url) >= past and kept.prep.history_cases == len(added) < 10
    assert all(t > max(t0 for _, t0 in past) for _, t in added)

    fresh = prepare_demo_store(_args(), history_days=3)
    now = _ids(fresh.db_url)
    assert now and not now & (past | added)  # a new store, another run's history
    aside = data_home / "watchfloor" / "demo-hub.previous.db"
    assert _ids(f"sqlite:///{aside}") == past | added


def test_a_store_the_user_names_is_never_moved(tmp_path: Path, data_home: Path) -> None:
    mine = f"sqlite:///{tmp_path / 'mine.db'}"
    first = prepare_demo_store(_args("--db", mine), history_days=2)
    past = _ids(mine)
    assert len(past) == first.prep.history_cases
    again = prepare_demo_store(_args("--db", mine), history_days=2)
    # Without --keep too: carried on, not moved aside or emptied.
    assert again.db_url == first.db_url == mine
    assert (tmp_path / "mine.db").exists() and not list(tmp_path.glob("mine.previous*"))
    engine = create_engine(mine)
    with engine.connect() as db:
        # Everything of the first run is there; the second adds only the reports of the
        # quiet stretch between the first's last step and its own history's end (often
        # none; a few at night, when the first run's last reports came early).
        stored = db.scalar(select(func.count()).select_from(Incident))
        assert stored == first.prep.history_cases + again.prep.history_cases
    engine.dispose()
    assert _ids(mine) >= past


def _first_report(seed: int) -> dict[str, Any]:
    sim = Simulator(load_world(20), seed=seed, incident_rate_per_hour=600.0, diurnal=False)
    t = NOW
    while True:
        t += 1.0
        step = sim.step(t, 1.0)
        if step.reports:
            return step.reports[0]


def test_two_runs_do_not_begin_with_the_same_case() -> None:
    seeds = {run_seed(argparse.Namespace(seed=None)) for _ in range(3)}
    assert len(seeds) == 3
    firsts = [_first_report(s) for s in seeds]
    places = {(r["category"], r["address"], r["text"]) for r in firsts}
    assert len(places) == 3
    # --seed gives the same run again (to show or debug one day).
    assert run_seed(argparse.Namespace(seed=5)) == 5
    again = [_first_report(5) for _ in range(2)]
    assert again[0]["text"] == again[1]["text"] and again[0]["address"] == again[1]["address"]
