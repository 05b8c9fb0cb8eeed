"""SQLite's WAL is checkpointed by the hub in the background, not by a committing writer."""

from __future__ import annotations

from pathlib import Path

from hub.store.db import checkpoint, make_engine

BLOB = b"x" * 4000  # about one page per row


def _write(url: str, *, background: bool) -> tuple[int, int, int]:
    engine = make_engine(url, background_checkpoint=background)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (payload BLOB)")
    for _ in range(30):  # ~3,000 pages in 30 commits: past SQLite's 1,000-page default
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO t (payload) VALUES " + ",".join(["(?)"] * 100), tuple([BLOB] * 100)
            )
    result = checkpoint(engine)
    assert result is not None
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 3000
    engine.dispose()
    return result


def test_commits_leave_the_wal_to_the_background_checkpoint(tmp_path: Path) -> None:
    busy, wal_pages, copied = _write(f"sqlite:///{tmp_path / 'hub.db'}", background=True)
    # No commit checkpointed: every page written is still in the WAL, and one PASSIVE
    # checkpoint with nobody reading copies all of them.
    assert busy == 0
    assert wal_pages >= 3000
    assert copied == wal_pages


def test_by_default_a_commit_checkpoints_on_its_own_thread(tmp_path: Path) -> None:
    _busy, wal_pages, _copied = _write(f"sqlite:///{tmp_path / 'tool.db'}", background=False)
    # The commit that crossed 1,000 pages checkpointed (and restarted the WAL) itself:
    # the stall the hub's writer no longer takes.
    assert wal_pages < 2000


def test_checkpoint_is_a_no_op_answer_for_other_databases() -> None:
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1/test")
    assert checkpoint(engine) is None
