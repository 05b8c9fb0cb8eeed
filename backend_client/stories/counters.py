"""Who counts as 警力 (people, not vehicles), and the wall header's head counts: Qt-free.

An enforcement vehicle is a unit on the wire like an officer (it has a position, a status,
a track), but the floor counts people: the header's "officers on duty", the KPI chart of
officers by status and the desk's recommendations never include a car. That rule is
written once, here (:func:`is_person`), and every count uses it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from backend_client.protocol.messages import NOT_OPEN_STATUSES, Unit
from backend_client.state import FeedState
from backend_client.stories.events import Emitter

#: Statuses of an officer who is not on duty: everything else (available, en route, on
#: scene, busy) is counted as on duty.
OFF_DUTY: Final = frozenset({"off_duty", "offline"})


def is_person(unit: Unit) -> bool:
    """Whether ``unit`` is an officer (a person), not an enforcement vehicle."""
    return unit.kind != "vehicle"


def people(units: Iterable[Unit]) -> list[Unit]:
    """The officers among ``units``, in their order; vehicles left out."""
    return [unit for unit in units if is_person(unit)]


@dataclass(frozen=True, slots=True)
class HeadCount:
    """The header's two figures."""

    on_duty: int
    open_cases: int


def head_count(state: FeedState) -> HeadCount:
    """Officers on duty (people only) and cases not yet closed, as the feed knows them."""
    on_duty = sum(1 for unit in people(state.units.values()) if unit.status not in OFF_DUTY)
    # A case merged into another (``parent_id``) is part of its parent's work, not its own.
    # Closed, void (作废) and suspended (挂账) cases are nobody's open work.
    open_cases = sum(
        1
        for i in state.incidents.values()
        if i.status not in NOT_OPEN_STATUSES and i.parent_id is None
    )
    return HeadCount(on_duty, open_cases)


class HeaderCounters:
    """The head counts as a model: :meth:`refresh` recounts from the feed state and emits
    ``changed`` only when a figure moved, so a header redraws only then."""

    def __init__(self, state: FeedState) -> None:
        self._state = state
        self.changed: Emitter[HeadCount] = Emitter()
        self.count = head_count(state)

    def refresh(self) -> HeadCount:
        count = head_count(self._state)
        if count != self.count:
            self.count = count
            self.changed.emit(count)
        return count
