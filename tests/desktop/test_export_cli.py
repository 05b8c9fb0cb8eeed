"""``watchfloor export`` against a real hub on loopback (SQLite; the op's rows are checked
on both databases in tests/hub/test_export.py): the CSV and XLSX hold every case of the
period as the store does, an export interrupted by the hub going away resumes without
duplicates or gaps, and bad dates, a wrong role and a dead hub exit non-zero saying why."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend_client.errors import RequestFailed
from backend_client.protocol.ops import ExportAnswer, ExportArgs
from backend_client.sla import SlaStage, judge_stage
from backend_client.transport import FeedClient
from desktop import export as export_module
from desktop.cli import build_parser, main, stream_url
from desktop.export import (
    COLUMNS,
    EXIT_LOST,
    ExportClient,
    ExportError,
    Progress,
    export_cases,
    judge,
    pager_over,
    plan_of,
    rows_of,
    spool_to_xlsx,
)
from hub.store.models import Incident
from tests.conftest import free_port
from tests.support.hubs import LiveHub, report
from tests.support.workbooks import read_sheets

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _today() -> str:
    return dt.datetime.now(SHANGHAI).date().isoformat()


def _seed(hub: LiveHub, n: int, prefix: str = "8890-cli") -> list[str]:
    ids = []
    for i in range(n):
        fields: dict[str, Any] = {"address": f"城东街道飘萍路{i}号", "lat": 29.08 + i * 1e-4}
        if i % 4 == 0:
            fields["text"] = '门口有人占道, "带引号" 的描述\n第二行'
        status, body = hub.post("/api/v1/reports", report(f"{prefix}-{i:03d}", **fields))
        assert status == 201, body
        ids.append(str(body["id"]))
    # One officer sent to the first case: its team and name are in the register.
    hub.run(hub.hub.apply_case_action(ids[0], "dispatch", "调度员", None, ("U001",)))
    return ids


def _stored(hub: LiveHub) -> list[Incident]:
    """Today's cases as the store holds them, in report order."""
    day = dt.datetime.combine(dt.datetime.now(SHANGHAI).date(), dt.time(), SHANGHAI)
    start = day.timestamp()
    with Session(hub.hub.engine) as session:
        return list(
            session.scalars(
                select(Incident)
                .where(Incident.reported_at >= start, Incident.reported_at < start + 86400)
                .order_by(Incident.reported_at, Incident.id)
            )
        )


def _argv(hub: LiveHub, out: Path, role: str = "supervisor", *extra: str) -> list[str]:
    return [
        "export",
        "--hub",
        f"ws://127.0.0.1:{hub.port}",
        "--token",
        hub.token[role],
        "--from",
        _today(),
        "--to",
        _today(),
        "--out",
        str(out),
        "--quiet",
        *extra,
    ]


