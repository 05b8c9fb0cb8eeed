"""The simulator's state, shared by its parts (movement, case handling, reports).

Officers are numpy arrays indexed like ``world.officers``, each in one of the states
below (int8 codes so the hot loop stays in numpy); incidents are few and kept as small
Python objects. :class:`SimState` only declares the attributes: ``Simulator.__init__``
sets them, and each part (a mixin of ``Simulator``) reads and writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from hub.simulator.steps import FloatArray, IntArray, Source, StatusChange, StrArray, UnitStatus
from hub.simulator.world import WuchengWorld

# Officer states.
OFF, PATROL, DWELL, TURNOUT, TO_SCENE, ON_SCENE, RETURN = range(7)
AVAILABLE_STATES = (PATROL, DWELL, RETURN)
MOVING_STATES = (PATROL, TO_SCENE, RETURN)

STATUS_OF: dict[int, UnitStatus] = {
    OFF: "off_duty",
    PATROL: "available",
    DWELL: "available",
    RETURN: "available",
    TURNOUT: "busy",
    TO_SCENE: "en_route",
    ON_SCENE: "on_scene",
}

ARRIVE_RADIUS_M = 15.0
# Foot patrols sent further than this take a team e-bike: nobody walks 2 km to a case.
WALK_DISPATCH_LIMIT_M = 600.0


@dataclass
class CasePlan:
    """How the officers' side will answer one incident, and how far it has got."""

    id: str
    x: float
    y: float
    reported_at: float
    township_team: int
    specialist_team: int | None
    accept_at: float
    dispatch_delay: float
    on_scene_s: float
    close_delay: float
    accepted: bool = False
    dispatched: bool = False
    dispatch_at: float | None = None
    officers: list[int] = field(default_factory=list)
    arrived: set[int] = field(default_factory=set)
    first_arrival: float | None = None
    handle_at: float | None = None
    handled: bool = False
    close_at: float | None = None


class SimState:
    """The attributes every part of the simulator shares (set by ``Simulator``)."""

    world: WuchengWorld
    rate: float
    diurnal: bool
    snap_datum: Literal["wgs84", "gcj02"]
    # Three independent random streams: movement, reports, case handling.
    _rng: np.random.Generator
    _rrng: np.random.Generator
    _crng: np.random.Generator
    _sources: list[Source]
    _source_p: FloatArray

    # Officers, one entry each.
    _ids: StrArray
    _index: dict[str, int]
    _person: npt.NDArray[np.bool_]
    x: FloatArray
    y: FloatArray
    node: IntArray  # the waypoint an officer on patrol is heading for
    tx: FloatArray
    ty: FloatArray
    cruise: FloatArray
    speed: FloatArray
    heading: FloatArray
    state: npt.NDArray[np.int8]
    until: FloatArray  # end of a dwell or a turnout
    case_of: IntArray  # index into ``_case_list``, -1 for none
    _speed_out: FloatArray
    # Duty spells.
    _off_share: float
    _on_mean: float
    _off_mean: float
    duty_at: FloatArray
    _duty_started: bool

    # Cases and time.
    _cases: dict[str, CasePlan]
    _case_list: list[str]
    _t: float | None
    _t0: float
    _pending_status: list[StatusChange]

    # Reports.
    _seq: dict[str, int]
    #: When this run began (its first step): in every external id, so that a demo started
    #: again on the same store sends new reports, not retries of the last run's.
    _run_start: float | None
    _grid_workers: dict[str, list[tuple[str, str]]]
    _photos: dict[str, list[str]]
    _cat_p: FloatArray
    _shops_by_kind: dict[str, IntArray]
    _mx: FloatArray
    _my: FloatArray
