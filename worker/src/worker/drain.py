"""The queue drained in the background while the server answers, by a thread that is started
again when it dies (issue 21: a payload that killed it left the server answering while nothing
was processed any more). What ``/api/health`` says about it comes from ``state``."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from typing import Any

from worker.errors import WorkerError
from worker.store.pending import PendingMessageStore, one_line
from worker.store.shared import SharedDatabase

MAX_RESTART_DELAY_SECONDS = 30.0


class Drainer:
    def __init__(self, database: SharedDatabase, interval: float, stopping: threading.Event,
                 restart_delay: float = 1.0) -> None:
        self.database = database
        self.interval = interval
        self.stopping = stopping
        self.restart_delay = restart_delay
        self.thread: threading.Thread | None = None
        self.restarts = 0
        self.deaths_in_a_row = 0
        self.last_error: str | None = None
        self.next_start = 0.0

    def ensure_running(self) -> None:
        """Start the thread if it is not alive, waiting longer after each death in a row. The
        server calls this between requests."""
        alive = self.thread is not None and self.thread.is_alive()
        if alive or self.stopping.is_set() or time.monotonic() < self.next_start:
            return
        if self.thread is not None:
            self.restarts += 1
        self.thread = threading.Thread(target=self._run, name="drain", daemon=True)
        try:
            self.thread.start()
        except RuntimeError as exc:  # "can't start new thread": out of threads or memory
            self._died(f"cannot start the drain thread: {exc}")

    def state(self) -> dict[str, Any]:
        running = self.thread is not None and self.thread.is_alive()
        state: dict[str, Any] = {"running": running, "restarts": self.restarts}
        if self.last_error is not None:
            state["error"] = self.last_error
        return state

    def drain_once(self) -> None:
        """One pass over the queue. A database that fails (locked by another process, full) is
        tried again next time; anything else is a bug that ends the thread, to be restarted."""
        try:
            with self.database.connection() as conn:
                PendingMessageStore(conn).process_all(os.getpid(), before_each=self.database.let_writes_go_first)
        except (sqlite3.Error, WorkerError, OSError) as exc:
            self.last_error = one_line(f"database: {exc}")
            return
        self.last_error = None
        self.deaths_in_a_row = 0

    def _run(self) -> None:
        try:
            while not self.stopping.wait(self.interval):
                self.drain_once()
        except BaseException as exc:  # noqa: BLE001 - recorded and reported; the thread restarts
            self._died(f"the drain thread died: {type(exc).__name__}: {exc}")

    def _died(self, reason: str) -> None:
        self.last_error = one_line(reason)
        self.next_start = time.monotonic() + min(self.restart_delay * 2 ** self.deaths_in_a_row,
                                                 MAX_RESTART_DELAY_SECONDS)
        self.deaths_in_a_row += 1
