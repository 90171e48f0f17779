"""The pending-message queue: enqueue tool-use events, claim them per worker, complete them.

Claims are self-healing: a message held by a worker whose process is gone is claimed again,
so a crashed worker never strands its queue (the v28 ``worker_pid`` column exists for this).
Nothing about one message may stop the others (issue 21): whatever goes wrong turning it into an
observation sets it aside with its reason, and a message whose every claim ended without an
answer (it killed its worker, or the database failed each time) is set aside after a few.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from worker.errors import BadInput
from worker.events import ToolUseEvent, json_kind, text_field_problem
from worker.store.db import WorkerConnection, immediate_transaction


@dataclass(frozen=True)
class PendingMessage:
    id: int
    content_session_id: str
    tool_use_id: str | None
    payload: Any  # a dict when well formed; whatever the row holds otherwise (see problem)
    status: str | None
    worker_pid: int | None
    retry_count: int


    @property
    def problem(self) -> str | None:
        """Why this message cannot become an observation, or None when it can."""
        if not isinstance(self.payload, dict):
            return f"payload is {describe(self.payload)}, not a JSON object"
        if not isinstance(self.payload.get("tool_name"), str) or not self.payload["tool_name"]:
            return "payload has no tool_name"
        problem = text_field_problem(self.payload)
        return None if problem is None else f"payload {problem}"


class Unreadable:
    """A payload that is not JSON at all (written by an older version or another tool)."""

    def __init__(self, error: str) -> None:
        self.error = error


def describe(payload: Any) -> str:
    if isinstance(payload, Unreadable):
        return f"not JSON ({payload.error})"
    return "null" if payload is None else f"a JSON {json_kind(payload)}"


def parse_payload(text: Any) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError) as exc:
        return Unreadable(str(exc).split(":")[0])
    except RecursionError:
        return Unreadable("nested too deeply to read")


def blames_the_database(error: Exception) -> bool:
    """Errors any message would meet (locked, full, read-only, damaged): they stop the drain, which
    tries again later, instead of setting a good message aside."""
    return isinstance(error, (sqlite3.OperationalError, OSError, MemoryError)) or type(error) is sqlite3.DatabaseError


def one_line(reason: str, limit: int = 500) -> str:
    """A reason fit for the failure_reason column and a status line: one line, bounded, UTF-8."""
    flat = " ".join(reason.split())
    return (flat if len(flat) <= limit else flat[:limit - 3] + "...").encode("utf-8", "replace").decode("utf-8")


# A claim without a worker pid (left by a worker from before v28) is abandoned after this long.
STRANDED_CLAIM_MS = 5 * 60 * 1000
# A message whose claims ended this many times without an answer (its worker died each time) is set aside.
MAX_ABANDONED_CLAIMS = 3


@dataclass(frozen=True)
class EnqueueResult:
    id: int
    created: bool


def process_is_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def memory_session_id_for(content_session_id: str) -> str:
    return f"mem-{content_session_id}"


def content_hash(memory_session_id: str, payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{memory_session_id}\0{canonical}".encode()).hexdigest()[:32]


class PendingMessageStore:
    def __init__(self, conn: WorkerConnection) -> None:
        self.conn = conn

    def enqueue(self, content_session_id: str, tool_use_id: str, payload: dict[str, Any]) -> EnqueueResult:
        """Store the event once: a second enqueue of the same (session, tool use) is a no-op."""
        with immediate_transaction(self.conn):
            return self._insert(content_session_id, tool_use_id, payload)

    def enqueue_event(self, event: ToolUseEvent) -> EnqueueResult:
        return self.enqueue(event.content_session_id, event.tool_use_id, event.payload)

    def insert_event(self, event: ToolUseEvent) -> EnqueueResult:
        """``enqueue_event`` inside the caller's transaction (the server's group commit)."""
        return self._insert(event.content_session_id, event.tool_use_id, event.payload)

    def _insert(self, content_session_id: str, tool_use_id: str, payload: dict[str, Any]) -> EnqueueResult:
        now = int(time.time() * 1000)
        self._ensure_session(content_session_id, payload, now)
        cursor = self.conn.execute(
            "INSERT OR IGNORE INTO pending_messages (content_session_id, tool_use_id,"
            " message_type, payload, created_at_epoch, agent_type, agent_id)"
            " VALUES (?, ?, 'tool_use', ?, ?, ?, ?)",
            (
                content_session_id,
                tool_use_id,
                json.dumps(payload, sort_keys=True),
                now,
                payload.get("agent_type"),
                payload.get("agent_id"),
            ),
        )
        row = self.conn.execute(
            "SELECT id FROM pending_messages WHERE content_session_id = ? AND tool_use_id = ?",
            (content_session_id, tool_use_id),
        ).fetchone()
        return EnqueueResult(id=row[0], created=cursor.rowcount == 1)

    def _ensure_session(self, content_session_id: str, payload: dict[str, Any], now_ms: int) -> None:
        project = str(payload.get("project") or "unknown")
        self.conn.execute(
            "INSERT OR IGNORE INTO sdk_sessions (content_session_id, memory_session_id, project,"
            " started_at, started_at_epoch, platform_source) VALUES (?, ?, ?, ?, ?, ?)",
            (
                content_session_id,
                memory_session_id_for(content_session_id),
                project,
                datetime.now(timezone.utc).isoformat(),
                now_ms,
                payload.get("platform_source"),
            ),
        )

    def claim_next(self, worker_pid: int) -> PendingMessage | None:
        """Claim the oldest pending message, or one held by a worker that is no longer alive, or
        one claimed without a pid (by a worker from before v28) longer ago than STRANDED_CLAIM_MS.
        A NULL status (a table created without NOT NULL) counts as pending. A message whose last
        MAX_ABANDONED_CLAIMS claims all ended without an answer is set aside instead."""
        with immediate_transaction(self.conn):
            dead_holders = [
                pid
                for (pid,) in self.conn.execute(
                    "SELECT DISTINCT worker_pid FROM pending_messages"
                    " WHERE status = 'processing' AND worker_pid IS NOT NULL"
                )
                if pid != worker_pid and not process_is_alive(pid)
            ]
            now = int(time.time() * 1000)
            marks = ", ".join("?" * len(dead_holders))
            reclaimable = f" OR (status = 'processing' AND worker_pid IN ({marks}))" if dead_holders else ""
            while True:
                row = self.conn.execute(
                    "SELECT id, coalesce(retry_count, 0) + (CASE WHEN status = 'processing' THEN 1 ELSE 0 END)"
                    f" FROM pending_messages WHERE status = 'pending' OR status IS NULL{reclaimable}"
                    " OR (status = 'processing' AND worker_pid IS NULL"
                    "     AND coalesce(started_processing_at_epoch, 0) < ?)"
                    " ORDER BY id LIMIT 1",
                    (*dead_holders, now - STRANDED_CLAIM_MS),
                ).fetchone()
                if row is None:
                    return None
                message_id, abandoned = row
                if abandoned < MAX_ABANDONED_CLAIMS:
                    break
                self._set_aside(message_id, f"claimed {abandoned} times and never completed: each time its"
                                            " worker stopped or the database failed")
            self.conn.execute(
                "UPDATE pending_messages SET status = 'processing', worker_pid = ?, started_processing_at_epoch = ?,"
                " retry_count = ? WHERE id = ?",
                (worker_pid, now, abandoned, message_id),
            )
            return self.get(message_id)

    def take_back_claims(self, worker_pid: int) -> None:
        """Return to the queue what an interrupted drain of this same worker left claimed (a
        database error, a drain thread that died), counting each as a claim abandoned."""
        if self.conn.execute("SELECT 1 FROM pending_messages WHERE status = 'processing' AND worker_pid = ?",
                             (worker_pid,)).fetchone() is None:
            return
        with immediate_transaction(self.conn):
            self.conn.execute(
                "UPDATE pending_messages SET status = 'pending', retry_count = coalesce(retry_count, 0) + 1"
                " WHERE status = 'processing' AND worker_pid = ?", (worker_pid,))

    def get(self, message_id: int) -> PendingMessage:
        row = self.conn.execute(
            "SELECT id, content_session_id, tool_use_id, payload, status, worker_pid, retry_count"
            " FROM pending_messages WHERE id = ?",
            (message_id,),
        ).fetchone()
        if row is None:
            raise BadInput(f"no pending message with id {message_id}")
        return PendingMessage(
            id=row[0],
            content_session_id=row[1],
            tool_use_id=row[2],
            payload=parse_payload(row[3]),
            status=row[4],
            worker_pid=row[5],
            retry_count=row[6],
        )

    def complete(self, message_id: int) -> int:
        """Turn a claimed message into exactly one observation; returns the observation's id."""
        with immediate_transaction(self.conn):
            message = self.get(message_id)
            if message.status != "processing":
                raise BadInput(f"message {message_id} is {message.status}, not processing")
            if message.problem is not None:
                raise BadInput(f"message {message_id}: {message.problem}")
            observation_id = self._write_observation(message)
            self.conn.execute(
                "UPDATE pending_messages SET status = 'processed', completed_at_epoch = ? WHERE id = ?",
                (int(time.time() * 1000), message_id),
            )
        return observation_id

    def _write_observation(self, message: PendingMessage) -> int:
        memory_session_id = memory_session_id_for(message.content_session_id)
        payload = message.payload
        digest = content_hash(memory_session_id, payload)
        now = datetime.now(timezone.utc)
        # Rows written by an older version or another tool may have no session yet.
        self._ensure_session(message.content_session_id, payload, int(now.timestamp() * 1000))
        self.conn.execute(
            "INSERT OR IGNORE INTO observations (memory_session_id, project, text, type, title,"
            " narrative, files_read, content_hash, agent_type, agent_id, created_at,"
            " created_at_epoch) VALUES (?, ?, ?, 'tool_use', ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                memory_session_id,
                str(payload.get("project") or "unknown"),
                json.dumps(payload.get("tool_response"), sort_keys=True),
                message.payload["tool_name"],
                json.dumps(payload.get("tool_input"), sort_keys=True),
                json.dumps(payload.get("files_read")) if payload.get("files_read") else None,
                digest,
                payload.get("agent_type"),
                payload.get("agent_id"),
                now.isoformat(),
                int(now.timestamp() * 1000),
            ),
        )
        return self.conn.execute(
            "SELECT id FROM observations WHERE memory_session_id = ? AND content_hash = ?",
            (memory_session_id, digest),
        ).fetchone()[0]

    def fail(self, message_id: int, reason: str) -> None:
        """Set a message aside with its reason (dead-letter): it no longer blocks the queue."""
        with immediate_transaction(self.conn):
            if self.conn.execute("SELECT 1 FROM pending_messages WHERE id = ?", (message_id,)).fetchone() is None:
                raise BadInput(f"no pending message with id {message_id}")
            self._set_aside(message_id, reason)

    def _set_aside(self, message_id: int, reason: str) -> None:
        self.conn.execute(
            "UPDATE pending_messages SET status = 'failed', failed_at_epoch = ?, failure_reason = ? WHERE id = ?",
            (int(time.time() * 1000), one_line(reason), message_id),
        )

    def depth(self) -> dict[str, int]:
        rows = self.conn.execute("SELECT status, count(*) FROM pending_messages GROUP BY status")
        return {status if status is not None else "pending (NULL status)": count for status, count in rows}

    def failures(self, limit: int = 20) -> list[dict[str, Any]]:
        """The messages set aside, newest first, with why."""
        rows = self.conn.execute(
            "SELECT id, coalesce(failure_reason, 'no reason recorded') FROM pending_messages"
            " WHERE status = 'failed' ORDER BY id DESC LIMIT ?", (limit,))
        return [{"id": row[0], "reason": row[1]} for row in rows]

    def process_all(self, worker_pid: int, *, before_each: Callable[[], None] = lambda: None) -> int:
        """Claim and complete until the queue is empty; a message that cannot be turned into
        an observation, whatever the reason, is set aside with it instead of blocking the rest.
        Only an error of the database itself stops the drain (the message is claimed again).
        ``before_each`` runs before each claim (the server lets waiting requests write first)."""
        self.take_back_claims(worker_pid)
        done = 0
        while True:
            before_each()
            if (message := self.claim_next(worker_pid)) is None:
                return done
            reason = message.problem
            if reason is None:
                try:
                    self.complete(message.id)
                except Exception as exc:  # noqa: BLE001 - anything one message causes sets it aside
                    if blames_the_database(exc):
                        raise
                    reason = f"{type(exc).__name__}: {exc}"
            if reason is not None:
                self.fail(message.id, reason)
                continue
            done += 1

    def recent_observations(self, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT id, memory_session_id, project, type, title, text, content_hash, created_at"
            " FROM observations ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [dict(row) for row in rows]
