"""Timing helpers shared by the benchmarks: the two sides of a ratio are measured alternately.
Most figures are the best of several runs: on a shared machine noise only ever adds time, so
the minimum is the most repeatable figure."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def paired_runs(first: Callable[[], object], second: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """Both actions' times, measured alternately after one warm-up each, so a burst of load on
    this shared machine falls on both sides of a ratio instead of skewing one of them."""
    first()
    second()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for action, bucket in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            action()
            bucket.append(time.perf_counter() - start)
    return times


def paired_best_of(first: Callable[[], object], second: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Both actions' best times, measured alternately (see ``paired_runs``)."""
    first_times, second_times = paired_runs(first, second, repeat)
    return min(first_times), min(second_times)


def run_command(command: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Callable[[], None]:
    """An action running ``command``; a failure (other than findings, exit 1) stops the benchmark."""

    def run() -> None:
        result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=False)
        if result.returncode not in (0, 1):
            raise SystemExit(f"benchmark command failed: {' '.join(command)}\n{result.stderr.decode()}")

    return run
