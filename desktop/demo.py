"""``watchfloor demo``: an embedded hub on loopback, the Wucheng simulator, and the wall."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_data_dir

from desktop.gui import WallOptions, run_wall

if TYPE_CHECKING:
    from hub.simdriver import StorePrep

#: Days of past cases a demo's store holds, so the analytics have months at once.
HISTORY_DAYS = 90.0
DEMO_DB_NAME = "demo-hub.db"


def demo_folder() -> Path:
    folder = Path(user_data_dir("watchfloor", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def default_demo_db() -> str:
    return f"sqlite:///{demo_folder() / DEMO_DB_NAME}"


def fresh_demo_store(db_url: str, default_url: str) -> Path | None:
    """Move the demo's own store aside (``demo-hub.previous.db``, replacing an older
    one) so this run starts fresh; returns where it went. Only the default demo file:
    a store the user named with ``--db`` is theirs, never moved."""
    if db_url != default_url:
        return None
    path = Path(default_url.removeprefix("sqlite:///"))
    if not path.exists():
        return None
    aside = path.with_name(path.stem + ".previous" + path.suffix)
    # SQLite's write-ahead log belongs to the file: it moves with it, or is dropped.
    for suffix in ("", "-wal", "-shm"):
        old = Path(str(aside) + suffix)
        old.unlink(missing_ok=True)
    for suffix in ("", "-wal", "-shm"):
        part = Path(str(path) + suffix)
        if part.exists():
            part.replace(Path(str(aside) + suffix))
    return aside


def run_seed(args: argparse.Namespace) -> int:
    """``--seed``, else one from the clock: successive demos do not replay one day."""
    seed = getattr(args, "seed", None)
    return int(seed) if seed is not None else time.time_ns() % (2**31)


@dataclass(frozen=True, slots=True)
class DemoStore:
    """The store a demo runs on and the run's seed, once :func:`prepare_demo_store` made
    it look like a centre that has been running (``prep`` says what that took)."""

    db_url: str
    seed: int
    prep: StorePrep


def prepare_demo_store(args: argparse.Namespace, history_days: float = HISTORY_DAYS) -> DemoStore:
    """A fresh store (the last one moved aside) unless ``--keep`` or a ``--db`` of the
    user's, with ``history_days`` of past cases; on a kept store, what the earlier run
    left open finished or handed on, and the days it missed written
    (:func:`hub.simdriver.prepare_store`)."""
    from hub.simdriver import load_world, prepare_store

    default_url = default_demo_db()
    db_url = args.db or default_url
    if not getattr(args, "keep", False):
        aside = fresh_demo_store(db_url, default_url)
        if aside is not None:
            print(f"watchfloor demo: a fresh store; the last one is {aside}", file=sys.stderr)
    seed = run_seed(args)
    world = load_world(args.officers, vehicles=getattr(args, "vehicles", None))
    prep = prepare_store(db_url, world, seed, history_days)
    print(
        f"watchfloor demo: seed {seed}; {prep.history_cases} past cases written"
        f" in {prep.seconds:.1f} s; of the cases left open, {len(prep.finished)} finished"
        f" while the demo was off, {len(prep.left_open)} taken up now",
        file=sys.stderr,
    )
    return DemoStore(db_url, seed, prep)


def run_demo(args: argparse.Namespace) -> int:
    from hub.auth import TokenRegistry
    from hub.runtime import EmbeddedHub, HubRuntime
    from hub.service import HubConfig
    from hub.simdriver import WORLD_SEED, simulator_extra

    tokens, values = TokenRegistry.generate()
    store = prepare_demo_store(args)
    db_url, seed = store.db_url, store.seed
    vehicles = getattr(args, "vehicles", None)
    config = HubConfig(
        db_url=db_url,
        host="127.0.0.1",
        port=0,
        api_port=0,
        jt808_port=0,
        # --calendar (docs/casework.md); None: the shipped one.
        calendar=getattr(args, "working_calendar", None),
    )
    runtime = HubRuntime(
        config,
        tokens,
        [
            # A demo is judged at any hour: keep the daytime report rate around the clock.
            simulator_extra(
                officers=args.officers,
                diurnal=False,
                vehicles=vehicles,
                seed=seed,
                world_seed=WORLD_SEED,
            )
        ],
    )
    embedded = EmbeddedHub(runtime)
    embedded.start()
    # One line saying where real terminals can report (a device id of the roster is the
    # terminal's phone number).
    print(f"watchfloor demo: JT/T 808 gateway on {runtime.jt808_address}", file=sys.stderr)
    try:
        return run_wall(
            WallOptions(
                hub_url=runtime.stream_url,
                token=values["wall"],
                screenshot=args.screenshot,
                after=args.after,
                windowed=args.windowed,
                layout=getattr(args, "wall_layout", None),
                lang=args.lang,
            )
        )
    finally:
        embedded.stop()
