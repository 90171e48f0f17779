"""A repeated `bundler check` replayed before the command line is imported: the same output and
exit code as the full run, a miss on every kind of changed input, nothing kept for a command
line whose output is not a function of what it read, and a torn entry is a miss."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bundler import __main__ as entry
from bundler.cache import replay
from bundler.cache.entries import cache_folder

from .test_cache import BREAK_HELPER, CHANGES, CHECKER_FIXTURES, HELPERS, STORE, project  # noqa: F401 (a fixture)

PAST = itertools.count(1_000_000_000, 100)  # each settling another time long past


@pytest.fixture
def cache_in_a_temporary_folder() -> None:
    """Here the cache is where it lives: in the project's build folder."""


def settle(root: Path) -> None:
    """Every file of the project written long ago (a file written just now is not kept by size and time)."""
    stamp = next(PAST)
    for path in root.rglob("*"):
        if path.is_file() and cache_folder(root) not in path.parents:
            os.utime(path, (stamp, stamp))


def argv(root: Path, *args: str) -> list[str]:
    return ["check", "--config", str(root / "pyproject.toml"), *args]


def full_run(capsys, monkeypatch, root: Path, *args: str) -> tuple[int, str, str]:
    """The console script's answer, after making sure no replay answers it."""
    with monkeypatch.context() as patched:
        patched.setattr(sys, "argv", ["bundler", *argv(root, *args)])
        patched.setattr(entry, "replayed", lambda words: None)
        code = entry.main()
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def replayed(capsys, root: Path, *args: str) -> tuple[int, str, str] | None:
    """What the replay alone answers; None when it misses (then it printed nothing)."""
    code = replay.replayed(argv(root, *args))
    captured = capsys.readouterr()
    if code is None:
        assert captured.out == captured.err == ""
        return None
    return code, captured.out, captured.err


def replays(path: Path) -> list[Path]:
    return sorted(cache_folder(path).glob("*.replay"))


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
@pytest.mark.parametrize("passing", [True, False])
def test_a_repeated_check_prints_what_the_full_run_printed(project, capsys, monkeypatch, fmt, passing) -> None:  # noqa: F811
    if not passing:
        (project / "helpers.py").write_text(HELPERS.replace(*BREAK_HELPER[1:]))
    settle(project)
    assert replayed(capsys, project, "--format", fmt) is None
    full = full_run(capsys, monkeypatch, project, "--format", fmt)
    assert full[0] == (0 if passing else 1) and full[1]
    assert replayed(capsys, project, "--format", fmt) == full
    assert replayed(capsys, project, "--format", fmt, "--quiet") is None  # another command line


def test_the_console_script_replays_without_importing_the_command_line(project, python, subprocess_env) -> None:  # noqa: F811
    settle(project)
    probe = ("import sys\nfrom bundler.__main__ import main\ncode = main()\n"
             "print(sorted(m for m in ('bundler.cli', 'bundler.config', 'libcst', 'json') if m in sys.modules),"
             " file=sys.stderr)\nsys.exit(code)\n")
    command = [python, "-c", probe, *argv(project, "--format", "json")]
    cold, warm = (subprocess.run(command, capture_output=True, text=True, env=subprocess_env, check=False)
                  for _ in range(2))
    assert cold.stderr.strip() == "['bundler.cli', 'bundler.config', 'json', 'libcst']"
    assert warm.stderr.strip() == "[]"
    assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout) and '"findings"' in cold.stdout


@pytest.mark.parametrize("change", list(CHANGES))
def test_each_kind_of_input_changed_is_a_miss_and_the_full_answer(project, capsys, monkeypatch, change) -> None:  # noqa: F811
    for name, old, new in CHANGES[change]:
        settle(project)
        before = full_run(capsys, monkeypatch, project, "--format", "json")
        assert replayed(capsys, project, "--format", "json") == before
        path = project / name
        path.write_text(path.read_text().replace(old, new))
        settle(project)
        assert replayed(capsys, project, "--format", "json") is None
        after = full_run(capsys, monkeypatch, project, "--format", "json")
        assert after != before and replayed(capsys, project, "--format", "json") == after


def test_a_file_where_a_module_was_not_found_a_new_folder_entry_or_a_bundle_is_a_miss(project, capsys, monkeypatch, tmp_path) -> None:  # noqa: F811
    bundle = tmp_path / "app.pyz"
    with zipfile.ZipFile(bundle, "w") as archive:
        for name in ("helpers.py", "versions.py", "runner.py"):
            archive.writestr(f"site-packages/{name}", (project / name).read_text())
        archive.writestr("site-packages/store.py", STORE)
    settle(project)
    os.utime(bundle, (next(PAST),) * 2)
    for args in ((), ("--bundle", str(bundle))):
        full_run(capsys, monkeypatch, project, *args)
        assert replayed(capsys, project, *args) is not None
    (project / "src").mkdir()
    (project / "src" / "helpers.py").write_text(HELPERS)  # `import helpers` looked here first
    settle(project)
    assert replayed(capsys, project) is None
    full_run(capsys, monkeypatch, project)
    os.utime(bundle, (next(PAST),) * 2)
    assert replayed(capsys, project) is not None and replayed(capsys, project, "--bundle", str(bundle)) is None


