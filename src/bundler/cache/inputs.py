"""What a check's verdict depends on, and whether any of it changed since.

The key names what the command line and the environment fix before the check starts (the
configuration as loaded, the bundles named, the tool's own code, the Python and parser versions);
the dependencies are what the check found along the way: every file it read (with the content
hash), every file it looked for and did not find (a module lookup's miss: a new file there changes
the verdict), every folder it listed (a new version module changes the verdict).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bundler
from bundler.cache.replay import PARSERS
from bundler.config import Config
from bundler.files import files_in, python_files_under, sha256_of

# A file modified this recently may change again within the clock's resolution without its
# modification time moving: its size and time prove nothing, its content is hashed every time
# (git's "racily clean" entries).
RACY_NANOSECONDS = 2_000_000_000


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def state_of(path: Path, content_digest: str | None) -> dict[str, Any]:
    """A file as the check saw it: its hash (``None``: there was no file) and, unless it was
    modified too recently to tell, the size and time that let a later run skip re-hashing."""
    if content_digest is None:
        return {"sha256": None}
    try:
        found = os.stat(path)
    except OSError:
        return {"sha256": content_digest, "stat": None}
    settled = found.st_mtime_ns < time.time_ns() - RACY_NANOSECONDS
    return {"sha256": content_digest, "stat": [found.st_mtime_ns, found.st_size] if settled else None}


def state_on_disk(path: Path) -> dict[str, Any]:
    """A file the check opens by itself (a bundle, the baseline), hashed from disk."""
    return state_of(path, sha256_of(path) if path.is_file() else None)


def unchanged(path: Path, state: dict[str, Any]) -> bool:
    """Whether ``path`` still is what ``state`` recorded: same size and time, else same hash."""
    try:
        found = os.stat(path)
    except OSError:
        return state["sha256"] is None
    if not stat.S_ISREG(found.st_mode):
        return state["sha256"] is None
    if state["sha256"] is None:
        return False
    if state.get("stat") == [found.st_mtime_ns, found.st_size]:
        return True
    try:
        return sha256_of(path) == state["sha256"]
    except OSError:
        return False


@dataclass
class Dependencies:
    """Every input a check read (a ``ReadJournal``), as JSON-ready states keyed by absolute path."""

    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    folders: dict[str, list[str] | None] = field(default_factory=dict)
    trees: dict[str, list[str]] = field(default_factory=dict)  # root → the project's modules found below it

    def read(self, path: Path, data: bytes | None) -> None:
        self.files[str(path.absolute())] = state_of(path, None if data is None else digest(data))

    def listed(self, path: Path, names: list[str] | None) -> None:
        self.folders[str(path.absolute())] = names

    def walked(self, root: Path, relpaths: list[str]) -> None:
        self.trees[str(root.absolute())] = relpaths

    def opened(self, path: Path) -> None:
        self.files[str(path.absolute())] = state_on_disk(path)

    def as_json(self) -> dict[str, Any]:
        return {"files": self.files, "folders": self.folders, "trees": self.trees}

    def still_hold(self) -> bool:
        """Nothing read has changed, nothing missed has appeared, no folder listed has changed, no
        module has appeared in or left a tree walked."""
        try:
            return all(unchanged(Path(path), state) for path, state in self.files.items()) and \
                all(files_in(Path(folder)) == names for folder, names in self.folders.items()) and \
                all(python_files_under(root) == relpaths for root, relpaths in self.trees.items())
        except OSError:
            return False

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Dependencies:
        files, folders, trees = data["files"], data["folders"], data["trees"]
        if not isinstance(files, dict) or not isinstance(folders, dict) or not isinstance(trees, dict):
            raise TypeError("malformed dependencies")
        return cls(files, folders, trees)


def cache_key(config: Config, bundles: list[Path]) -> str:
    """What fixes the check before it reads anything: the configuration as loaded (command-line
    overrides, --select/--ignore and the repository root included), the bundles as named, whether
    each configured target is a file or a folder, the working folder, the tool's own code, Python,
    and the parsers' versions."""
    targets = [spec.target for spec in (config.runner, *config.stores, *config.fresh_stores, config.head,
                                        *config.records_nothing) if spec is not None]
    described = {
        "config": repr(config),
        "bundles": [str(bundle) for bundle in bundles],
        "targets": {target: (config.root / target).is_dir() for target in targets},
        "cwd": os.getcwd(),
        "tool": [bundler.__version__, tool_digest()],
        "python": [sys.version, sys.implementation.cache_tag],
        "parsers": parser_versions(),
    }
    return digest(json.dumps(described, sort_keys=True).encode())


def tool_digest() -> str:
    """The checker's own code, hashed: an edited checker (an editable install) is another tool."""
    hashed = hashlib.sha256()
    package = Path(bundler.__file__).parent
    for path in sorted(package.rglob("*.py")):
        hashed.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return hashed.hexdigest()


def parser_versions() -> dict[str, list[str]]:
    """Each parser's installed distribution: the first folder on the path that holds it, and
    the dist-info folder beside it that names its version. Found without importing it (nor
    importlib.metadata, which costs a warm check a third of its time)."""
    versions: dict[str, list[str]] = {name: [] for name in PARSERS}
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in PARSERS:
            if not versions[name] and (name in names or f"{name}.py" in names):
                versions[name] = [folder, *sorted(entry for entry in names if entry.startswith(f"{name}-"))]
        if all(versions.values()):
            break
    return versions
