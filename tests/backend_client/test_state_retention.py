"""A wall runs for days: closed cases leave the live state, open ones never do."""

from __future__ import annotations

from backend_client.protocol.messages import Incident, IncidentNew, IncidentUpdate, Ticker
from backend_client.state import CLOSED_RETENTION_S, PRUNE_EVERY_S, FeedState

DAY = 24 * 3600.0


def _case(case_id: str, status: str, reported_at: float) -> Incident:
    return Incident(
        id=case_id, source="hotline", category="占道经营", status=status, reported_at=reported_at
    )


def test_closed_cases_leave_after_retention_and_open_ones_stay() -> None:
    state = FeedState()
    t0 = 1_800_000_000.0
    seq = 0

    def apply(event_factory: type, ts: float, **fields: object) -> None:
        nonlocal seq
        seq += 1
        state.apply(event_factory(seq=seq, ts=ts, **fields))

    apply(IncidentNew, t0, incident=_case("old-closed", "reported", t0))
    apply(IncidentUpdate, t0 + 3600, incident=_case("old-closed", "closed", t0))
    apply(IncidentNew, t0 + 10, incident=_case("old-open", "rectifying", t0 + 10))
    apply(IncidentNew, t0 + DAY - 60, incident=_case("recent-closed", "closed", t0 + DAY - 60))
    # Just inside retention: everything is still there (today's KPIs count closed cases).
    apply(Ticker, t0 + CLOSED_RETENTION_S - 1, text="tick")
    assert set(state.incidents) == {"old-closed", "old-open", "recent-closed"}
    # Past it: the old closed case goes, the open one reported at the same time stays.
    apply(Ticker, t0 + CLOSED_RETENTION_S + PRUNE_EVERY_S + 1, text="tick")
    assert set(state.incidents) == {"old-open", "recent-closed"}
    assert state.seq == seq


def test_a_week_of_cases_stays_bounded() -> None:
    state = FeedState()
    t0 = 1_800_000_000.0
    per_hour = 600
    peak = 0
    for seq, n in enumerate(range(7 * 24 * per_hour), start=1):
        ts = t0 + n * 3600.0 / per_hour
        # Every case is closed within the hour it came in (the usual end of a case).
        state.apply(IncidentNew(seq=seq, ts=ts, incident=_case(f"C{n}", "closed", ts)))
        peak = max(peak, len(state.incidents))
    # A day's worth plus one pruning interval, not the week's 100,800.
    assert peak <= 24 * per_hour + PRUNE_EVERY_S * per_hour / 3600 + 1
    assert len(state.incidents) <= peak
