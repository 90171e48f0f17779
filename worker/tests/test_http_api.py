"""The JSON HTTP API, served by a real `worker-service serve` on an ephemeral loopback port, and
spoken to over real sockets: every answer is JSON with the right status, the server stays up, and
neither a web page the user visits nor a rebinding DNS name can use it."""

from __future__ import annotations

import json
import sqlite3
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

EVENT = {"content_session_id": "s1", "tool_use_id": "toolu_1", "tool_name": "Read", "tool_input": {"p": 1}}


@dataclass
class Api:
    base_url: str
    token: str

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def request(self, path: str, method: str = "GET", body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, dict]:
        """A request as the worker's own hooks send it: with the token, JSON bodies as JSON."""
        sent = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json", **(headers or {})}
        req = urllib.request.Request(self.base_url + path, data=body, method=method,
                                     headers={k: v for k, v in sent.items() if v is not None})
        try:
            with urllib.request.urlopen(req, timeout=15) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def raw(self, data: bytes, *, wait: float = 15) -> tuple[int, dict[str, str], dict]:
        """Bytes on a socket; the answer's status, headers and JSON body."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=wait) as connection:
            try:
                connection.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused before all was sent: the answer is still there to read
            answer = b""
            try:
                while chunk := connection.recv(65536):
                    answer += chunk
            except ConnectionResetError:
                pass
        head, _, body = answer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        return int(lines[0].split()[1]), headers, json.loads(body) if body else {}

    def healthy(self) -> bool:
        return self.request("/api/health")[0] == 200


@pytest.fixture
def api(python, subprocess_env, tmp_path) -> Iterator[Api]:
    env = dict(subprocess_env, WORKER_DATA_DIR=str(tmp_path / "data"))
    server = subprocess.Popen(
        [python, "-m", "worker", "serve", "--port", "0", "--allow-origin", "http://localhost:3000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        line = server.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), server.stderr.read()
        token_file = tmp_path / "data" / "api-token"
        assert token_file.stat().st_mode & 0o777 == 0o600
        yield Api(line.split()[-1], token_file.read_text().strip())
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=10)
        assert "Traceback" not in stderr


def test_health_reports_versions_and_queue(api: Api) -> None:
    status, body = api.request("/api/health", headers={"Authorization": None})
    assert status == 200
    assert body["status"] == "ok" and 28 in body["schema_versions"]


def test_an_event_is_accepted_once_and_becomes_an_observation(api: Api) -> None:
    payload = json.dumps(EVENT).encode()
    assert api.request("/api/events", "POST", payload) == (201, {"id": 1, "created": True})
    assert api.request("/api/events", "POST", payload) == (200, {"id": 1, "created": False})

    deadline = time.monotonic() + 10
    observations: list = []
    while not observations and time.monotonic() < deadline:
        time.sleep(0.1)
        observations = api.request("/api/observations")[1]["observations"]
    assert len(observations) == 1 and observations[0]["title"] == "Read"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "malformed JSON"),
        (b'{"tool_use_id": "t", "tool_name": "R"}', "missing field 'content_session_id'"),
        (b"\xff\xfe\x00", "malformed JSON"),
        (b"42", "must be a JSON object"),
        (json.dumps({**EVENT, "agent_type": ["a"]}).encode(), "field 'agent_type' must be a string"),
        (json.dumps({**EVENT, "agent_id": {"a": 1}}).encode(), "field 'agent_id' must be a string"),
        (b'{"content_session_id": "s", "tool_use_id": "t", "tool_name": "\\ud800"}', "lone surrogate"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"n": ' + b"9" * 5000 + b"}", "unreadable JSON value"),
    ],
)
def test_bad_events_are_a_400_with_a_json_error_and_store_nothing(api: Api, body: bytes, error: str) -> None:
    status, answer = api.request("/api/events", "POST", body)
    assert status == 400 and error in answer["error"]
    assert api.request("/api/health")[1]["queue"] == {}


@pytest.mark.parametrize("query", ["limit=abc", "limit=0", "limit=%C2%B2", "limit=1001", "limit=-1"])
def test_a_bad_limit_is_a_400(api: Api, query: str) -> None:
    status, body = api.request(f"/api/observations?{query}")
    assert status == 400 and "limit must be" in body["error"]


def test_unknown_paths_and_other_methods_are_json_with_allow(api: Api) -> None:
    assert api.request("/api/nothing")[0] == 404
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS"):
        status, headers, body = api.raw(f"{method} /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                        f"Authorization: Bearer {api.token}\r\nContent-Length: 0\r\n\r\n".encode())
        assert (status, headers["Allow"]) == (405, "POST") and "not allowed" in body["error"]
    status, headers, _ = api.raw(b"HEAD /api/observations HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert status == 401 and headers["Content-Type"] == "application/json"
    status, _, body = api.raw(b"BREW /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert status == 501 and body["error"]


@pytest.mark.parametrize(("request_bytes", "expected"), [
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414),
    (b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(200)) + b"\r\n",
     431),
])
def test_malformed_requests_are_json_errors_and_the_server_stays_up(api: Api, request_bytes: bytes,
                                                                    expected: int) -> None:
    status, headers, body = api.raw(request_bytes)
    assert status == expected and headers["Content-Type"] == "application/json" and body["error"]
    assert api.healthy()


def test_the_body_limit_holds_before_reading_and_a_short_body_times_out(api: Api) -> None:
    head = (f"POST /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {api.token}\r\n"
            "Content-Type: application/json\r\n")
    status, _, body = api.raw((head + "Content-Length: -1\r\n\r\n").encode() + b"x" * 2_000_000)
    assert status == 400 and "Content-Length" in body["error"]
    status, _, body = api.raw((head + "Content-Length: 99999999\r\n\r\n{}").encode())
    assert status == 413 and "larger" in body["error"]
    started = time.monotonic()
    status, _, body = api.raw((head + "Content-Length: 100\r\n\r\n{").encode(), wait=30)
    assert status == 408 and time.monotonic() - started < 25
    assert api.healthy()


def test_idle_connections_beyond_the_cap_get_503_with_the_true_reason(api: Api) -> None:
    idle = [socket.create_connection(("127.0.0.1", api.port)) for _ in range(64)]
    try:
        time.sleep(0.3)
        status, headers, body = api.raw(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert status == 503 and "too many connections" in body["error"] and headers["Retry-After"] == "1"
    finally:
        for connection in idle:
            connection.close()
    deadline = time.monotonic() + 20
    while not api.healthy() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert api.healthy()


# --- who may use it ---------------------------------------------------------------------------


def test_every_endpoint_but_health_requires_the_token(api: Api) -> None:
    for headers in ({"Authorization": None}, {"Authorization": "Bearer wrong"}):
        assert api.request("/api/observations", headers=headers)[0] == 401
        assert api.request("/api/events", "POST", json.dumps(EVENT).encode(), headers=headers)[0] == 401
    assert api.request("/api/health", headers={"Authorization": None})[0] == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                          None])
def test_a_cross_origin_simple_post_cannot_write(api: Api, content_type: str | None) -> None:
    status, _ = api.request("/api/events", "POST", json.dumps(EVENT).encode(),
                            headers={"Origin": "http://evil.example", "Content-Type": content_type})
    assert status == 403
    status, _ = api.request("/api/events", "POST", json.dumps(EVENT).encode(), headers={"Content-Type": content_type})
    assert status == 415
    assert api.request("/api/health")[1]["queue"] == {}


def test_a_rebinding_dns_name_gets_403_and_an_allowed_origin_is_served(api: Api) -> None:
    status, _, body = api.raw(f"GET /api/observations HTTP/1.1\r\nHost: evil.example:{api.port}\r\n"
                              f"Authorization: Bearer {api.token}\r\nConnection: close\r\n\r\n".encode())
    assert status == 403 and "not a loopback name" in body["error"]
    for host in ("localhost", f"127.0.0.1:{api.port}", f"[::1]:{api.port}"):
        assert api.request("/api/observations", headers={"Host": host})[0] == 200
    assert api.request("/api/observations", headers={"Origin": "http://localhost:3000"})[0] == 200
    assert api.request("/api/observations", headers={"Origin": "http://evil.example"})[0] == 403


def test_the_background_drain_sets_a_poison_message_aside_and_goes_on(api: Api, tmp_path) -> None:
    conn = sqlite3.connect(tmp_path / "data" / "worker.db")
    conn.execute("INSERT INTO pending_messages (content_session_id, tool_use_id, message_type, payload, status,"
                 " created_at_epoch) VALUES ('s0', 'poison', 'tool_use', '[not, json', 'pending', 1)")
    conn.commit()
    conn.close()
    assert api.request("/api/events", "POST", json.dumps(EVENT).encode())[0] == 201
    deadline = time.monotonic() + 10
    while api.request("/api/health")[1]["queue"].get("processed") != 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert api.request("/api/health")[1]["queue"] == {"failed": 1, "processed": 1}


def test_serving_beyond_loopback_says_the_token_protects_it(python, subprocess_env, tmp_path) -> None:
    env = dict(subprocess_env, WORKER_DATA_DIR=str(tmp_path / "data"))
    server = subprocess.Popen([python, "-m", "worker", "serve", "--host", "0.0.0.0", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        first = server.stdout.readline()
        assert "not loopback" in first and "requires the token" in first and "api-token" in first
        assert server.stdout.readline().startswith("listening on http://0.0.0.0:")
    finally:
        server.terminate()
        server.wait(timeout=10)
