"""Checkouts in other folders, for the tests and benchmarks that build from them."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
WORKER_PROJECT = REPOSITORY / "worker"


def copy_tracked(folder: Path, destination: Path) -> Path:
    """``folder``'s tracked files (as they are in the working tree) copied to ``destination``,
    without .git: a checkout in another folder, for builds that must not touch this one."""
    listed = subprocess.run(["git", "ls-files", "-z", "--", "."], cwd=folder, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = folder / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    return destination


def copy_project(destination: Path) -> Path:
    """A checkout of the worker project, the one this repository builds."""
    return copy_tracked(WORKER_PROJECT, destination)