def test_a_module_added_anywhere_in_the_project_is_a_miss_when_the_check_looked_among_them(capsys, monkeypatch, tmp_path) -> None:
    """The check looked for every add_tags of the project (a method called on an object it cannot
    know): a new module defining one, in a new folder, changes the answer."""
    root = tmp_path / "injected"
    shutil.copytree(CHECKER_FIXTURES / "injected_object", root)
    (root / "app" / "tagging.py").unlink()
    (root / "app" / "service.py").unlink()
    (root / "pyproject.toml").write_text((root / "injected.toml").read_text())
    settle(root)
    assert full_run(capsys, monkeypatch, root)[0] == 0
    assert replayed(capsys, root) is not None
    (root / "app" / "plugins").mkdir()
    (root / "app" / "plugins" / "notes.py").write_text("def add_notes_again():\n    pass\n")
    settle(root)
    assert replayed(capsys, root) is None


def test_how_the_configuration_is_found_is_part_of_the_answer(project, capsys, monkeypatch) -> None:  # noqa: F811
    """Without --config, a pyproject.toml in the current folder, nearer than the project's, is the
    configuration; a .git nearer than the repository's changes the paths in the report."""
    settle(project)
    inner = project / "inner"
    inner.mkdir()
    monkeypatch.chdir(inner)
    monkeypatch.setattr(sys, "argv", ["bundler", "check"])
    with monkeypatch.context() as patched:
        patched.setattr(entry, "replayed", lambda words: None)
        entry.main()
    capsys.readouterr()
    assert replay.replayed(["check"]) is not None
    capsys.readouterr()
    (project / ".git").mkdir()
    assert replay.replayed(["check"]) is None
    (project / ".git").rmdir()
    (inner / "pyproject.toml").write_text("[project]\nname = 'other'\n")
    assert replay.replayed(["check"]) is None


def test_the_environment_the_terminal_and_the_python_are_part_of_the_answer(project, capsys, monkeypatch) -> None:  # noqa: F811
    settle(project)
    full_run(capsys, monkeypatch, project)
    assert replayed(capsys, project) is not None
    for target, name, value in ((os.environ, "NO_COLOR", "1"), (os.environ, "FORCE_COLOR", "1"),
                                (sys, "version", "3.99"), (sys, "path", [*sys.path, "elsewhere"])):
        with monkeypatch.context() as patched:
            if target is os.environ:
                patched.setenv(name, value)
            else:
                patched.setattr(target, name, value)
            assert replayed(capsys, project) is None, name
    with monkeypatch.context() as patched:
        patched.setattr(sys.stdout, "isatty", lambda: True)
        assert replayed(capsys, project) is None


def test_the_tools_own_files_and_the_parsers_installed_are_looked_at() -> None:
    probes = replay.tool_probes(settled_before=2**63)
    package = Path(replay.__file__).parents[1]
    assert {Path(path) for kind, path, _ in probes if kind == "file"} == set(package.rglob("*.py")) - {
        path for path in package.rglob("*.py") if "__pycache__" in path.parts}
    listed = [path for kind, path, state in probes if kind == "names"]
    assert listed and any(name.startswith("libcst-") for name in probes[-1][2].split("/"))


@pytest.mark.parametrize("args", [("--verbose",), ("--format", "sarif"), ("--no-cache",), ("--output", "report.txt"),
                                  ("--sarif", "also.sarif"), ("--list-codes",)])
def test_a_command_line_whose_output_is_not_a_function_of_its_inputs_is_never_kept(project, capsys, monkeypatch, args) -> None:  # noqa: F811
    settle(project)
    monkeypatch.chdir(project)
    full_run(capsys, monkeypatch, project, *args)
    assert replays(project) == []


def test_nothing_is_kept_while_a_file_read_is_too_recent_to_trust_its_time(project, capsys, monkeypatch) -> None:  # noqa: F811
    settle(project)
    (project / "helpers.py").write_text(HELPERS)  # just now
    full_run(capsys, monkeypatch, project)
    assert replays(project) == []
    settle(project)
    full_run(capsys, monkeypatch, project)
    assert len(replays(project)) == 1


def test_a_torn_or_foreign_entry_is_a_miss_that_prints_nothing(project, capsys, monkeypatch) -> None:  # noqa: F811
    settle(project)
    full_run(capsys, monkeypatch, project)
    [kept] = replays(project)
    data = kept.read_bytes()
    for damaged in (data[: len(data) // 2], b"", b"3:abc", data.replace(b"1:0", b"1:7"), b"\xff" * 10,
                    data.replace(b"4:file", b"4:elif")):
        kept.write_bytes(damaged)
        assert replayed(capsys, project) is None
