"""The queue end to end: idempotent enqueue, self-healing claims, exactly-once completion."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
import sys
from pathlib import Path

import pytest

from worker.errors import BadInput
from worker.events import event_from_mapping
from worker.store.pending import MAX_ABANDONED_CLAIMS, PendingMessageStore, process_is_alive
from worker.store.session_store import SessionStore


@pytest.fixture
def queue(tmp_path: Path):
    store = SessionStore(tmp_path / "queue.db")
    yield PendingMessageStore(store.conn)
    store.close()


def event(tool_use_id: str = "toolu_1", session: str = "session-1", **extra):
    return event_from_mapping(
        {"content_session_id": session, "tool_use_id": tool_use_id, "tool_name": "Read",
         "tool_input": {"path": "a.py"}, "tool_response": "ok", **extra}
    )


def enqueue(queue: PendingMessageStore, tool_use_id: str = "toolu_1", session: str = "session-1"):
    parsed = event(tool_use_id, session)
    return queue.enqueue(parsed.content_session_id, parsed.tool_use_id, parsed.payload)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def count(queue: PendingMessageStore, table: str) -> int:
    return queue.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_the_same_tool_use_event_enqueued_twice_is_stored_once(queue) -> None:
    first = enqueue(queue)
    second = enqueue(queue)

    assert first.created and not second.created
    assert first.id == second.id
    assert count(queue, "pending_messages") == 1


def test_the_same_tool_use_id_in_another_session_is_another_message(queue) -> None:
    enqueue(queue, session="a")
    enqueue(queue, session="b")
    assert count(queue, "pending_messages") == 2


def test_a_claim_takes_the_oldest_pending_message_for_the_worker(queue) -> None:
    first = enqueue(queue, "t1")
    enqueue(queue, "t2")

    claimed = queue.claim_next(worker_pid=4242)

    assert claimed is not None and claimed.id == first.id
    assert claimed.status == "processing" and claimed.worker_pid == 4242


def test_a_message_held_by_a_dead_worker_is_claimed_again(queue) -> None:
    message = enqueue(queue)
    gone = dead_pid()
    assert queue.claim_next(worker_pid=gone).id == message.id
    assert not process_is_alive(gone)

    reclaimed = queue.claim_next(worker_pid=os_pid())

    assert reclaimed is not None and reclaimed.id == message.id
    assert reclaimed.worker_pid == os_pid()
    assert reclaimed.retry_count == 1


def test_a_message_held_by_a_live_worker_is_not_taken(queue) -> None:
    enqueue(queue)
    assert queue.claim_next(worker_pid=os_pid()) is not None
    assert queue.claim_next(worker_pid=dead_pid()) is None


def test_completion_writes_exactly_one_observation(queue) -> None:
    message = enqueue(queue)
    queue.claim_next(worker_pid=os_pid())

    observation_id = queue.complete(message.id)

    assert count(queue, "observations") == 1
    row = queue.conn.execute("SELECT title, memory_session_id FROM observations WHERE id = ?", (observation_id,)).fetchone()
    assert tuple(row) == ("Read", "mem-session-1")
    assert queue.get(message.id).status == "processed"
    with pytest.raises(BadInput, match="processed, not processing"):
        queue.complete(message.id)
    assert count(queue, "observations") == 1


def test_messages_with_identical_content_yield_one_observation(queue) -> None:
    """Legacy rows (no tool_use_id, as queued before v28) can repeat an event; v29's hash index keeps one."""
    payload = '{"content_session_id": "session-1", "tool_name": "Read", "tool_use_id": "toolu_9"}'
    for _ in range(2):
        queue.conn.execute(
            "INSERT INTO pending_messages (content_session_id, payload, created_at_epoch) VALUES ('session-1', ?, 0)",
            (payload,),
        )
    enqueue(queue)  # creates the session row the observations refer to

    assert queue.process_all(os_pid()) == 3
    assert count(queue, "observations") == 2


def test_fail_marks_the_message_failed(queue) -> None:
    message = enqueue(queue)
    queue.claim_next(worker_pid=os_pid())
    queue.fail(message.id, "a reason")
    assert queue.get(message.id).status == "failed"
    assert queue.claim_next(worker_pid=os_pid()) is None


def test_process_all_drains_the_queue(queue) -> None:
    for n in range(5):
        enqueue(queue, f"t{n}")
    assert queue.process_all(os_pid()) == 5
    assert queue.depth() == {"processed": 5}
    assert count(queue, "observations") == 5


def test_unknown_message_ids_are_bad_input(queue) -> None:
    with pytest.raises(BadInput, match="no pending message with id 99"):
        queue.fail(99, "a reason")


def os_pid() -> int:
    import os

    return os.getpid()


def raw_message(queue: PendingMessageStore, payload, *, status="pending", pid=None, started=None, tool="t") -> int:
    """A row as an older version or another tool may have written it."""
    queue.conn.execute(
        "INSERT INTO pending_messages (content_session_id, tool_use_id, message_type, payload, status, worker_pid,"
        " started_processing_at_epoch, created_at_epoch) VALUES ('session-1', ?, 'tool_use', ?, ?, ?, ?, 1)",
        (tool, payload, status, pid, started))
    queue.conn.commit()
    return queue.conn.execute("SELECT max(id) FROM pending_messages").fetchone()[0]


