"""The worker's JSON HTTP API on loopback: accept events, report health, list observations.

Every request gets its own connection; a background thread drains the queue so events
become observations without a separate ``process`` call. Every answer is JSON, errors included.

Who may use it: the local daemons users trust defend against web pages the user visits, and so
does this one. A random token, created in the data directory on first start (mode 0600), is
required as ``Authorization: Bearer ...`` on every endpoint but ``/api/health``; a ``Host`` that is
not a loopback name (DNS rebinding) or an ``Origin`` not on the allow-list is refused with 403;
POST bodies must be ``application/json``, which no cross-origin "simple request" can send.

What one client may cost is bounded (``http_limits``): the time to send headers and body, the
header block's size, the number of connections.
"""

from __future__ import annotations

import hmac
import json
import os
import queue
import secrets
import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from worker import __version__
from worker.drain import Drainer
from worker.errors import BadInput, StorageError, WorkerError
from worker.events import MAX_EVENT_BYTES, parse_event_text
from worker.http_limits import DeadlineSocket, HeaderBlockTooLarge, Limits, RequestReader
from worker.service import database_path, open_store
from worker.store.db import WorkerConnection
from worker.store.introspect import recorded_versions
from worker.store.pending import PendingMessageStore
from worker.store.shared import SharedDatabase

PROCESS_INTERVAL_SECONDS = 0.5
MAX_OBSERVATION_LIMIT = 1000
WRITE_TIMEOUT_SECONDS = 10  # an answer the client does not read
LINGER_BYTES = 4 << 20  # what a refused client may still send while it reads the answer
LINGER_SECONDS = 1.0
TOKEN_FILE = "api-token"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
Answer = tuple[HTTPStatus, Any]
ENDPOINTS = {"/api/health": ("GET",), "/api/observations": ("GET",), "/api/events": ("POST",)}
PUBLIC = frozenset({"/api/health"})


def load_or_create_token(directory: Path) -> str:
    """The API token of this data directory, created on first use (readable by the user only)."""
    path = directory / TOKEN_FILE
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        try:
            token = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise StorageError(f"{path}: cannot read the API token: {exc}") from None
        if not token:
            raise StorageError(f"{path}: the API token file is empty; delete it to make a new one")
        return token
    except OSError as exc:
        raise StorageError(f"{path}: cannot create the API token: {exc.strerror}") from None
    token = secrets.token_urlsafe(32)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    return token


