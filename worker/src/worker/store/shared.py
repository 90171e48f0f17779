"""The database as the server's threads share it: connections kept for reuse, one writer at a time,
and the writes of many requests committed together.

Issue 21: 20 clients writing through their own connections queued in SQLite's busy handler,
which sleeps and retries (p99 near 1 s), and every commit waits for the disk (an fsync, a few
milliseconds), which caps a one-commit-per-request server at a few hundred requests a second.
Here one thread writes what the requests hand it, everything waiting in one transaction, and
every write transaction of the process (the drain's too) takes one lock, in the order asked.
``busy_timeout`` remains, for other processes.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from worker.store.db import WorkerConnection, immediate_transaction, open_database

T = TypeVar("T")
MAX_BATCH = 256  # writes committed together at most
YIELD_SECONDS, YIELD_ROUNDS = 0.001, 20  # the drain waits at most 20 ms for requests' writes


class FairLock:
    """A lock granted in the order asked: a writer never waits for one that came after it."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiting: deque[threading.Lock] = deque()
        self._held = False

    def __enter__(self) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        turn.acquire()  # released by the holder before us, which hands the lock over

    def __exit__(self, *exc_info: object) -> None:
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._held = False


class SharedDatabase:
    def __init__(self, path: Path, keep: int) -> None:
        self.path = path
        self.keep = keep
        self.write_lock = FairLock()
        self._idle: queue.SimpleQueue[WorkerConnection] = queue.SimpleQueue()
        self._writes: queue.SimpleQueue[tuple[Callable[[WorkerConnection], Any], Future[Any]] | None] = \
            queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._writer_started = threading.Lock()
        self._writing = threading.Event()

    @contextmanager
    def connection(self) -> Iterator[WorkerConnection]:
        """An idle connection, or a new one; kept for the next caller unless the database failed
        on it or it was left inside a transaction."""
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = open_database(self.path, write_lock=self.write_lock)
        failed = False
        try:
            yield conn
        except sqlite3.Error:
            failed = True
            raise
        finally:
            if failed or conn.in_transaction or self._idle.qsize() >= self.keep:
                conn.close()
            else:
                self._idle.put(conn)

    def write(self, job: Callable[[WorkerConnection], T]) -> T:
        """Run ``job`` in the writer thread, in one transaction with the other writes waiting then
        (one commit for all), in a savepoint of its own: its error undoes its writes only, and is
        raised here. Returns once committed."""
        with self._writer_started:
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._write_until_closed, name="writer", daemon=True)
                self._writer.start()
        done: Future[T] = Future()
        self._writes.put((job, done))
        return done.result()

    def let_writes_go_first(self) -> None:
        """Wait, briefly, while requests' writes are queued: a request waits for the disk once,
        not behind the background drain too. The wait is bounded so the drain still advances."""
        for _ in range(YIELD_ROUNDS):
            if self._writes.empty() and not self._writing.is_set():
                return
            time.sleep(YIELD_SECONDS)

    def close(self) -> None:
        self._writes.put(None)
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return

    def _write_until_closed(self) -> None:
        while (first := self._writes.get()) is not None:
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._writes.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._writes.put(None)  # stop after this batch
                    break
                batch.append(item)
            self._writing.set()
            try:
                self._commit(batch)
            finally:
                self._writing.clear()

    def _commit(self, batch: list[tuple[Callable[[WorkerConnection], Any], Future[Any]]]) -> None:
        outcomes: list[tuple[Future[Any], Any, BaseException | None]] = []
        try:
            with self.connection() as conn, immediate_transaction(conn):
                for job, done in batch:
                    conn.execute("SAVEPOINT job")
                    try:
                        outcomes.append((done, job(conn), None))
                    except Exception as exc:  # noqa: BLE001 - handed to the request that sent the job
                        conn.execute("ROLLBACK TO job")
                        outcomes.append((done, None, exc))
                    conn.execute("RELEASE job")
        except Exception as exc:  # noqa: BLE001 - the commit failed: every write of the batch with it
            for _, done in batch:
                done.set_exception(exc)
            return
        for done, result, error in outcomes:
            if error is None:
                done.set_result(result)
            else:
                done.set_exception(error)
