"""The background drain: a thread that dies is started again, and its state says why it is not
running when it cannot be."""

from __future__ import annotations

import sqlite3
import threading
import time

from worker.drain import Drainer
from worker.store.pending import PendingMessageStore

from .store.test_pending import event


def wait_for(condition, attempts: int = 200) -> None:
    for _ in range(attempts):
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("the condition never held")


def test_a_drain_thread_that_dies_is_started_again_and_drains(database, monkeypatch) -> None:
    process_all = PendingMessageStore.process_all
    calls = []

    def dies_the_first_time(self, worker_pid, **options):
        calls.append(worker_pid)
        if len(calls) == 1:
            raise RecursionError("a bug no except clause foresaw")
        return process_all(self, worker_pid, **options)

    monkeypatch.setattr(PendingMessageStore, "process_all", dies_the_first_time)
    with database.connection() as conn:
        PendingMessageStore(conn).enqueue_event(event())
    drainer = Drainer(database, interval=0.01, stopping=threading.Event(), restart_delay=0)
    drainer.ensure_running()
    wait_for(lambda: not drainer.thread.is_alive())
    assert drainer.state() == {"running": False, "restarts": 0,
                               "error": "the drain thread died: RecursionError: a bug no except clause foresaw"}

    drainer.ensure_running()
    wait_for(lambda: drainer.state() == {"running": True, "restarts": 1})
    with database.connection() as conn:
        wait_for(lambda: PendingMessageStore(conn).depth() == {"processed": 1})
    drainer.stopping.set()


def test_a_drain_thread_that_cannot_be_started_is_reported(database, monkeypatch) -> None:
    def no_threads_left(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_threads_left)
    drainer = Drainer(database, interval=0.01, stopping=threading.Event(), restart_delay=0)
    drainer.ensure_running()
    assert drainer.state() == {"running": False, "restarts": 0,
                               "error": "cannot start the drain thread: can't start new thread"}


def test_a_failing_database_is_tried_again_and_reported_meanwhile(database, monkeypatch) -> None:
    monkeypatch.setattr(PendingMessageStore, "process_all",
                        lambda self, pid, **options: (_ for _ in ()).throw(sqlite3.OperationalError("database is locked")))
    drainer = Drainer(database, interval=0.01, stopping=threading.Event())
    drainer.drain_once()
    assert drainer.state() == {"running": False, "restarts": 0, "error": "database: database is locked"}
    monkeypatch.undo()
    drainer.drain_once()
    assert "error" not in drainer.state()
