"""The JSON HTTP API, served by a real `worker-service serve` on an ephemeral loopback port."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

EVENT = {"content_session_id": "s1", "tool_use_id": "toolu_1", "tool_name": "Read", "tool_input": {"p": 1}}


@pytest.fixture
def base_url(python, subprocess_env, tmp_path) -> Iterator[str]:
    env = dict(subprocess_env, WORKER_DATA_DIR=str(tmp_path / "data"))
    server = subprocess.Popen(
        [python, "-m", "worker", "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env,
    )
    try:
        line = server.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), server.stderr.read()
        yield line.split()[-1]
    finally:
        server.terminate()
        server.wait(timeout=10)


def request(url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_health_reports_versions_and_queue(base_url: str) -> None:
    status, body = request(f"{base_url}/api/health")
    assert status == 200
    assert body["status"] == "ok" and 28 in body["schema_versions"]


def test_an_event_is_accepted_once_and_becomes_an_observation(base_url: str) -> None:
    payload = json.dumps(EVENT).encode()
    assert request(f"{base_url}/api/events", "POST", payload) == (201, {"id": 1, "created": True})
    assert request(f"{base_url}/api/events", "POST", payload) == (200, {"id": 1, "created": False})

    deadline = time.monotonic() + 10
    observations: list = []
    while not observations and time.monotonic() < deadline:
        time.sleep(0.1)
        observations = request(f"{base_url}/api/observations")[1]["observations"]
    assert len(observations) == 1 and observations[0]["title"] == "Read"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "malformed JSON"),
        (b'{"tool_use_id": "t", "tool_name": "R"}', "missing field 'content_session_id'"),
        (b"\xff\xfe\x00", "malformed JSON"),
        (b"42", "must be a JSON object"),
    ],
)
def test_bad_events_are_a_400_with_a_json_error_and_store_nothing(base_url: str, body: bytes, error: str) -> None:
    status, answer = request(f"{base_url}/api/events", "POST", body)
    assert status == 400 and error in answer["error"]
    assert request(f"{base_url}/api/health")[1]["queue"] == {}


def test_bad_requests_are_4xx_with_json(base_url: str) -> None:
    assert request(f"{base_url}/api/nothing")[0] == 404
    assert request(f"{base_url}/api/observations?limit=abc")[0] == 400
    assert request(f"{base_url}/api/observations?limit=0")[0] == 400
    status, body = request(f"{base_url}/api/events", "POST", b"{}", {"Content-Length": "99999999"})
    assert status == 413 and "larger" in body["error"]
