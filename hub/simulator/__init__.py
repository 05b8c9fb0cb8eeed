"""Wucheng district simulator: officers on patrol, citizens' reports, the 1-3-15 clock.

Pure and deterministic given a seed: no I/O after ``WuchengWorld.load`` reads the
geography, no clock (time is passed in), no threads. The hub drives it and applies what
``Simulator.step`` returns.
"""

from hub.simulator.sim import Action, Fixes, SimStep, Simulator, StatusChange
from hub.simulator.world import Merchant, Officer, Team, Township, WuchengWorld

__all__ = [
    "Action",
    "Fixes",
    "Merchant",
    "Officer",
    "SimStep",
    "Simulator",
    "StatusChange",
    "Team",
    "Township",
    "WuchengWorld",
]