def _local(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def test_the_csv_is_every_case_as_stored_with_a_bom_for_excel(hub: LiveHub, tmp_path: Path) -> None:
    _seed(hub, 9)
    out = tmp_path / "cases.csv"
    # As a supervisor runs it: the installed command, in its own process.
    done = subprocess.run(
        [sys.executable, "-m", "desktop.cli", *_argv(hub, out)[:-1]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "9 cases written" in done.stderr

    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw[3:].split(b"\r\n", 1)[0].decode()
    assert header.split(",") == [zh for _key, zh, _en in COLUMNS]
    rows = list(rows_of(out))
    stored = _stored(hub)
    assert [r[0] for r in rows] == [c.id for c in stored] and len(rows) == 9
    col = {key: i for i, (key, _zh, _en) in enumerate(COLUMNS)}
    for row, case in zip(rows, stored, strict=True):
        assert row[col["reported_at"]] == _local(case.reported_at)
        assert row[col["address"]] == case.address and row[col["text"]] == case.text
        assert float(row[col["lat"]]) == pytest.approx(case.lat, abs=1e-7)
        assert row[col["source"]] == "8890热线" and row[col["category"]] == case.category
        assert (row[col["reporter"]], row[col["phone"]]) == ("张女士", "13800000000")
    first = rows[0]
    assert first[col["officers"]] == "警员001(U001)" and first[col["team"]] == "市场监管"
    assert first[col["status"]] == "已派遣" and first[col["accept"]] == "按时"
    assert first[col["dispatched_at"]] != "" and not (tmp_path / "cases.csv.part").exists()
    assert not (tmp_path / "cases.csv.export.json").exists()


def test_an_export_cut_off_by_the_hub_resumes_with_nothing_doubled_or_lost(
    hub: LiveHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(hub, 23)
    out = tmp_path / "cases.csv"
    argv = _argv(hub, out)
    plan = plan_of(build_parser().parse_args(argv), stream_url(argv[2]))
    pages = 0

    async def first_run() -> None:
        client = ExportClient(plan.hub, hub.token["supervisor"], backoff_initial=0.05)
        runner = asyncio.create_task(client.run())
        await client.wait_synced()

        async def pager(args: ExportArgs) -> ExportAnswer:
            nonlocal pages
            pages += 1
            if pages == 3:
                # The hub goes away after two pages of five were written.
                await asyncio.to_thread(hub.stop)
            return await client.page(args)

        try:
            await export_cases(pager, plan, page=5, retry_s=1.0)
        finally:
            await client.stop()
            runner.cancel()

    with pytest.raises(ExportError) as caught:
        asyncio.run(first_run())
    assert caught.value.code == EXIT_LOST and "run the same command again" in str(caught.value)
    assert not out.exists()
    part = tmp_path / "cases.csv.part"
    kept = list(rows_of(part))
    assert 5 <= len(kept) < 23
    # The state beside it: how many rows it counts, of how many, after which key.
    state = json.loads((tmp_path / "cases.csv.export.json").read_text())
    assert (state["rows"], state["total"]) == (len(kept), 23)
    assert state["after"][1] == kept[-1][0]
    # A page half written when the process died: the state does not count it.
    with open(part, "ab") as torn:
        torn.write(b"WC-half-a-row,8890")

    hub.start(seed=False)
    _seed(hub, 2, prefix="8890-late")  # cases keep coming while the export is down
    assert main([*argv[:-1]]) == 0
    assert "resuming after" in capsys.readouterr().err

    ids = [r[0] for r in rows_of(out)]
    stored = [c.id for c in _stored(hub)]
    assert ids == stored and len(stored) == 25 and len(set(ids)) == 25
    assert not part.exists()


def test_other_arguments_or_restart_start_over(hub: LiveHub, tmp_path: Path) -> None:
    _seed(hub, 6)
    out = tmp_path / "cases.csv"
    argv = _argv(hub, out)
    plan = plan_of(build_parser().parse_args(argv), stream_url(argv[2]))

    async def two_pages() -> None:
        client = FeedClient(plan.hub, hub.token["supervisor"])
        runner = asyncio.create_task(client.run())
        await client.wait_synced()
        try:
            # Through any client's plain request too (the desk's way).
            await export_cases(pager_over(client.request), plan, page=2, stop_after_pages=1)
        finally:
            await client.stop()
            runner.cancel()

    with pytest.raises(ExportError):
        asyncio.run(two_pages())
    assert len(list(rows_of(tmp_path / "cases.csv.part"))) == 2
    # English headers are another export: it starts over, and writes all six once.
    assert main([*argv, "--lang", "en"]) == 0
    assert out.read_text(encoding="utf-8-sig").startswith("Case,Source,Category,Status")
    assert [r[0] for r in rows_of(out)] == [c.id for c in _stored(hub)] and len(_stored(hub)) == 6


def test_the_xlsx_opens_with_the_header_and_every_case(hub: LiveHub, tmp_path: Path) -> None:
    _seed(hub, 7)
    # A citizen's report that reads like a formula stays words in the workbook.
    trap = '=HYPERLINK("http://evil.example","点这里")'
    status, _body = hub.post("/api/v1/reports", report("8890-cli-trap", text=trap))
    assert status == 201
    out = tmp_path / "cases.xlsx"
    assert main(_argv(hub, out)) == 0
    rows = next(iter(read_sheets(out).values()))
    assert rows[0] == [zh for _key, zh, _en in COLUMNS]
    stored = _stored(hub)
    assert [r[0] for r in rows[1:]] == [c.id for c in stored] and len(rows) == 9
    text = [key for key, _zh, _en in COLUMNS].index("text")
    assert [r[text] for r in rows[1:] if "HYPERLINK" in str(r[text])] == ["'" + trap]
    lat = [key for key, _zh, _en in COLUMNS].index("lat")
    # Numbers, not text (to 7 decimals, about a centimetre).
    assert [r[lat] for r in rows[1:]] == [pytest.approx(c.lat, abs=1e-7) for c in stored]
    assert not (tmp_path / "cases.xlsx.part").exists()


def _spool(path: Path, ids: list[str], cell: str = "1") -> Path:
    """A spool as the export writes it: the header, then a row per id."""
    width = len(COLUMNS) - 1
    header = ",".join(["a", *(f"h{i}" for i in range(width))])
    path.write_text(
        "\r\n".join([header] + [f"{i}" + f",{cell}" * width for i in ids]) + "\r\n",
        encoding="utf-8",
    )
    return path


def test_more_cases_than_a_sheet_holds_go_on_in_the_next_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_module, "SHEET_ROWS", 3)
    spool = _spool(tmp_path / "spool.csv", [f"WC{i}" for i in range(7)])
    spool_to_xlsx(spool, tmp_path / "out.xlsx")
    book = read_sheets(tmp_path / "out.xlsx")
    assert list(book) == ["案件", "案件(2)", "案件(3)"]
    sheets = [[r[0] for r in rows] for rows in book.values()]
    assert sheets == [["a", "WC0", "WC1", "WC2"], ["a", "WC3", "WC4", "WC5"], ["a", "WC6"]]


def test_the_xlsx_header_is_frozen_and_filters_every_case(tmp_path: Path) -> None:
    spool = _spool(tmp_path / "spool.csv", [f"WC{i}" for i in range(4)])
    spool_to_xlsx(spool, tmp_path / "out.xlsx", rows=4)
    book = load_workbook(tmp_path / "out.xlsx")  # not read-only: styles and the view
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2"
    last = sheet.cell(row=1, column=len(COLUMNS)).column_letter
    assert sheet.auto_filter.ref == f"A1:{last}5"
    assert sheet["A1"].font.b and not sheet["A2"].font.b
    # Number columns are numbers; the rest stay text.
    priority = [key for key, _zh, _en in COLUMNS].index("priority") + 1
    assert sheet.cell(row=2, column=priority).data_type == "n"
    assert sheet.cell(row=2, column=2).data_type == "s"


def test_a_period_without_cases_gives_the_header_alone(tmp_path: Path) -> None:
    spool = _spool(tmp_path / "spool.csv", [])
    spool_to_xlsx(spool, tmp_path / "out.xlsx")
    rows = read_sheets(tmp_path / "out.xlsx")["案件"]
    assert rows == [["a", *(f"h{i}" for i in range(len(COLUMNS) - 1))]]


def test_a_cell_longer_than_excel_holds_is_cut_not_refused(tmp_path: Path) -> None:
    text = [key for key, _zh, _en in COLUMNS].index("text")
    width = len(COLUMNS)
    cells = ["WC1", *("1" for _ in range(width - 1))]
    cells[text] = "长" * 40_000
    spool = tmp_path / "spool.csv"
    header = ",".join(f"h{i}" for i in range(width))
    spool.write_text(f"{header}\r\n{','.join(cells)}\r\n", encoding="utf-8")
    spool_to_xlsx(spool, tmp_path / "out.xlsx")
    row = read_sheets(tmp_path / "out.xlsx")["案件"][1]
    assert row[0] == "WC1" and len(row[text]) == export_module.CELL_CHARS
    assert row[text].endswith("…")


def test_a_spool_that_disagrees_with_its_count_gives_no_workbook(tmp_path: Path) -> None:
    spool = _spool(tmp_path / "spool.csv", ["WC1", "WC2", "WC3"])
    with pytest.raises(ValueError, match="2 cases counted, 3 written"):
        spool_to_xlsx(spool, tmp_path / "out.xlsx", rows=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spool.csv"]
    # A header naming one column twice would merge two columns: refused, not written.
    (tmp_path / "twice.csv").write_text("a,a\r\n1,2\r\n", encoding="utf-8")
    with pytest.raises(ValueError, match="repeated column names"):
        spool_to_xlsx(tmp_path / "twice.csv", tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


def test_a_role_that_may_not_export_is_told_and_leaves_nothing(
    hub: LiveHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(hub, 2)
    out = tmp_path / "cases.csv"
    assert main(_argv(hub, out, "operator")) == 2
    err = capsys.readouterr().err
    assert "may not cases.export" in err and "supervisor" in err
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("cases")) == []


@pytest.mark.parametrize(
    ("start", "end", "named"),
    [("2026-13-01", "2026-12-01", "--from"), ("2026-12-01", "yesterday", "--to")],
)
def test_a_bad_date_is_named(
    start: str, end: str, named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["export", "--hub", "ws://127.0.0.1:9", "--token", "t" * 10]
    argv += ["--from", start, "--to", end, "--out", str(tmp_path / "x.csv")]
    assert main(argv) == 2
    assert f"export: {named}: " in capsys.readouterr().err


def test_a_period_that_ends_before_it_starts_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["export", "--hub", "ws://127.0.0.1:9", "--token", "t" * 10]
    argv += ["--from", "2026-12-02", "--to", "2026-12-01", "--out", str(tmp_path / "x.csv")]
    assert main(argv) == 2
    assert "is not after --from" in capsys.readouterr().err


def test_a_dead_hub_exits_1_saying_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["export", "--hub", f"ws://127.0.0.1:{free_port()}", "--token", "t" * 10]
    argv += ["--from", "2026-12-01", "--to", "2026-12-01", "--out", str(tmp_path / "x.csv")]
    assert main([*argv, "--connect-timeout", "1"]) == EXIT_LOST
    assert "cannot reach the hub" in capsys.readouterr().err


def test_a_failure_other_than_the_hub_going_away_is_not_retried(
    hub: LiveHub, tmp_path: Path
) -> None:
    asked = 0

    async def refusing(args: ExportArgs) -> ExportAnswer:
        nonlocal asked
        asked += 1
        raise RequestFailed("invalid", "end must be after start", "end")

    argv = _argv(hub, tmp_path / "x.csv")
    plan = plan_of(build_parser().parse_args(argv), stream_url(argv[2]))
    with pytest.raises(ExportError) as caught:
        asyncio.run(export_cases(refusing, plan, retry_s=5.0))
    assert caught.value.code == 2 and "(end)" in str(caught.value) and asked == 1


@pytest.mark.parametrize("done", [None, 50.0, 100.0, 150.0])
@pytest.mark.parametrize("missed", [False, True])
@pytest.mark.parametrize("now", [90.0, 100.0, 200.0])
def test_the_register_judges_a_stage_as_the_walls_do(
    done: float | None, missed: bool, now: float
) -> None:
    expected = judge_stage(SlaStage.ACCEPT, 100.0, done, now, recorded_missed=missed).state
    assert judge(100.0, done, missed, now) is expected


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_plain_lines_elsewhere() -> None:
    terminal = _Terminal()
    bar = Progress(stream=terminal)
    bar.update("cases", 250, 1000)
    bar.update("cases", 500, 1000)
    drawn = terminal.getvalue()
    assert drawn.count("\r") == 2 and "\n" not in drawn
    assert " 50.0% 500/1,000" in drawn and "#" * 15 in drawn

    plain = io.StringIO()
    lines = Progress(stream=plain)
    for done in range(0, 1001, 50):
        lines.update("cases", done, 1000)
    # One line per tenth reached, no control characters for a log file.
    written = plain.getvalue().splitlines()
    assert written[-1] == "export: cases 1,000/1,000 rows" and len(written) == 11
    assert "\r" not in plain.getvalue()
