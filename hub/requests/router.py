"""Request ops on the stream socket (``req`` -> ``res`` or ``error``), role-checked and
audited: the op table and the answer; the ops themselves are grouped by job.

Each op's arguments and answer are the Structs of :data:`backend_client.protocol.ops.OPS`
(shared with the client): the router decodes the arguments with the op's Struct (a wrong
type is ``invalid``, naming the field) and encodes the handler's answer Struct."""

from __future__ import annotations

import logging
import time
from collections import Counter

import msgspec

from backend_client.protocol import Error, Request, encode
from backend_client.protocol.ops import OPS, answer_frame
from hub.auth import Principal
from hub.cluster import NotDurable, NoWriter
from hub.domain.lifecycle import CaseRuleError
from hub.requests.actions import ActionOps
from hub.requests.audit import AuditOps
from hub.requests.base import Handler, RequestError, parse_args
from hub.requests.calendar import CalendarOps
from hub.requests.discretion import DiscretionOps
from hub.requests.duplicates import DuplicateOps
from hub.requests.export import ExportOps
from hub.requests.hotspots import HotspotOps
from hub.requests.records import RecordOps
from hub.requests.service_stats import ServiceStatsOps
from hub.requests.stats import StatsOps
from hub.requests.units_at import UnitsAtOps
from hub.requests.views import ViewOps
from hub.requests.visits import VisitOps
from hub.service import Hub

log = logging.getLogger(__name__)

NO_WRITER_MESSAGE = (
    "no writer node answered in time (a cluster's writer is being replaced): if it did not "
    "receive the request nothing was done; read the case before repeating it"
)


class ForwardedOp(msgspec.Struct, frozen=True):
    """A write a standby node's client asked for, as the standby asks the writer node."""

    name: str
    role: str
    request: Request


class RequestRouter(
    ViewOps,
    ActionOps,
    AuditOps,
    StatsOps,
    RecordOps,
    DiscretionOps,
    HotspotOps,
    UnitsAtOps,
    VisitOps,
    DuplicateOps,
    ServiceStatsOps,
    ExportOps,
    CalendarOps,
):
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.ops: dict[str, Handler] = {
            "case.history": self.case_history,
            "case.related": self.case_related,
            "merchant.profile": self.merchant_profile,
            "merchant.list": self.merchant_list,
            "unit.track": self.unit_track,
            "dispatch": self.dispatch,
            "case.step": self.case_step,
            "case.visit": self.case_visit,
            "alert.ack": self.alert_ack,
            "audit.query": self.audit_query,
            "wall.push": self.wall_push,
            "wall.list": self.wall_list,
            "stats.query": self.stats_query,
            "stats.hotspots": self.stats_hotspots,
            "case.records": self.case_records,
            "discretion.suggest": self.discretion_suggest,
            "case.decide": self.case_decide,
            "units.at": self.units_at,
            "case.duplicates": self.case_duplicates,
            "case.merge": self.case_merge,
            "stats.service": self.stats_service,
            "cases.export": self.cases_export,
            "calendar.get": self.calendar_get,
        }
        # Every op of the shared table has a handler, and nothing else does.
        assert self.ops.keys() == OPS.keys(), sorted(self.ops.keys() ^ OPS.keys())
        self.walls_online = Counter()

    async def answer_forwarded(self, payload: bytes) -> bytes:
        """On the writer node: a standby's client's write, answered as if asked here."""
        forwarded = msgspec.json.decode(payload, type=ForwardedOp)
        return await self.handle(Principal(forwarded.name, forwarded.role), forwarded.request)

    async def handle(self, who: Principal, request: Request) -> bytes:
        handler = self.ops.get(request.op)
        if handler is None:
            return encode(
                Error(code="unknown_op", message=f"no op {request.op!r}", id=request.id, field="op")
            )
        if not who.may(request.op):
            return encode(
                Error(
                    code="forbidden",
                    message=f"role {who.role} may not {request.op}",
                    id=request.id,
                )
            )
        if OPS[request.op].writes and not self.hub.writing:
            # A cluster's standby: the writer node takes every step (one numbering, one
            # set of rules); its answer is the client's, id and all.
            payload = msgspec.json.encode(ForwardedOp(who.name, who.role, request))
            try:
                return await self.hub.forward("op", payload)
            except NoWriter as exc:
                log.warning("%s from %s not forwarded: %s", request.op, who.name, exc)
                return encode(Error(code="no_writer", message=NO_WRITER_MESSAGE, id=request.id))
        try:
            args = parse_args(OPS[request.op].args, request.args)
            answer = await handler(who, args)
            if OPS[request.op].writes:
                # Committed; in a cluster, answered only once the log has it too (what
                # it changed is then what every node's walls see).
                await self.hub.durable(self.hub.published_seq)
        except NotDurable as exc:
            # Done and committed: a retry would be judged against the changed case.
            message = f"done and stored; the cluster's log has not confirmed it yet ({exc})"
            return encode(Error(code="log_pending", message=message, id=request.id))
        except RequestError as exc:
            return encode(Error(code=exc.code, message=exc.message, id=request.id, field=exc.field))
        except CaseRuleError as exc:
            # The lifecycle's verdict: forbidden (role), conflict (status) or invalid.
            field = getattr(exc, "field", None)  # a missing reason names ``note``
            return encode(Error(code=exc.code, message=str(exc), id=request.id, field=field))
        return answer_frame(request.id, answer, time.time())
