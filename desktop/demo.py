"""``watchfloor demo``: an embedded hub on loopback, the Wucheng simulator, and the wall."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from platformdirs import user_data_dir

from desktop.gui import WallOptions, run_wall


def default_demo_db() -> str:
    folder = Path(user_data_dir("watchfloor", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'demo-hub.db'}"


def run_demo(args: argparse.Namespace) -> int:
    from hub.auth import TokenRegistry
    from hub.runtime import EmbeddedHub, HubRuntime
    from hub.service import HubConfig
    from hub.simdriver import simulator_extra

    tokens, values = TokenRegistry.generate()
    config = HubConfig(
        db_url=args.db or default_demo_db(), host="127.0.0.1", port=0, api_port=0, jt808_port=0
    )
    runtime = HubRuntime(
        config,
        tokens,
        [
            # A demo is judged at any hour: keep the daytime report rate around the clock.
            simulator_extra(
                officers=args.officers, diurnal=False, vehicles=getattr(args, "vehicles", None)
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
