"""``calendar.get``: the working calendar the hub counts 处置时限 deadlines on.

The desks word a deadline's time left in working time ("剩3个工作时"), which only the hub's
own calendar (``--calendar FILE`` or the shipped one) gets right; this hands it to them.
Reference data from memory: nothing is read from the store, nothing is audited.
"""

from __future__ import annotations

from backend_client.protocol.ops import CalendarAnswer, CalendarArgs
from backend_client.workcalendar import calendar_answer
from hub.auth import Principal
from hub.requests.base import Ops


class CalendarOps(Ops):
    async def calendar_get(self, _who: Principal, _args: CalendarArgs) -> CalendarAnswer:
        """The hub's calendar (a few dozen days: built per ask, once per desk connect)."""
        return calendar_answer(self.hub.calendar)
