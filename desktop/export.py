"""``watchfloor export``: the case register of a period to CSV or XLSX (issue 18, 导出).

The cases come from the hub's ``cases.export`` op over the stream socket (a supervisor's
or admin's token), a page at a time in ``(reported_at, id)`` order; the next page is asked
for while this one is written, and no more than two pages are ever held, so memory stays
flat whatever the period's size.

Files, all next to ``--out``:

- ``OUT.part``: the rows written so far (CSV for both formats: the XLSX is made from it
  once every page is in, so an interrupted XLSX export resumes like a CSV one);
- ``OUT.export.json``: the resume state, rewritten (atomically) after each page is on
  disk: the arguments, the key of the last row written, the rows and bytes written.

A run whose arguments (hub, period, format, language, ids) equal the state's carries on
after its key: the part file is cut back to the bytes the state counts (a page half
written when the run died is written again, whole), so nothing is doubled or skipped.
``--restart``, or other arguments, start over. At the end ``OUT`` replaces any older file
of that name and both side files are removed.

CSV is UTF-8 with a byte-order mark (Excel then reads the Chinese right) and CRLF line
ends; XLSX is written by rust_xlsxwriter (rustpy-xlsxwriter) in constant memory, row by
row, one sheet of at most 1,048,575 cases (Excel's limit), further sheets when there are
more. Times are
local (Asia/Shanghai, the hub's day) as ``YYYY-MM-DD HH:MM:SS`` text, which sorts and
filters as dates do. What people typed (report text, address, names, phone) is made
inert: a cell starting like a formula gets a leading ``'`` (:func:`inert`).

Exit codes: 0 done; 1 the hub could not be reached or was lost (run the same command
again to resume); 2 bad arguments, or the hub refused the token or its role; 130
interrupted (resumable too).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final, Literal

import msgspec

from backend_client.api import HubApi, Requester
from backend_client.errors import RequestFailed
from backend_client.protocol.ops import (
    EXPORT_MAX_PAGE,
    ExportAnswer,
    ExportArgs,
    ExportKey,
    ExportRow,
)
from backend_client.sla import SlaStage, StageState
from backend_client.transport import FeedClient
from backend_client.vocabulary import SOURCES, STATUSES

Format = Literal["csv", "xlsx"]
Lang = Literal["zh_CN", "en"]

EXIT_OK, EXIT_LOST, EXIT_REFUSED, EXIT_INTERRUPTED = 0, 1, 2, 130
#: The hub's local day (stats.query's): Asia/Shanghai, UTC+8 all year.
LOCAL_OFFSET: Final = 8 * 3600
LOCAL_TZ: Final = dt.timezone(dt.timedelta(seconds=LOCAL_OFFSET), "Asia/Shanghai")
#: Rows per page asked of the hub (its ceiling).
PAGE: Final = EXPORT_MAX_PAGE
#: Data rows per XLSX sheet: Excel's 1,048,576 rows, less the header.
SHEET_ROWS: Final = 1_048_575
STATE_VERSION: Final = 1
#: Refusals that asking again would not mend: exit 2.
REFUSALS: Final = frozenset({"forbidden", "unauthorized", "invalid", "bad_url", "tls"})
#: Failures the hub being away explains: wait for it (up to ``retry_s``), then exit 1.
AWAY: Final = frozenset({"offline", "timeout"})

#: The register's columns: (key, Chinese header, English header).
COLUMNS: Final[tuple[tuple[str, str, str], ...]] = (
    ("id", "案件编号", "Case"),
    ("source", "来源", "Source"),
    ("category", "类别", "Category"),
    ("status", "状态", "Status"),
    ("priority", "优先级", "Priority"),
    ("reported_at", "上报时间", "Reported"),
    ("accepted_at", "受理时间", "Accepted"),
    ("dispatched_at", "派遣时间", "Dispatched"),
    ("moving_at", "出发时间", "Moving"),
    ("arrived_at", "到场时间", "Arrived"),
    ("handled_at", "处置时间", "Handled"),
    ("closed_at", "结案时间", "Closed"),
    ("accept", "1分钟受理", "Accept (1 min)"),
    ("move", "3分钟出发", "Move (3 min)"),
    ("handle", "15分钟处置", "Handle (15 min)"),
    ("team", "责任中队", "Team"),
    ("address", "地址", "Address"),
    ("lat", "纬度", "Latitude"),
    ("lon", "经度", "Longitude"),
    ("merchant_id", "商户编号", "Merchant ID"),
    ("merchant", "商户", "Merchant"),
    ("officers", "处置人员", "Officers"),
    ("reporter", "上报人", "Reporter"),
    ("phone", "联系电话", "Phone"),
    ("text", "案情", "Description"),
)
#: Columns that are numbers in an XLSX (text in the CSV spool until then).
NUMERIC: Final = frozenset(
    i for i, (key, _zh, _en) in enumerate(COLUMNS) if key in ("priority", "lat", "lon")
)
_STAGE_WORDS: Final[dict[Lang, dict[StageState, str]]] = {
    "zh_CN": {StageState.MET: "按时", StageState.MISSED: "超时", StageState.PENDING: "未到时限"},
    "en": {StageState.MET: "met", StageState.MISSED: "missed", StageState.PENDING: "pending"},
}


class ExportError(Exception):
    """An export that cannot go on; ``code`` is the exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


