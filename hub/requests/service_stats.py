"""``stats.service``: a period's service figures, 重复派单率 and 满意率.

- **received** (受理): cases with ``reported_at`` in ``[start, end)``, as stats.query
  counts them; **merged** (并案件): those of them merged into another case
  (``parent_id`` set, as the store is now). 重复派单率 = merged / received: the share of the
  period's reports that were the same matter as another case, i.e. would have been
  dispatched twice.
- **visits** (回访): ``case_visits`` rows with ``ts`` in ``[start, end)``, counted by
  result. A visit whose citizen was not reached (``unreached``) is no rating: rated =
  satisfied + basic + dissatisfied, and 满意率 = satisfied / rated. A merged child's
  reporter's visit is one row too (the child's; its timeline row is the parent's, not
  read here), so each visit counts once.

Aggregates only (nothing personal leaves the hub), read on their own connection off the
writer, like stats.query; two indexed range counts (``ix_incidents_reported``,
``ix_case_visits_ts``).
"""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend_client.protocol.ops import ServiceStatsAnswer, ServiceStatsArgs, StatsArgs
from hub.auth import Principal
from hub.requests.base import Ops
from hub.requests.stats import check_period
from hub.store.models import CaseVisitRow
from hub.store.models import Incident as IncidentRow

#: The results of a visit that are ratings (``unreached`` is not).
RATINGS = ("satisfied", "basic", "dissatisfied")


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def service_stats(session: Session, start: float, end: float) -> ServiceStatsAnswer:
    in_period = (IncidentRow.reported_at >= start) & (IncidentRow.reported_at < end)
    received, merged = session.execute(
        select(
            func.count(),
            func.count(IncidentRow.parent_id),  # counts the non-NULL ones
        ).where(in_period)
    ).one()
    by_result = {
        str(result): int(n)
        for result, n in session.execute(
            select(CaseVisitRow.result, func.count())
            .where(CaseVisitRow.ts >= start, CaseVisitRow.ts < end)
            .group_by(CaseVisitRow.result)
        )
    }
    rated = sum(by_result.get(r, 0) for r in RATINGS)
    satisfied = by_result.get("satisfied", 0)
    return ServiceStatsAnswer(
        start=start,
        end=end,
        received=int(received),
        merged=int(merged),
        duplicate_rate=_rate(int(merged), int(received)),
        visits=sum(by_result.values()),
        satisfied=satisfied,
        basic=by_result.get("basic", 0),
        dissatisfied=by_result.get("dissatisfied", 0),
        unreached=by_result.get("unreached", 0),
        rated=rated,
        satisfaction_rate=_rate(satisfied, rated),
    )


class ServiceStatsOps(Ops):
    async def stats_service(self, _who: Principal, args: ServiceStatsArgs) -> ServiceStatsAnswer:
        """Aggregates, not cases: not a view to audit (as stats.query)."""
        # The period rules are stats.query's (finite, ordered, at most STATS_MAX_DAYS).
        check_period(StatsArgs(args.start, args.end, "day"))

        def read() -> ServiceStatsAnswer:
            with Session(self.hub.engine) as session:
                return service_stats(session, args.start, args.end)

        return await asyncio.get_running_loop().run_in_executor(None, read)
