"""bundler build: a verified, smoke-run, reproducible zipapp, or nothing at all."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bundler.errors import BuildFailed
from bundler.packaging.build import (
    SHIV_WAITING, Step, build, bundle_path, run_shiv, sha256_of, silent, source_date_epoch, stage_install,
)
from bundler.packaging.project import packaging
from bundler.cli import main
from bundler.config import load_config

from tests.checkout import copy_project


def run_bundle(python: str, bundle: Path, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([python, str(bundle), *args], capture_output=True, text=True, env=env, timeout=120)


def test_the_built_bundle_runs_the_worker(built_project: Path, python: str, tmp_path: Path) -> None:
    bundle = built_project / "build" / "worker-service.pyz"
    env = dict(os.environ, SHIV_ROOT=str(tmp_path / "shiv"), WORKER_DATA_DIR=str(tmp_path / "data"))
    assert run_bundle(python, bundle, "--version", env=env).stdout.startswith("worker-service ")
    assert run_bundle(python, bundle, "migrate", env=env).returncode == 0
    status = run_bundle(python, bundle, "status", env=env)
    assert "worker_pid" in status.stdout and "28" in status.stdout


def test_the_archive_holds_sources_and_no_machine_paths(built_project: Path) -> None:
    bundle = built_project / "build" / "worker-service.pyz"
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        assert "site-packages/worker/store/session_store.py" in names
        assert not any(name.endswith(".pyc") or name.startswith("site-packages/bin/") for name in names)
        assert not any(name.endswith("direct_url.json") for name in names)
        blob = b"".join(archive.read(name) for name in names)
        [record] = [name for name in names if name.endswith(".dist-info/RECORD")]
        # the scripts name the building venv's interpreter: neither they nor their hashes ship
        assert not any(line.startswith("../../bin/") for line in archive.read(record).decode().splitlines())
    assert str(built_project).encode() not in blob
    assert bundle.read_bytes().startswith(b"#!/usr/bin/env python3\n")


def test_nothing_changed_means_up_to_date_and_untouched(built_project: Path, capsys) -> None:
    bundle = built_project / "build" / "worker-service.pyz"
    before = bundle.stat().st_mtime_ns
    assert main(["build", "--config", str(built_project / "pyproject.toml")]) == 0
    assert "is up to date" in capsys.readouterr().out
    assert bundle.stat().st_mtime_ns == before


def test_two_checkout_folders_build_the_same_bytes(built_project: Path, tmp_path: Path) -> None:
    other = copy_project(tmp_path / "elsewhere" / "checkout")
    record = build(load_config(str(other / "pyproject.toml")), silent)
    assert record.sha256 == sha256_of(built_project / "build" / "worker-service.pyz")
    assert sha256_of(bundle_path(load_config(str(other / "pyproject.toml")))) == record.sha256


def test_the_build_archives_what_shivs_own_command_line_builds(built_project: Path, tmp_path: Path) -> None:
    # the build starts shiv before the staging is done and lets it go once it is
    config = load_config(str(built_project / "pyproject.toml"))
    site_packages = stage_install(config, packaging(config), tmp_path)
    run_shiv(packaging(config), site_packages, tmp_path / "bare.pyz", source_date_epoch(built_project))
    assert sha256_of(tmp_path / "bare.pyz") == sha256_of(built_project / "build" / "worker-service.pyz")


def test_a_waiting_shiv_that_is_never_let_go_is_stopped_and_writes_nothing(tmp_path: Path) -> None:
    command = [sys.executable, "-c", SHIV_WAITING, "--site-packages", str(tmp_path), "--output-file",
               str(tmp_path / "out.pyz")]
    with Step("building the zipapp with shiv", command, cwd=tmp_path, waiting=True) as step:
        step.start()
        process = step._process
    assert process is not None and process.poll() is not None
    assert not (tmp_path / "out.pyz").exists()


def test_a_waiting_step_that_died_before_it_was_let_go_says_why(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "raise SystemExit('no interpreter for shiv here')"]
    with Step("building the zipapp with shiv", command, cwd=tmp_path, waiting=True) as step:
        step.start()
        assert step._process is not None
        step._process.wait()
        step.go()
        with pytest.raises(BuildFailed, match="building the zipapp with shiv failed: no interpreter for shiv here"):
            step.wait()


def test_source_date_epoch_from_the_environment_wins_over_the_last_commit(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert source_date_epoch(tmp_path) == 1700000000


@pytest.mark.parametrize("value, text", [("yesterday", "is not a number"), ("86400", "before 1980-01-01")])
def test_a_source_date_epoch_that_cannot_be_used_stops_the_build_at_once(
    built_project: Path, monkeypatch, capsys, value: str, text: str,
) -> None:
    bundle = built_project / "build" / "worker-service.pyz"
    before = bundle.stat().st_mtime_ns
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    assert main(["build", "--config", str(built_project / "pyproject.toml"), "--force"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SOURCE_DATE_EPOCH" in err and text in err
    assert bundle.stat().st_mtime_ns == before


def test_a_source_change_is_not_up_to_date(built_project: Path, tmp_path: Path, capsys) -> None:
    project = tmp_path / "changed"
    shutil.copytree(built_project, project)
    cli = project / "src" / "worker" / "cli.py"
    cli.write_text(cli.read_text() + "\n# a change that goes into the bundle\n")
    assert main(["build", "--config", str(project / "pyproject.toml")]) == 0
    out = capsys.readouterr().out
    assert "up to date" not in out and "build: build/worker-service.pyz sha256" in out


def test_the_incident_builds_nothing(built_project: Path, tmp_path: Path, capsys) -> None:
    project = tmp_path / "incident"
    shutil.copytree(built_project, project, ignore=shutil.ignore_patterns("build"))
    store = project / "src" / "worker" / "store" / "session_store.py"
    store.write_text(store.read_text().replace("            self._ensure_pending_claim_columns()\n", ""))

    assert main(["build", "--config", str(project / "pyproject.toml")]) == 1
    captured = capsys.readouterr()
    assert "never applies version 28" in captured.out
    assert "the source failed the check; nothing was changed" in captured.err
    assert not (project / "build" / "worker-service.pyz").exists()


def test_a_bundle_whose_smoke_run_fails_is_not_moved_into_place(built_project: Path, tmp_path: Path, capsys) -> None:
    """A mirror that records 28 with the wrong column type passes the static check only."""
    project = tmp_path / "drift"
    shutil.copytree(built_project, project, ignore=shutil.ignore_patterns("build"))
    steps = project / "src" / "worker" / "store" / "schema_steps.py"
    store = project / "src" / "worker" / "store" / "session_store.py"
    store.write_text(store.read_text().replace(
        "        steps.add_pending_claim_columns(self.conn)\n",
        '        steps.add_missing_columns(self.conn, "pending_messages", [("tool_use_id", "TEXT"), ("worker_pid", "TEXT")])\n',
    ))
    assert steps.exists()
    assert main(["build", "--config", str(project / "pyproject.toml")]) == 1
    captured = capsys.readouterr()
    assert "schema-drift" in captured.out and "worker_pid" in captured.out
    assert "on a fresh database inside the new bundle" in captured.out
    assert not (project / "build" / "worker-service.pyz").exists()
    assert not list((project / "build").glob(".*.tmp"))


def test_a_bundle_that_does_not_start_is_not_moved_into_place(built_project: Path, tmp_path: Path, capsys) -> None:
    """The stores are fine, so the static check passes; the console script's module is not."""
    project = tmp_path / "no-start"
    shutil.copytree(built_project, project, ignore=shutil.ignore_patterns("build"))
    cli = project / "src" / "worker" / "cli.py"
    cli.write_text(cli.read_text().replace("import argparse\n", "import argparse\nimport module_missing_from_the_bundle\n", 1))
    # shiv reports this as "module 'worker' has no attribute 'cli'"; the build names the cause.
    assert main(["build", "--config", str(project / "pyproject.toml")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "the bundle fails to start: ModuleNotFoundError: No module named 'module_missing_from_the_bundle'" in err
    assert not (project / "build" / "worker-service.pyz").exists()
    assert not list((project / "build").glob(".*.tmp"))


def test_a_bundle_that_hangs_on_start_is_stopped_and_not_moved_into_place(
    built_project: Path, tmp_path: Path, capsys,
) -> None:
    project = tmp_path / "hangs"
    shutil.copytree(built_project, project, ignore=shutil.ignore_patterns("build"))
    cli = project / "src" / "worker" / "cli.py"
    cli.write_text(cli.read_text().replace("import argparse\n", "import argparse\nimport time\ntime.sleep(600)\n", 1))
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("timeout = 60", "timeout = 3"))
    assert main(["build", "--config", str(pyproject)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the bundle fails to start" in err and "did not finish starting within 3 s" in err
    assert not (project / "build" / "worker-service.pyz").exists()


def test_a_project_without_a_name_cannot_be_built(tmp_path: Path, capsys) -> None:
    project = copy_project(tmp_path / "nameless")
    text = (project / "pyproject.toml").read_text().replace('name = "memory-worker"', 'name = ""')
    (project / "pyproject.toml").write_text(text)
    assert main(["build", "--config", str(project / "pyproject.toml")]) == 2
    assert "[project] name is required" in capsys.readouterr().err


@pytest.mark.parametrize("damage", ["truncated", "garbage", "no-store"])
def test_a_damaged_real_bundle_cannot_be_verified(built_project: Path, tmp_path: Path, damage: str, capsys) -> None:
    bundle = built_project / "build" / "worker-service.pyz"
    broken = tmp_path / "broken.pyz"
    data = bundle.read_bytes()
    if damage == "truncated":
        broken.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        broken.write_bytes(data[:100] + os.urandom(len(data) - 100))
    else:
        with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(broken, "w") as copy:
            for info in source.infolist():
                if not info.filename.endswith("store/session_store.py"):
                    copy.writestr(info, source.read(info))
    code = main(["check", "--config", str(built_project / "pyproject.toml"), "--bundle", str(broken)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and str(broken) in err


def test_a_build_with_a_full_tmpdir_is_one_line_exit_1_and_moves_nothing(built_project: Path, tmp_path: Path,
                                                                         capsys, monkeypatch) -> None:
    project = tmp_path / "project"
    shutil.copytree(built_project, project)
    bundle = project / "build" / "worker-service.pyz"
    before = sha256_of(bundle)

    def full_tmpdir(config, package, stage, output, epoch, *steps) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(stage / "site-packages"))

    monkeypatch.setattr("bundler.packaging.build.build_zipapp", full_tmpdir)
    assert main(["build", "--force", "--config", str(project / "pyproject.toml")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "site-packages: No space left on device; nothing was moved into place" in err
    assert sha256_of(bundle) == before
    assert not list(bundle.parent.glob(".*.tmp"))


def test_building_without_the_packagers_tools_names_the_extra_that_brings_them(
    codebase, monkeypatch, capsys,
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "shiv" else real(name, *a))
    monkeypatch.setattr("bundler.packaging.build.build_extra_command", lambda: "pip install 'x[build]'")
    assert main(["build", "--config", str(codebase() / "pyproject.toml")]) == 2
    assert capsys.readouterr().err.strip() == (
        "bundler: error: building a bundle needs shiv, the packager's tools: pip install 'x[build]'")


class Installed:
    """A distribution as importlib.metadata shows it, with the direct_url.json pip wrote."""

    def __init__(self, direct_url: str | None) -> None:
        self.direct_url = direct_url

    def read_text(self, name: str) -> str | None:
        return self.direct_url if name == "direct_url.json" else None


@pytest.mark.parametrize("direct_url, command", [
    ('{"url": "https://github.com/memory-worker/memory-worker", "vcs_info": {"vcs": "git", "commit_id": "abc123"}}',
     "pip install 'migration-bundler[build] @ git+https://github.com/memory-worker/memory-worker@abc123'"),
    ('{"url": "file:///opt/src/clone", "dir_info": {"editable": true}}', "pip install -e '/opt/src/clone[build]'"),
    ('{"url": "file:///opt/src/clone", "dir_info": {}}', "pip install '/opt/src/clone[build]'"),
    (None, "pip install 'migration-bundler[build] @ git+https://github.com/memory-worker/memory-worker'"),
])
def test_the_install_hint_installs_the_extra_from_where_bundler_came_from(monkeypatch, direct_url, command) -> None:
    """The distribution is not on the package index: the hint must name a source that has it."""
    import importlib.metadata

    from bundler.packaging.build import build_extra_command

    monkeypatch.setattr(importlib.metadata, "distribution", lambda name: Installed(direct_url))
    assert build_extra_command() == command


def test_verbose_build_times_each_step_on_its_own_line(built_project: Path, tmp_path: Path, capsys) -> None:
    project = tmp_path / "project"
    shutil.copytree(built_project, project)
    assert main(["-v", "build", "--force", "--config", str(project / "pyproject.toml"), "--color", "never"]) == 0
    lines = capsys.readouterr().out.splitlines()
    timed = {line.rsplit(" [", 1)[0]: line for line in lines if line.endswith(" s]")}
    for step in ("build: building the wheel: done", "build: installing the wheel: done",
                 "build: building the zipapp with shiv: done"):
        assert step in timed, lines
    assert "build: building the zipapp with shiv 1.0.8" in lines  # the shiv step says when it starts
    assert any(line.startswith("check: verified") for line in timed) and any(line.startswith("smoke: ") for line in timed)


def app_copy(built_app: Path, tmp_path: Path, files: dict[str, str]) -> Path:
    project = tmp_path / "notes"
    shutil.copytree(built_app, project)
    for name, text in files.items():
        (project / name).write_text(text)
    return project


def test_the_smoke_line_says_what_ran_and_no_more(built_app: Path, tmp_path: Path, capsys) -> None:
    project = app_copy(built_app, tmp_path, {})
    assert main(["build", "--force", "--config", str(project / "pyproject.toml")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "smoke: `notes --version` ran; 4 modules of notes import from the bundle" in lines  # no runtime configured
    assert any(line.startswith("verify: ") and " modules in the bundle compile; " in line for line in lines)
    assert "build: build/notes.pyz sha256 " in lines[-1] and lines[-1].endswith(", notes 0.1.0")


def test_a_module_that_does_not_compile_names_its_file_and_line_and_builds_nothing(
    built_app: Path, tmp_path: Path, capsys,
) -> None:
    project = app_copy(built_app, tmp_path, {"src/notes/extra.py": "VALUE = 1\ndef broken(:\n"})
    before = sha256_of(project / "build" / "notes.pyz")
    assert main(["build", "--config", str(project / "pyproject.toml")]) == 1
    err = capsys.readouterr().err
    assert err == ("bundler: error: src/notes/extra.py:2: does not compile (SyntaxError: invalid syntax);"
                   " nothing was moved into place\n")
    assert sha256_of(project / "build" / "notes.pyz") == before
    assert not list((project / "build").glob(".*.tmp"))


def test_a_module_that_no_command_imports_must_import_all_the_same(built_app: Path, tmp_path: Path, capsys) -> None:
    project = app_copy(built_app, tmp_path, {"src/notes/extra.py": "import a_module_nobody_installed\n"})
    assert main(["build", "--config", str(project / "pyproject.toml")]) == 1
    assert capsys.readouterr().err == ("bundler: error: the bundle fails to import notes.extra: ModuleNotFoundError:"
                                       " No module named 'a_module_nobody_installed'\n")


def test_a_syntax_error_in_a_worker_module_installs_nothing(built_project: Path, tmp_path: Path, capsys) -> None:
    """Issue 21: a broken http_api.py shipped, because --version never imports it."""
    project = tmp_path / "project"
    shutil.copytree(built_project, project)
    target = tmp_path / "install"
    assert main(["sync", "--config", str(project / "pyproject.toml"), "--to", str(target)]) == 0
    installed = sha256_of(target / "worker-service.pyz")
    http_api = project / "src" / "worker" / "http_api.py"
    text = http_api.read_text()
    http_api.write_text(text + "def broken(:\n")
    broken_line = text.count("\n") + 1
    capsys.readouterr()
    assert main(["build-and-sync", "--config", str(project / "pyproject.toml"), "--to", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"src/worker/http_api.py:{broken_line}: does not compile (SyntaxError" in err
    assert sha256_of(target / "worker-service.pyz") == installed


def test_the_workers_smoke_line_names_its_runtime_runs(built_project: Path, tmp_path: Path, capsys) -> None:
    project = tmp_path / "project"
    shutil.copytree(built_project, project)
    assert main(["build", "--force", "--config", str(project / "pyproject.toml")]) == 0
    [smoke] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("smoke: ")]
    assert smoke.startswith("smoke: `worker-service --version` ran; ") and " modules of worker import" in smoke
    assert smoke.endswith("; a fresh database and 1 upgrade fixture reach the full schema from it, every row kept")


SUPPRESSED_STORE_LINES = ("        self.create_notes()\n        self.add_tags()\n",
                          "        self.create_notes()  # bundler: ignore[missing-migration] the launcher adds tags\n")


def test_a_number_accepted_as_missing_is_not_claimed_as_applied(built_app: Path, tmp_path: Path, capsys) -> None:
    project = app_copy(built_app, tmp_path, {})
    store = project / "src" / "notes" / "store.py"
    store.write_text(store.read_text().replace(*SUPPRESSED_STORE_LINES))
    target = tmp_path / "install"
    assert main(["build-and-sync", "--config", str(project / "pyproject.toml"), "--to", str(target)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "check: verified: 1 path applies 1 of the 2 registered migrations, all but 2 (1 suppressed)" in lines
    [verify] = [line for line in lines if line.startswith("verify: ")]
    assert verify.endswith("apply 1 of the 2 registered migrations, all but 2")
    assert lines[-1].endswith("applies versions 1")
    assert json.loads((target / "manifest.json").read_text())["versions_applied"] == [1]
    assert json.loads((project / "build" / "notes.pyz.json").read_text())["versions_applied"] == [1]

