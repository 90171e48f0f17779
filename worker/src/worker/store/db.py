"""Opening the worker's SQLite database and running migrations atomically."""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from worker.errors import StorageError

BUSY_TIMEOUT_MS = 10_000


class WorkerConnection(sqlite3.Connection):
    """A connection whose write transactions first take ``write_lock``. The threads of one process
    that share a lock queue on it, one writer at a time, instead of in SQLite's busy handler,
    which sleeps and retries (issue 21: 1 s tails at 20 clients). ``busy_timeout`` remains for
    other processes. Without a lock, nothing is taken."""

    write_lock: AbstractContextManager[Any] = nullcontext()


def open_database(db_path: str | Path, write_lock: AbstractContextManager[Any] | None = None) -> WorkerConnection:
    """Open (creating if needed) the database in WAL mode with foreign keys and a busy timeout.

    Autocommit mode (``isolation_level=None``): every transaction is explicit, so DDL and
    the rows it moves commit together or not at all. A connection given a ``write_lock`` may be
    passed between the threads that share that lock.
    """
    path = Path(db_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               factory=WorkerConnection, check_same_thread=write_lock is None)
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(f"{path}: cannot open database: {exc}") from exc
    if write_lock is not None:
        conn.write_lock = write_lock
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        enable_wal(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StorageError(f"{path}: not a usable SQLite database: {exc}") from exc
    conn.row_factory = sqlite3.Row
    return conn


def enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL, waiting out another process doing the same on a fresh file.

    The switch needs an exclusive lock and SQLite does not call the busy handler for it, so
    two workers opening a new database at once would otherwise fail with "database is locked".
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.001
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


@contextmanager
def immediate_transaction(conn: WorkerConnection) -> Iterator[WorkerConnection]:
    """One write transaction, taken up front so concurrent writers queue instead of deadlocking."""
    with conn.write_lock:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


@contextmanager
def migration_transaction(conn: WorkerConnection) -> Iterator[WorkerConnection]:
    """Run a whole migration list as one transaction, with foreign keys checked at the end.

    Table rebuilds need ``foreign_keys`` off (it cannot change inside a transaction), so it is
    switched off around the transaction and the result is verified with ``foreign_key_check``
    before committing: an upgrade that adds a dangling reference leaves the database exactly as
    it was. Orphans that were there before are kept (and reported by ``status``). Taking the write lock first makes two processes that open a
    fresh database at once run the migrations one after the other.
    """
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        with immediate_transaction(conn):
            before = dangling_references(conn)
            yield conn
            added = dangling_references(conn) - before
            if added:
                table = sorted(added.elements())[0][0]
                raise StorageError(
                    f"migration left {sum(added.values())} new dangling reference(s), first in {table}; "
                    "nothing was changed"
                )
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def dangling_references(conn: sqlite3.Connection) -> Counter[tuple[str, int | None, str]]:
    """Rows whose foreign key points at nothing. SQLite enforces foreign keys only when asked,
    so real databases hold such orphans from before: a migration is judged by the ones it adds."""
    return Counter((table, rowid, parent) for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check"))
