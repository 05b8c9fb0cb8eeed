"""The hub as one object: it wires the store, the sequenced log and the live state to the
stream's fan-out (hub/fanout.py) and the hub's timers (hub/timers.py), and takes what its
servers and drivers hand it: roster, positions, case steps and unit statuses."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from backend_client.protocol import decode_server
from backend_client.protocol.messages import (
    Alert,
    Fix,
    StoredEvent,
    Team,
    Unit,
    UnitPositions,
    UnitStatus,
    UnitStatusName,
)
from backend_client.state import FeedState
from hub.auth import TokenRegistry
from hub.cases import CaseNotFound, StepArgs, StepResult, apply_step, parse_action
from hub.deadlines import coverage_warnings
from hub.domain.calendar import WorkingCalendar, shipped_calendar
from hub.domain.duplicates import DuplicateRules
from hub.domain.lifecycle import HUB, Actor, CaseAction, CaseRuleError, Person
from hub.domain.sla import ONE_THREE_FIFTEEN, SlaLimits
from hub.domain.supervision import SupervisionConfig
from hub.fanout import Fanout
from hub.fanout import Subscriber as Subscriber  # re-exported: the stream server's outbox
from hub.positions import MAX_BATCH_FIXES, PositionPipeline
from hub.roster import MerchantRecord, OfficerRecord, TeamRecord, seed_roster
from hub.snapshot_load import load_state
from hub.sos import raise_sos_work
from hub.store.db import make_engine, upgrade_schema
from hub.store.models import Officer
from hub.store.settings import EPOCH_SETTING, new_epoch, stored_setting
from hub.timers import HubTimers, load_patrol
from hub.writer import Emitter, Published, StoreWriter, event_type

if TYPE_CHECKING:
    from hub.cluster.eventlog import LogEntry
    from hub.cluster.node import ClusterNode, RpcHandler

log = logging.getLogger(__name__)

#: A unit's position fields (those a Fix carries) at their defaults. A status change
#: carries none of them, so a wall keeps the position it has, while every other field of
#: the unit (name, team, kind, plate, and whatever comes next) carries over by itself.
_NO_POSITION: dict[str, Any] = {
    f.name: f.default
    for f in msgspec.structs.fields(Unit)
    if f.name in Fix.__struct_fields__ and f.name != "id"
}

HEARTBEAT_SECONDS = 5.0
#: A standby node tries the writer lock this often (see hub/cluster/node.py).
LOCK_POLL_SECONDS = 0.5
#: At most one unit.positions frame per this long. Under a steady load a fix waits for
#: the next frame, up to this long: at 50 ms that wait alone was the p99 of the hub's
#: share of "hub report -> map pixel" (52 ms of 75 at 5,000 officers, budget 60). 20 ms
#: is 50 frames a second, each encoded once for every wall; a wall paints at most one
#: frame per 16 ms (backend_client/qt.py FRAME_MS), so none waits for the next.
POSITION_BATCH_SECONDS = 0.02
CLIENT_QUEUE_FRAMES = 4096
SLA_TICK_SECONDS = 1.0
SUPERVISION_SECONDS = 5.0

# Steps a desk takes even when the simulator driver stands in for it; the rest are the
# officer's own (lifecycle.RULES says which roles may take each).
DESK_ACTIONS = frozenset({CaseAction.ACCEPT, CaseAction.DISPATCH, CaseAction.CLOSE})


@dataclass
class HubConfig:
    db_url: str = "sqlite:///watchfloor-hub.db"
    host: str = "127.0.0.1"
    port: int = 8765
    api_port: int = 8766
    # The JT/T 808 gateway's TCP port on ``host``: None is no gateway, 0 a free port.
    jt808_port: int | None = None
    auth_file: Path | None = None
    # This hub's name in welcomes and health (a cluster's --node); "" is host:port.
    node: str = ""
    # NATS servers of the cluster's event log (--nats); empty: one process, no NATS.
    nats: tuple[str, ...] = ()
    nats_replicas: int = 3
    # How long a report waits for the log's acknowledgement before it is answered 503
    # (a retry is then answered with the same case once the log has it): a source should
    # hear "not now" well within its own HTTP timeout, not hang through an election.
    log_ack_seconds: float = 5.0
    # The process is the hub's own (``watchfloor hub``): it runs hub/gcpolicy.py. Not for
    # a hub inside a wall or a test, whose process has its own policy.
    manage_gc: bool = False
    heartbeat_seconds: float = HEARTBEAT_SECONDS
    # At most one unit.positions frame per this many seconds (the stream's coalescing);
    # fixes are committed as they come, in batches of at most position_batch_fixes.
    position_batch_seconds: float = POSITION_BATCH_SECONDS
    position_batch_fixes: int = MAX_BATCH_FIXES
    client_queue_frames: int = CLIENT_QUEUE_FRAMES
    sla_tick_seconds: float = SLA_TICK_SECONDS
    supervision_seconds: float = SUPERVISION_SECONDS
    supervision: SupervisionConfig = field(default_factory=SupervisionConfig)
    # The 1-3-15 rule; other limits are for drills and tests. Stored per case at report.
    sla_limits: SlaLimits = ONE_THREE_FIFTEEN
    # The working calendar the 处置时限 deadlines count on (--calendar FILE); None: the
    # shipped one (resources/calendar/). hub/deadlines.py.
    calendar: WorkingCalendar | None = None
    # What makes an earlier case a duplicate candidate (case.duplicates): 50 m, the same
    # merchant or address, open or closed within 72 h by default.
    duplicates: DuplicateRules = field(default_factory=DuplicateRules)


class Hub:
    """Owns the store writer and the live state; servers and the simulator drive it.

    The stream's fan-out is :attr:`fanout` and the hub's timers are :attr:`timers`; what
    servers and tests used of them before they were apart still answers on the hub.
    """

    def __init__(self, config: HubConfig, tokens: TokenRegistry) -> None:
        self.config = config
        #: Where the 处置时限 deadlines are counted (docs/casework.md).
        self.calendar: WorkingCalendar = config.calendar or shipped_calendar()
        for warning in coverage_warnings(self.calendar, time.time()):
            log.warning("%s", warning)
        self.tokens = tokens
        self.engine: Engine = make_engine(config.db_url, background_checkpoint=True)
        upgrade_schema(self.engine)
        self.writer = StoreWriter(self.engine, self._publish)
        #: Names this store's event log in every welcome (see Hello.epoch).
        self.epoch = stored_setting(self.engine, EPOCH_SETTING, new_epoch)
        with Session(self.engine) as session:
            self.state: FeedState = load_state(session, self.writer.last_seq)
            self.devices: dict[str, str] = {
                officer.device: officer.id for officer in session.scalars(select(Officer))
            }
            #: Shared with the timers' supervision; the hub keeps its zones (seed) and
            #: rectification deadlines (case steps) up to date.
            self.patrol = load_patrol(session, config.supervision)
        self.fanout = Fanout(
            self.state,
            self.engine,
            published_seq=self.writer.last_seq,
            client_queue_frames=config.client_queue_frames,
            heartbeat_seconds=config.heartbeat_seconds,
        )
        self.positions = PositionPipeline(
            self.writer,
            config.position_batch_seconds,
            {unit.id: unit.ts for unit in self.state.units.values() if unit.ts is not None},
            publish=self._publish_positions,
            max_batch=config.position_batch_fixes,
        )
        self.timers = HubTimers(
            self.engine,
            self.writer,
            self.state,
            self.patrol,
            sla_tick_seconds=config.sla_tick_seconds,
            supervision_seconds=config.supervision_seconds,
        )
        #: This node's part in a cluster (cluster mode), else None: the writer, mirroring
        #: its log into JetStream, or a standby following it (hub/cluster/node.py).
        self.cluster: ClusterNode | None = None
        #: The store's own epoch: message ids in the cluster's log are made of it.
        self.store_epoch = self.epoch
        #: Set once this node numbers events: always in one process; in a cluster once
        #: it holds the writer lock and has caught up (until then it forwards writes).
        self.writing = not config.nats
        #: What a standby's forwarded requests are answered with on the writer, by name
        #: (``report``, ``op``): set by the servers that own them.
        self.rpc_handlers: dict[str, RpcHandler] = {"sos": self._answer_sos}
        #: Called once this node has become the writer (the simulator starts there).
        self.on_writer: list[Callable[[], Awaitable[None]]] = []
        if config.nats:
            from hub.cluster.node import ClusterNode

            self.cluster = ClusterNode(
                self.engine,
                config.nats,
                node=self.node,
                replicas=config.nats_replicas,
                ack_seconds=config.log_ack_seconds,
            )
            # A standby until the writer lock is taken: it stores fixes, numbers nothing.
            self.writer.may_emit = False
        self._tasks: list[asyncio.Task[None]] = []
        #: Parts of ``GET /api/v1/health`` that servers beside the hub add (the JT/T 808
        #: gateway's counts), by name.
        self.health_parts: dict[str, Callable[[], dict[str, Any]]] = {}
        self.started_at = time.time()

    @property
    def node(self) -> str:
        return self.config.node or f"{self.config.host}:{self.config.port}"

    # ---- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        self.writer.bind(asyncio.get_running_loop())
        if self.cluster is not None:
            # Before anything is served: the log, and either the writer lock with the
            # stream holding all the store has, or the tail of the stream.
            cluster = self.cluster
            try:
                self.epoch = await cluster.connect()
                if await cluster.try_lock():
                    await self._become_writer()
                else:
                    await cluster.follow(self.fanout.published_seq, self._on_log_entry)
                    self._tasks.append(
                        asyncio.create_task(self._wait_for_lock(), name="hub-writer-lock")
                    )
                await cluster.receive_positions(self._positions_from_peer)
            except BaseException:
                # Not started, so never stopped: let go of the log, the store and its pool.
                for task in self._tasks:
                    task.cancel()
                await cluster.stop()
                self.writer.close()
                self.engine.dispose()
                raise
        self._tasks += [
            asyncio.create_task(self.fanout.heartbeats(), name="hub-heartbeat"),
            asyncio.create_task(self.positions.run(), name="hub-positions"),
        ]
        if self.cluster is None:
            self.timers.start()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self.timers.stop()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            await self.flush_positions()
        except Exception:
            log.exception("positions offered before the stop not stored")
        self.fanout.close()
        await asyncio.get_running_loop().run_in_executor(None, self.writer.close)
        try:
            if self.cluster is not None:
                await self.cluster.stop()
        finally:
            self.engine.dispose()

    # ---- the stream: the fan-out's, by the names servers and tests use ---------------

    def _publish(self, events: Published) -> None:
        # The writer comes before the fan-out (the state starts at the writer's last seq)
        # and publishes only once bound to the loop, in start(): by then there is one.
        self.fanout.publish(events)
        if self.cluster is not None:
            self.cluster.offer([(e.seq, event_type(e), frame) for e, frame in events])

    def _publish_positions(self, frame: UnitPositions) -> None:
        encoded = self.fanout.publish_positions(frame)
        if self.cluster is not None:
            # The other nodes' walls see this node's devices too (live only, not logged).
            asyncio.get_running_loop().create_task(self.cluster.share_positions(encoded))

    def _positions_from_peer(self, data: bytes) -> None:
        try:
            frame = decode_server(data)
        except Exception as exc:  # another node's bug must not stop this one's walls
            log.warning("unreadable positions from another node: %r", exc)
            return
        if isinstance(frame, UnitPositions):
            self.fanout.publish_positions(frame)

    @property
    def mode(self) -> str:
        """``single``, ``cluster-writer`` or ``cluster-standby`` (health, logs)."""
        if self.cluster is None:
            return "single"
        return "cluster-writer" if self.writing else "cluster-standby"

    def cluster_health(self) -> dict[str, Any]:
        """For ``/api/v1/health``: how far the log is mirrored, and the NATS server."""
        if self.cluster is None:
            return {}
        mirror = self.cluster.mirror
        return {
            "log_seq": mirror.mirrored if mirror is not None else self.published_seq,
            "log_error": str(mirror.failure) if mirror and mirror.failure else None,
            "nats": self.cluster.log.connected_url,
        }

    # ---- a cluster's standby, and its taking over ------------------------------------

    async def _on_log_entry(self, entry: LogEntry) -> None:
        """An event the writer appended: a standby's walls get it as the writer's do."""
        if entry.seq <= self.fanout.published_seq:
            return  # delivered again after a server change: already applied
        if entry.seq != self.fanout.published_seq + 1:
            # The stream's numbering is the store's and an ordered consumer skips nothing;
            # should it ever, the store has what is missing.
            missing = await self.fanout.frames_since(self.fanout.published_seq, entry.seq - 1)
            if missing is None:
                log.error("log entries before %d are in neither stream nor store", entry.seq)
                return
            self.fanout.publish([(decode_server(f), f) for _s, f in missing])  # type: ignore[misc]
        event = decode_server(entry.data)
        self.fanout.publish([(event, entry.data)])  # type: ignore[list-item]
        if isinstance(event, UnitStatus) and event.unit.id not in self.devices.values():
            # A new officer (seeded on the writer): its device's fixes may come here.
            self.devices = await asyncio.get_running_loop().run_in_executor(
                None, self._load_devices
            )

    def _load_devices(self) -> dict[str, str]:
        with Session(self.engine) as session:
            return {officer.device: officer.id for officer in session.scalars(select(Officer))}

    async def _wait_for_lock(self) -> None:
        assert self.cluster is not None
        while True:
            await asyncio.sleep(LOCK_POLL_SECONDS)
            try:
                taken = await self.cluster.try_lock()
            except Exception as exc:  # the store is away: try again, stay a standby
                log.warning("writer lock not tried: %r", exc)
                continue
            if taken:
                log.warning("node %s took the writer lock: taking over", self.node)
                try:
                    await self._become_writer()
                except Exception:
                    # Not one history (LogDiverged) or a bug: let a sound node have the
                    # lock rather than hold it without writing.
                    log.critical("node %s cannot take over: standing down", self.node)
                    self.writer.may_emit = False
                    await self.cluster.release_lock()
                    raise
                return

    async def _become_writer(self) -> None:
        """Holding the writer lock: stop following, take the store's events this node
        has not applied (the dead writer's last commits), append what the stream lacks,
        then number events, run the hub's timers and answer the standbys."""
        cluster = self.cluster
        assert cluster is not None
        await cluster.unfollow()
        # Offers queue from here on (the mirror skips what catch_up appends).
        cluster.prepare_mirror(self.store_epoch)
        last = await self.writer.promote(self.fanout.published_seq)
        while True:
            try:
                await cluster.start_mirror(last)
                break
            except cluster.Unavailable as exc:
                # No quorum for now: keep the lock (nobody else could do better) and try
                # again; reports are refused until then, never acknowledged unreplicated.
                log.warning("log not caught up yet (%s): retrying", exc)
                await asyncio.sleep(1.0)
        loop = asyncio.get_running_loop()

        def reload() -> tuple[dict[str, str], Any]:
            with Session(self.engine) as session:
                return self._load_devices(), load_patrol(session, self.config.supervision)

        self.devices, patrol = await loop.run_in_executor(None, reload)
        self.patrol.zones.clear()
        self.patrol.zones.update(patrol.zones)
        self.patrol.rectify_by.clear()
        self.patrol.rectify_by.update(patrol.rectify_by)
        self.timers.start()
        handlers = self.rpc_handlers

        def lookup(name: str) -> RpcHandler:
            # Looked up when asked: the servers register theirs after the hub started.
            async def answer(payload: bytes) -> bytes:
                return await handlers[name](payload)

            return answer

        await cluster.serve({name: lookup(name) for name in ("report", "op", "sos", "record")})
        self.writing = True
        for callback in self.on_writer:
            await callback()

    async def raise_sos(self, alert: Alert) -> bool:
        """Store an SOS alert and stream its ``alert.new``, unless one is active for the
        officer (False); a standby has the writer do it. Raises when it is not stored."""
        if self.writing:
            return await self.writer.submit(raise_sos_work(alert))
        return await self.forward("sos", msgspec.json.encode(alert)) == b"1"

    async def _answer_sos(self, payload: bytes) -> bytes:
        raised = await self.raise_sos(msgspec.json.decode(payload, type=Alert))
        return b"1" if raised else b"0"

    async def forward(self, name: str, payload: bytes) -> bytes:
        """A standby asks the writer node to do ``name``; raises
        :class:`hub.cluster.node.NoWriter` when no writer answers in time."""
        assert self.cluster is not None
        return await self.cluster.forward(name, payload)

    async def durable(self, seq: int) -> None:
        """Return once the events up to ``seq`` are as durable as this hub makes them:
        committed (always, before they are published), and in a cluster also in the
        replicated log. Raises :class:`hub.cluster.NotDurable` when the log does not say
        so in time: then nothing may be acknowledged."""
        if self.cluster is not None:
            await self.cluster.durable(seq)

    @property
    def subscribers(self) -> set[Subscriber]:
        return self.fanout.subscribers

    @property
    def listeners(self) -> list[Callable[[StoredEvent], None]]:
        """Called with each stored event once it is applied to the state."""
        return self.fanout.listeners

    @property
    def published_seq(self) -> int:
        return self.fanout.published_seq

    def subscribe(self) -> Subscriber:
        return self.fanout.subscribe()

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.fanout.unsubscribe(subscriber)

    def send_heartbeat(self) -> None:
        self.fanout.send_heartbeat()

    def snapshot_frame(self) -> tuple[int, bytes]:
        return self.fanout.snapshot_frame()

    def positions_frame(self) -> bytes:
        """Every unit's live position as one frame: what a resumed client missed."""
        return self.fanout.positions_frame()

    async def frames_since(self, since: int, until: int) -> list[tuple[int, bytes]] | None:
        """Stored frames with ``since < seq <= until``, or None when they are gone."""
        return await self.fanout.frames_since(since, until)

    # ---- roster ------------------------------------------------------------------------

    async def seed(
        self,
        teams: Sequence[TeamRecord],
        officers: Sequence[OfficerRecord],
        merchants: Sequence[MerchantRecord] = (),
    ) -> int:
        """Store the roster entries not stored yet and announce new officers."""
        added = await self.writer.submit(lambda s, e: seed_roster(s, e, teams, officers, merchants))
        for team in teams:
            self.state.teams.setdefault(
                team.id, Team(id=team.id, name=team.name, colour=team.colour, kind=team.kind)
            )
        self.devices.update({officer.device: officer.id for officer in officers})
        for team in teams:
            if team.zone and team.id not in self.patrol.zones:
                self.patrol.zones[team.id] = [(float(x), float(y)) for x, y in team.zone]
        return added

    # ---- positions -------------------------------------------------------------------

    async def store_fix(self, fix: Fix) -> None:
        """Store an officer's fix and return once it is committed (a device waits for
        this before it may forget the fix); raises :class:`hub.positions.FixesNotStored`
        (holding the store's error) when it cannot be stored. A fix newer than the
        officer's live position reaches the stream within a batch interval."""
        await self.positions.store((fix,))

    def submit_fixes(
        self, fixes: Sequence[Fix], unfixed: Sequence[Fix] = ()
    ) -> asyncio.Future[None]:
        """Store several fixes, committed together (a gateway's report or batch upload):
        the future is done once they are committed, or holds
        :class:`~hub.positions.FixesNotStored`. ``unfixed``: positions a device flagged as
        no fix, stored flagged in the same transaction, never streamed nor taken as the
        live position. A future, not a coroutine: the gateway answers from a callback,
        with no task per message."""
        return self.positions.submit(fixes, unfixed)

    def offer_fix(self, fix: Fix) -> None:
        """Queue a fix to be stored without waiting for it (the hub's own simulator)."""
        self.positions.offer((fix,))

    def offer_fixes(self, fixes: Iterable[Fix]) -> None:
        self.positions.offer(fixes)

    async def flush_positions(self) -> None:
        """Commit every fix offered so far and stream the newest of each officer now."""
        await self.positions.flush()

    # ---- cases -------------------------------------------------------------------------

    async def apply_case_action(
        self,
        incident_id: str,
        action: str,
        actor: str,
        ts: float | None = None,
        units: Sequence[str] = (),
        *,
        role: str | None = None,
        outcome: str = "",
        note: str = "",
        deadline: float | None = None,
        result: str = "",
        limit: Mapping[str, float] | None = None,
    ) -> StepResult:
        """Take one lifecycle step on a case, for the hub's own drivers (the simulator).

        ``action`` is ``accept``, ``dispatch`` (``units`` sent), ``moving``/``arrive``
        (``units[0]`` is the officer), ``handle``, ``rectify`` (with ``deadline``),
        ``followup``, ``check`` (``result`` passed or failed; no ``close`` of a handled
        case without a passed one) or ``close``. ``actor`` is the name written on the
        timeline; its role is ``role`` or, by default, ``operator`` for
        accept/dispatch/close and ``officer`` for the rest. Committed and streamed before
        it returns. Raises ``KeyError`` for an unknown action,
        :class:`~hub.cases.CaseNotFound`, or the domain's
        :class:`~hub.domain.lifecycle.CaseRuleError` (its ``code`` is the wire error code).
        """
        step = parse_action(action)
        who: Actor = Person(actor, role or ("operator" if step in DESK_ACTIONS else "officer"))
        args = StepArgs(
            units=tuple(units), outcome=outcome, note=note, deadline=deadline, result=result
        )
        if limit is not None:  # 延期 (request_extension, approve_extension)
            args = replace(args, limit=limit)
        return await self.writer.submit(self.case_step_work(incident_id, step, who, ts, args))

    def case_step_work(
        self,
        incident_id: str,
        action: CaseAction,
        actor: Actor,
        ts: float | None,
        args: StepArgs,
        also: Callable[[Session, StepResult], None] | None = None,
    ) -> Callable[[Session, Emitter], StepResult]:
        """A unit of work taking one step; ``also`` adds to the same transaction (audit)."""

        def work(session: Session, emitter: Emitter) -> StepResult:
            now = time.time()
            result = apply_step(
                session,
                emitter,
                incident_id,
                action,
                actor,
                now if ts is None else ts,
                args,
                now,
                calendar=self.calendar,
            )
            if also is not None:
                also(session, result)
            # The patrol's rectification clock is not on the wire; keep it here.
            if result.case.rectify_by is not None and result.status == "rectifying":
                self.patrol.rectify_by[incident_id] = result.case.rectify_by
            else:
                self.patrol.rectify_by.pop(incident_id, None)
            return result

        return work

    async def set_unit_status(
        self,
        officer_id: str,
        status: UnitStatusName,
        ts: float | None = None,
        incident_id: str | None = None,
    ) -> int:
        """Store and stream an officer's duty status; returns the event's seq.

        ``en_route`` towards ``incident_id`` also records that an officer is moving (the 3
        of 1-3-15) when the case still waits for it, as the hub itself (role ``system``).
        """
        unit = self.state.units.get(officer_id)
        if unit is None:
            raise KeyError(officer_id)
        changed = msgspec.structs.replace(unit, status=status, **_NO_POSITION)

        def work(session: Session, emitter: Emitter) -> int:
            row = session.get(Officer, officer_id)
            if row is None:
                raise KeyError(officer_id)
            row.status = status
            return emitter.emit(lambda seq, t: UnitStatus(seq=seq, ts=t, unit=changed), ts=ts).seq

        seq = await self.writer.submit(work)
        incident = self.state.incidents.get(incident_id) if incident_id else None
        if (
            status == "en_route"
            and incident is not None
            and incident.sla is not None
            and incident.sla.moving_at is None
            and officer_id in incident.units
        ):
            with contextlib.suppress(CaseRuleError, CaseNotFound):
                args = StepArgs(units=(officer_id,))
                await self.writer.submit(
                    self.case_step_work(incident.id, CaseAction.REPORT_MOVING, HUB, ts, args)
                )
        return seq

    # ---- timers: one round now, by the names tests and drills use ---------------------

    async def sweep_sla(self, now: float | None = None) -> list[tuple[str, tuple[str, ...]]]:
        """Record every 1-3-15 miss due by ``now`` (exactly once each); returns them."""
        return await self.timers.sweep_sla(now)

    async def supervise(self, now: float | None = None) -> tuple[int, int]:
        """One round of the AI patrol; returns (alerts raised, alerts cleared)."""
        return await self.timers.supervise(now)
