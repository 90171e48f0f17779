"""SessionStore: what the shipped worker runs must reach exactly the registry's schema."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from bundler.runtime.schema import snapshot_file
from worker.store.session_store import SessionStore

from ..conftest import REGISTERED_VERSIONS, table_contents


def open_and_close(path: Path) -> None:
    SessionStore(path).close()


def test_a_fresh_database_gets_the_same_schema_and_versions_as_the_runner(tmp_path: Path, runner_db) -> None:
    store_path = tmp_path / "store.db"
    open_and_close(store_path)

    store_schema = snapshot_file(store_path)
    runner_schema = snapshot_file(runner_db())

    assert store_schema == runner_schema
    assert store_schema["versions"] == REGISTERED_VERSIONS
    assert "ux_pending_session_tool" in store_schema["indexes"]


def test_the_incident_database_heals_on_open_and_keeps_every_row(incident_db: Path) -> None:
    before = table_contents(incident_db)
    conn = sqlite3.connect(incident_db)
    old_rows = {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in before if t != "schema_versions"}
    conn.close()

    open_and_close(incident_db)

    schema = snapshot_file(incident_db)
    pending_columns = schema["tables"]["pending_messages"]["columns"]
    assert pending_columns["tool_use_id"]["type"] == "TEXT"
    assert pending_columns["worker_pid"]["type"] == "INTEGER"
    assert schema["indexes"]["idx_pending_messages_worker_pid"]["columns"] == ["worker_pid"]
    unique = schema["indexes"]["ux_pending_session_tool"]
    assert unique["unique"] and unique["columns"] == ["content_session_id", "tool_use_id"]
    assert unique["where"] == "tool_use_id IS NOT NULL"
    assert schema["versions"] == REGISTERED_VERSIONS

    conn = sqlite3.connect(incident_db)
    for table, rows in old_rows.items():
        width = len(rows[0]) if rows else 0
        now = conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
        assert [row[:width] for row in now] == rows, table
    conn.close()
    after = table_contents(incident_db)
    added = len(set(REGISTERED_VERSIONS)) - before["schema_versions"][0]  # 28, and what came after 29
    assert {t: n for t, (n, _) in after.items()} == {t: n + (added if t == "schema_versions" else 0) for t, (n, _) in before.items()}


def test_the_healed_incident_database_matches_a_fresh_one(incident_db: Path, runner_db) -> None:
    open_and_close(incident_db)
    assert snapshot_file(incident_db) == snapshot_file(runner_db())


def test_opening_ten_times_changes_neither_schema_nor_recorded_versions(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    open_and_close(path)
    first_schema = snapshot_file(path)
    conn = sqlite3.connect(path)
    first_versions = conn.execute("SELECT * FROM schema_versions ORDER BY version").fetchall()
    conn.close()

    for _ in range(10):
        open_and_close(path)

    conn = sqlite3.connect(path)
    assert conn.execute("SELECT * FROM schema_versions ORDER BY version").fetchall() == first_versions
    conn.close()
    assert snapshot_file(path) == first_schema


def _open_in_child(path: str, start: multiprocessing.synchronize.Event, results: multiprocessing.Queue) -> None:
    start.wait()
    try:
        with SessionStore(path) as store:
            results.put(store.versions())
    except Exception as exc:  # reported to the parent, which fails the test with it
        results.put(f"{type(exc).__name__}: {exc}")


@pytest.mark.parametrize("attempt", range(20))
def test_two_processes_opening_one_fresh_database_at_once_both_succeed(tmp_path: Path, attempt: int) -> None:
    context = multiprocessing.get_context("fork")
    path = str(tmp_path / f"race-{attempt}.db")
    start = context.Event()
    results = context.Queue()
    children = [context.Process(target=_open_in_child, args=(path, start, results)) for _ in range(2)]
    for child in children:
        child.start()
    start.set()
    for child in children:
        child.join(timeout=60)
    outcomes = [results.get(timeout=5) for _ in children]
    assert outcomes == [REGISTERED_VERSIONS, REGISTERED_VERSIONS]
    assert all(child.exitcode == 0 for child in children)


def test_a_failed_migration_leaves_the_database_as_it_was(incident_db: Path) -> None:
    conn = sqlite3.connect(incident_db)
    # A duplicate hash that v29's UNIQUE index cannot accept is impossible after dedup, so
    # break the upgrade another way: a trigger that aborts any ALTER-created index write.
    conn.execute(
        "CREATE TRIGGER refuse_versions BEFORE INSERT ON schema_versions"
        " BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    conn.close()
    before = snapshot_file(incident_db)
    contents = table_contents(incident_db)

    with pytest.raises(sqlite3.IntegrityError, match="refused"):
        SessionStore(incident_db)

    assert snapshot_file(incident_db) == before
    assert table_contents(incident_db) == contents


@pytest.mark.parametrize("shape", ["fresh", "incident"])
def test_a_second_open_of_a_migrated_database_writes_nothing(tmp_path: Path, incident_db: Path, shape: str) -> None:
    path = tmp_path / "fresh.db" if shape == "fresh" else incident_db
    with SessionStore(path) as store:
        store.conn.execute("INSERT INTO sdk_sessions (content_session_id, memory_session_id, project, started_at,"
                           " started_at_epoch) VALUES ('c-extra', 'm-extra', 'p', 'now', 1)")
        store.conn.execute("INSERT INTO observations (memory_session_id, project, type, content_hash, created_at,"
                           " created_at_epoch) VALUES ('m-extra', 'p', 'note', 'h1', 'now', 1)")
        store.conn.execute("INSERT INTO observation_feedback (observation_id, signal, created_at_epoch)"
                           " SELECT id, 'up', 1 FROM observations")
        store.conn.commit()
    with SessionStore(path) as store:
        assert store.conn.total_changes == 0
