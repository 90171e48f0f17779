"""`make check` and `make build-and-sync` end with the tool's own exit code, as the README says."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.checkout import REPOSITORY, copy_tracked

STORE = Path("worker/src/worker/store/session_store.py")


@pytest.fixture
def checkout(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the repository, and a venv folder for it whose installation is up to date and
    whose bundler is this one (so make installs nothing)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    root = copy_tracked(REPOSITORY, tmp_path / "checkout")
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "bundler").symlink_to(Path(sys.executable).parent / "bundler")
    (venv / ".installed").touch()
    return root, venv


def make(checkout: tuple[Path, Path], *goals: str) -> subprocess.CompletedProcess:
    root, venv = checkout
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    return subprocess.run(["make", *goals, f"VENV={venv}"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)


def break_store(root: Path, old: str, new: str) -> None:
    store = root / STORE
    store.write_text(store.read_text().replace(old, new, 1))


def test_make_check_exits_0_when_verified(checkout) -> None:
    result = make(checkout, "check")
    assert result.returncode == 0 and "verified: 1 path applies all 20 registered migrations" in result.stderr


def test_make_check_exits_1_on_findings(checkout) -> None:
    break_store(checkout[0], "            self._ensure_pending_claim_columns()\n", "")
    result = make(checkout, "check")
    assert result.returncode == 1, result.stderr
    assert "missing-migration" in result.stderr


def test_make_check_exits_2_when_it_cannot_verify(checkout) -> None:
    break_store(checkout[0], "self._record_version(27)", "self._record_version(VERSION_X)")
    result = make(checkout, "check")
    assert result.returncode == 2 and "cannot resolve the version number statically" in result.stderr


def test_make_build_and_sync_exits_1_when_the_source_fails_its_check(checkout) -> None:
    break_store(checkout[0], "            self._ensure_pending_claim_columns()\n", "")
    result = make(checkout, "build-and-sync")
    assert result.returncode == 1 and "the source failed the check; nothing was changed" in result.stderr
    assert not (checkout[0] / "worker" / "build" / "worker-service.pyz").exists()
