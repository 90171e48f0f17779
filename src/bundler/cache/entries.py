"""Cache entries on disk: one JSON file per key in the project's build folder.

Safe under concurrent runs (two pre-commit hooks at once): an entry is written under a temporary
name and renamed into place, so a reader sees a whole entry or none; an entry that cannot be read
or understood is a miss, never an error. The folder is bounded: beyond its limits the entries
used least recently are removed. With ``os`` and ``json`` only: the replay reads entries before
anything else is imported.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

ENTRY_FORMAT = 1
MAX_ENTRIES = 32
MAX_BYTES = 32 * 1024 * 1024
CACHE_FOLDER = os.path.join("build", "bundler-cache")  # in the project's folder


def cache_folder(root: Path) -> Path:
    return root / CACHE_FOLDER


def read_entry(folder: str | os.PathLike[str], key: str) -> dict[str, Any] | None:
    """The entry stored under ``key``, or None: absent, torn, foreign or of another format."""
    path = os.path.join(folder, f"{key}.json")
    try:
        with open(path, "rb") as stream:
            entry = json.loads(stream.read())
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(entry, dict) or entry.get("format") != ENTRY_FORMAT or entry.get("key") != key:
        return None
    try:
        os.utime(path)  # used: the last to be evicted
    except OSError:
        pass
    return entry


def write_entry(folder: str | os.PathLike[str], key: str, entry: dict[str, Any]) -> None:
    """Store atomically, then evict beyond the bounds. A cache that cannot be written (a
    read-only checkout, a full disk) is no error: the next run checks again."""
    data = json.dumps({"format": ENTRY_FORMAT, "key": key, **entry}, separators=(",", ":")).encode()
    if len(data) > MAX_BYTES:
        return
    try:
        os.makedirs(folder, exist_ok=True)
        ignore = os.path.join(folder, ".gitignore")
        if not os.path.exists(ignore):
            with open(ignore, "w", encoding="utf-8") as stream:
                stream.write("# written by bundler check: its cache, never committed\n*\n")
        import tempfile  # only a miss writes

        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{key}.", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(data)
            os.replace(temporary, os.path.join(folder, f"{key}.json"))
        except BaseException:
            os.unlink(temporary)
            raise
        evict(folder)
    except OSError:
        pass


def evict(folder: str | os.PathLike[str]) -> None:
    """Remove the least recently used entries while there are too many or they weigh too much."""
    entries = []
    for name in os.listdir(folder):
        if not name.endswith(".json"):
            continue
        path = os.path.join(folder, name)
        try:
            found = os.stat(path)
        except OSError:  # removed meanwhile by another run's eviction
            continue
        entries.append((found.st_mtime_ns, found.st_size, path))
    entries.sort(reverse=True)
    kept = total = 0
    for _, size, path in entries:
        kept += 1
        total += size
        if kept > MAX_ENTRIES or total > MAX_BYTES:
            try:
                os.unlink(path)
            except FileNotFoundError:  # removed meanwhile by another run's eviction
                pass
