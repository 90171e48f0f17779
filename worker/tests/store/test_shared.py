"""The database the server's threads share: writes committed together, each undone alone when it
fails, and the write lock granted in the order asked."""

from __future__ import annotations

import threading

import pytest

from worker.store.pending import PendingMessageStore
from worker.store.shared import FairLock

from .test_pending import event


def test_writes_from_many_threads_are_all_committed_once(database) -> None:
    results: list = []

    def post(number: int) -> None:
        results.append(database.write(lambda conn: PendingMessageStore(conn).insert_event(event(f"t{number}"))))

    threads = [threading.Thread(target=post, args=(number,)) for number in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(result.id for result in results) == list(range(1, 41)) and all(r.created for r in results)
    with database.connection() as conn:
        assert PendingMessageStore(conn).depth() == {"pending": 40}


def test_a_write_that_fails_is_undone_alone_and_its_error_raised_to_its_caller(database) -> None:
    def writes_then_fails(conn):
        PendingMessageStore(conn).insert_event(event("undone"))
        raise ValueError("this request's own mistake")

    with pytest.raises(ValueError, match="own mistake"):
        database.write(writes_then_fails)
    database.write(lambda conn: PendingMessageStore(conn).insert_event(event("kept")))
    with database.connection() as conn:
        assert [row[0] for row in conn.execute("SELECT tool_use_id FROM pending_messages")] == ["kept"]


def test_the_write_lock_is_granted_in_the_order_asked() -> None:
    lock = FairLock()
    order: list[int] = []
    lock.__enter__()
    threads = []
    for number in range(5):
        def take(number: int = number) -> None:
            with lock:
                order.append(number)
        threads.append(threading.Thread(target=take))
        threads[-1].start()
        while len(lock._waiting) < number + 1:  # each asks only after the one before is queued
            threading.Event().wait(0.001)
    lock.__exit__(None, None, None)
    for thread in threads:
        thread.join()
    assert order == [0, 1, 2, 3, 4]
