"""Every test runs with its home and data folders pointed at temporary ones."""

from __future__ import annotations

import os
import sqlite3
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from bundler.schema import rows_in_file
from worker.store.db import open_database
from worker.store.runner import MigrationRunner

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
def runner_db(tmp_path: Path) -> Callable[[str], Path]:
    def make(name: str = "runner.db") -> Path:
        path = tmp_path / name
        conn = open_database(path)
        MigrationRunner(conn).run_all_migrations()
        conn.close()
        return path

    return make
