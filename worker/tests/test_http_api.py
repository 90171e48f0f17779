"""The JSON HTTP API, served by a real `worker-service serve` on an ephemeral loopback port, and
spoken to over real sockets: every answer is JSON with the right status, the server stays up, and
neither a web page the user visits nor a rebinding DNS name can use it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time

import pytest

from .conftest import EVENT, Api


def test_health_reports_versions_and_queue(api: Api) -> None:
    status, body = api.request("/api/health", headers={"Authorization": None})
    assert status == 200
    assert body["status"] == "ok" and 28 in body["schema_versions"]
    assert body["drain"] == {"running": True, "restarts": 0}


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
        (json.dumps({**EVENT, "platform_source": ["a"]}).encode(), "field 'platform_source' must be a string"),
        (json.dumps({**EVENT, "tool_input": json.loads("[" * 100 + "]" * 100)}).encode(),
         "field 'tool_input' is nested deeper than 64 levels"),
        (b'{"content_session_id": "s", "tool_use_id": "t", "tool_name": "\\ud800"}', "lone surrogate"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (json.dumps(EVENT)[:-1].encode() + b', "tool_input": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
         "nested too deeply"),
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
    for method in ("BREW", "TRACE"):
        status, headers, body = api.raw(f"{method} /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        assert (status, headers["Content-Type"]) == (501, "application/json") and method in body["error"]
    status, headers, body = api.raw(b"GET /api/health HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n")
    assert (status, headers["Content-Type"]) == (505, "application/json") and "2.0" in body["error"]


def test_a_bad_request_line_is_a_json_error_and_the_server_stays_up(api: Api) -> None:
    for request_bytes, expected in ((b"GARBAGE\r\n\r\n", 400),
                                    (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414)):
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
    status, _, body = api.raw((head + "Content-Length: 100\r\n\r\n{").encode())
    assert status == 408 and "body" in body["error"]
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


def test_the_background_drain_sets_poison_aside_and_goes_on(api: Api, tmp_path) -> None:
    """Issue 21's poison, as rows an older version or another tool wrote, ahead of posted events."""
    conn = sqlite3.connect(tmp_path / "data" / "worker.db")
    poison = ["[not, json", json.dumps({"tool_name": "R", "agent_type": ["a"]}),
              json.dumps({"tool_name": "R", "agent_id": {"a": 1}}), json.dumps({"tool_name": "R", "platform_source": []}),
              '{"tool_name": "R", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"]
    for number, payload in enumerate(poison):
        conn.execute("INSERT INTO pending_messages (content_session_id, tool_use_id, message_type, payload, status,"
                     " created_at_epoch) VALUES ('s0', ?, 'tool_use', ?, 'pending', 1)", (f"poison{number}", payload))
    conn.commit()
    conn.close()
    for number in range(20):
        event = json.dumps({**EVENT, "tool_use_id": f"toolu_{number}"}).encode()
        assert api.request("/api/events", "POST", event)[0] == 201
    deadline = time.monotonic() + 30
    while api.request("/api/health")[1]["queue"].get("processed") != 20 and time.monotonic() < deadline:
        time.sleep(0.1)
    health = api.request("/api/health")[1]
    assert health["queue"] == {"failed": 5, "processed": 20}
    assert health["status"] == "ok" and health["drain"] == {"running": True, "restarts": 0}


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
