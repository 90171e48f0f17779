"""The ecosystem check on real projects' code (issue 18), when their snapshots are on this machine.

CI has none, so there it is skipped, saying why. With snapshots, a state whose result changed
against ecosystem/known-differences.txt fails: a new difference, or a known one that now passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import RUN_PY

KNOWN = RUN_PY.parent / "known-differences.txt"


@pytest.mark.slow
def test_every_state_gives_its_verdict_or_a_known_difference(runner: ModuleType):
    snapshots = Path(os.environ.get(runner.SNAPSHOTS_VARIABLE) or runner.DEFAULT_SNAPSHOTS)
    states = runner.load_states(runner.PROJECTS)
    present = [s for s in states if not s.unavailable and runner.snapshot_git_dir(snapshots, s.repository).is_dir()]
    if not present:
        pytest.skip(f"no repository snapshot in {snapshots} (set {runner.SNAPSHOTS_VARIABLE}; "
                    "ecosystem/README.md says how to fetch them)")
    done = subprocess.run([sys.executable, str(RUN_PY), "--snapshots", str(snapshots), "--known", str(KNOWN)],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
