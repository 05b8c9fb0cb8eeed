"""The working calendar the deadline tests count on, and a hub started with it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from hub.domain.calendar import CHINA_TZ, load_calendar
from tests.support.hubs import LiveHub

#: A calendar of its own (the hub's --calendar): in 2027, a two-day holiday on Monday 1
#: and Tuesday 2 March with a make-up working Saturday (27 February) before it.
TEST_CALENDAR = """
[hours]
periods = ["08:30-12:00", "13:30-17:30"]
weekend = ["sat", "sun"]

[[year]]
year = 2027
source = "a test's own notice"

[[holiday]]
name = "测试假"
from = 2027-03-01
to = 2027-03-02
work = [2027-02-27]
"""


def at(text: str) -> float:
    """``"2027-03-05 16:30"`` in China Standard Time, as epoch seconds."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=CHINA_TZ).timestamp()


def hub_on_calendar(
    db: str | Path, tmp_path: Path, calendar: str = TEST_CALENDAR
) -> Iterator[LiveHub]:
    """A fixture's body: a hub counting deadlines on ``calendar``, stopped after."""
    path = tmp_path / "calendar.toml"
    path.write_text(calendar, encoding="utf-8")
    hub = LiveHub(db, calendar=load_calendar(path)).start()
    yield hub
    hub.stop()
