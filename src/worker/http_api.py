"""The worker's JSON HTTP API on loopback: accept events, report health, list observations.

Every request gets its own connection; a background thread drains the queue so events
become observations without a separate ``process`` call.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from worker import __version__
from worker.errors import BadInput, WorkerError
from worker.events import MAX_EVENT_BYTES, parse_event_text
from worker.service import database_path, open_store
from worker.store.db import open_database
from worker.store.introspect import recorded_versions
from worker.store.pending import PendingMessageStore

PROCESS_INTERVAL_SECONDS = 0.5
MAX_OBSERVATION_LIMIT = 1000


class WorkerServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], db_path: Path) -> None:
        super().__init__(address, WorkerRequestHandler)
        self.db_path = db_path
        self.stopping = threading.Event()

    def connect(self) -> sqlite3.Connection:
        return open_database(self.db_path)

    def drain_queue_until_stopped(self) -> None:
        conn = self.connect()
        try:
            while not self.stopping.wait(PROCESS_INTERVAL_SECONDS):
                PendingMessageStore(conn).process_all(os.getpid())
        finally:
            conn.close()


class WorkerRequestHandler(BaseHTTPRequestHandler):
    server: WorkerServer
    server_version = f"worker-service/{__version__}"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        """Quiet: the API is polled by hooks; access logs would drown real errors."""

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/api/health":
            self._with_connection(lambda conn: self._health(conn))
        elif url.path == "/api/observations":
            self._with_connection(lambda conn: self._observations(conn, parse_qs(url.query)))
        else:
            self._send(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint: GET {url.path}"})

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/api/events":
            self._send(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint: POST {self.path}"})
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self._send(HTTPStatus.BAD_REQUEST, {"error": "Content-Length is not a number"})
            return
        if length > MAX_EVENT_BYTES:
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": f"event larger than {MAX_EVENT_BYTES} bytes"})
            return
        body = self.rfile.read(length)
        self._with_connection(lambda conn: self._enqueue(conn, body))

    def _health(self, conn: sqlite3.Connection) -> tuple[HTTPStatus, Any]:
        queue = PendingMessageStore(conn).depth()
        return HTTPStatus.OK, {"status": "ok", "version": __version__,
                               "schema_versions": recorded_versions(conn), "queue": queue}

    def _observations(self, conn: sqlite3.Connection, query: dict[str, list[str]]) -> tuple[HTTPStatus, Any]:
        raw = query.get("limit", ["50"])[0]
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_OBSERVATION_LIMIT:
            raise BadInput(f"limit must be an integer from 1 to {MAX_OBSERVATION_LIMIT}")
        return HTTPStatus.OK, {"observations": PendingMessageStore(conn).recent_observations(int(raw))}

    def _enqueue(self, conn: sqlite3.Connection, body: bytes) -> tuple[HTTPStatus, Any]:
        event = parse_event_text(body, source="request body")
        result = PendingMessageStore(conn).enqueue_event(event)
        status = HTTPStatus.CREATED if result.created else HTTPStatus.OK
        return status, {"id": result.id, "created": result.created}

    def _with_connection(self, handle: Any) -> None:
        try:
            conn = self.server.connect()
            try:
                status, body = handle(conn)
            finally:
                conn.close()
        except BadInput as exc:
            status, body = HTTPStatus.BAD_REQUEST, {"error": str(exc)}
        except (WorkerError, sqlite3.Error) as exc:
            status, body = HTTPStatus.SERVICE_UNAVAILABLE, {"error": f"storage: {exc}"}
        self._send(status, body)

    def _send(self, status: HTTPStatus, body: Any) -> None:
        data = json.dumps(body, sort_keys=True).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def serve_forever(directory: Path, *, host: str, port: int) -> None:
    """Migrate once, then serve until interrupted; prints the bound address first."""
    open_store(directory).close()
    server = WorkerServer((host, port), database_path(directory))
    drainer = threading.Thread(target=server.drain_queue_until_stopped, daemon=True)
    drainer.start()
    print(f"listening on http://{host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.stopping.set()
        server.server_close()
