"""Terminal manners: colour only on a terminal and never with NO_COLOR; --quiet, --verbose, --help, --version."""

from __future__ import annotations

import os
import pty
import subprocess
from pathlib import Path

import pytest

from bundler import __version__
from bundler.cli import main

from tests.bundler.conftest import STORE

FAILING_STORE = STORE.replace("        self.m28()\n", "")
ESCAPE = "\033["


def run_on_terminal(command: list[str], env: dict[str, str], cwd: Path) -> str:
    """Run with standard output on a pseudo-terminal; returns what it printed there."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, stdout=follower, stderr=follower, env=env, cwd=cwd)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode()


@pytest.fixture
def failing(codebase) -> Path:
    return codebase(store__py=FAILING_STORE)


def test_colour_on_a_terminal(failing: Path, python: str, subprocess_env: dict) -> None:
    subprocess_env.pop("NO_COLOR", None)
    subprocess_env["TERM"] = "xterm"
    output = run_on_terminal([python, "-m", "bundler", "check"], subprocess_env, failing)
    assert f"{ESCAPE}1;31mmissing-migration" in output


def test_no_colour_with_no_color_even_on_a_terminal(failing: Path, python: str, subprocess_env: dict) -> None:
    subprocess_env["NO_COLOR"] = "1"
    output = run_on_terminal([python, "-m", "bundler", "check"], subprocess_env, failing)
    assert "missing-migration" in output and ESCAPE not in output


def test_no_colour_when_piped(failing: Path, python: str, subprocess_env: dict) -> None:
    result = subprocess.run([python, "-m", "bundler", "check"], cwd=failing, env=subprocess_env,
                            capture_output=True, text=True, timeout=60)
    assert "missing-migration" in result.stdout and ESCAPE not in result.stdout + result.stderr


@pytest.mark.parametrize(("env", "flag", "coloured"), [
    ({"FORCE_COLOR": "1"}, None, True),
    ({"FORCE_COLOR": "0"}, None, False),
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, None, False),
    ({}, "--color=always", True),
    ({"FORCE_COLOR": "1"}, "--color=never", False),
    ({"NO_COLOR": "1"}, "--color=always", True),
])
def test_force_color_and_the_color_flag_when_piped(failing: Path, python: str, subprocess_env: dict, env, flag,
                                                    coloured) -> None:
    subprocess_env.pop("NO_COLOR", None)
    command = [python, "-m", "bundler", *([flag] if flag else []), "check"]
    result = subprocess.run(command, cwd=failing, env={**subprocess_env, **env}, capture_output=True, text=True,
                            timeout=60)
    assert "missing-migration" in result.stdout and (ESCAPE in result.stdout) is coloured


def test_quiet_prints_nothing_on_success_and_only_findings_on_failure(codebase, capsys) -> None:
    root = codebase()
    assert main(["check", "--quiet", "--config", str(root / "pyproject.toml")]) == 0
    assert capsys.readouterr().out == ""
    (root / "store.py").write_text(FAILING_STORE)
    assert main(["check", "-q", "--config", str(root / "pyproject.toml")]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and "missing-migration" in lines[0]


def test_verbose_shows_what_was_extracted(codebase, capsys) -> None:
    assert main(["check", "--verbose", "--config", str(codebase() / "pyproject.toml")]) == 0
    out = capsys.readouterr().out
    assert "MigrationRunner.run_all_migrations (runner.py:5) applies 27, 28" in out
    assert "Store.__init__ (store.py:2) applies 27, 28" in out


def test_quiet_and_verbose_together_are_a_usage_error(codebase, capsys) -> None:
    assert main(["check", "-q", "-v", "--config", str(codebase() / "pyproject.toml")]) == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"bundler {__version__}"


@pytest.mark.parametrize("command", ["check", "build", "sync", "rollback", "build-and-sync", "version-bump"])
def test_every_command_has_help_with_an_example(command: str, capsys) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    assert "example:\n  bundler " in out and "--quiet" in out and "--verbose" in out