def host_name(header: str) -> str:
    """``Host: [::1]:8080`` → ``::1``; ``localhost:37777`` → ``localhost``."""
    host = header.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class WorkerServer(ThreadingHTTPServer):
    # socketserver's default backlog of 5 drops connections under a burst (a client retries a
    # second later, out of order); the connection cap, not the kernel, decides who is refused.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], db_path: Path, token: str,
                 allowed_origins: frozenset[str] = frozenset(), limits: Limits = Limits()) -> None:
        super().__init__(address, WorkerRequestHandler)
        self.token = token
        self.allowed_origins = allowed_origins
        self.allowed_hosts = LOOPBACK_HOSTS | {address[0].lower()}
        self.limits = limits
        self.stopping = threading.Event()
        self.slots = threading.BoundedSemaphore(limits.max_connections)
        # Daemons, so that stopping the server never waits for a slow client.
        self.connections: queue.SimpleQueue[tuple[Any, Any]] = queue.SimpleQueue()
        for number in range(limits.max_connections):
            threading.Thread(target=self.serve_connections, name=f"request-{number}", daemon=True).start()
        self.database = SharedDatabase(db_path, keep=limits.max_connections)
        self.drainer = Drainer(self.database, PROCESS_INTERVAL_SECONDS, self.stopping)

    def service_actions(self) -> None:
        """Between requests (serve_forever's loop): a drain thread that died is started again."""
        self.drainer.ensure_running()

    def server_close(self) -> None:
        self.stopping.set()
        super().server_close()
        self.database.close()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Each connection is served by one of the threads kept for it (starting a thread per
        connection costs about as much as answering it: half the throughput at 20 clients), or
        refused at once when every slot is taken."""
        if not self.slots.acquire(blocking=False):
            refuse_busy(request, self.limits.max_connections)
            self.shutdown_request(request)
            return
        self.connections.put((request, client_address))

    def serve_connections(self) -> None:
        while True:
            self.process_request_thread(*self.connections.get())

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


def refuse_busy(request: socket.socket, max_connections: int) -> None:
    body = json.dumps({"error": f"too many connections (more than {max_connections}); try again"}).encode()
    head = (f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Retry-After: 1\r\nConnection: close\r\n\r\n").encode()
    try:
        request.settimeout(1)
        request.sendall(head + body)
    except OSError:
        pass


class WorkerRequestHandler(BaseHTTPRequestHandler):
    server: WorkerServer
    server_version = f"worker-service/{__version__}"
    timeout = WRITE_TIMEOUT_SECONDS
    error_content_type = "application/json"
    disable_nagle_algorithm = True  # the body, written after the head, leaves at once, not after an ACK
    rfile: RequestReader

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # replaced by a reader that keeps the deadlines
        self.rfile = RequestReader(DeadlineSocket(self.connection, WRITE_TIMEOUT_SECONDS))

    def handle_one_request(self) -> None:
        """The headers' deadline runs from the connection, or the previous answer: an idle
        connection is closed when it passes, so idle clients cannot hold the connection cap."""
        self.requestline = ""  # stays empty when nothing arrived: no answer, no lingering
        self.rfile.start_phase(self.server.limits.header_seconds)
        super().handle_one_request()

    def parse_request(self) -> bool:
        self.rfile.count_header_lines(self.server.limits)
        try:
            return super().parse_request()
        except HeaderBlockTooLarge as exc:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, str(exc))
        except TimeoutError:
            self.send_error(HTTPStatus.REQUEST_TIMEOUT, "the headers did not arrive in time")
        finally:
            self.rfile.count_header_lines(None)
        return False

    def finish(self) -> None:
        """A lingering close: after an answer sent before the body was read, let what the client is
        still sending arrive (a little, briefly) so it reads the answer instead of a reset."""
        super().finish()
        if self.close_connection and self.requestline:
            try:
                self.connection.shutdown(socket.SHUT_WR)
                deadline = time.monotonic() + LINGER_SECONDS
                drained = 0
                while drained < LINGER_BYTES and (remaining := deadline - time.monotonic()) > 0:
                    self.connection.settimeout(remaining)
                    if not (chunk := self.connection.recv(65536)):
                        break
                    drained += len(chunk)
            except OSError:
                pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        """Quiet: the API is polled by hooks; access logs would drown real errors."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What http.server answers itself (a bad request line, a 70 KB URL, 200 headers, an
        unknown method) is JSON too, never an HTML page."""
        status = HTTPStatus(code)
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            self.request_version = "HTTP/1.1"  # an unreadable request line still gets a status line
        self._send(status, {"error": message or status.phrase}, close=True)

    # --- methods ------------------------------------------------------------------------------

    def _answer(self) -> None:
        self._route(self.command)

    # Every method is routed, so that the ones an endpoint does not take get 405 with Allow.
    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _answer

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        refusal = self._refusal(url.path)
        if refusal is not None:
            self._send(*refusal)
            return
        allowed = ENDPOINTS.get(url.path)
        if allowed is None:
            self._send(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint: {method} {url.path}"})
        elif method not in allowed:
            self._send(HTTPStatus.METHOD_NOT_ALLOWED, {"error": f"{method} is not allowed on {url.path}"},
                       allow=", ".join(allowed))
        elif url.path == "/api/health":
            self._reply(lambda: self._read(self._health))
        elif url.path == "/api/observations":
            self._reply(lambda: self._read(lambda conn: self._observations(conn, parse_qs(url.query))))
        else:
            self._post_event()

    def _refusal(self, path: str) -> tuple[HTTPStatus, dict[str, str]] | None:
        """Who may ask: a loopback Host, an allowed Origin (or none), and the token."""
        host = host_name(self.headers.get("Host", ""))
        if host not in self.server.allowed_hosts:
            return HTTPStatus.FORBIDDEN, {"error": f"Host {host!r} is not a loopback name"}
        origin = self.headers.get("Origin")
        if origin is not None and origin not in self.server.allowed_origins:
            return HTTPStatus.FORBIDDEN, {"error": f"Origin {origin!r} is not allowed"}
        if path in PUBLIC:
            return None
        given = self.headers.get("Authorization", "")
        expected = f"Bearer {self.server.token}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return HTTPStatus.UNAUTHORIZED, {"error": f"missing or wrong token: send Authorization: Bearer <the"
                                                      f" token in the data directory's {TOKEN_FILE}>"}
        return None

    # --- endpoints ----------------------------------------------------------------------------

    def _post_event(self) -> None:
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            self._send(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "the body must be application/json"}, close=True)
            return
        raw = self.headers.get("Content-Length")
        if raw is None:
            self._send(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length is required"}, close=True)
            return
        if not (raw.isascii() and raw.strip().isdecimal()):
            self._send(HTTPStatus.BAD_REQUEST, {"error": "Content-Length must be a whole number of bytes"}, close=True)
            return
        length = int(raw)
        if length > MAX_EVENT_BYTES:
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": f"event larger than {MAX_EVENT_BYTES} bytes"},
                       close=True)
            return
        self.rfile.start_phase(self.server.limits.body_seconds)
        try:
            body = self.rfile.read(length)
        except TimeoutError:
            self._send(HTTPStatus.REQUEST_TIMEOUT, {"error": "the body did not arrive in time"}, close=True)
            return
        if len(body) < length:
            self._send(HTTPStatus.BAD_REQUEST, {"error": "the body is shorter than its Content-Length"}, close=True)
            return
        self._reply(lambda: self._enqueue(body))

    def _health(self, conn: WorkerConnection) -> Answer:
        """``degraded`` while the drain is not running (events are still accepted, and kept)."""
        queue = PendingMessageStore(conn).depth()
        drain = self.server.drainer.state()
        return HTTPStatus.OK, {"status": "ok" if drain["running"] else "degraded", "version": __version__,
                               "schema_versions": recorded_versions(conn), "queue": queue, "drain": drain}

    def _observations(self, conn: WorkerConnection, query: dict[str, list[str]]) -> Answer:
        raw = query.get("limit", ["50"])[0]
        if not (raw.isascii() and raw.isdecimal()) or not 1 <= int(raw) <= MAX_OBSERVATION_LIMIT:
            raise BadInput(f"limit must be an integer from 1 to {MAX_OBSERVATION_LIMIT}")
        return HTTPStatus.OK, {"observations": PendingMessageStore(conn).recent_observations(int(raw))}

    def _enqueue(self, body: bytes) -> Answer:
        event = parse_event_text(body, source="request body")
        result = self.server.database.write(lambda conn: PendingMessageStore(conn).insert_event(event))
        status = HTTPStatus.CREATED if result.created else HTTPStatus.OK
        return status, {"id": result.id, "created": result.created}

    def _read(self, query: Callable[[WorkerConnection], Answer]) -> Answer:
        with self.server.database.connection() as conn:
            return query(conn)

    def _reply(self, compute: Callable[[], Answer]) -> None:
        """Answer with what ``compute`` returns, or with its error, as JSON."""
        try:
            status, body = compute()
        except BadInput as exc:
            status, body = HTTPStatus.BAD_REQUEST, {"error": str(exc)}
        except OSError as exc:  # out of file descriptors, a full disk: say so
            status, body = HTTPStatus.SERVICE_UNAVAILABLE, {"error": f"storage: {exc.strerror or exc}"}
        except (WorkerError, sqlite3.Error) as exc:
            status, body = HTTPStatus.SERVICE_UNAVAILABLE, {"error": f"storage: {exc}"}
        self._send(status, body)

    def _send(self, status: HTTPStatus, body: Any, *, allow: str | None = None, close: bool = False) -> None:
        data = json.dumps(body, sort_keys=True).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if allow is not None:
            self.send_header("Allow", allow)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


def serve_forever(directory: Path, *, host: str, port: int, allowed_origins: frozenset[str] = frozenset(),
                  limits: Limits = Limits()) -> None:
    """Migrate once, then serve until interrupted; prints the bound address first."""
    open_store(directory).close()
    token = load_or_create_token(directory)
    if host_name(host) not in LOOPBACK_HOSTS:
        print(f"serving on {host}, which is not loopback: every endpoint but /api/health requires the token"
              f" in {directory / TOKEN_FILE}", flush=True)
    server = WorkerServer((host, port), database_path(directory), token, allowed_origins, limits)
    server.drainer.ensure_running()
    print(f"listening on http://{host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