@pytest.mark.parametrize(("payload", "reason"), [
    ("{not json", "payload is not JSON"),
    ("null", "payload is null, not a JSON object"),
    ("[1, 2]", "payload is a JSON array, not a JSON object"),
    ('"text"', "payload is a JSON string, not a JSON object"),
    ('{"tool_input": {}}', "payload has no tool_name"),
    ('{"tool_name": "R", "agent_type": ["a"]}', "payload field 'agent_type' must be a string when given, not array"),
    ('{"tool_name": "R", "agent_id": {"a": 1}}', "payload field 'agent_id' must be a string when given, not object"),
    ('{"tool_name": "R", "platform_source": ["a"]}', "payload field 'platform_source' must be a string"),
    ('{"tool_name": "R", "x": ' + "[" * 100_000 + "]" * 100_000 + "}", "payload is not JSON (nested too deeply"),
])
def test_a_poison_message_is_set_aside_with_its_reason_and_the_rest_are_done(queue, payload: str, reason: str) -> None:
    enqueue(queue, "toolu_before")
    poison = raw_message(queue, payload)
    enqueue(queue, "toolu_after")

    assert queue.process_all(worker_pid=1) == 2
    assert queue.get(poison).status == "failed"
    [failure] = queue.failures()
    assert failure["id"] == poison and failure["reason"].startswith(reason)
    assert queue.process_all(worker_pid=1) == 0  # and it never blocks a later drain


def test_a_claim_left_without_a_pid_by_a_worker_from_before_28_is_claimed_again_once_stale(queue) -> None:
    fresh = raw_message(queue, json.dumps({"tool_name": "Read"}), status="processing",
                        started=int(time.time() * 1000), tool="recent")
    stale = raw_message(queue, json.dumps({"tool_name": "Read"}), status="processing", started=1, tool="old")
    never = raw_message(queue, json.dumps({"tool_name": "Read"}), status="processing", started=None, tool="never")

    claimed = [queue.claim_next(worker_pid=7).id, queue.claim_next(worker_pid=7).id]
    assert sorted(claimed) == [stale, never]
    assert queue.claim_next(worker_pid=7) is None  # a recent claim may still be in progress
    assert queue.get(fresh).status == "processing"


def test_nulls_where_a_table_allowed_them_neither_crash_status_nor_processing(tmp_path: Path) -> None:
    path = tmp_path / "lax.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE pending_messages (id INTEGER PRIMARY KEY AUTOINCREMENT, claude_session_id TEXT,"
                 " message_type TEXT, payload TEXT, status TEXT, retry_count INTEGER, created_at_epoch INTEGER,"
                 " started_processing_at_epoch INTEGER, completed_at_epoch INTEGER)")
    conn.execute("INSERT INTO pending_messages (claude_session_id, payload, status) VALUES ('s', NULL, 'pending')")
    conn.execute("INSERT INTO pending_messages (claude_session_id, payload, status) VALUES ('s', ?, NULL)",
                 (json.dumps({"tool_name": "Read"}),))
    conn.commit()
    conn.close()
    with SessionStore(path) as store:
        queue = PendingMessageStore(store.conn)
        assert queue.depth() == {"pending": 1, "pending (NULL status)": 1}
        assert queue.process_all(worker_pid=1) == 1
        assert [f["reason"] for f in queue.failures()] == ["payload is null, not a JSON object"]


def test_whatever_goes_wrong_completing_one_message_sets_it_aside_and_the_rest_are_done(queue, monkeypatch) -> None:
    enqueue(queue, "toolu_before")
    unlucky = enqueue(queue, "toolu_unlucky").id
    enqueue(queue, "toolu_after")
    write = PendingMessageStore._write_observation

    def fails_for_one(self, message):
        if message.id == unlucky:
            raise RuntimeError("something no check foresaw\non two lines")
        return write(self, message)

    monkeypatch.setattr(PendingMessageStore, "_write_observation", fails_for_one)
    assert queue.process_all(worker_pid=os_pid()) == 2
    assert queue.failures() == [{"id": unlucky, "reason": "RuntimeError: something no check foresaw on two lines"}]


def test_a_database_error_stops_the_drain_and_the_same_worker_claims_the_message_again(queue, monkeypatch) -> None:
    message = enqueue(queue).id
    complete = PendingMessageStore.complete
    monkeypatch.setattr(PendingMessageStore, "complete",
                        lambda self, message_id: (_ for _ in ()).throw(sqlite3.OperationalError("disk I/O error")))
    with pytest.raises(sqlite3.OperationalError):
        queue.process_all(worker_pid=os_pid())
    assert queue.get(message).status == "processing"  # not set aside: the message is not to blame

    monkeypatch.setattr(PendingMessageStore, "complete", complete)
    assert queue.process_all(worker_pid=os_pid()) == 1
    assert queue.get(message).retry_count == 1 and queue.failures() == []


def test_a_message_whose_every_claim_ends_without_an_answer_is_set_aside_after_a_few(queue) -> None:
    """A message that kills its worker each time (a crash no except clause sees) must not stop
    every later run: the reclaims are counted."""
    killer = raw_message(queue, json.dumps({"tool_name": "Read"}), tool="killer")
    enqueue(queue, "toolu_after")
    for _ in range(MAX_ABANDONED_CLAIMS):
        assert queue.claim_next(worker_pid=dead_pid()).id == killer
    assert queue.process_all(worker_pid=os_pid()) == 1
    [failure] = queue.failures()
    assert failure["id"] == killer and failure["reason"].startswith(f"claimed {MAX_ABANDONED_CLAIMS} times and never")
