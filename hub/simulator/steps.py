"""What one step of the simulator hands the hub: fixes, reports, case actions, statuses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.str_]

ActionName = Literal["accept", "dispatch", "arrive", "handle", "check", "close"]
UnitStatus = Literal["available", "busy", "en_route", "on_scene", "off_duty"]
Source = Literal["hotline", "snap", "grid", "patrol"]


@dataclass(frozen=True)
class Fixes:
    """Latest fix of every officer whose device is on (off-duty devices are silent)."""

    ts: float
    index: IntArray  # into ``world.officers``
    ids: StrArray
    lat: FloatArray
    lon: FloatArray
    speed: FloatArray  # m/s
    heading: FloatArray  # degrees clockwise from north

    def __len__(self) -> int:
        return len(self.index)


@dataclass(frozen=True)
class Action:
    """One step of the officers' side of a case, for the hub to apply to its record."""

    incident_id: str
    action: ActionName
    officer_ids: tuple[str, ...]
    ts: float


@dataclass(frozen=True)
class StatusChange:
    officer_id: str
    status: UnitStatus
    ts: float
    incident_id: str | None = None  # set while the officer works a case


@dataclass(frozen=True)
class SimStep:
    now: float
    fixes: Fixes
    reports: list[dict[str, Any]]
    actions: list[Action]
    status_changes: list[StatusChange]
