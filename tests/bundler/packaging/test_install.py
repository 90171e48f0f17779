"""bundler sync / rollback: atomic installs, a kept previous bundle, and refusal of bad bundles."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from bundler.packaging.build import sha256_of
from bundler.cli import main


@pytest.fixture
def project(built_project: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(built_project, copy)
    return copy


def cli(project: Path, *args: str) -> int:
    return main([args[0], "--config", str(project / "pyproject.toml"), *args[1:]])


def rewritten(bundle: Path, target: Path, member: str, change) -> Path:
    """A copy of ``bundle`` with one member's text changed."""
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(target, "w") as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == member:
                data = change(data.decode()).encode()
            copy.writestr(info, data)
    return target


def installed_sha(directory: Path) -> str:
    return sha256_of(directory / "worker-service.pyz")


def test_sync_installs_a_runnable_bundle_with_its_manifest(project: Path, tmp_path: Path, python: str, capsys) -> None:
    target = tmp_path / "install"
    assert cli(project, "sync", "--to", str(target)) == 0
    out = capsys.readouterr().out
    assert f"sync: installed {target / 'worker-service.pyz'}" in out
    assert "applies versions 4, 5, 6" in out.splitlines()[-1]

    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["sha256"] == installed_sha(target) == sha256_of(project / "build" / "worker-service.pyz")
    assert manifest["version"] == "0.1.0" and 28 in manifest["versions_applied"]
    assert {"source_commit", "built_at", "bundle"} <= set(manifest)
    env = dict(os.environ, SHIV_ROOT=str(tmp_path / "shiv"), WORKER_DATA_DIR=str(tmp_path / "data"))
    outputs = {}
    for command in ("--version", "migrate", "status"):
        result = subprocess.run([python, str(target / "worker-service.pyz"), command], capture_output=True, text=True,
                                env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        outputs[command] = result.stdout
    assert outputs["--version"].strip() == "worker-service 0.1.0"
    assert "worker_pid" in outputs["status"] and "schema versions: 4, 5" in outputs["status"]


def test_the_install_directory_comes_from_the_environment_by_default(project: Path) -> None:
    assert cli(project, "sync") == 0
    assert (Path(os.environ["BUNDLER_INSTALL_DIR"]) / "worker-service.pyz").is_file()


def test_syncing_the_same_bundle_again_changes_nothing(project: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "install"
    cli(project, "sync", "--to", str(target))
    release = os.readlink(target / "current")
    assert cli(project, "sync", "--to", str(target)) == 0
    assert "already this bundle" in capsys.readouterr().out
    assert os.readlink(target / "current") == release


def test_a_new_bundle_keeps_the_old_one_as_prev_and_rollback_restores_it(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "install"
    first = project / "build" / "worker-service.pyz"
    assert cli(project, "sync", "--to", str(target)) == 0
    second = rewritten(first, tmp_path / "second.pyz", "site-packages/worker/cli.py", lambda t: t + "\n# second\n")
    assert cli(project, "sync", "--to", str(target), "--bundle", str(second)) == 0
    assert installed_sha(target) == sha256_of(second)
    assert sha256_of(target / "worker-service.pyz.prev") == sha256_of(first)

    assert cli(project, "rollback", "--to", str(target)) == 0
    assert installed_sha(target) == sha256_of(first)
    assert json.loads((target / "manifest.json").read_text())["sha256"] == sha256_of(first)
    assert sha256_of(target / "worker-service.pyz.prev") == sha256_of(second)


def test_rollback_without_a_previous_bundle_is_exit_2(project: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "install"
    cli(project, "sync", "--to", str(target))
    assert cli(project, "rollback", "--to", str(target)) == 2
    assert "no previous bundle to roll back to" in capsys.readouterr().err


def test_a_bundle_that_does_not_verify_is_refused_and_the_install_untouched(project: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "install"
    cli(project, "sync", "--to", str(target))
    before = installed_sha(target)
    stale = rewritten(project / "build" / "worker-service.pyz", tmp_path / "stale.pyz",
                      "site-packages/worker/store/session_store.py",
                      lambda t: t.replace("            self._ensure_pending_claim_columns()\n", ""))
    assert cli(project, "sync", "--to", str(target), "--bundle", str(stale)) == 1
    assert "does not verify" in capsys.readouterr().err
    assert installed_sha(target) == before

    assert main(["check", "--config", str(project / "pyproject.toml"), "--bundle", str(stale), "--format", "json"]) == 1
    codes = {f["code"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert codes == {"stale-bundle", "missing-migration"}


def test_the_incident_fails_build_and_sync_and_leaves_the_install_byte_identical(project: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "install"
    assert cli(project, "build-and-sync", "--to", str(target)) == 0
    before = (target / "worker-service.pyz").read_bytes()
    store = project / "src" / "worker" / "store" / "session_store.py"
    store.write_text(store.read_text().replace("            self._ensure_pending_claim_columns()\n", ""))
    capsys.readouterr()

    assert cli(project, "build-and-sync", "--to", str(target)) == 1
    assert "never applies version 28" in capsys.readouterr().out
    assert (target / "worker-service.pyz").read_bytes() == before


def test_the_restart_command_runs_after_a_successful_install(project: Path, tmp_path: Path) -> None:
    config = project / "pyproject.toml"
    config.write_text(config.read_text().replace(
        '[tool.bundler]\n', '[tool.bundler]\nrestart-command = ["touch", "restarted"]\n', 1))
    target = tmp_path / "install"
    assert cli(project, "sync", "--to", str(target)) == 0
    assert (target / "restarted").exists()


def test_a_foreign_file_in_the_install_directory_is_not_overwritten(project: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "install"
    target.mkdir()
    (target / "worker-service.pyz").write_text("someone else's")
    assert cli(project, "sync", "--to", str(target)) == 2
    assert "did not install" in capsys.readouterr().err
    assert (target / "worker-service.pyz").read_text() == "someone else's"


def test_sync_killed_at_random_moments_leaves_a_complete_bundle_and_the_next_sync_succeeds(
    project: Path, tmp_path: Path, python: str, subprocess_env: dict
) -> None:
    """SIGKILL during `bundler sync`, 100 times: the install directory always holds the old or
    the new bundle, complete, with a manifest whose sha256 matches it."""
    import random
    import signal
    import time

    from bundler.config import load_config
    from bundler.packaging.install import sync

    config = load_config(str(project / "pyproject.toml"))
    target = tmp_path / "install"
    first = project / "build" / "worker-service.pyz"
    second = rewritten(first, tmp_path / "second.pyz", "site-packages/worker/cli.py", lambda t: t + "\n# second\n")
    bundles = {sha256_of(first): first, sha256_of(second): second}
    sync(config, first, target)

    def command(bundle: Path) -> list[str]:
        return [python, "-m", "bundler", "sync", "--config", str(config.source), "--to", str(target),
                "--bundle", str(bundle)]

    started = time.monotonic()
    subprocess.run(command(second), env=subprocess_env, capture_output=True, check=True)
    duration = time.monotonic() - started
    rng = random.Random(1125)
    for attempt in range(100):
        bundle = list(bundles.values())[attempt % 2]
        process = subprocess.Popen(command(bundle), env=subprocess_env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(duration * rng.random() ** 0.5)
        process.send_signal(signal.SIGKILL)
        process.wait()

        installed = installed_sha(target)
        manifest = json.loads((target / "manifest.json").read_text())
        assert installed in bundles, f"attempt {attempt}: an unknown bundle is installed"
        assert manifest["sha256"] == installed, f"attempt {attempt}: the manifest does not describe the bundle"

        recovered = sync(config, bundle, target)
        assert recovered.manifest.sha256 == installed_sha(target) == sha256_of(bundle)


def test_syncs_into_one_directory_at_the_same_time_take_turns(
    project: Path, tmp_path: Path, python: str, subprocess_env: dict
) -> None:
    """Two maintainers (or two CI jobs) syncing at once: each install completes, and the
    directory ends with one of the bundles current, the other previous, and nothing else."""
    target = tmp_path / "install"
    first = project / "build" / "worker-service.pyz"
    bundles = [first] + [rewritten(first, tmp_path / f"b{n}.pyz", "site-packages/worker/cli.py",
                                   lambda t, n=n: t + f"\n# {n}\n") for n in range(2)]
    digests = {sha256_of(bundle) for bundle in bundles}
    for attempt in range(5):
        processes = [
            subprocess.Popen([python, "-m", "bundler", "sync", "--config", str(project / "pyproject.toml"), "--to",
                              str(target), "--bundle", str(bundle)], env=subprocess_env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
            for bundle in bundles
        ]
        for process in processes:
            assert process.wait(timeout=120) == 0, f"attempt {attempt}: {process.stderr.read()}"  # type: ignore[union-attr]
        current, previous = installed_sha(target), sha256_of(target / "worker-service.pyz.prev")
        assert {current, previous} <= digests and current != previous
        assert json.loads((target / "manifest.json").read_text())["sha256"] == current
        assert json.loads((target / "previous" / "manifest.json").read_text())["sha256"] == previous
        assert sorted(p.name for p in (target / "releases").iterdir()) == sorted({current[:16], previous[:16]})
        assert not list(target.glob(".*.tmp"))


@pytest.mark.parametrize("command", ["sync", "rollback"])
def test_while_another_sync_holds_the_directory_nothing_is_changed(
    project: Path, tmp_path: Path, monkeypatch, capsys, command: str,
) -> None:
    import fcntl

    from bundler.packaging import install

    target = tmp_path / "install"
    first = project / "build" / "worker-service.pyz"
    second = rewritten(first, tmp_path / "second.pyz", "site-packages/worker/cli.py", lambda t: t + "\n# second\n")
    assert cli(project, "sync", "--to", str(target)) == 0
    assert cli(project, "sync", "--to", str(target), "--bundle", str(second)) == 0
    links = {name: os.readlink(target / name) for name in ("current", "previous")}
    capsys.readouterr()
    monkeypatch.setattr(install, "LOCK_WAIT", 0.3)
    with (target / install.LOCK_FILE).open("a") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        arguments = ["--bundle", str(first)] if command == "sync" else []
        assert cli(project, command, "--to", str(target), *arguments) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "another bundler sync or rollback is still using this install directory" in err
    assert {name: os.readlink(target / name) for name in ("current", "previous")} == links
    assert cli(project, command, "--to", str(target), *arguments) == 0  # once it is released


def no_space(path: object) -> OSError:
    return OSError(errno.ENOSPC, "No space left on device", str(path))


def test_sync_into_a_full_install_directory_is_one_line_exit_1_and_leaves_nothing_behind(
        project: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    target = tmp_path / "install"
    assert cli(project, "sync", "--to", str(target)) == 0
    before = installed_sha(target)
    second = rewritten(project / "build" / "worker-service.pyz", tmp_path / "second.pyz",
                       "site-packages/worker/cli.py", lambda t: t + "\n# second\n")

    def full_disk(source: Path, destination: Path) -> None:
        destination.write_bytes(b"partial")
        raise no_space(destination)

    monkeypatch.setattr("bundler.packaging.install.copy_with_fsync", full_disk)
    capsys.readouterr()
    assert cli(project, "sync", "--to", str(target), "--bundle", str(second)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "releases/." in err and "untouched" in err
    assert installed_sha(target) == before
    assert not list((target / "releases").glob(".*"))


def tree_of(directory: Path) -> dict[str, str]:
    """Every entry below ``directory``: links by target, files by content digest."""
    return {str(path.relative_to(directory)): os.readlink(path) if path.is_symlink() else
            sha256_of(path) if path.is_file() else "dir" for path in sorted(directory.rglob("*"))}


def test_sync_refuses_to_replace_another_projects_bundle(project: Path, built_app: Path, tmp_path: Path,
                                                          capsys) -> None:
    target = tmp_path / "install"
    assert cli(project, "sync", "--to", str(target)) == 0
    before = tree_of(target)
    capsys.readouterr()

    for command in ("sync", "build-and-sync", "rollback"):
        assert cli(built_app, command, "--to", str(target)) == 1
        captured = capsys.readouterr()
        err = captured.err
        assert err.count("\n") == 1 and captured.out == "", (err, captured.out)  # build-and-sync builds nothing
        assert f"{target}: holds worker-service.pyz of the project memory-worker, not of notes; nothing was changed" in err
        assert tree_of(target) == before


def test_a_manifest_from_before_projects_were_recorded_is_told_apart_by_its_bundle_name(
    project: Path, built_app: Path, tmp_path: Path, capsys,
) -> None:
    target = tmp_path / "install"
    assert cli(project, "sync", "--to", str(target)) == 0
    manifest = target / "current" / "manifest.json"
    old = {key: value for key, value in json.loads(manifest.read_text()).items() if key != "project"}
    manifest.write_text(json.dumps(old))
    assert cli(built_app, "sync", "--to", str(target)) == 1
    assert "holds worker-service.pyz of another project, not of notes" in capsys.readouterr().err
    assert cli(project, "sync", "--to", str(target)) == 0  # the worker itself still updates it