# ---- arguments ---------------------------------------------------------------------------


def parse_when(text: str, *, end: bool = False) -> float:
    """``--from``/``--to`` as hub epoch seconds: ``YYYY-MM-DD`` is that day's start in
    Asia/Shanghai (for ``--to``, the next day's: the day is included), ``YYYY-MM-DD HH:MM``
    (or ``THH:MM[:SS]``, or with an offset) that moment."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            start = dt.datetime.combine(day, dt.time(), LOCAL_TZ)
            return (start + dt.timedelta(days=1 if end else 0)).timestamp()
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD, or YYYY-MM-DD HH:MM)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.timestamp()


@dataclass(frozen=True)
class ExportPlan:
    """What to export and where: the resume state's identity is all of it but ``out``."""

    hub: str
    start: float
    end: float
    out: Path
    format: Format = "csv"
    lang: Lang = "zh_CN"
    #: Only these cases (the desk's filtered queue); ``None``: the whole period.
    ids: tuple[str, ...] | None = None

    def identity(self) -> dict[str, Any]:
        ids = None
        if self.ids is not None:
            ids = hashlib.sha256("\n".join(sorted(self.ids)).encode()).hexdigest()
        return {
            "hub": self.hub,
            "start": self.start,
            "end": self.end,
            "format": self.format,
            "lang": self.lang,
            "ids": ids,
        }

    @property
    def part(self) -> Path:
        return self.out.with_name(self.out.name + ".part")

    @property
    def state_file(self) -> Path:
        return self.out.with_name(self.out.name + ".export.json")


class ResumeState(msgspec.Struct):
    version: int
    plan: dict[str, Any]
    #: The key of the last row in the part file (``None``: nothing written yet).
    after: ExportKey | None
    rows: int
    bytes: int
    total: int | None = None


# ---- rows --------------------------------------------------------------------------------


