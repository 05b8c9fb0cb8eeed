"""Request ops on the stream socket (``req`` -> ``res`` or ``error``), role-checked and
audited, in modules by job:

- :mod:`~hub.requests.router`: the op table, roles and the answer frame;
- :mod:`~hub.requests.views`: drill-down reads (case, related cases, merchant, track);
- :mod:`~hub.requests.actions`: dispatch, lifecycle steps, alert acks, wall pushes;
- :mod:`~hub.requests.audit`: the audit rows every op writes, and ``audit.query``;
- :mod:`~hub.requests.stats`: ``stats.query``, a period's figures per group (SQL aggregates);
- :mod:`~hub.requests.queries` and :mod:`~hub.requests.related`: the SQL of the reads;
- :mod:`~hub.requests.base`: errors, paging.

Each op's arguments and answer are Structs shared with the client:
:data:`backend_client.protocol.ops.OPS`.
"""

from __future__ import annotations

from backend_client.geo import distance_m
from backend_client.protocol.ops import (
    AlertAckArgs,
    AuditArgs,
    CaseHistoryArgs,
    CaseRelatedArgs,
    CaseStepArgs,
    DispatchArgs,
    MerchantArgs,
    MerchantListArgs,
    TrackArgs,
)
from hub.requests.audit import write_audit, write_audit_view
from hub.requests.base import RequestError
from hub.requests.related import related_cases
from hub.requests.router import RequestRouter

# The names this module had before it became a package (tests and bench/ import them).
haversine_m = distance_m
_audit = write_audit
_audit_view = write_audit_view

__all__ = [
    "AlertAckArgs",
    "AuditArgs",
    "CaseHistoryArgs",
    "CaseRelatedArgs",
    "CaseStepArgs",
    "DispatchArgs",
    "MerchantArgs",
    "MerchantListArgs",
    "RequestError",
    "RequestRouter",
    "TrackArgs",
    "haversine_m",
    "related_cases",
    "write_audit",
    "write_audit_view",
]
