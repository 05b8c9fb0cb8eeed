"""Sequence, resume and gap logic of a stream client.

The hub numbers every stored event; a client applies each exactly once and in order.
:class:`SequenceTracker` decides, for every incoming ``seq``, whether to apply it, drop it
as a duplicate, or stop and ask the hub again from the last applied ``seq`` (a gap).
It holds no I/O: the transport asks it what to do and does it.
"""

from __future__ import annotations

import enum


class Decision(enum.Enum):
    APPLY = "apply"
    DUPLICATE = "duplicate"
    GAP = "gap"


class SequenceTracker:
    """Tracks the last applied ``seq`` of one stream.

    ``last`` is ``None`` until a snapshot (or the first resumed event) has been applied.
    While a gap is being repaired (``resyncing``) every live event is held back by the
    caller: it asks for a resume and waits for the answer.
    """

    def __init__(self, last: int | None = None) -> None:
        self.last: int | None = last
        self.resyncing = False
        self.gaps = 0
        self.duplicates = 0

    def on_snapshot(self, seq: int) -> None:
        """A snapshot replaces all state: it is valid at ``seq``."""
        self.last = seq
        self.resyncing = False

    def on_event(self, seq: int) -> Decision:
        """Decide what to do with a stored event numbered ``seq``."""
        if self.last is None:
            # Nothing applied yet: only a snapshot can establish where we are, unless the
            # hub resumed us from seq 0 (an empty store), where seq 1 is the first event.
            if seq == 1:
                return Decision.APPLY
            return self._gap()
        if seq <= self.last:
            self.duplicates += 1
            return Decision.DUPLICATE
        if seq == self.last + 1:
            return Decision.APPLY
        return self._gap()

    def applied(self, seq: int) -> None:
        self.last = seq
        self.resyncing = False

    def on_heartbeat(self, hub_seq: int) -> Decision:
        """A heartbeat carries the hub's latest seq; being behind it means events were lost."""
        if self.last is not None and hub_seq <= self.last:
            return Decision.APPLY
        if self.last is None and hub_seq == 0:
            return Decision.APPLY
        return self._gap()

    def _gap(self) -> Decision:
        if not self.resyncing:
            self.gaps += 1
        self.resyncing = True
        return Decision.GAP

    @property
    def resume_from(self) -> int | None:
        """The ``since`` to put in the next ``hello``."""
        return self.last