class _Clock:
    """Epoch seconds as local ``YYYY-MM-DD HH:MM:SS``: each day's date formatted once
    (a million rows have seven times each; datetime's strftime took a third of the
    client's time)."""

    def __init__(self) -> None:
        self._days: dict[int, str] = {}

    def __call__(self, ts: float | None) -> str:
        if ts is None:
            return ""
        day, second = divmod(int(ts // 1) + LOCAL_OFFSET, 86400)
        date = self._days.get(day)
        if date is None:
            date = (dt.date(1970, 1, 1) + dt.timedelta(days=day)).isoformat()
            self._days[day] = date
        return f"{date} {second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"


#: What makes a spreadsheet read a cell as a formula (CSV injection, OWASP).
_FORMULA_START: Final = frozenset("=+-@\t\r")


def inert(text: str) -> str:
    """``text`` as a spreadsheet shows it and never runs it: a leading ``'`` when it
    starts like a formula. Reports are citizens' words: ``=HYPERLINK(...)`` in one must
    not become a live link in a supervisor's Excel, which runs it in a CSV. The XLSX is
    made from the same cells (its writer stores them as strings), so both read alike."""
    return "'" + text if text and text[0] in _FORMULA_START else text


def judge(by: float, done: float | None, missed: bool, now: float) -> StageState:
    """:func:`backend_client.sla.judge_stage`'s verdict alone, without the standing it
    builds (three per row of a million; tests/desktop/test_export_cli.py checks the two
    agree)."""
    if done is not None:
        return StageState.MET if done <= by and not missed else StageState.MISSED
    return StageState.PENDING if now <= by and not missed else StageState.MISSED


class RowFormatter:
    """An :class:`ExportRow` as the register's cells (strings; :data:`COLUMNS` order)."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.clock = _Clock()
        self.words = _STAGE_WORDS[lang]
        zh = lang == "zh_CN"
        self.sources = SOURCES if zh else {}
        self.statuses = STATUSES if zh else {}

    def header(self) -> list[str]:
        return [zh if self.lang == "zh_CN" else en for _key, zh, en in COLUMNS]

    def cells(self, row: ExportRow, as_of: float) -> list[str]:
        clock = self.clock
        marks = row.sla
        accepted = moving = handled = None
        judged = ["", "", ""]
        if marks is not None:
            accepted, moving, handled = marks.accepted_at, marks.moving_at, marks.handled_at
            missed = marks.missed
            words = self.words
            judged = [
                words[judge(marks.accept_by, accepted, "accept" in missed, as_of)],
                words[judge(marks.move_by, moving, "move" in missed, as_of)],
                words[judge(marks.handle_by, handled, "handle" in missed, as_of)],
            ]
        officers = "、".join(
            f"{name}({unit})" if name else unit
            for unit, name in zip(row.units, row.officers, strict=False)
        )
        reporter = row.reporter
        # Every cell that carries what someone typed goes through inert().
        return [
            inert(row.id),
            self.sources.get(row.source, row.source),
            inert(row.category),
            self.statuses.get(row.status, row.status),
            str(row.priority),
            clock(row.reported_at),
            clock(accepted),
            clock(row.dispatched_at),
            clock(moving),
            clock(row.arrived_at),
            clock(handled),
            clock(row.closed_at),
            *judged,
            inert(row.team or row.team_id),
            inert(row.address),
            # 7 decimals (about a centimetre): the stored float's binary tail is noise.
            "" if row.lat is None else repr(round(row.lat, 7)),
            "" if row.lon is None else repr(round(row.lon, 7)),
            inert(row.merchant_id or ""),
            inert(row.merchant),
            inert(officers),
            "" if reporter is None else inert(reporter.name),
            "" if reporter is None else inert(reporter.phone),
            inert(row.text),
        ]


# The judged stages come in SlaStage order: the columns above say so.
assert [str(s) for s in SlaStage] == ["accept", "move", "handle"]


# ---- the part file and the resume state --------------------------------------------------


def _csv_bytes(rows: Sequence[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def read_state(plan: ExportPlan) -> ResumeState | None:
    try:
        state = msgspec.json.decode(plan.state_file.read_bytes(), type=ResumeState)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None
    return state if state.version == STATE_VERSION else None


def _write_state(plan: ExportPlan, state: ResumeState) -> None:
    tmp = plan.state_file.with_name(plan.state_file.name + ".tmp")
    tmp.write_bytes(msgspec.json.encode(state))
    os.replace(tmp, plan.state_file)


class PartFile:
    """The rows written so far, and the state that says how far they go."""

    def __init__(self, plan: ExportPlan, restart: bool, say: Callable[[str], None]) -> None:
        self.plan = plan
        found = None if restart else read_state(plan)
        identity = json.loads(json.dumps(plan.identity()))  # as the state file holds it
        size = plan.part.stat().st_size if plan.part.exists() else -1
        if found is not None and found.plan != identity:
            say("an unfinished export with other arguments was here: starting over")
            found = None
        elif found is not None and size < found.bytes:
            say(f"{plan.part} is shorter than its state says: starting over")
            found = None
        self.resumed = found is not None
        if found is None:
            found = ResumeState(STATE_VERSION, identity, None, 0, 0)
            self.file: IO[bytes] = open(plan.part, "wb")  # noqa: SIM115 - closed in close()
        else:
            self.file = open(plan.part, "r+b")  # noqa: SIM115 - closed in close()
            # A page written after the last state was saved is cut off, and written again.
            self.file.truncate(found.bytes)
            self.file.seek(found.bytes)
        self.state = found

    def begin(self, header: list[str]) -> None:
        if self.state.bytes == 0:
            # The byte-order mark lets Excel read UTF-8; the XLSX spool does without it.
            bom = b"\xef\xbb\xbf" if self.plan.format == "csv" else b""
            self.file.write(bom + _csv_bytes([header]))
            self._commit(None, 0)

    def add(self, rows: list[list[str]], after: ExportKey | None) -> None:
        self.file.write(_csv_bytes(rows))
        self._commit(after, len(rows))

    def _commit(self, after: ExportKey | None, rows: int) -> None:
        # The rows are on disk before the state counts them: a crash between the two
        # leaves rows the state does not count (cut off on resume), never the reverse.
        self.file.flush()
        os.fsync(self.file.fileno())
        self.state.after = after if after is not None else self.state.after
        self.state.rows += rows
        self.state.bytes = self.file.tell()
        _write_state(self.plan, self.state)

    def set_total(self, total: int | None) -> None:
        if total is not None:
            self.state.total = total

    def close(self) -> None:
        self.file.close()

    def discard(self) -> None:
        self.close()
        for path in (self.plan.part, self.plan.state_file):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


#: Excel's longest cell (characters); rust_xlsxwriter refuses a longer one. Report texts
#: are capped far below it at ingest, but a cell joins several fields (officers).
CELL_CHARS: Final = 32_767
#: Columns that hold words of any length (cut to :data:`CELL_CHARS` in an XLSX).
_LONG: Final = tuple(
    i
    for i, (key, _zh, _en) in enumerate(COLUMNS)
    if key in ("address", "merchant", "officers", "reporter", "text")
)
#: Column widths in an XLSX (characters), by key: times fit ``2026-12-07 19:45:00``.
_WIDTHS: Final[dict[str, float]] = {
    "id": 18, "source": 9, "category": 14, "status": 9, "priority": 7, "team": 14,
    "address": 30, "lat": 12, "lon": 12, "merchant_id": 12, "merchant": 20,
    "officers": 18, "reporter": 10, "phone": 14, "text": 50,
}  # fmt: skip
WIDTHS: Final[list[float]] = [
    _WIDTHS.get(key, 19.0 if key.endswith("_at") else 10.0) for key, _zh, _en in COLUMNS
]


def sheet_names(rows: int) -> list[str]:
    """The sheets of ``rows`` cases: 案件, 案件(2), … of at most :data:`SHEET_ROWS` each;
    one (the header alone) for none."""
    count = max(1, -(-rows // SHEET_ROWS))
    return ["案件", *(f"案件({k})" for k in range(2, count + 1))]


def spool_rows(spool: Path) -> int:
    """The cases a spool holds (its CSV records less the header)."""
    with open(spool, newline="", encoding="utf-8") as source:
        return max(0, sum(1 for _ in csv.reader(source)) - 1)


def spool_to_xlsx(
    spool: Path,
    out: Path,
    progress: Callable[[int], None] | None = None,
    rows: int | None = None,
) -> None:
    """The CSV spool as an XLSX workbook: the header (bold, frozen, with filters) repeated
    on each sheet of at most :data:`SHEET_ROWS` cases. ``rows``, the spool's cases when the
    caller knows them (it is counted otherwise), sets the number of sheets.

    Written by rust_xlsxwriter (rustpy-xlsxwriter) in constant memory: each sheet pulls its
    rows from the spool as it writes them, strings inline, never as formulas. openpyxl's
    write-only mode took ~12 µs a cell, 5 minutes for a million cases (bench/export.py)."""
    from rustpy_xlsxwriter import write_worksheets

    if rows is None:
        rows = spool_rows(spool)
    names = sheet_names(rows)
    written = 0
    tmp = out.with_name(out.name + ".tmp")
    with open(spool, newline="", encoding="utf-8") as source:
        reader = csv.reader(source)
        header = next(reader)
        # The writer takes each row as a mapping by header: a repeated header would merge
        # columns, and the sheet would silently lose one.
        if len(set(header)) != len(header):
            raise ValueError(f"{spool}: repeated column names in the header")

        def sheet(first: bool) -> Iterator[dict[str, Any]]:
            nonlocal written
            if first and rows == 0:
                # The header comes from the first row's keys; an empty row gives it alone.
                yield dict.fromkeys(header)
            for cells in itertools.islice(reader, SHEET_ROWS):
                values: list[Any] = cells
                for i in NUMERIC:
                    if values[i]:
                        values[i] = float(values[i]) if "." in values[i] else int(values[i])
                for i in _LONG:
                    if len(values[i]) > CELL_CHARS:
                        values[i] = values[i][: CELL_CHARS - 1] + "…"
                yield dict(zip(header, values, strict=True))
                written += 1
                if progress is not None and written % 10_000 == 0:
                    progress(written)

        try:
            write_worksheets(
                [(name, sheet(i == 0)) for i, name in enumerate(names)],
                tmp,
                freeze_panes={"general": {"row": 1, "col": 0}},
                bold_headers=True,
                autofilter={"general": True},
                column_widths={"general": WIDTHS},
            )
            # Every spooled case is in the workbook, or it is not given out as done.
            if written != rows or next(reader, None) is not None:
                raise ValueError(f"{spool}: {rows:,} cases counted, {written:,} written")
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
    os.replace(tmp, out)
    if progress is not None:
        progress(written)


# ---- progress ----------------------------------------------------------------------------


@dataclass
class Progress:
    """A bar on a terminal (redrawn in place), plain lines otherwise (every 10 %, or
    10 s without total), on ``stream`` (stderr: stdout stays free)."""

    stream: IO[str] = field(default_factory=lambda: sys.stderr)
    quiet: bool = False
    started: float = field(default_factory=time.monotonic)
    _last_line: float = 0.0
    _last_tenth: int = -1

    @property
    def tty(self) -> bool:
        return bool(getattr(self.stream, "isatty", lambda: False)())

    def say(self, text: str) -> None:
        if not self.quiet:
            if self.tty:
                self.stream.write("\r\x1b[K")
            print(f"export: {text}", file=self.stream, flush=True)

    def update(self, label: str, done: int, total: int | None, since: int = 0) -> None:
        if self.quiet:
            return
        elapsed = max(1e-6, time.monotonic() - self.started)
        rate = (done - since) / elapsed
        if self.tty:
            if total:
                share = min(1.0, done / total)
                bar = "#" * int(share * 30)
                left = (total - done) / rate if rate > 0 else 0.0
                text = (
                    f"\r{label} [{bar:<30}] {share:6.1%} {done:,}/{total:,}"
                    f"  {rate:,.0f} rows/s  {left:4.0f} s left"
                )
            else:
                text = f"\r{label} {done:,} rows  {rate:,.0f} rows/s"
            self.stream.write(text + "\x1b[K")
            self.stream.flush()
            return
        now = time.monotonic()
        tenth = int(10 * done / total) if total else -1
        if (total and tenth > self._last_tenth) or (not total and now - self._last_line >= 10):
            self._last_tenth, self._last_line = tenth, now
            of = f"/{total:,}" if total else ""
            print(f"export: {label} {done:,}{of} rows", file=self.stream, flush=True)

    def end_line(self) -> None:
        if self.tty and not self.quiet:
            self.stream.write("\n")
            self.stream.flush()


# ---- the export --------------------------------------------------------------------------


@dataclass
class ExportResult:
    rows: int
    out: Path
    resumed: bool
    seconds: float
    pages: int


#: Asks one page of the export: a connected client's way of sending ``cases.export``.
Pager = Callable[[ExportArgs], Awaitable[ExportAnswer]]


def pager_over(request: Requester) -> Pager:
    """A pager over any client's plain ``request`` (the desk's feed), through the typed
    facade."""
    api = HubApi.over(request)

    async def page(args: ExportArgs) -> ExportAnswer:
        return await api.cases_export(
            args.start,
            args.end,
            after=args.after,
            limit=args.limit,
            ids=args.ids,
            count=args.count,
        )

    return page


class _Head(msgspec.Struct):
    type: str
    id: int | None = None


class _PageFrame(msgspec.Struct):
    """A ``res`` frame carrying a ``cases.export`` page."""

    id: int
    result: ExportAnswer


_peek = msgspec.json.Decoder(_Head).decode
_decode_page = msgspec.json.Decoder(_PageFrame).decode


class ExportClient(FeedClient):
    """The hub link of ``watchfloor export``: a :class:`FeedClient` (hello, TLS, a
    cluster's nodes, reconnects) that asks nothing but ``cases.export`` and decodes each
    answer from its frame straight into :class:`ExportAnswer`. Through the generic path
    (the frame to dicts and lists, then those to the Structs) decoding was half of the
    exporter's time for a million cases."""

    #: How long a page may take (a million-case store's first page counts them all).
    PAGE_TIMEOUT_S: Final = 120.0

    def _receive(self, raw: str | bytes) -> None:
        head = _peek(raw)
        if head.type != "res" or head.id is None:
            super()._receive(raw)
            return
        future = self._pending.get(head.id)
        if future is None or future.done():
            return
        try:
            future.set_result(_decode_page(raw).result)  # type: ignore[arg-type]
        except msgspec.ValidationError as exc:
            future.set_exception(RequestFailed("malformed_answer", f"cases.export: {exc}"))

    async def page(self, args: ExportArgs) -> ExportAnswer:
        wire: dict[str, Any] = msgspec.to_builtins(args)
        answer: Any = await self.request("cases.export", wire, self.PAGE_TIMEOUT_S)
        assert isinstance(answer, ExportAnswer)
        return answer


async def _page(
    pager: Pager,
    plan: ExportPlan,
    after: ExportKey | None,
    count: bool,
    retry_s: float,
    page: int,
) -> ExportAnswer:
    """One page; while the hub is away, asked again every half second for ``retry_s``."""
    deadline = time.monotonic() + retry_s
    ids = None if plan.ids is None else list(plan.ids)
    args = ExportArgs(plan.start, plan.end, after, page, ids, count)
    while True:
        try:
            return await pager(args)
        except RequestFailed as exc:
            if exc.code in AWAY and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
                continue
            raise


async def export_cases(
    pager: Pager,
    plan: ExportPlan,
    *,
    restart: bool = False,
    progress: Progress | None = None,
    retry_s: float = 30.0,
    page: int = PAGE,
    stop_after_pages: int | None = None,
) -> ExportResult:
    """Export ``plan`` through ``pager`` (a connected client's). Raises
    :class:`ExportError` (nothing half-done is lost: the part file and the state stay for
    a resume). ``stop_after_pages`` ends the run early, as an interruption would (tests)."""
    progress = progress or Progress(quiet=True)
    began = time.monotonic()
    part = PartFile(plan, restart, progress.say)
    formatter = RowFormatter(plan.lang)
    start_rows = part.state.rows
    if part.resumed:
        progress.say(f"resuming after {start_rows:,} rows (--restart to start over)")
    pages = 0
    try:
        part.begin(formatter.header())
        answer = await _page(pager, plan, part.state.after, True, retry_s, page)
        part.set_total(answer.total)  # the whole export, resumed or not
        while True:
            # The next page is asked for before this one is written: the hub reads it
            # while this side formats and writes.
            ahead = None
            if answer.next is not None:
                ahead = asyncio.ensure_future(_page(pager, plan, answer.next, False, retry_s, page))
                # Let it send its request now: the writing below does not yield, and a
                # request sent only when it is awaited made the two sides take turns
                # (a million cases took 115 s instead of about 40).
                await asyncio.sleep(0)
            try:
                if answer.rows:
                    as_of = answer.as_of
                    part.add([formatter.cells(r, as_of) for r in answer.rows], _last(answer))
                pages += 1
                progress.update("cases", part.state.rows, part.state.total, start_rows)
                if stop_after_pages is not None and pages >= stop_after_pages and ahead:
                    raise ExportError("stopped early", EXIT_INTERRUPTED)
            except BaseException:
                if ahead is not None:
                    ahead.cancel()
                    with contextlib.suppress(BaseException):
                        await ahead
                raise
            if ahead is None:
                break
            answer = await ahead
    except RequestFailed as exc:
        failure = _failure(exc, plan)
        if failure.code == EXIT_REFUSED and part.state.rows == 0:
            part.discard()  # refused before any row: nothing to resume
        else:
            part.close()
        progress.end_line()
        raise failure from None
    except BaseException:
        part.close()
        progress.end_line()
        raise
    part.close()
    progress.end_line()
    rows = part.state.rows
    if plan.format == "xlsx":
        progress.say(f"{rows:,} rows in; writing {plan.out.name}")
        progress.started = time.monotonic()
        spool_to_xlsx(plan.part, plan.out, lambda n: progress.update("xlsx", n, rows), rows)
        progress.end_line()
        plan.part.unlink()
    else:
        os.replace(plan.part, plan.out)
    with contextlib.suppress(FileNotFoundError):
        plan.state_file.unlink()
    return ExportResult(rows, plan.out, part.resumed, time.monotonic() - began, pages)


def _last(answer: ExportAnswer) -> ExportKey:
    last = answer.rows[-1]
    return (last.reported_at, last.id)


def _failure(exc: RequestFailed, plan: ExportPlan) -> ExportError:
    if exc.code in ("forbidden", "unauthorized"):
        return ExportError(
            f"the hub refused: {exc.message} (an export needs a supervisor's or admin's token)",
            EXIT_REFUSED,
        )
    if exc.code in REFUSALS:
        where = f" ({exc.field})" if exc.field else ""
        return ExportError(f"the hub refused the export{where}: {exc.message}", EXIT_REFUSED)
    return ExportError(
        f"the hub at {plan.hub} was lost ({exc.message}); run the same command again to resume",
        EXIT_LOST,
    )


# ---- the command -------------------------------------------------------------------------

HELP: Final = """\
Export the cases reported in a period (the case register) to CSV or XLSX, over the
hub's stream socket (a supervisor's or admin's token; every page is audited).

--from and --to are dates (YYYY-MM-DD, Asia/Shanghai days: both days included) or
moments (YYYY-MM-DD HH:MM, --to then excluded).

Resuming: while it runs, OUT.part holds the rows so far and OUT.export.json where they
end. If the run stops (the hub lost, Ctrl-C, a crash), run the same command again: it
carries on after the last row written, with nothing doubled or skipped. --restart, or
any other --hub, --from, --to, --format or --lang, starts over. OUT appears (replacing
an older file) only when the export is complete.

Exit codes: 0 done; 1 hub unreachable or lost (resumable); 2 bad arguments or refused
(wrong token or role); 130 interrupted (resumable).
"""


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = HELP
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--hub", required=True, help="ws://HOST:PORT (several: a,b,c)")
    parser.add_argument("--token", required=True, help="a supervisor's or admin's token")
    parser.add_argument("--from", dest="start", required=True, metavar="DATE")
    parser.add_argument("--to", dest="end", required=True, metavar="DATE")
    parser.add_argument("--format", choices=("csv", "xlsx"), help="default: from --out's suffix")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE")
    parser.add_argument("--lang", choices=("zh_CN", "en"), default="zh_CN", help="header language")
    parser.add_argument(
        "--restart", action="store_true", help="start over, even if an unfinished run is resumable"
    )
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=15.0,
        metavar="SECONDS",
        help="how long to wait for the hub, and for it to come back (default 15)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("--log-level", default="WARNING")


def plan_of(args: argparse.Namespace, hub: str) -> ExportPlan:
    """The plan from the command's arguments, or :class:`ExportError` (exit 2) naming the
    argument."""
    try:
        start = parse_when(args.start)
    except ValueError as exc:
        raise ExportError(f"--from: {exc}", EXIT_REFUSED) from None
    try:
        end = parse_when(args.end, end=True)
    except ValueError as exc:
        raise ExportError(f"--to: {exc}", EXIT_REFUSED) from None
    if end <= start:
        raise ExportError(f"--to {args.end} is not after --from {args.start}", EXIT_REFUSED)
    out: Path = args.out
    fmt: Format = args.format or ("xlsx" if out.suffix.lower() == ".xlsx" else "csv")
    if not out.parent.is_dir():
        raise ExportError(f"--out {out}: no folder {out.parent}", EXIT_REFUSED)
    return ExportPlan(hub, start, end, out, fmt, args.lang)


async def _connected(
    url: str, token: str, timeout: float
) -> tuple[ExportClient, asyncio.Task[None]]:
    client = ExportClient(url, token)
    runner = asyncio.create_task(client.run())
    synced = asyncio.create_task(client.wait_synced(timeout))
    await asyncio.wait({runner, synced}, return_when=asyncio.FIRST_COMPLETED)
    if synced.done() and not synced.cancelled() and synced.exception() is None:
        return client, runner
    synced.cancel()
    await client.stop()
    runner.cancel()
    with contextlib.suppress(BaseException):
        await runner
    if client.fatal:
        raise ExportError(f"the hub at {url} refused: {client.fatal}", EXIT_REFUSED)
    raise ExportError(f"cannot reach the hub at {url} within {timeout:g} s", EXIT_LOST)


async def run_export(args: argparse.Namespace, url: str, progress: Progress | None = None) -> int:
    """``watchfloor export``: the exit code (messages on stderr)."""
    progress = progress or Progress(quiet=args.quiet)
    try:
        plan = plan_of(args, url)
        client, runner = await _connected(url, args.token, args.connect_timeout)
        try:
            result = await export_cases(
                client.page,
                plan,
                restart=args.restart,
                progress=progress,
                retry_s=args.connect_timeout,
            )
        finally:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(client.stop(), 2.0)
            runner.cancel()
            with contextlib.suppress(BaseException):
                await runner
    except ExportError as exc:
        print(f"export: {exc}", file=sys.stderr, flush=True)
        return exc.code
    except asyncio.CancelledError:
        # Ctrl-C (asyncio.run cancels this task, then raises KeyboardInterrupt: exit 130).
        print("\nexport: interrupted; the same command resumes", file=sys.stderr, flush=True)
        raise
    rate = (result.rows / result.seconds) if result.seconds > 0 else 0.0
    progress.say(
        f"{result.rows:,} cases written to {result.out} in {result.seconds:.1f} s"
        f" ({rate:,.0f} rows/s)"
    )
    return EXIT_OK


def rows_of(path: Path) -> Iterator[list[str]]:
    """The data rows of an exported CSV (tests, tools): the header skipped."""
    with open(path, newline="", encoding="utf-8-sig") as source:
        reader = csv.reader(source)
        next(reader, None)
        yield from reader
