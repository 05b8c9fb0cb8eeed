"""Cold start of the real ``watchfloor wall`` against a running hub, on four offscreen
screens: the map gets live data first, the other panels follow, the start-up objects are
frozen out of the collector, and the program leaves without QtWebEngine's warnings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.desktop.test_wall_screens import REPO, screens_config
from tests.support.hubs import LiveHub

pytestmark = pytest.mark.webengine

#: The budget is 3 s (issue 6) on a wall PC; a shared CI box gets slack so this test
#: catches a regression (seconds more), not the machine's load. Figures: the report.
FIRST_FRAME_LIMIT_S = 8.0


def test_cold_start_paints_live_map_first_then_the_rest(tmp_path: Path, hub: LiveHub) -> None:
    hub.move(1)  # officers with positions: the first frame is a live one
    config = screens_config(tmp_path / "screens.json", ["0-left", "1-center", "2-right", "3-desk"])
    shots = tmp_path / "shots"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop.cli",
            "wall",
            "--hub",
            f"ws://127.0.0.1:{hub.port}",
            "--token",
            hub.token["wall"],
            "--layout",
            "wall-3x1-desk",  # a bare name: found among the shipped layouts
            "--screenshot",
            str(shots),
            "--after",
            "6",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=dict(
            os.environ,
            QT_QPA_PLATFORM=f"offscreen:configfile={config}",
            WATCHFLOOR_CONFIG_DIR=str(tmp_path / "cfg"),
            WATCHFLOOR_LOG_DIR=str(tmp_path / "log"),
        ),
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "still not deleted" not in done.stderr
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    manifest = json.loads((shots / "wall-layout.json").read_text(encoding="utf-8"))
    t = manifest["timings"]
    assert t["first_live_map_frame_s"] <= FIRST_FRAME_LIMIT_S, t
    # Queue, KPIs, alerts and situation are built after the map showed live data ...
    assert t["first_live_map_frame_s"] <= t["panels_built_s"], t
    # ... and the collector's freeze waits for both the snapshot and those panels.
    assert t["snapshot_s"] <= t["gc_frozen_s"] and t["panels_built_s"] <= t["gc_frozen_s"], t
    screens = manifest["screens"]
    assert screens["0-left"]["panels"] == ["clock", "queue", "ticker"]
    assert screens["2-right"]["panels"] == ["kpi", "alerts", "situation"]
    assert all(not s["failed"] for s in screens.values())
