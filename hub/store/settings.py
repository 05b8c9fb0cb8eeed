"""Small values the hub keeps for itself in ``hub_settings``, made on first use.

Several hubs may start on one store at once (a cluster's nodes): the first to commit a
value wins and the others read it back, so every node ends up with the same one.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.store.models import HubSetting

#: Names the event log; a new store (or a log started anew) gets a new one, and a client
#: whose ``since`` was counted under another epoch is answered with a snapshot.
EPOCH_SETTING = "stream_epoch"
#: The highest ``seq`` the log ever handed out when rows were deleted from its end
#: (revision 0008 took the old position batches out): numbering continues above it.
SEQ_FLOOR_SETTING = "events_seq_floor"


def stored_setting(engine: Engine, name: str, make: Callable[[], str]) -> str:
    """The setting ``name``, stored as ``make()`` if there is none yet (blocking)."""
    for _ in range(2):
        with Session(engine) as session:
            row = session.get(HubSetting, name)
            if row is not None:
                return row.value
            session.add(HubSetting(name=name, value=make()))
            try:
                session.commit()
            except IntegrityError:  # another hub on the same store made it first
                session.rollback()
    with Session(engine) as session:
        row = session.get(HubSetting, name)
        assert row is not None
        return row.value


def new_epoch() -> str:
    return secrets.token_hex(8)


def seq_floor(session: Session) -> int:
    row = session.get(HubSetting, SEQ_FLOOR_SETTING)
    return int(row.value) if row is not None else 0
