"""Timing helpers shared by the benchmarks. Each reports the best of several runs: on a shared
machine noise only ever adds time, so the minimum is the most repeatable figure."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def best_of(action: Callable[[], object], repeat: int) -> float:
    """Seconds of the fastest of ``repeat`` runs, after one untimed warm-up run."""
    action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def command_seconds(command: Sequence[str], cwd: Path, repeat: int, env: dict[str, str] | None = None) -> float:
    """Like ``best_of`` for a command; a command that fails (other than findings, exit 1) stops the run."""

    def run() -> None:
        result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=False)
        if result.returncode not in (0, 1):
            raise SystemExit(f"benchmark command failed: {' '.join(command)}\n{result.stderr.decode()}")

    return best_of(run, repeat)
