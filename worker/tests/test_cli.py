"""worker-service in a subprocess, as a user or a hook runs it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from worker import __version__

from .conftest import REGISTERED_VERSIONS

EVENT = '{"content_session_id": "s1", "tool_use_id": "toolu_1", "tool_name": "Read", "tool_input": {"p": 1}}'


@pytest.fixture
def run(python, subprocess_env, tmp_path):
    def run(*args: str, stdin: str | None = None, data_dir: Path | None = None) -> subprocess.CompletedProcess:
        env = dict(subprocess_env, WORKER_DATA_DIR=str(data_dir or tmp_path / "data"))
        return subprocess.run(
            [python, "-m", "worker", *args], input=stdin, capture_output=True, text=True, env=env, timeout=60
        )

    return run


def assert_one_line_error(result: subprocess.CompletedProcess, code: int, text: str) -> None:
    assert result.returncode == code, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert text in result.stderr


def test_version(run) -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"worker-service {__version__}"


def test_migrate_creates_the_database_with_every_version(run, tmp_path) -> None:
    result = run("migrate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("versions " + ", ".join(map(str, REGISTERED_VERSIONS)))
    assert (tmp_path / "data" / "worker.db").exists()


def test_enqueue_process_and_status_end_to_end(run, tmp_path) -> None:
    assert "enqueued: message 1" in run("enqueue", EVENT).stdout
    assert "already queued: message 1" in run("enqueue", "-", stdin=EVENT).stdout
    assert run("process").stdout.strip() == "processed 1 message(s)"

    report = json.loads(run("status", "--json").stdout)
    assert report["schema_versions"] == REGISTERED_VERSIONS
    assert {"tool_use_id", "worker_pid"} <= set(report["pending_messages_columns"])
    assert report["queue"] == {"processed": 1}
    text = run("status").stdout
    assert "queue: processed 1" in text and "worker_pid" in text

    conn = sqlite3.connect(tmp_path / "data" / "worker.db")
    assert conn.execute("SELECT count(*) FROM observations").fetchone()[0] == 1


def test_the_data_directory_defaults_to_a_folder_under_home(python, subprocess_env, tmp_path) -> None:
    env = dict(subprocess_env, HOME=str(tmp_path / "home"))
    env.pop("WORKER_DATA_DIR")
    result = subprocess.run([python, "-m", "worker", "migrate"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "home" / ".memory-worker" / "worker.db").exists()


@pytest.mark.parametrize(
    ("args", "stdin", "text"),
    [
        (("enqueue", "{bad"), None, "malformed JSON"),
        (("enqueue", '{"tool_use_id": "t", "tool_name": "R"}'), None, "missing field 'content_session_id'"),
        (("enqueue", "-"), "[]", "stdin: an event must be a JSON object"),
        (("enqueue", EVENT[:-1] + ', "agent_type": ["a"]}'), None, "field 'agent_type' must be a string when given"),
        (("enqueue", EVENT[:-1] + ', "platform_source": {"a": 1}}'), None, "field 'platform_source' must be a string"),
        (("enqueue", "-"), EVENT[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
        (("enqueue", "-"), EVENT[:-1] + ', "tool_input": ' + "[" * 100 + "]" * 100 + "}",
         "field 'tool_input' is nested deeper than 64 levels"),
        (("frobnicate",), None, "invalid choice"),
        (("process", "--worker-pid", "abc"), None, "invalid int value"),
        (("serve", "--header-timeout", "0"), None, "'0' is not a number of seconds from 0 to 3600"),
        (("serve", "--body-timeout", "nan"), None, "'nan' is not a number of seconds"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_and_writes_nothing(run, tmp_path, args, stdin, text) -> None:
    run("migrate")
    assert_one_line_error(run(*args, stdin=stdin), 2, text)
    conn = sqlite3.connect(tmp_path / "data" / "worker.db")
    assert conn.execute("SELECT count(*) FROM pending_messages").fetchone()[0] == 0


def test_an_unusable_data_directory_is_exit_3(run, tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert_one_line_error(run("status", data_dir=blocker / "data"), 3, "data directory is not usable")


def test_a_file_that_is_not_sqlite_is_exit_3_and_left_alone(run, tmp_path) -> None:
    data = tmp_path / "junk"
    data.mkdir()
    junk = bytes(range(256)) * 20
    (data / "worker.db").write_bytes(junk)
    assert_one_line_error(run("status", data_dir=data), 3, "not a usable SQLite database")
    assert (data / "worker.db").read_bytes() == junk


def test_the_incident_database_with_orphan_rows_heals_keeps_them_and_reports_them(run, tmp_path, incident_db) -> None:
    data = tmp_path / "data"
    data.mkdir()
    path = data / "worker.db"
    conn = sqlite3.connect(incident_db)
    conn.execute("UPDATE pending_messages SET status = 'processed'")  # only the orphans matter here
    for n in range(3):  # SQLite enforces foreign keys only when asked: real databases hold these
        conn.execute("INSERT INTO observation_feedback (observation_id, signal, created_at_epoch) VALUES (?, 'up', 1)",
                     (9000 + n,))
        for table in ("observations", "session_summaries"):
            conn.execute(f"INSERT INTO {table} (memory_session_id, project, type, created_at, created_at_epoch)"
                         f" VALUES ('gone-{n}', 'p', 't', 'x', 1)" if table == "observations" else
                         f"INSERT INTO {table} (memory_session_id, project, created_at, created_at_epoch)"
                         f" VALUES ('gone-{n}', 'p', 'x', 1)")
        conn.execute("INSERT INTO user_prompts (content_session_id, prompt_number, prompt_text, created_at,"
                     " created_at_epoch) VALUES (?, 1, 'hi', 'x', 1)", (f"gone-{n}",))
    conn.commit()
    assert len(conn.execute("PRAGMA foreign_key_check").fetchall()) == 12
    conn.close()
    incident_db.rename(path)

    status = run("status", "--json", data_dir=data)
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["dangling_references"] == 12
    assert report["schema_versions"] == REGISTERED_VERSIONS
    assert run("process", data_dir=data).returncode == 0
    assert "dangling references: 12" in run("status", data_dir=data).stdout


def test_poison_ahead_of_good_messages_never_blocks_process(run, tmp_path) -> None:
    """Issue 21: rows no enqueue would accept today (written by an older version or another
    tool), ahead of 50 good ones."""
    run("migrate")
    conn = sqlite3.connect(tmp_path / "data" / "worker.db")
    poison = [{"agent_type": ["a"]}, {"agent_id": {"a": 1}}, {"platform_source": ["a"]},
              {"tool_input": json.loads("[" * 500 + "]" * 500)}]
    rows = [json.dumps({"tool_name": "Read", **extra}) for extra in poison]
    rows.append('{"tool_name": "Read", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    rows += [json.dumps({"tool_name": "Read", "n": n}) for n in range(50)]
    for number, payload in enumerate(rows):
        conn.execute("INSERT INTO pending_messages (content_session_id, tool_use_id, message_type, payload, status,"
                     " created_at_epoch) VALUES ('s', ?, 'tool_use', ?, 'pending', 1)", (f"t{number}", payload))
    conn.commit()
    conn.close()

    result = run("process")
    assert result.returncode == 0, result.stderr
    report = json.loads(run("status", "--json").stdout)
    assert report["queue"] == {"failed": 4, "processed": 51}
    reasons = sorted(failure["reason"] for failure in report["failed"])
    assert reasons[0].startswith("payload field 'agent_id' must be a string when given, not object")
    assert reasons[3] == "payload is not JSON (nested too deeply to read), not a JSON object"
