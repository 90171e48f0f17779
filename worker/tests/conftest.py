"""Every test runs with its home and data folders pointed at temporary ones."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bundler.runtime.schema import rows_in_file
from worker.service import open_store
from worker.store.db import open_database
from worker.store.runner import MigrationRunner
from worker.store.shared import SharedDatabase

PROJECT = Path(__file__).resolve().parents[1]
INCIDENT_SQL = PROJECT / "tests" / "fixtures" / "db" / "incident_v29_without_28.sql"

REGISTERED_VERSIONS = [4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 20, 21, 22, 23, 24, 25, 27, 28, 29, 30]


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path_factory.mktemp("env")
    for variable, folder in (("HOME", "home"), ("WORKER_DATA_DIR", "data")):
        (root / folder).mkdir()
        monkeypatch.setenv(variable, str(root / folder))


@pytest.fixture
def subprocess_env() -> dict[str, str]:
    """The environment for running the worker in a child process, from this checkout."""
    return dict(os.environ, PYTHONPATH=str(PROJECT / "src"), PYTHONDONTWRITEBYTECODE="1")


@pytest.fixture
def python() -> str:
    return sys.executable


def table_contents(db_path: Path) -> dict[str, tuple[int, Counter]]:
    """Row count and the multiset of rows per user table, over the columns each table has now."""
    return {table: (sum(rows.values()), rows) for table, (_, rows) in rows_in_file(db_path).items()}


@pytest.fixture
def incident_db(tmp_path: Path) -> Path:
    """A database in the state the incident's store left: 29 recorded, 28 never applied."""
    path = tmp_path / "incident.db"
    conn = sqlite3.connect(path)
    conn.executescript(INCIDENT_SQL.read_text())
    conn.close()
    return path


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SharedDatabase]:
    """A migrated database as the server's threads share it."""
    open_store(tmp_path).close()
    shared = SharedDatabase(tmp_path / "worker.db", keep=4)
    yield shared
    shared.close()


@pytest.fixture
def runner_db(tmp_path: Path) -> Callable[[str], Path]:
    def make(name: str = "runner.db") -> Path:
        path = tmp_path / name
        conn = open_database(path)
        MigrationRunner(conn).run_all_migrations()
        conn.close()
        return path

    return make


# --- a real `worker-service serve` ------------------------------------------------------------

EVENT = {"content_session_id": "s1", "tool_use_id": "toolu_1", "tool_name": "Read", "tool_input": {"p": 1}}
# Short deadlines keep the tests of slow and idle clients short; the defaults are 5 s and 10 s.
SHORT_DEADLINES = ("--header-timeout", "2", "--body-timeout", "1")


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
        [python, "-m", "worker", "serve", "--port", "0", "--allow-origin", "http://localhost:3000", *SHORT_DEADLINES],
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
